//! The progress-notice clock as a table: what a sent notice, resolution,
//! withdrawal and reopening do to it, on time and late, and a policy
//! without the duty.

use chrono::{DateTime, Duration, Utc};

use super::lifecycle::{
    self, Actx, record_progress_notice, reopen, resolve, resolve_at_point_of_service, withdraw,
};
use super::testing::{response_input, sample, user};
use super::{Classification, ComplaintState, Status};
use crate::clocks::{ClockKind, ClockStatus, PolicyRules, Program, default_rules};

/// One thing that happens to the complaint, at an hour after receipt (the
/// notice is due at hour 168: 7 days).
#[derive(Clone, Copy, Debug)]
enum Step {
    /// A progress notice sent; whether it changed the clock.
    Notice(i64, bool),
    /// Resolved after an investigation (ACKNOWLEDGED → RESOLVED).
    Resolve(i64),
    /// Resolved at the point of service (RECEIVED → RESOLVED).
    ResolveOnTheSpot(i64),
    Withdraw(i64),
    Reopen(i64),
}

fn at(state: &ComplaintState, hours: i64) -> DateTime<Utc> {
    state.received_at + Duration::hours(hours)
}

fn notice(state: &ComplaintState) -> Option<super::ClockState> {
    state
        .clocks
        .states(state.received_at)
        .into_iter()
        .find(|c| c.kind == ClockKind::ProgressNotice)
}

fn run(state: &mut ComplaintState, steps: &[Step], label: &str) {
    let by = user("pr-1");
    for step in steps {
        let (hours, result) = match *step {
            Step::Notice(h, changes) => {
                let cx = Actx {
                    by: &by,
                    now: at(state, h),
                };
                let sent = cx.now;
                let before = state.clone();
                let result = record_progress_notice(state, &cx, sent);
                assert_eq!(result.is_ok(), changes, "{label}: notice at {h} h");
                if !changes {
                    assert_eq!(*state, before, "{label}: a refused notice changes nothing");
                    // The method itself reports "nothing changed" the same way.
                    assert!(!state.clone().progress_notice_sent(sent), "{label}");
                }
                continue;
            }
            Step::Resolve(h) => {
                if state.status == Status::Received {
                    state.status = Status::Acknowledged;
                }
                let cx = Actx {
                    by: &by,
                    now: at(state, h),
                };
                let mut input = response_input(state);
                input.written_notice_exception =
                    Some("told in person at the bedside, at the patient's request".into());
                (h, resolve(state, &cx, &input, &[]))
            }
            Step::ResolveOnTheSpot(h) => {
                let cx = Actx {
                    by: &by,
                    now: at(state, h),
                };
                (
                    h,
                    resolve_at_point_of_service(state, &cx, "Apologised; fixed"),
                )
            }
            Step::Withdraw(h) => {
                let cx = Actx {
                    by: &by,
                    now: at(state, h),
                };
                (h, withdraw(state, &cx, "Complainant withdrew"))
            }
            Step::Reopen(h) => {
                let cx = Actx {
                    by: &by,
                    now: at(state, h),
                };
                (h, reopen(state, &cx, "New facts"))
            }
        };
        assert!(result.is_ok(), "{label}: {step:?} at {hours} h: {result:?}");
    }
}

/// Every way the clock ends (or does not): the status at hour 1000 and
/// the hour it was met at.
#[test]
#[rustfmt::skip]
fn progress_notice_clock_table() {
    use Step::*;
    type Case = (&'static str, &'static [Step], ClockStatus, Option<i64>, bool);
    // (label, steps, status at 1000 h, met at hour, overdue at 1000 h)
    let cases: &[Case] = &[
        ("nothing happens", &[], ClockStatus::Overdue, None, true),
        ("notice before due", &[Notice(100, true)], ClockStatus::MetOnTime, Some(100), false),
        ("notice exactly at due", &[Notice(168, true)], ClockStatus::MetOnTime, Some(168), false),
        ("notice after due", &[Notice(200, true)], ClockStatus::MetLate, Some(200), false),
        ("second notice keeps the first", &[Notice(100, true), Notice(150, false)], ClockStatus::MetOnTime, Some(100), false),
        ("resolved before due", &[Resolve(120)], ClockStatus::MetOnTime, Some(120), false),
        ("resolved on the spot", &[ResolveOnTheSpot(2)], ClockStatus::MetOnTime, Some(2), false),
        ("resolved after due, no notice: met late", &[Resolve(300)], ClockStatus::MetLate, Some(300), false),
        ("notice then late resolution keeps the notice", &[Notice(160, true), Resolve(300)], ClockStatus::MetOnTime, Some(160), false),
        ("late notice then resolution keeps the notice", &[Notice(190, true), Resolve(300)], ClockStatus::MetLate, Some(190), false),
        ("no notice after resolution", &[Resolve(100), Notice(150, false)], ClockStatus::MetOnTime, Some(100), false),
        ("withdrawn before due: stopped", &[Withdraw(50)], ClockStatus::Stopped, None, false),
        ("withdrawn after due: stopped", &[Withdraw(400)], ClockStatus::Stopped, None, false),
        ("no notice on a withdrawn complaint", &[Withdraw(50), Notice(60, false)], ClockStatus::Stopped, None, false),
        ("withdrawn after a notice keeps it", &[Notice(20, true), Withdraw(50)], ClockStatus::MetOnTime, Some(20), false),
        ("reopened after resolution: stays met", &[Resolve(100), Reopen(500)], ClockStatus::MetOnTime, Some(100), false),
        ("reopened after resolution: no new notice owed", &[Resolve(100), Reopen(500), Notice(510, false)], ClockStatus::MetOnTime, Some(100), false),
        ("reopened after withdrawal: runs again, overdue", &[Withdraw(50), Reopen(500)], ClockStatus::Overdue, None, true),
        ("reopened after withdrawal: a notice meets it late", &[Withdraw(50), Reopen(500), Notice(510, true)], ClockStatus::MetLate, Some(510), false),
    ];
    for (label, steps, status, met, overdue) in cases {
        let mut state = sample(Classification::Complaint);
        state.owner = Some(user("pr-1"));
        run(&mut state, steps, label);
        let clock = notice(&state).unwrap_or_else(|| panic!("{label}: no clock"));
        assert_eq!(clock.due_at, at(&state, 168), "{label}: due");
        assert_eq!(state.clock_status(&clock, at(&state, 1000)), *status, "{label}");
        assert_eq!(clock.met_at, met.map(|h| at(&state, h)), "{label}: met at");
        // Only this clock can be overdue at 1000 h when nothing resolved it.
        let others_met = state.clocks.resolution_met_at.is_some();
        if others_met || !state.status.is_open() {
            assert_eq!(state.is_overdue(at(&state, 1000)), *overdue, "{label}: overdue");
        }
    }
}

/// A policy without the duty: no clock at all, nothing a notice can meet,
/// and resolution leaves it absent.
#[test]
fn no_clock_where_the_policy_has_no_duty() {
    let mut state = sample(Classification::Complaint);
    state.clocks.progress_notice_due_at = None;
    assert_eq!(state.clocks.states(state.received_at).len(), 2);
    assert!(notice(&state).is_none());
    let sent = at(&state, 24);
    assert!(!state.clone().progress_notice_sent(sent));
    run(
        &mut state,
        &[Step::Notice(24, false), Step::Resolve(300)],
        "no duty",
    );
    assert_eq!(state.clocks.progress_notice_met_at, None);
    assert!(notice(&state).is_none());
}

/// The method the letters call: true once, on an open complaint with the
/// duty, and the time it records is the sending time.
#[test]
fn progress_notice_sent_reports_whether_it_changed_anything() {
    let mut state = sample(Classification::Grievance);
    let first = at(&state, 30);
    assert!(state.progress_notice_sent(first));
    assert_eq!(state.clocks.progress_notice_met_at, Some(first));
    assert!(!state.progress_notice_sent(at(&state, 40)));
    assert_eq!(state.clocks.progress_notice_met_at, Some(first));
    // Acknowledgement and resolution clocks are untouched by a notice.
    assert_eq!(state.clocks.acknowledgement_met_at, None);
    assert_eq!(state.clocks.resolution_met_at, None);
}

/// A notice dated before receipt or in the future is refused.
#[test]
fn notice_times_are_checked() {
    let by = user("pr-1");
    let mut state = sample(Classification::Complaint);
    let cx = Actx {
        by: &by,
        now: at(&state, 10),
    };
    let before = state.clone();
    let (early, future) = (at(&state, -1), at(&state, 20));
    assert!(record_progress_notice(&mut state, &cx, early).is_err());
    assert!(record_progress_notice(&mut state, &cx, future).is_err());
    assert_eq!(state, before);
}

/// The PROGRESS_NOTICE clock is not extended; complaints opened under
/// each default policy get (or do not get) the clock.
#[test]
fn not_extendable_and_set_at_intake_by_policy() {
    let by = user("pr-1");
    let mut state = sample(Classification::Complaint);
    let cx = Actx {
        by: &by,
        now: at(&state, 10),
    };
    let ma = default_rules(Program::MedicareAdvantage);
    let before = state.clone();
    let err = lifecycle::extend_deadline(
        &mut state,
        &cx,
        &ma,
        chrono_tz::UTC,
        ClockKind::ProgressNotice,
        crate::clocks::Span::new(3, crate::clocks::TimeUnit::CalendarDays),
        "Waiting",
    );
    assert!(err.is_err());
    assert_eq!(state, before);
    let rules: [(PolicyRules, bool); 3] = [
        (default_rules(Program::CmsHospital), true),
        (default_rules(Program::MedicareAdvantage), false),
        (default_rules(Program::MedicaidManagedCare), false),
    ];
    for (rules, has) in rules {
        let due = crate::clocks::progress_notice_due(&rules, state.received_at, chrono_tz::UTC);
        assert_eq!(due.is_some(), has);
    }
}
