//! The grievance log: one row per grievance with every element CMS cites
//! (A-0118 to A-0123), in order of receipt. Surveyors ask for it first.
//!
//! Pages are keyset pages over `(received_at, id)`: the filter narrows on
//! the indexed projection columns (facility, receipt, department,
//! classification, status, the clocks' due and met instants) and a
//! category through an `EXISTS` on `complaint_issue`, so a deep page costs
//! what the first does and one page is one statement whatever its size.
//! Only the rows of a page have their JSON `record` parsed. A run is
//! authorised and access-logged once by [`Reader::report`], never once
//! per complaint.
//!
//! There is no total count: counting every match of a year of a large
//! system is a scan of all of them (the missed-deadline test is not
//! indexed), which a page does not need.

use chrono::{DateTime, Utc};
use entity::complaint::{self, Entity as Complaint};
use entity::complaint_issue::{self, Entity as ComplaintIssue};
use futures_util::Stream;
use futures_util::stream;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::{Value, json};
use uuid::Uuid;

pub use super::log_row::{LogClock, LogRow, Outcome, header, row_cells};
use super::table::{ExportParams, Table};
use super::{ReportFacility, ReportFilter, ReportScope};
use crate::domain::complaint::{Classification, ComplaintState, HcatCategory, Status};
use crate::domain::permissions::Operation;
use crate::services::reads::Reader;
use crate::services::{Refusal, RefusalCode, ServiceError};

/// The report's name in the access log.
pub const REPORT: &str = "grievanceLog";
/// The CSV export's name in the access log.
pub const EXPORT: &str = "export:grievance-log";
/// Rows fetched per statement when exporting.
pub const EXPORT_BATCH: u64 = 1000;

/// Which complaints the log lists.
#[derive(Clone, Debug)]
pub struct LogFilter {
    /// Facilities, department and the local days of receipt.
    pub report: ReportFilter,
    /// `Grievance` unless asked otherwise: the log is of grievances.
    pub classification: Option<Classification>,
    /// Any of these statuses; empty for all.
    pub statuses: Vec<Status>,
    /// Complaints with at least one issue of this HCAT category.
    pub category: Option<HcatCategory>,
    /// Only complaints with (true) or without (false) a missed clock: met
    /// after its due time, or still open and past it at the run's "now".
    pub missed_deadline: Option<bool>,
}

impl LogFilter {
    /// The filter beyond the common one, as the access log records it.
    fn extra(&self) -> Value {
        json!({
            "classification": self.classification.map(|c| c.as_str()),
            "statuses": self.statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            "category": self.category.map(|c| c.as_str()),
            "missedDeadline": self.missed_deadline,
        })
    }

    /// From an export's query parameters (`classification`, `status`
    /// (comma-separated), `category`, `missedDeadline`).
    pub fn from_params(report: ReportFilter, params: &ExportParams) -> Result<Self, ServiceError> {
        let bad = |name: &str, value: &str| -> ServiceError {
            Refusal::new(
                RefusalCode::Validation,
                format!("`{name}` does not accept `{value}`"),
            )
            .on(&["filter", name])
            .into()
        };
        let mut filter = LogFilter {
            report,
            classification: Some(Classification::Grievance),
            statuses: Vec::new(),
            category: None,
            missed_deadline: None,
        };
        for (name, value) in params {
            let v = value.trim();
            match name.as_str() {
                "classification" => {
                    filter.classification =
                        Some(Classification::parse(v).ok_or_else(|| bad(name, v))?);
                }
                "status" => {
                    for s in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                        filter
                            .statuses
                            .push(Status::parse(s).ok_or_else(|| bad(name, s))?);
                    }
                }
                "category" => {
                    filter.category = Some(HcatCategory::parse(v).ok_or_else(|| bad(name, v))?);
                }
                "missedDeadline" => {
                    filter.missed_deadline = Some(match v {
                        "true" => true,
                        "false" => false,
                        _ => return Err(bad(name, v)),
                    });
                }
                _ => {
                    return Err(Refusal::new(
                        RefusalCode::Validation,
                        format!("the grievance log takes no parameter `{name}`"),
                    )
                    .on(&["filter", name])
                    .into());
                }
            }
        }
        Ok(filter)
    }
}

/// Where a page starts: after this `(received_at, id)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogCursor {
    pub received_at: DateTime<Utc>,
    pub id: Uuid,
}

/// One page of the log, oldest receipt first.
#[derive(Clone, Debug)]
pub struct LogPage {
    pub rows: Vec<LogRow>,
    pub has_next: bool,
}

/// A page of the log, authorised and logged as one report run.
pub async fn page(
    reader: &Reader<'_>,
    filter: &LogFilter,
    after: Option<LogCursor>,
    limit: u64,
) -> Result<LogPage, ServiceError> {
    let scope = run(reader, filter, REPORT).await?;
    let (rows, has_next) = fetch(reader.db(), &scope, filter, after, limit).await?;
    Ok(LogPage { rows, has_next })
}

/// The whole log as a table (what the CSV export writes; the export
/// itself streams it with [`export`]).
pub async fn table(
    reader: &Reader<'_>,
    filter: &ReportFilter,
    params: &ExportParams,
) -> Result<Table, ServiceError> {
    let filter = LogFilter::from_params(filter.clone(), params)?;
    let scope = run(reader, &filter, REPORT).await?;
    let mut table = Table::new(header());
    let mut after = None;
    loop {
        let (rows, has_next) = fetch(reader.db(), &scope, &filter, after, EXPORT_BATCH).await?;
        after = rows.last().map(LogRow::cursor);
        table.rows.extend(rows.iter().map(row_cells));
        if !has_next {
            return Ok(table);
        }
    }
}

/// The log for the CSV export: authorised and logged once (as
/// `export:grievance-log`) before anything is sent, then read in keyset
/// batches of [`EXPORT_BATCH`] rows as the client takes them, so the
/// whole log never sits in memory. A fault ends the stream with the error.
pub async fn export(
    reader: &Reader<'_>,
    filter: LogFilter,
) -> Result<impl Stream<Item = Result<Vec<LogRow>, DbErr>> + use<>, ServiceError> {
    let scope = run(reader, &filter, EXPORT).await?;
    let db: DatabaseConnection = reader.db().clone();
    let state = Some((db, scope, filter, None::<LogCursor>));
    Ok(stream::unfold(state, |state| async move {
        let (db, scope, filter, after) = state?;
        match fetch(&db, &scope, &filter, after, EXPORT_BATCH).await {
            Err(e) => Some((Err(e), None)),
            Ok((rows, has_next)) => {
                let next = match rows.last() {
                    Some(last) if has_next => Some((db, scope, filter, Some(last.cursor()))),
                    _ => None,
                };
                Some((Ok(rows), next))
            }
        }
    }))
}

async fn run(
    reader: &Reader<'_>,
    filter: &LogFilter,
    name: &str,
) -> Result<ReportScope, ServiceError> {
    reader
        .report(Operation::ReadReports, name, &filter.report, filter.extra())
        .await
}

fn open_statuses() -> Vec<&'static str> {
    Status::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect()
}

/// A clock missed: met after its due time, or unmet on an open complaint
/// and past due at `now` (a withdrawn complaint's unmet clock stopped).
/// A NULL due time (no progress-notice duty) is no clock, never missed;
/// the guard keeps the condition from being SQL NULL under `NOT`.
fn clock_missed(due: complaint::Column, met: complaint::Column, now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(due.is_not_null())
        .add(clock_missed_when_due(due, met, now))
}

fn clock_missed_when_due(
    due: complaint::Column,
    met: complaint::Column,
    now: DateTime<Utc>,
) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(met.is_not_null())
                .add(Expr::col(met).gt(Expr::col(due))),
        )
        .add(
            Condition::all()
                .add(met.is_null())
                .add(due.lt(now))
                .add(complaint::Column::Status.is_in(open_statuses())),
        )
}

fn missed(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(clock_missed(
            complaint::Column::AcknowledgementDueAt,
            complaint::Column::AcknowledgementMetAt,
            now,
        ))
        .add(clock_missed(
            complaint::Column::ResolutionDueAt,
            complaint::Column::ResolutionMetAt,
            now,
        ))
        .add(clock_missed(
            complaint::Column::ProgressNoticeDueAt,
            complaint::Column::ProgressNoticeMetAt,
            now,
        ))
}

/// One keyset page: `limit` rows after `after`, and whether more follow.
///
/// One statement per covered facility, each an index range scan on
/// `(facility_code, received_at, id)` from the cursor on that reads at
/// most `limit + 1` rows; the rows are merged here by `(received_at, id)`.
/// One `ORDER BY … LIMIT` over all facilities at once would read and sort
/// every match before the cursor (the index leads with the facility), so a
/// deep page would cost more than the first. The statement count depends
/// on the facilities covered, never on the page size or depth.
async fn fetch(
    db: &impl ConnectionTrait,
    scope: &ReportScope,
    filter: &LogFilter,
    after: Option<LogCursor>,
    limit: u64,
) -> Result<(Vec<LogRow>, bool), DbErr> {
    let mut models = Vec::new();
    for facility in scope.facilities() {
        models.extend(facility_page(db, scope, facility, filter, after, limit).await?);
    }
    models.sort_by_key(|m| (m.received_at, m.id));
    let has_next = models.len() as u64 > limit;
    models.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let mut rows = Vec::with_capacity(models.len());
    for m in models {
        let state: ComplaintState = serde_json::from_str(&m.record).map_err(|e| {
            DbErr::Custom(format!(
                "stored record of complaint {} unreadable: {e}",
                m.id
            ))
        })?;
        let facility = scope.facility(&m.facility_code).ok_or_else(|| {
            DbErr::Custom(format!(
                "complaint {} outside the report's facilities",
                m.id
            ))
        })?;
        rows.push(LogRow::new(m.id, state, facility, scope.now()));
    }
    Ok((rows, has_next))
}

/// Up to `limit + 1` rows of one facility after `after`, in key order.
async fn facility_page(
    db: &impl ConnectionTrait,
    scope: &ReportScope,
    facility: &ReportFacility,
    filter: &LogFilter,
    after: Option<LogCursor>,
    limit: u64,
) -> Result<Vec<complaint::Model>, DbErr> {
    let (start, end) = scope.period().bounds(facility.tz);
    let mut q = Complaint::find()
        .filter(complaint::Column::FacilityCode.eq(facility.code.as_str()))
        .filter(complaint::Column::ReceivedAt.gte(start))
        .filter(complaint::Column::ReceivedAt.lt(end));
    if let Some(department) = scope.department() {
        q = q.filter(complaint::Column::Department.eq(department));
    }
    if let Some(c) = filter.classification {
        q = q.filter(complaint::Column::Classification.eq(c.as_str()));
    }
    if !filter.statuses.is_empty() {
        q = q.filter(complaint::Column::Status.is_in(filter.statuses.iter().map(|s| s.as_str())));
    }
    if let Some(category) = filter.category {
        let mut issues = Query::select();
        issues
            .expr(Expr::val(1))
            .from(ComplaintIssue)
            .and_where(
                Expr::col((ComplaintIssue, complaint_issue::Column::ComplaintId))
                    .equals((Complaint, complaint::Column::Id)),
            )
            .and_where(complaint_issue::Column::Category.eq(category.as_str()));
        q = q.filter(Expr::exists(issues.to_owned()));
    }
    match filter.missed_deadline {
        Some(true) => q = q.filter(missed(scope.now())),
        Some(false) => q = q.filter(missed(scope.now()).not()),
        None => {}
    }
    if let Some(LogCursor { received_at, id }) = after {
        q = q.filter(super::months::after(
            complaint::Column::ReceivedAt,
            complaint::Column::Id,
            (received_at, id),
        ));
    }
    q.order_by_asc(complaint::Column::ReceivedAt)
        .order_by_asc(complaint::Column::Id)
        .limit(limit.saturating_add(1))
        .all(db)
        .await
}
