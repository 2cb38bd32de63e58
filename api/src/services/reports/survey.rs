//! `surveyReadiness`: what a surveyor would cite today. SQL narrows the
//! candidates (in scope, in the period, and only rows some rule can apply
//! to, from the projection columns); the domain's rules
//! (`domain::survey`) decide on each candidate. Complaints are placed in
//! the period by when they were received, accessibility requests by when
//! they were needed. A report, not a lock: nothing is refused because of
//! a finding.
//!
//! Cost: candidates are read in batches of [`BATCH`] in index order
//! (`facility_code, received_at, id`), so memory stays bounded and the
//! statements do not grow with the findings. Open rows are narrowed by
//! the clock columns, finished ones by `response_gap` (projected by
//! `complaints::row` from `domain::survey::response_falls_short`; NULL,
//! so still read, on rows written before it existed).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use entity::{accessibility_request, complaint};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use super::table::{ExportParams, Table};
use super::{ReportFilter, ReportScope};
use crate::domain::accessibility::{AccessibilityRequestState, NeedType, Status as RequestStatus};
use crate::domain::complaint::{Channel, Classification, ComplaintState, Status};
use crate::domain::permissions::Operation;
use crate::domain::survey::{
    LinkedComplaint, SurveyRule, accommodation_findings, complaint_findings,
};
use crate::ids::{NodeKind, encode_id};
use crate::services::ServiceError;
use crate::services::reads::Reader;
use crate::services::stored::decode;

/// The report's name in the access log.
pub const REPORT: &str = "surveyReadiness";

/// Candidates read per statement: bounded memory whatever the period.
const BATCH: u64 = 500;

/// Where a finding stands in the report's order: when (received, or
/// needed by), the record's id, then the rule.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FindingKey {
    pub at: DateTime<Utc>,
    pub id: Uuid,
    pub rule: SurveyRule,
}

/// The complaint a finding is about.
#[derive(Clone, Debug)]
pub struct FindingComplaint {
    pub id: Uuid,
    pub reference: String,
    pub received_at: DateTime<Utc>,
}

/// The accessibility request a finding is about.
#[derive(Clone, Debug)]
pub struct FindingRequest {
    pub id: Uuid,
    pub need_type: NeedType,
    pub status: RequestStatus,
    pub needed_by: DateTime<Utc>,
}

/// One finding, with what it is about.
#[derive(Clone, Debug)]
pub struct SurveyFinding {
    pub key: FindingKey,
    pub missing: String,
    pub facility_code: String,
    pub tz: Tz,
    pub department: String,
    pub complaint: Option<FindingComplaint>,
    pub accessibility_request: Option<FindingRequest>,
}

/// A page of findings in key order.
#[derive(Clone, Debug)]
pub struct SurveyPage {
    pub findings: Vec<SurveyFinding>,
    pub total: u64,
    pub has_next: bool,
}

/// Runs the report (authorised and logged once through the read path) and
/// returns the findings after `after`, at most `first`.
pub async fn page(
    reader: &Reader<'_>,
    filter: &ReportFilter,
    first: u64,
    after: Option<FindingKey>,
) -> Result<SurveyPage, ServiceError> {
    let extra = json!({
        "first": first,
        "after": after.map(|k| format!("{}:{}:{}", k.at.to_rfc3339(), k.id, k.rule.as_str())),
    });
    let scope = reader
        .report(Operation::ReadReports, REPORT, filter, extra)
        .await?;
    let keep = usize::try_from(first)
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    let (mut findings, total) = findings(reader.db(), &scope, after, keep).await?;
    let has_next = findings.len() > keep - 1;
    findings.truncate(keep - 1);
    Ok(SurveyPage {
        findings,
        total,
        has_next,
    })
}

/// The whole report as a table, for the CSV export.
pub async fn table(
    reader: &Reader<'_>,
    filter: &ReportFilter,
    _params: &ExportParams,
) -> Result<Table, ServiceError> {
    let scope = reader
        .report(
            Operation::ReadReports,
            REPORT,
            filter,
            json!({"export": "csv"}),
        )
        .await?;
    let (findings, _) = findings(reader.db(), &scope, None, usize::MAX).await?;
    let mut table = Table::new(vec![
        "rule",
        "tag",
        "facility",
        "department",
        "complaint",
        "received_at",
        "accessibility_request",
        "need_type",
        "needed_by",
        "missing",
    ]);
    // Whole seconds, as the grievance log and the other exports write them.
    let time = |at: DateTime<Utc>, tz: Tz| {
        at.with_timezone(&tz)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    };
    for f in findings {
        let (reference, received) = match &f.complaint {
            Some(c) => (c.reference.clone(), time(c.received_at, f.tz)),
            None => (String::new(), String::new()),
        };
        let (request, need, needed) = match &f.accessibility_request {
            Some(r) => (
                encode_id(NodeKind::AccessibilityRequest, r.id).to_string(),
                r.need_type.as_str().to_owned(),
                time(r.needed_by, f.tz),
            ),
            None => (String::new(), String::new(), String::new()),
        };
        table.push(vec![
            f.key.rule.as_str().to_owned(),
            f.key.rule.tag().label().to_owned(),
            f.facility_code,
            f.department,
            reference,
            received,
            request,
            need,
            needed,
            f.missing,
        ]);
    }
    Ok(table)
}

/// Every finding in scope after `after`, the first `keep` of them in key
/// order, and how many there are in all.
async fn findings(
    db: &impl ConnectionTrait,
    scope: &ReportScope,
    after: Option<FindingKey>,
    keep: usize,
) -> Result<(Vec<SurveyFinding>, u64), ServiceError> {
    let mut kept = Kept {
        after,
        keep,
        total: 0,
        found: Vec::new(),
    };
    complaint_candidates(db, scope, &mut kept).await?;
    request_candidates(db, scope, &mut kept).await?;
    kept.trim();
    Ok((kept.found, kept.total))
}

/// The findings of a run: counted all, kept only the first `keep` after
/// the cursor, so memory stays bounded by the page.
struct Kept {
    after: Option<FindingKey>,
    keep: usize,
    total: u64,
    found: Vec<SurveyFinding>,
}

impl Kept {
    fn add(&mut self, f: SurveyFinding) {
        self.total += 1;
        if self.after.is_some_and(|a| f.key <= a) {
            return;
        }
        self.found.push(f);
        if self.found.len() > self.keep.saturating_mul(4).max(1024) {
            self.trim();
        }
    }

    fn trim(&mut self) {
        self.found.sort_by_key(|f| f.key);
        self.found.truncate(self.keep);
    }
}

fn tz_of(scope: &ReportScope, code: &str) -> Result<Tz, DbErr> {
    scope
        .facility(code)
        .map(|f| f.tz)
        .ok_or_else(|| DbErr::Custom(format!("row of facility {code} outside the report's scope")))
}

fn spelled<T: Copy>(values: &[T], f: impl Fn(T) -> &'static str) -> Vec<&'static str> {
    values.iter().map(|v| f(*v)).collect()
}

/// Complaints some rule can apply to now: open grievances past a due time,
/// resolved or closed grievances (their written response), written
/// complaints resolved or closed, open verbal plain complaints.
fn complaint_condition(now: DateTime<Utc>) -> Condition {
    use complaint::Column as C;
    let open = spelled(
        &[
            Status::Received,
            Status::Acknowledged,
            Status::Investigating,
        ],
        Status::as_str,
    );
    let finished = spelled(&[Status::Resolved, Status::Closed], Status::as_str);
    let written = spelled(
        &[
            Channel::Letter,
            Channel::Email,
            Channel::Fax,
            Channel::Portal,
        ],
        Channel::as_str,
    );
    let verbal = spelled(&[Channel::InPerson, Channel::Phone], Channel::as_str);
    let grievance = Classification::Grievance.as_str();
    Condition::any()
        .add(
            Condition::all()
                .add(C::Classification.eq(grievance))
                .add(C::Status.is_in(open.clone()))
                .add(
                    Condition::any()
                        .add(
                            Condition::all()
                                .add(C::AcknowledgementMetAt.is_null())
                                .add(C::AcknowledgementDueAt.lt(now)),
                        )
                        .add(
                            Condition::all()
                                .add(C::ResolutionMetAt.is_null())
                                .add(C::ResolutionDueAt.lt(now)),
                        )
                        .add(crate::services::complaints::progress_notice_overdue(now)),
                ),
        )
        .add(
            Condition::all()
                .add(C::Status.is_in(finished))
                .add(
                    Condition::any()
                        .add(C::Classification.eq(grievance))
                        .add(C::Channel.is_in(written)),
                )
                // Projected on every write; NULL on rows from before it.
                .add(
                    Condition::any()
                        .add(C::ResponseGap.is_null())
                        .add(C::ResponseGap.eq(true)),
                ),
        )
        .add(
            Condition::all()
                .add(C::Classification.eq(Classification::Complaint.as_str()))
                .add(C::Status.is_in(open))
                .add(C::Channel.is_in(verbal))
                .add(C::ReceivedAt.lt(now)),
        )
}

/// After (at, id) in the scan order.
fn past<Col: ColumnTrait>(at: Col, id: Col, last: Option<(DateTime<Utc>, Uuid)>) -> Condition {
    match last {
        None => Condition::all(),
        Some((t, i)) => Condition::any()
            .add(at.gt(t))
            .add(Condition::all().add(at.eq(t)).add(id.gt(i))),
    }
}

type ComplaintRow = (Uuid, String, String, String, DateTime<Utc>, String);

async fn complaint_candidates(
    db: &impl ConnectionTrait,
    scope: &ReportScope,
    kept: &mut Kept,
) -> Result<(), ServiceError> {
    use complaint::Column as C;
    let now = scope.now();
    let mut last = None;
    loop {
        let rows: Vec<ComplaintRow> = complaint::Entity::find()
            .select_only()
            .columns([
                C::Id,
                C::Reference,
                C::FacilityCode,
                C::Department,
                C::ReceivedAt,
                C::Record,
            ])
            .filter(scope.within(C::FacilityCode, C::ReceivedAt, C::Department))
            .filter(complaint_condition(now))
            .filter(past(C::ReceivedAt, C::Id, last))
            .order_by_asc(C::ReceivedAt)
            .order_by_asc(C::Id)
            .limit(BATCH)
            .into_tuple()
            .all(db)
            .await?;
        let done = (rows.len() as u64) < BATCH;
        for (id, reference, facility_code, department, received_at, record) in rows {
            last = Some((received_at, id));
            let tz = tz_of(scope, &facility_code)?;
            let state: ComplaintState = decode(id, &record)?;
            for f in complaint_findings(&state, now, tz) {
                kept.add(SurveyFinding {
                    key: FindingKey {
                        at: received_at,
                        id,
                        rule: f.rule,
                    },
                    missing: f.missing,
                    facility_code: facility_code.clone(),
                    tz,
                    department: department.clone(),
                    complaint: Some(FindingComplaint {
                        id,
                        reference: reference.clone(),
                        received_at,
                    }),
                    accessibility_request: None,
                });
            }
        }
        if done {
            return Ok(());
        }
    }
}

/// Accessibility requests that may have failed: finished other than
/// cancelled, or still open past when they were needed.
fn request_condition(now: DateTime<Utc>) -> Condition {
    use accessibility_request::Column as A;
    let open = spelled(
        &[
            RequestStatus::Requested,
            RequestStatus::Acknowledged,
            RequestStatus::Scheduled,
        ],
        RequestStatus::as_str,
    );
    let ended = spelled(
        &[
            RequestStatus::Fulfilled,
            RequestStatus::AlternativeProvided,
            RequestStatus::Denied,
        ],
        RequestStatus::as_str,
    );
    Condition::any().add(A::Status.is_in(ended)).add(
        Condition::all()
            .add(A::Status.is_in(open))
            .add(A::NeededBy.lt(now)),
    )
}

type RequestRow = (Uuid, String, String, DateTime<Utc>, Option<Uuid>, String);

async fn request_candidates(
    db: &impl ConnectionTrait,
    scope: &ReportScope,
    kept: &mut Kept,
) -> Result<(), ServiceError> {
    use accessibility_request::Column as A;
    let now = scope.now();
    let mut last = None;
    loop {
        let rows: Vec<RequestRow> = accessibility_request::Entity::find()
            .select_only()
            .columns([
                A::Id,
                A::FacilityCode,
                A::Department,
                A::NeededBy,
                A::ComplaintId,
                A::Record,
            ])
            .filter(scope.within(A::FacilityCode, A::NeededBy, A::Department))
            .filter(request_condition(now))
            .filter(past(A::NeededBy, A::Id, last))
            .order_by_asc(A::NeededBy)
            .order_by_asc(A::Id)
            .limit(BATCH)
            .into_tuple()
            .all(db)
            .await?;
        let done = (rows.len() as u64) < BATCH;
        let linked = linked_complaints(db, rows.iter().filter_map(|r| r.4)).await?;
        for (id, facility_code, department, needed_by, complaint_id, record) in rows {
            last = Some((needed_by, id));
            let tz = tz_of(scope, &facility_code)?;
            let state: AccessibilityRequestState = decode(id, &record)?;
            let link = complaint_id.and_then(|c| linked.get(&c));
            for f in accommodation_findings(&state, link, now, tz) {
                kept.add(SurveyFinding {
                    key: FindingKey {
                        at: needed_by,
                        id,
                        rule: f.rule,
                    },
                    missing: f.missing,
                    facility_code: facility_code.clone(),
                    tz,
                    department: department.clone(),
                    complaint: None,
                    accessibility_request: Some(FindingRequest {
                        id,
                        need_type: state.need_type,
                        status: state.status,
                        needed_by,
                    }),
                });
            }
        }
        if done {
            return Ok(());
        }
    }
}

/// The complaints these requests are linked to: reference and
/// classification, from the projection (one statement per batch).
async fn linked_complaints(
    db: &impl ConnectionTrait,
    ids: impl Iterator<Item = Uuid>,
) -> Result<HashMap<Uuid, LinkedComplaint>, ServiceError> {
    use complaint::Column as C;
    let ids: Vec<Uuid> = ids.collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, String, String)> = complaint::Entity::find()
        .select_only()
        .columns([C::Id, C::Reference, C::Classification])
        .filter(C::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    let mut out = HashMap::new();
    for (id, reference, classification) in rows {
        let classification = Classification::parse(&classification).ok_or_else(|| {
            DbErr::Custom(format!("complaint {id} has an unknown classification"))
        })?;
        out.insert(
            id,
            LinkedComplaint {
                reference,
                classification,
            },
        );
    }
    Ok(out)
}
