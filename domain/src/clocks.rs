//! Deadline policies and complaint clocks.
//!
//! Each complaint runs two clocks (acknowledgement and resolution), and a
//! third (the seven-day progress notice) where its policy has that duty,
//! against a [`PolicyRules`] chosen by facility and program. Instants are stored in UTC;
//! day arithmetic happens in the facility's IANA time zone ([`Tz`]).
//!
//! Conventions used throughout:
//! * **Hours** are absolute elapsed time (DST never changes them).
//! * **Calendar days** keep the local wall-clock time. A local time that does
//!   not exist (spring-forward gap) is shifted forward by the length of the
//!   gap (02:30 on a day that jumps 02:00→03:00 becomes 03:30, the same rule as
//!   `java.time` and RFC 5545); an ambiguous local time (fall-back) takes the
//!   earlier instant.
//! * **Business days** are Monday–Friday in the facility's local calendar.
//!   There is **no holiday calendar**. See [`due_at`] for the counting rule.
//! * Limits that compare spans of different units use [`approx_hours`]
//!   (a calendar or business day counts as 24 hours).
//! * All computed instants are truncated to whole microseconds.

use chrono::{
    DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    SubsecRound, TimeDelta, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::spelled::spelled_enum;
use std::fmt;

use super::FieldError;
use super::text::{Summary, TextKind};

mod extension;
pub use extension::check_extension;

/// Longest span allowed in a policy, in (calendar or business) days.
pub const MAX_DAYS: u32 = 365;
/// Longest span allowed in a policy, in hours.
pub const MAX_HOURS: u32 = 8760;
/// Most extensions a policy may allow.
pub const MAX_EXTENSIONS_CAP: u32 = 10;
/// Longest extension reason, in characters after trimming (a [`Summary`]).
pub const MAX_REASON_CHARS: usize = Summary::MAX;

spelled_enum! {
    /// The unit of a deadline span.
    pub enum TimeUnit {
        /// Local calendar days, keeping the wall-clock time.
        CalendarDays = "CALENDAR_DAYS",
        /// Monday to Friday in the facility's time zone (no holiday calendar).
        BusinessDays = "BUSINESS_DAYS",
        /// Absolute hours.
        Hours = "HOURS",
    }
}

spelled_enum! {
    /// The regulatory program a deadline policy serves.
    pub enum Program {
        /// CMS Conditions of Participation for hospitals (42 CFR 482.13).
        CmsHospital = "CMS_HOSPITAL",
        /// Medicare Advantage grievances (42 CFR 422.564).
        MedicareAdvantage = "MEDICARE_ADVANTAGE",
        /// Medicaid managed care grievances (42 CFR 438.408).
        MedicaidManagedCare = "MEDICAID_MANAGED_CARE",
        /// Commercial payers; defaults mirror the CMS hospital policy.
        Commercial = "COMMERCIAL",
    }
}

spelled_enum! {
    /// Which clock of a complaint.
    pub enum ClockKind {
        /// Acknowledge (or resolve) within the policy's time.
        Acknowledgement = "ACKNOWLEDGEMENT",
        /// Resolve (written response for a grievance) within the policy's time.
        Resolution = "RESOLUTION",
        /// Tell the complainant, while the grievance is still unresolved,
        /// that it is being worked and when the written response will come
        /// (CMS hospital: by day 7, A-0122). Met by a sent progress notice,
        /// or by resolution within the period; only where the policy has
        /// the duty ([`PolicyRules::progress_notice`]).
        ProgressNotice = "PROGRESS_NOTICE",
    }
}

spelled_enum! {
    /// Where a clock stands at a given instant (derived, never stored).
    pub enum ClockStatus {
        /// Not met, not yet past due.
        Running = "RUNNING",
        /// Not met and past due.
        Overdue = "OVERDUE",
        /// Met at or before the due instant.
        MetOnTime = "MET_ON_TIME",
        /// Met after the due instant.
        MetLate = "MET_LATE",
        /// Never met: the complaint was withdrawn (or otherwise finished)
        /// first, so the clock no longer runs.
        Stopped = "STOPPED",
    }
}

/// A period such as "7 calendar days" or "24 hours".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    /// How many units.
    pub amount: u32,
    /// Which unit.
    pub unit: TimeUnit,
}

impl Span {
    /// Shorthand constructor.
    pub const fn new(amount: u32, unit: TimeUnit) -> Self {
        Span { amount, unit }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match (self.unit, self.amount == 1) {
            (TimeUnit::CalendarDays, true) => "calendar day",
            (TimeUnit::CalendarDays, false) => "calendar days",
            (TimeUnit::BusinessDays, true) => "business day",
            (TimeUnit::BusinessDays, false) => "business days",
            (TimeUnit::Hours, true) => "hour",
            (TimeUnit::Hours, false) => "hours",
        };
        write!(f, "{} {unit}", self.amount)
    }
}

/// Approximate length of a span in hours, used only for limits and sanity
/// checks (never for due dates): a calendar day **and a business day** count
/// as 24 hours.
pub fn approx_hours(span: Span) -> u64 {
    let amount = u64::from(span.amount);
    match span.unit {
        TimeUnit::Hours => amount,
        TimeUnit::CalendarDays | TimeUnit::BusinessDays => amount * 24,
    }
}

/// The deadline rules of one policy.
///
/// Invariant (checked by [`validate_rules`]): `max_extension` is `None`
/// exactly when `max_extensions == 0`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRules {
    /// Time allowed to acknowledge receipt.
    pub acknowledgement: Span,
    /// Time allowed to resolve.
    pub resolution: Span,
    /// Time allowed to resolve an expedited complaint, if the policy has one.
    pub expedited_resolution: Option<Span>,
    /// How many extensions may be granted on one complaint.
    pub max_extensions: u32,
    /// Longest single extension.
    pub max_extension: Option<Span>,
    /// Time by which an unresolved complaint owes the complainant a
    /// progress notice; `None` where the policy has no such duty (no
    /// clock is run). Absent in documents written before this rule.
    #[serde(default)]
    pub progress_notice: Option<Span>,
}

impl PolicyRules {
    /// The resolution span to use: `expedited_resolution` when `expedited`
    /// and the policy has one, otherwise the standard `resolution` (an
    /// expedited complaint under a policy without an expedited span runs on
    /// the standard clock).
    pub fn resolution_for(&self, expedited: bool) -> Span {
        match (expedited, self.expedited_resolution) {
            (true, Some(span)) => span,
            _ => self.resolution,
        }
    }
}

/// Checks a policy, reporting every problem at once.
///
/// Rules: every amount ≥ 1; a day span at most [`MAX_DAYS`], an hour span at
/// most [`MAX_HOURS`]; acknowledgement not longer than resolution and
/// expedited resolution not longer than standard resolution, both compared
/// with [`approx_hours`] (a business day counts as 24 h for this sanity check
/// only); `max_extensions` ≤ [`MAX_EXTENSIONS_CAP`]; `max_extension` present
/// exactly when `max_extensions > 0`; a progress notice, when present, like
/// any span. It may be longer than the resolution: a complaint still
/// unresolved at the notice's due time owes the notice all the same.
pub fn validate_rules(rules: &PolicyRules) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    check_span(&mut errors, "acknowledgement", rules.acknowledgement);
    check_span(&mut errors, "resolution", rules.resolution);
    if approx_hours(rules.acknowledgement) > approx_hours(rules.resolution) {
        errors.push(FieldError::new(
            &["input", "acknowledgement"],
            format!(
                "acknowledgement ({}) must not be longer than resolution ({})",
                rules.acknowledgement, rules.resolution
            ),
        ));
    }
    if let Some(expedited) = rules.expedited_resolution {
        check_span(&mut errors, "expeditedResolution", expedited);
        if approx_hours(expedited) > approx_hours(rules.resolution) {
            errors.push(FieldError::new(
                &["input", "expeditedResolution"],
                format!(
                    "expedited resolution ({expedited}) must not be longer than resolution ({})",
                    rules.resolution
                ),
            ));
        }
    }
    if let Some(notice) = rules.progress_notice {
        check_span(&mut errors, "progressNotice", notice);
    }
    if rules.max_extensions > MAX_EXTENSIONS_CAP {
        errors.push(FieldError::new(
            &["input", "maxExtensions"],
            format!("must be at most {MAX_EXTENSIONS_CAP}"),
        ));
    }
    match (rules.max_extensions, rules.max_extension) {
        (0, Some(_)) => errors.push(FieldError::new(
            &["input", "maxExtension"],
            "must be empty when maxExtensions is 0",
        )),
        (n, None) if n > 0 => errors.push(FieldError::new(
            &["input", "maxExtension"],
            "is required when maxExtensions is greater than 0",
        )),
        (_, Some(span)) => check_span(&mut errors, "maxExtension", span),
        _ => {}
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn check_span(errors: &mut Vec<FieldError>, field: &str, span: Span) {
    let cap = match span.unit {
        TimeUnit::Hours => MAX_HOURS,
        TimeUnit::CalendarDays | TimeUnit::BusinessDays => MAX_DAYS,
    };
    if span.amount < 1 {
        errors.push(FieldError::new(
            &["input", field, "amount"],
            "must be at least 1",
        ));
    } else if span.amount > cap {
        let unit = if span.unit == TimeUnit::Hours {
            "hours"
        } else {
            "days"
        };
        errors.push(FieldError::new(
            &["input", field, "amount"],
            format!("must be at most {cap} {unit}"),
        ));
    }
}

/// Default rules for a program.
///
/// * `CMS_HOSPITAL` (42 CFR 482.13) and `COMMERCIAL`: acknowledge in 7
///   calendar days, resolve in 30 calendar days, no expedited span, no
///   extensions; a progress notice by day 7 (7 calendar days) while the
///   grievance is unresolved (Interpretive Guidelines A-0122: a grievance
///   not resolved within 7 days gets a written notice that it is still being
///   worked). `COMMERCIAL` mirrors it: the Conditions of Participation bind
///   the hospital whoever pays.
/// * The managed-care programs below have no progress-notice duty by
///   default (`None`); a facility configures one if it wants the clock.
/// * `MEDICARE_ADVANTAGE` (42 CFR 422.564): resolve in 30 calendar days,
///   expedited in 24 hours, one extension of up to 14 calendar days. The
///   7-calendar-day acknowledgement is a house choice: 422.564 sets none.
/// * `MEDICAID_MANAGED_CARE` (42 CFR 438.408): resolve in 90 calendar days
///   (the regulatory maximum), one extension of up to 14 calendar days. 438.406(b)(1)
///   requires acknowledgement but sets no time; 5 business days is a house choice.
pub fn default_rules(program: Program) -> PolicyRules {
    use TimeUnit::{BusinessDays, CalendarDays, Hours};
    match program {
        Program::CmsHospital | Program::Commercial => PolicyRules {
            acknowledgement: Span::new(7, CalendarDays),
            resolution: Span::new(30, CalendarDays),
            expedited_resolution: None,
            max_extensions: 0,
            max_extension: None,
            progress_notice: Some(Span::new(7, CalendarDays)),
        },
        Program::MedicareAdvantage => PolicyRules {
            acknowledgement: Span::new(7, CalendarDays),
            resolution: Span::new(30, CalendarDays),
            expedited_resolution: Some(Span::new(24, Hours)),
            max_extensions: 1,
            max_extension: Some(Span::new(14, CalendarDays)),
            progress_notice: None,
        },
        Program::MedicaidManagedCare => PolicyRules {
            acknowledgement: Span::new(5, BusinessDays),
            resolution: Span::new(90, CalendarDays),
            expedited_resolution: None,
            max_extensions: 1,
            max_extension: Some(Span::new(14, CalendarDays)),
            progress_notice: None,
        },
    }
}

/// The instant `span` after `start`, computed in the facility zone `tz`.
///
/// * `HOURS`: `start + amount` hours of elapsed time.
/// * `CALENDAR_DAYS`: same local wall-clock time `amount` local dates later;
///   a nonexistent local time moves forward by the gap length, an ambiguous
///   one takes the earlier instant.
/// * `BUSINESS_DAYS`: the start date itself never counts; count `amount`
///   Mon–Fri dates after it (no holidays) and the clock is **due before 00:00
///   local on the day after the last counted date**, i.e. the result is that
///   local midnight. Example: "2 business days" from Friday 10:00, Saturday
///   10:00 or Sunday 10:00 counts Monday and Tuesday, so it is due at
///   Wednesday 00:00 local; from Monday 10:00 it is due Thursday 00:00.
///
/// An `amount` of 0 returns `start`. Results outside chrono's range saturate at
/// `DateTime::<Utc>::MAX_UTC`. Truncated to microseconds; never panics.
pub fn due_at(start: DateTime<Utc>, tz: Tz, span: Span) -> DateTime<Utc> {
    let due = if span.amount == 0 {
        Some(start)
    } else {
        match span.unit {
            TimeUnit::Hours => start.checked_add_signed(TimeDelta::hours(i64::from(span.amount))),
            TimeUnit::CalendarDays => local_of(tz, start.naive_utc()).and_then(|local| {
                local
                    .checked_add_days(Days::new(u64::from(span.amount)))
                    .map(|local| resolve_local(tz, local))
            }),
            TimeUnit::BusinessDays => local_of(tz, start.naive_utc())
                .and_then(|local| nth_business_day_after(local.date(), span.amount))
                .and_then(|day| day.succ_opt())
                .map(|next| resolve_local(tz, next.and_time(NaiveTime::MIN))),
        }
    };
    due.unwrap_or(DateTime::<Utc>::MAX_UTC).trunc_subsecs(6)
}

/// Moves a due instant by an extension; identical to [`due_at`] from
/// `current_due`.
pub fn extend(current_due: DateTime<Utc>, tz: Tz, by: Span) -> DateTime<Utc> {
    due_at(current_due, tz, by)
}

fn is_business_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The `n`th Mon–Fri date strictly after `date` (`n` ≥ 1).
fn nth_business_day_after(date: NaiveDate, n: u32) -> Option<NaiveDate> {
    // A weekend start counts like the Friday before it: the start date never
    // counts and neither do Saturday and Sunday.
    let mut day = match date.weekday() {
        Weekday::Sat => date.pred_opt()?,
        Weekday::Sun => date.pred_opt()?.pred_opt()?,
        _ => date,
    };
    // From a weekday, every 5 business days is exactly one week.
    day = day.checked_add_days(Days::new(u64::from(n / 5) * 7))?;
    let mut left = n % 5;
    while left > 0 {
        day = day.succ_opt()?;
        if is_business_day(day) {
            left -= 1;
        }
    }
    Some(day)
}

/// Local wall-clock time of the UTC instant `utc` in `tz`; `None` when it
/// falls outside chrono's range (so extreme inputs cannot panic).
fn local_of(tz: Tz, utc: NaiveDateTime) -> Option<NaiveDateTime> {
    utc.checked_add_offset(tz.offset_from_utc_datetime(&utc).fix())
}

/// Converts a local wall-clock time in `tz` to UTC (gap → shift forward by
/// the gap length; ambiguous → earlier instant).
pub(crate) fn resolve_local(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        LocalResult::None => after_gap(tz, local),
    }
}

fn after_gap(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    // Interpret the local time with the offset in force before the gap: the
    // resulting instant reads `local + gap` on the wall clock.
    let before = local.checked_sub_days(Days::new(1)).unwrap_or(local);
    let offset = tz.offset_from_utc_datetime(&before).fix().local_minus_utc();
    let candidate = local.checked_sub_signed(TimeDelta::seconds(i64::from(offset)));
    if let Some(utc) = candidate
        && local_of(tz, utc).is_some_and(|shifted| shifted > local)
    {
        return Utc.from_utc_datetime(&utc);
    }
    // Unusual zone history: take the first valid local minute after `local`.
    let mut probe = local;
    for _ in 0..(48 * 60) {
        match probe.checked_add_signed(TimeDelta::minutes(1)) {
            Some(next) => probe = next,
            None => break,
        }
        if let Some(t) = tz.from_local_datetime(&probe).earliest() {
            return t.with_timezone(&Utc);
        }
    }
    Utc.from_utc_datetime(&local)
}

/// One running or finished clock of a complaint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClockState {
    /// Which clock.
    pub kind: ClockKind,
    /// When the clock started (normally receipt).
    pub started_at: DateTime<Utc>,
    /// When it is due (after any extensions).
    pub due_at: DateTime<Utc>,
    /// When it was met, if it has been.
    pub met_at: Option<DateTime<Utc>>,
}

impl ClockState {
    /// Whether the clock has been met.
    pub fn is_met(&self) -> bool {
        self.met_at.is_some()
    }

    /// `None` if not met; otherwise whether it was met at or before `due_at`.
    pub fn met_on_time(&self) -> Option<bool> {
        self.met_at.map(|met| met <= self.due_at)
    }

    /// Not met and `now` is strictly after `due_at`.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        !self.is_met() && now > self.due_at
    }

    /// The clock's status as of `now`.
    pub fn status(&self, now: DateTime<Utc>) -> ClockStatus {
        match self.met_on_time() {
            Some(true) => ClockStatus::MetOnTime,
            Some(false) => ClockStatus::MetLate,
            None if self.is_overdue(now) => ClockStatus::Overdue,
            None => ClockStatus::Running,
        }
    }
}

/// Initial `(acknowledgement_due, resolution_due)` for a complaint received
/// at `received_at` in zone `tz`.
///
/// Resolution uses [`PolicyRules::resolution_for`] (expedited span when
/// `expedited` and the policy has one, else the standard span). The
/// acknowledgement is never due later than the resolution (the earlier of
/// the two is used).
pub fn initial_due(
    rules: &PolicyRules,
    received_at: DateTime<Utc>,
    tz: Tz,
    expedited: bool,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let resolution = due_at(received_at, tz, rules.resolution_for(expedited));
    let acknowledgement = due_at(received_at, tz, rules.acknowledgement).min(resolution);
    (acknowledgement, resolution)
}

/// When the progress notice of a complaint received at `received_at` in
/// zone `tz` is due: [`due_at`] of the policy's span from receipt (the
/// expedited flag does not change it), `None` where the policy has no such
/// duty.
pub fn progress_notice_due(
    rules: &PolicyRules,
    received_at: DateTime<Utc>,
    tz: Tz,
) -> Option<DateTime<Utc>> {
    rules
        .progress_notice
        .map(|span| due_at(received_at, tz, span))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use TimeUnit::{BusinessDays as BD, CalendarDays as CD, Hours as H};
    use chrono_tz::America::{Chicago, New_York};
    use chrono_tz::Europe::London;
    use chrono_tz::Pacific::{Apia, Honolulu, Kiritimati};
    use chrono_tz::UTC;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn fields(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(|e| e.field.join(".")).collect()
    }

    type DueCase = (Tz, &'static str, u32, &'static str, &'static str);

    fn run(unit: TimeUnit, cases: &[DueCase]) {
        for &(tz, start, amount, want, label) in cases {
            let got = due_at(t(start), tz, Span::new(amount, unit));
            assert_eq!(got, t(want), "{label}: {start} + {amount} {unit:?} in {tz}");
        }
    }

    #[test]
    #[rustfmt::skip]
    fn due_at_calendar_days() {
        run(CD, &[
            (UTC, "2026-01-10T10:00:00Z", 7, "2026-01-17T10:00:00Z", "utc"),
            (Chicago, "2026-03-07T18:00:00Z", 1, "2026-03-08T17:00:00Z", "chi spring: 23h day"),
            (Chicago, "2026-02-01T05:30:00Z", 30, "2026-03-03T05:30:00Z", "chi month end"),
            (New_York, "2026-03-07T07:30:00Z", 1, "2026-03-08T07:30:00Z", "ny gap: 02:30 -> 03:30 EDT"),
            (New_York, "2026-10-31T05:30:00Z", 1, "2026-11-01T05:30:00Z", "ny ambiguous 01:30 -> EDT"),
            (New_York, "2026-10-31T16:00:00Z", 1, "2026-11-01T17:00:00Z", "ny fall: 25h day"),
            (London, "2026-03-28T09:00:00Z", 1, "2026-03-29T08:00:00Z", "lon spring"),
            (London, "2026-03-28T01:30:00Z", 1, "2026-03-29T01:30:00Z", "lon gap: 01:30 -> 02:30 BST"),
            (London, "2026-10-24T00:30:00Z", 1, "2026-10-25T00:30:00Z", "lon ambiguous 01:30 -> BST"),
            (Honolulu, "2026-03-07T20:00:00Z", 30, "2026-04-06T20:00:00Z", "hnl: no DST"),
            (Apia, "2011-12-29T22:00:00Z", 1, "2011-12-30T22:00:00Z", "apia: skipped whole day"),
        ]);
    }

    #[test]
    #[rustfmt::skip]
    fn due_at_hours_are_absolute() {
        run(H, &[
            (New_York, "2026-03-08T06:00:00Z", 24, "2026-03-09T06:00:00Z", "ny spring"),
            (New_York, "2026-11-01T04:00:00Z", 24, "2026-11-02T04:00:00Z", "ny fall"),
            (London, "2026-10-24T23:30:00Z", 48, "2026-10-26T23:30:00Z", "lon fall"),
            (Chicago, "2026-03-07T18:00:00Z", 24, "2026-03-08T18:00:00Z", "chi spring"),
            (Honolulu, "2026-01-05T18:00:00Z", 24, "2026-01-06T18:00:00Z", "hnl"),
            (UTC, "2026-01-05T18:00:00Z", 0, "2026-01-05T18:00:00Z", "zero amount"),
        ]);
    }

    #[test]
    #[rustfmt::skip]
    fn due_at_business_days() {
        // Chicago is CST (-6) in January; starts are 10:00 local; Mon 2026-01-05.
        run(BD, &[
            (Chicago, "2026-01-05T16:00:00Z", 2, "2026-01-08T06:00:00Z", "mon -> thu 00:00"),
            (Chicago, "2026-01-06T16:00:00Z", 2, "2026-01-09T06:00:00Z", "tue -> fri 00:00"),
            (Chicago, "2026-01-07T16:00:00Z", 2, "2026-01-10T06:00:00Z", "wed -> sat 00:00"),
            (Chicago, "2026-01-08T16:00:00Z", 2, "2026-01-13T06:00:00Z", "thu -> tue 00:00"),
            (Chicago, "2026-01-09T16:00:00Z", 2, "2026-01-14T06:00:00Z", "fri -> wed 00:00"),
            (Chicago, "2026-01-10T16:00:00Z", 2, "2026-01-14T06:00:00Z", "sat -> wed 00:00"),
            (Chicago, "2026-01-11T16:00:00Z", 2, "2026-01-14T06:00:00Z", "sun -> wed 00:00"),
            (Chicago, "2026-01-12T16:00:00Z", 2, "2026-01-15T06:00:00Z", "mon -> thu 00:00"),
            (Chicago, "2026-01-10T05:30:00Z", 2, "2026-01-14T06:00:00Z", "fri 23:30 local (sat UTC)"),
            (Chicago, "2026-01-09T16:00:00Z", 1, "2026-01-13T06:00:00Z", "fri +1"),
            (Chicago, "2026-01-09T16:00:00Z", 5, "2026-01-17T06:00:00Z", "fri +5"),
            (Chicago, "2026-01-10T16:00:00Z", 5, "2026-01-17T06:00:00Z", "sat +5"),
            (Chicago, "2026-01-11T16:00:00Z", 6, "2026-01-20T06:00:00Z", "sun +6"),
            (Chicago, "2026-01-07T16:00:00Z", 10, "2026-01-22T06:00:00Z", "wed +10"),
            (London, "2026-01-05T09:00:00Z", 2, "2026-01-08T00:00:00Z", "lon"),
            (Honolulu, "2026-01-05T18:00:00Z", 1, "2026-01-07T10:00:00Z", "hnl"),
            (UTC, "2026-01-04T12:00:00Z", 1, "2026-01-06T00:00:00Z", "utc sun"),
            (New_York, "2026-03-06T15:00:00Z", 2, "2026-03-11T04:00:00Z", "ny spring week: EDT midnight"),
            (New_York, "2026-10-29T14:00:00Z", 2, "2026-11-03T05:00:00Z", "ny fall week: EST midnight"),
            (London, "2026-03-27T10:00:00Z", 1, "2026-03-30T23:00:00Z", "lon spring week: BST midnight"),
        ]);
    }

    #[test]
    fn due_at_truncates_and_never_panics() {
        let start = t("2026-01-05T10:00:00.123456789Z");
        let want = t("2026-01-05T11:00:00.123456Z");
        assert_eq!(due_at(start, UTC, Span::new(1, H)), want);
        let max = DateTime::<Utc>::MAX_UTC.trunc_subsecs(6);
        for tz in [New_York, Kiritimati] {
            for unit in TimeUnit::ALL {
                assert_eq!(due_at(max, tz, Span::new(u32::MAX, *unit)), max);
                let _ = due_at(DateTime::<Utc>::MIN_UTC, tz, Span::new(3, *unit));
            }
        }
    }

    #[test]
    fn extend_moves_due() {
        let got = extend(t("2026-03-07T17:00:00Z"), New_York, Span::new(14, CD));
        assert_eq!(got, t("2026-03-21T16:00:00Z"));
    }

    #[test]
    fn enums_round_trip() {
        for u in TimeUnit::ALL {
            assert_eq!(TimeUnit::parse(u.as_str()), Some(*u));
        }
        for p in Program::ALL {
            assert_eq!(Program::parse(p.as_str()), Some(*p));
        }
        for k in ClockKind::ALL {
            assert_eq!(ClockKind::parse(k.as_str()), Some(*k));
        }
        for s in ClockStatus::ALL {
            assert_eq!(ClockStatus::parse(s.as_str()), Some(*s));
        }
        assert_eq!(TimeUnit::parse("calendar_days"), None);
        assert_eq!(TimeUnit::CalendarDays.as_str(), "CALENDAR_DAYS");
        assert_eq!(Program::parse("CMS_HOSPITAL"), Some(Program::CmsHospital));
    }

    #[test]
    fn default_rules_all_validate() {
        for p in Program::ALL {
            assert_eq!(validate_rules(&default_rules(*p)), Ok(()), "{p:?}");
        }
        let ma = default_rules(Program::MedicareAdvantage);
        assert_eq!(ma.expedited_resolution, Some(Span::new(24, H)));
        let cms = default_rules(Program::CmsHospital);
        assert_eq!(default_rules(Program::Commercial), cms);
        let mc = default_rules(Program::MedicaidManagedCare);
        assert_eq!(mc.acknowledgement, Span::new(5, BD));
        assert_eq!(mc.resolution, Span::new(90, CD));
        // The seven-day progress notice is the CMS hospital duty (and
        // COMMERCIAL's, which mirrors it); the managed-care programs have none.
        let notice: &[(Program, Option<Span>)] = &[
            (Program::CmsHospital, Some(Span::new(7, CD))),
            (Program::Commercial, Some(Span::new(7, CD))),
            (Program::MedicareAdvantage, None),
            (Program::MedicaidManagedCare, None),
        ];
        for (p, want) in notice {
            assert_eq!(default_rules(*p).progress_notice, *want, "{p:?}");
        }
    }

    #[test]
    fn policy_documents_without_a_progress_notice_read_as_none() {
        let json = r#"{"acknowledgement":{"amount":7,"unit":"CALENDAR_DAYS"},
            "resolution":{"amount":30,"unit":"CALENDAR_DAYS"},
            "expeditedResolution":null,"maxExtensions":0,"maxExtension":null}"#;
        let rules: PolicyRules = serde_json::from_str(json).unwrap();
        assert_eq!(rules.progress_notice, None);
    }

    #[test]
    #[rustfmt::skip]
    fn progress_notice_due_under_each_policy() {
        // Saturday 7 March 2026 12:00 EST; DST starts Sunday 8 March.
        let received = t("2026-03-07T17:00:00Z");
        let hours = PolicyRules { progress_notice: Some(Span::new(72, H)), ..default_rules(Program::MedicareAdvantage) };
        let business = PolicyRules { progress_notice: Some(Span::new(5, BD)), ..default_rules(Program::MedicaidManagedCare) };
        let cases: &[(&str, PolicyRules, Tz, Option<&str>)] = &[
            // 7 calendar days keep the local 12:00 across the DST change.
            ("cms", default_rules(Program::CmsHospital), New_York, Some("2026-03-14T16:00:00Z")),
            ("commercial", default_rules(Program::Commercial), New_York, Some("2026-03-14T16:00:00Z")),
            ("cms utc", default_rules(Program::CmsHospital), UTC, Some("2026-03-14T17:00:00Z")),
            ("medicare advantage: no duty", default_rules(Program::MedicareAdvantage), New_York, None),
            ("medicaid: no duty", default_rules(Program::MedicaidManagedCare), New_York, None),
            ("configured hours", hours, New_York, Some("2026-03-10T17:00:00Z")),
            ("configured business days", business, New_York, Some("2026-03-14T04:00:00Z")),
        ];
        for (label, rules, tz, want) in cases {
            assert_eq!(validate_rules(rules), Ok(()), "{label}");
            assert_eq!(progress_notice_due(rules, received, *tz), want.map(t), "{label}");
        }
    }

    #[test]
    #[rustfmt::skip]
    fn validate_rules_refusals() {
        let base = default_rules(Program::MedicareAdvantage);
        let cases: Vec<(PolicyRules, Vec<&str>)> = vec![
            (PolicyRules { acknowledgement: Span::new(0, CD), ..base.clone() }, vec!["input.acknowledgement.amount"]),
            (PolicyRules { resolution: Span::new(366, CD), ..base.clone() }, vec!["input.resolution.amount"]),
            (PolicyRules { resolution: Span::new(8761, H), ..base.clone() }, vec!["input.resolution.amount"]),
            (PolicyRules { acknowledgement: Span::new(31, CD), ..base.clone() }, vec!["input.acknowledgement"]),
            (PolicyRules { acknowledgement: Span::new(721, H), ..base.clone() }, vec!["input.acknowledgement"]),
            (PolicyRules { expedited_resolution: Some(Span::new(31, CD)), ..base.clone() }, vec!["input.expeditedResolution"]),
            (PolicyRules { expedited_resolution: Some(Span::new(0, H)), ..base.clone() }, vec!["input.expeditedResolution.amount"]),
            (PolicyRules { max_extensions: 11, ..base.clone() }, vec!["input.maxExtensions"]),
            (PolicyRules { max_extension: None, ..base.clone() }, vec!["input.maxExtension"]),
            (PolicyRules { max_extensions: 0, ..base.clone() }, vec!["input.maxExtension"]),
            (PolicyRules { max_extension: Some(Span::new(0, CD)), ..base.clone() }, vec!["input.maxExtension.amount"]),
            (PolicyRules { max_extension: Some(Span::new(400, BD)), ..base.clone() }, vec!["input.maxExtension.amount"]),
            (PolicyRules { progress_notice: Some(Span::new(0, CD)), ..base.clone() }, vec!["input.progressNotice.amount"]),
            (PolicyRules { progress_notice: Some(Span::new(8761, H)), ..base.clone() }, vec!["input.progressNotice.amount"]),
            (PolicyRules { progress_notice: Some(Span::new(366, BD)), ..base.clone() }, vec!["input.progressNotice.amount"]),
            (
                PolicyRules {
                    acknowledgement: Span::new(0, CD), resolution: Span::new(0, CD),
                    expedited_resolution: None, max_extensions: 20, max_extension: None,
                    progress_notice: None,
                },
                vec!["input.acknowledgement.amount", "input.resolution.amount", "input.maxExtensions", "input.maxExtension"],
            ),
        ];
        for (rules, want) in cases {
            let errs = validate_rules(&rules).unwrap_err();
            assert_eq!(fields(&errs), want, "{rules:?}");
        }
        // Cross-unit comparison via approx_hours: 48 h vs 2 calendar days is allowed.
        let ok = PolicyRules {
            acknowledgement: Span::new(48, H), resolution: Span::new(2, CD),
            ..default_rules(Program::CmsHospital)
        };
        assert_eq!(validate_rules(&ok), Ok(()));
    }

    #[test]
    #[rustfmt::skip]
    fn check_extension_cases() {
        let ma = default_rules(Program::MedicareAdvantage);
        let cms = default_rules(Program::CmsHospital);
        assert_eq!(check_extension(&ma, 0, Span::new(14, CD), "Awaiting records").map(drop), Ok(()));
        assert_eq!(check_extension(&ma, 0, Span::new(10, BD), "x").map(drop), Ok(()));
        assert_eq!(check_extension(&ma, 0, Span::new(336, H), "x").map(drop), Ok(()));
        assert_eq!(check_extension(&ma, 0, Span::new(1, CD), &"é".repeat(2000)).map(drop), Ok(()));
        type Case<'a> = (&'a PolicyRules, u32, Span, String, &'a [&'a str], &'a str);
        let refused: &[Case] = &[
            (&cms, 0, Span::new(1, CD), "r".into(), &["input.by"], "this policy allows no extensions"),
            (&ma, 1, Span::new(1, CD), "r".into(), &["input.by"], "already extended 1 times; the policy allows 1"),
            (&ma, 0, Span::new(15, CD), "r".into(), &["input.by"], "at most 14 calendar days"),
            (&ma, 0, Span::new(337, H), "r".into(), &["input.by"], "requested 337 hours"),
            (&ma, 0, Span::new(15, BD), "r".into(), &["input.by"], "at most"),
            (&ma, 0, Span::new(0, CD), "r".into(), &["input.by.amount"], "at least 1"),
            (&ma, 0, Span::new(1, CD), " \t\n".into(), &["input.reason"], "required"),
            (&ma, 0, Span::new(1, CD), "a".repeat(2001), &["input.reason"], "2000"),
            (&ma, 0, Span::new(1, CD), "late\u{1b}[2J".into(), &["input.reason"], "control characters"),
            (&ma, 0, Span::new(1, CD), "two\nlines\tok\u{7}".into(), &["input.reason"], "U+0007"),
            (&ma, 2, Span::new(20, CD), String::new(), &["input.by", "input.by", "input.reason"], "already extended 2"),
        ];
        for (rules, so_far, span, reason, want, msg) in refused {
            let errs = check_extension(rules, *so_far, *span, reason).unwrap_err();
            assert_eq!(fields(&errs), *want, "{span:?}");
            assert!(errs[0].message.contains(msg), "{:?} lacks {msg}", errs[0].message);
        }
    }

    #[test]
    fn initial_due_cases() {
        let received = t("2026-03-07T17:00:00Z"); // Saturday 12:00 EST
        let ma = default_rules(Program::MedicareAdvantage);
        let cms = default_rules(Program::CmsHospital);
        let ack = t("2026-03-14T16:00:00Z");
        let res30 = t("2026-04-06T16:00:00Z");
        let res24h = t("2026-03-08T17:00:00Z");
        // Expedited MA: 24 h resolution, acknowledgement capped at it.
        assert_eq!(initial_due(&ma, received, New_York, true), (res24h, res24h));
        assert_eq!(initial_due(&ma, received, New_York, false), (ack, res30));
        // CMS has no expedited span: expedited runs on the standard clock.
        assert_eq!(initial_due(&cms, received, New_York, true), (ack, res30));
        assert_eq!(initial_due(&cms, received, New_York, false), (ack, res30));
        // Medicaid: Saturday -> Mon 9 .. Fri 13 March -> due Sat 14 March 00:00 EDT.
        let mc = default_rules(Program::MedicaidManagedCare);
        let (mc_ack, _) = initial_due(&mc, received, New_York, false);
        assert_eq!(mc_ack, t("2026-03-14T04:00:00Z"));
    }

    #[test]
    fn clock_state_status() {
        let due = t("2026-03-14T16:00:00Z");
        let before = t("2026-03-10T00:00:00Z");
        let after = t("2026-03-15T00:00:00Z");
        let clock = |met_at| ClockState {
            kind: ClockKind::Acknowledgement,
            started_at: t("2026-03-07T17:00:00Z"),
            due_at: due,
            met_at,
        };
        let running = clock(None);
        assert!(!running.is_met());
        assert_eq!(running.met_on_time(), None);
        assert_eq!(running.status(before), ClockStatus::Running);
        assert_eq!(running.status(due), ClockStatus::Running);
        assert!(running.is_overdue(after));
        assert_eq!(running.status(after), ClockStatus::Overdue);
        let on_time = clock(Some(due));
        assert_eq!(on_time.met_on_time(), Some(true));
        assert!(!on_time.is_overdue(after));
        assert_eq!(on_time.status(after), ClockStatus::MetOnTime);
        let late = clock(Some(after));
        assert_eq!(late.met_on_time(), Some(false));
        assert_eq!(late.status(before), ClockStatus::MetLate);
    }
}
