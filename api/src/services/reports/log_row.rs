//! One row of the grievance log, built from a complaint's record, and the
//! same row as table cells (times in the facility's zone with offset).

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use super::ReportFacility;
use super::grievance_log::LogCursor;
use crate::domain::clocks::{ClockKind, ClockStatus};
use crate::domain::complaint::{
    Channel, Classification, ClassificationReason, ComplaintState, ContactMethod, Issue, Status,
    UserRef,
};

/// How a complaint ended, or that it has not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Still being worked (received, acknowledged, investigating).
    Open,
    /// Resolved with a written response (A-0123).
    ResolvedInWriting,
    /// Resolved at the point of service, by staff present.
    ResolvedAtPointOfService,
    /// Resolved without a written response, not at the point of service.
    Resolved,
    /// Withdrawn by the complainant.
    Withdrawn,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Open => "OPEN",
            Outcome::ResolvedInWriting => "RESOLVED_IN_WRITING",
            Outcome::ResolvedAtPointOfService => "RESOLVED_AT_POINT_OF_SERVICE",
            Outcome::Resolved => "RESOLVED",
            Outcome::Withdrawn => "WITHDRAWN",
        }
    }
}

/// One clock of a row: due, met, and whether it was missed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogClock {
    pub kind: ClockKind,
    pub due_at: DateTime<Utc>,
    pub met_at: Option<DateTime<Utc>>,
    pub status: ClockStatus,
    /// Met after its due time, or open and past due at the run's "now".
    pub missed: bool,
}

/// One grievance in the log.
#[derive(Clone, Debug)]
pub struct LogRow {
    pub id: Uuid,
    pub reference: String,
    pub facility_code: String,
    pub facility_name: String,
    pub tz: Tz,
    pub department: String,
    pub received_at: DateTime<Utc>,
    pub channel: Channel,
    pub classification: Classification,
    pub classification_reasons: Vec<ClassificationReason>,
    pub issues: Vec<Issue>,
    pub owner: Option<UserRef>,
    pub status: Status,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledgement_method: Option<ContactMethod>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub written_response_sent_at: Option<DateTime<Utc>>,
    pub written_response_method: Option<ContactMethod>,
    /// A Medicare beneficiary's grievance about quality of care or a
    /// premature discharge: the written response must give the QIO notice.
    pub qio_notice_required: bool,
    /// Whether the written response included the QIO notice; `None`
    /// without a written response.
    pub qio_notice_included: Option<bool>,
    pub clocks: Vec<LogClock>,
    pub outcome: Outcome,
    pub reopen_count: usize,
    /// Whole days from receipt to resolution (or withdrawal), or to the
    /// run's "now" while open.
    pub days_open: i64,
}

impl LogRow {
    pub fn new(id: Uuid, s: ComplaintState, facility: &ReportFacility, now: DateTime<Utc>) -> Self {
        let clocks = s
            .clocks
            .states(s.received_at)
            .iter()
            .map(|c| {
                let status = s.clock_status(c, now);
                LogClock {
                    kind: c.kind,
                    due_at: c.due_at,
                    met_at: c.met_at,
                    status,
                    missed: matches!(status, ClockStatus::MetLate | ClockStatus::Overdue),
                }
            })
            .collect();
        let written = s
            .resolution
            .as_ref()
            .and_then(|r| r.written_response.as_ref());
        let outcome = if s.status.is_open() {
            Outcome::Open
        } else if s.status == Status::Withdrawn {
            Outcome::Withdrawn
        } else {
            match &s.resolution {
                Some(r) if r.written_response.is_some() => Outcome::ResolvedInWriting,
                Some(r) if r.at_point_of_service => Outcome::ResolvedAtPointOfService,
                _ => Outcome::Resolved,
            }
        };
        let end = match outcome {
            Outcome::Open => now,
            Outcome::Withdrawn => s.withdrawal.as_ref().map_or(now, |w| w.at),
            _ => s.resolution.as_ref().map_or(now, |r| r.at),
        };
        LogRow {
            id,
            qio_notice_required: s.needs_qio_notice(),
            qio_notice_included: written.map(|w| w.qio_notice_included),
            written_response_sent_at: written.map(|w| w.sent_at),
            written_response_method: written.map(|w| w.sent_by),
            resolved_at: s.resolution.as_ref().map(|r| r.at),
            acknowledged_at: s.acknowledgement.as_ref().map(|a| a.at),
            acknowledgement_method: s.acknowledgement.as_ref().map(|a| a.method),
            days_open: (end - s.received_at).num_days().max(0),
            reopen_count: s.reopenings.len(),
            facility_name: facility.name.clone(),
            tz: facility.tz,
            reference: s.reference,
            facility_code: s.facility_code,
            department: s.department,
            received_at: s.received_at,
            channel: s.channel,
            classification: s.classification,
            classification_reasons: s.classification_reasons,
            issues: s.issues,
            owner: s.owner,
            status: s.status,
            clocks,
            outcome,
        }
    }

    /// Where the next page starts.
    pub fn cursor(&self) -> LogCursor {
        LogCursor {
            received_at: self.received_at,
            id: self.id,
        }
    }

    /// An instant in the facility's zone, with its offset (RFC 3339).
    pub fn local(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.tz)
            .to_rfc3339_opts(SecondsFormat::Secs, false)
    }
}

/// The export's columns.
pub fn header() -> Vec<&'static str> {
    vec![
        "reference",
        "facility_code",
        "facility_name",
        "department",
        "received_at",
        "channel",
        "classification",
        "classification_reasons",
        "hcat_issues",
        "owner_name",
        "owner_subject",
        "status",
        "acknowledged_at",
        "acknowledgement_method",
        "resolved_at",
        "written_response_sent_at",
        "written_response_method",
        "qio_notice_required",
        "qio_notice_included",
        "acknowledgement_due_at",
        "acknowledgement_met_at",
        "acknowledgement_clock",
        "acknowledgement_missed",
        "resolution_due_at",
        "resolution_met_at",
        "resolution_clock",
        "resolution_missed",
        "progress_notice_due_at",
        "progress_notice_met_at",
        "progress_notice_clock",
        "progress_notice_missed",
        "outcome",
        "reopen_count",
        "days_open",
    ]
}

/// A row as cells under [`header`]: times local with offset, lists
/// joined with `; `, issues as `CATEGORY/severity/STAGE`, empty for none.
pub fn row_cells(r: &LogRow) -> Vec<String> {
    let time = |at: Option<DateTime<Utc>>| at.map(|a| r.local(a)).unwrap_or_default();
    let spelled = |m: Option<ContactMethod>| m.map(|m| m.as_str().to_owned()).unwrap_or_default();
    let mut cells = vec![
        r.reference.clone(),
        r.facility_code.clone(),
        r.facility_name.clone(),
        r.department.clone(),
        r.local(r.received_at),
        r.channel.as_str().to_owned(),
        r.classification.as_str().to_owned(),
        r.classification_reasons
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        r.issues
            .iter()
            .map(|i| {
                format!(
                    "{}/{}/{}",
                    i.category.as_str(),
                    i.severity,
                    i.stage_of_care.as_str()
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        r.owner.as_ref().map(|o| o.name.clone()).unwrap_or_default(),
        r.owner
            .as_ref()
            .map(|o| o.subject.clone())
            .unwrap_or_default(),
        r.status.as_str().to_owned(),
        time(r.acknowledged_at),
        spelled(r.acknowledgement_method),
        time(r.resolved_at),
        time(r.written_response_sent_at),
        spelled(r.written_response_method),
        r.qio_notice_required.to_string(),
        r.qio_notice_included
            .map(|b| b.to_string())
            .unwrap_or_default(),
    ];
    // Fixed columns per clock kind; a clock the complaint does not run
    // (no progress-notice duty) leaves its four cells empty.
    for kind in ClockKind::ALL {
        match r.clocks.iter().find(|c| c.kind == *kind) {
            Some(c) => {
                cells.push(r.local(c.due_at));
                cells.push(time(c.met_at));
                cells.push(c.status.as_str().to_owned());
                cells.push(c.missed.to_string());
            }
            None => cells.extend(std::iter::repeat_n(String::new(), 4)),
        }
    }
    cells.push(r.outcome.as_str().to_owned());
    cells.push(r.reopen_count.to_string());
    cells.push(r.days_open.to_string());
    cells
}
