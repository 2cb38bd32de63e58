//! The timeliness report: per facility and local month of receipt, how
//! many grievances were acknowledged and resolved within their own clocks
//! (each complaint's stored due times: its facility's policy for its
//! program, extensions included), the median and 90th-percentile time to
//! resolve, extensions granted and how many are overdue now; and, among
//! the grievances whose policy has the seven-day progress notice (their
//! stored `progress_notice_due_at` is set), how many met it on time (a
//! notice sent, or resolution, by its due time).
//!
//! Which complaints count: grievances (classification `GRIEVANCE` now,
//! escalated complaints included, at their original receipt), since the
//! CMS clocks bind grievances; plain complaints are left out. `received`
//! counts every such grievance; a grievance withdrawn (status `WITHDRAWN`
//! now) counts in `received` and `withdrawn` only, in none of the other
//! figures (there is nothing to judge). Counting is done in SQL, grouped by
//! facility-month. On PostgreSQL one scan of the period counts and ranks
//! the nearest-rank percentiles of the time to resolve, per facility-month
//! and per facility (`in_database.rs`); on SQLite the counts are one
//! `GROUP BY` and the percentiles are ranked here from two timestamps per
//! resolved grievance (`percentiles.rs`). Extensions are counted in the
//! same pass, from each row's `extension_count` (the record's
//! `clocks.extensions`: one entry per granted extension, each an audited
//! `COMPLAINT_EXTEND_DEADLINE`).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, DbErr};
use serde_json::json;

use super::months::{bucket_expr, buckets, first_column};
use super::table::{ExportParams, Table};
use super::{ReportFacility, ReportFilter, ReportScope};
use crate::domain::permissions::Operation;
use crate::services::ServiceError;
use crate::services::reads::Reader;
use entity::complaint;

pub const REPORT: &str = "timelinessReport";

const GRIEVANCE: &str = "GRIEVANCE";
const WITHDRAWN: &str = "WITHDRAWN";

mod in_database;
mod percentiles;
use percentiles::{ResolutionPercentiles, resolution_percentiles};
/// Statuses in which a complaint is still being worked.
pub const OPEN: [&str; 3] = ["RECEIVED", "ACKNOWLEDGED", "INVESTIGATING"];

/// One facility-month (or a facility's total, `month` `None`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TimelinessRow {
    pub facility_code: String,
    pub facility_name: String,
    pub month: Option<NaiveDate>,
    pub received: i64,
    pub withdrawn: i64,
    pub acknowledged_within_policy: i64,
    pub resolved: i64,
    pub resolved_within_policy: i64,
    /// Judged grievances with a progress-notice clock (the duty applied).
    pub progress_notice_owed: i64,
    /// Of those, met at or before its due time.
    pub progress_notice_within_policy: i64,
    /// Seconds from receipt to resolution, nearest rank.
    pub median_seconds_to_resolve: Option<i64>,
    pub p90_seconds_to_resolve: Option<i64>,
    pub extensions_granted: i64,
    pub overdue_now: i64,
    /// The facility's zone: the export writes `as_of` in it.
    pub tz: Option<chrono_tz::Tz>,
}

impl TimelinessRow {
    /// Grievances judged: received and not withdrawn.
    pub fn judged(&self) -> i64 {
        self.received - self.withdrawn
    }

    pub fn acknowledged_share(&self) -> Option<f64> {
        share(self.acknowledged_within_policy, self.judged())
    }

    pub fn resolved_share(&self) -> Option<f64> {
        share(self.resolved_within_policy, self.judged())
    }

    /// Progress notices met on time among the grievances that owed one.
    pub fn progress_notice_share(&self) -> Option<f64> {
        share(
            self.progress_notice_within_policy,
            self.progress_notice_owed,
        )
    }
}

pub fn share(count: i64, of: i64) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    (of > 0).then(|| count as f64 / of as f64)
}

/// Seconds as days with one fraction digit.
pub fn days(seconds: i64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let d = seconds as f64 / 86_400.0;
    (d * 10.0).round() / 10.0
}

#[derive(Clone, Debug, Default)]
pub struct TimelinessReport {
    /// Facility by facility, month by month (every month of the period,
    /// zeros included).
    pub rows: Vec<TimelinessRow>,
    /// One total per facility, over the whole period.
    pub totals: Vec<TimelinessRow>,
    pub now: Option<DateTime<Utc>>,
}

/// Runs the report: authorised and logged once by [`Reader::report`].
pub async fn timeliness(
    reader: &Reader<'_>,
    filter: &ReportFilter,
) -> Result<TimelinessReport, ServiceError> {
    let scope = reader
        .report(Operation::ReadReports, REPORT, filter, json!({}))
        .await?;
    let txn = crate::db::begin_report(reader.db()).await?;
    let report = compute(&txn, &scope).await?;
    txn.commit().await?;
    Ok(report)
}

async fn compute(
    db: &impl ConnectionTrait,
    scope: &ReportScope,
) -> Result<TimelinessReport, DbErr> {
    let buckets = buckets(scope);
    let mut rows: Vec<TimelinessRow> = buckets
        .iter()
        .map(|b| row_for(&scope.facilities()[b.facility], Some(b.month)))
        .collect();
    let percentiles = if db.get_database_backend() == DbBackend::Postgres {
        in_database::figures(db, scope, &buckets, &mut rows).await?
    } else {
        counts(db, scope, &mut rows).await?;
        resolution_percentiles(db, scope, &buckets).await?
    };
    let mut totals = Vec::new();
    for (fi, f) in scope.facilities().iter().enumerate() {
        let mut total = row_for(f, None);
        for (i, _) in buckets.iter().enumerate().filter(|(_, b)| b.facility == fi) {
            (
                rows[i].median_seconds_to_resolve,
                rows[i].p90_seconds_to_resolve,
            ) = percentiles.bucket[i];
            add(&mut total, &rows[i]);
        }
        (
            total.median_seconds_to_resolve,
            total.p90_seconds_to_resolve,
        ) = percentiles.facility[fi];
        totals.push(total);
    }
    Ok(TimelinessReport {
        rows,
        totals,
        now: Some(scope.now()),
    })
}

fn row_for(f: &ReportFacility, month: Option<NaiveDate>) -> TimelinessRow {
    TimelinessRow {
        facility_code: f.code.clone(),
        facility_name: f.name.clone(),
        month,
        tz: Some(f.tz),
        ..TimelinessRow::default()
    }
}

fn add(total: &mut TimelinessRow, row: &TimelinessRow) {
    total.received += row.received;
    total.withdrawn += row.withdrawn;
    total.acknowledged_within_policy += row.acknowledged_within_policy;
    total.resolved += row.resolved;
    total.resolved_within_policy += row.resolved_within_policy;
    total.progress_notice_owed += row.progress_notice_owed;
    total.progress_notice_within_policy += row.progress_notice_within_policy;
    total.extensions_granted += row.extensions_granted;
    total.overdue_now += row.overdue_now;
}

/// `COUNT(CASE WHEN cond THEN 1 END)`: never NULL, a bigint on both
/// databases.
fn count_if(cond: impl sea_orm::sea_query::IntoCondition) -> Expr {
    Func::count(Expr::case(cond, Expr::val(1)).into_expr()).into()
}

trait IntoExpr {
    fn into_expr(self) -> Expr;
}

impl IntoExpr for sea_orm::sea_query::CaseStatement {
    fn into_expr(self) -> Expr {
        self.into()
    }
}

/// The counted columns of a grievance's row, in [`read_counts`]' order:
/// received, withdrawn, acknowledged within policy, resolved, resolved
/// within policy, overdue now, progress notice owed, and met, and
/// extensions granted.
fn count_columns(scope: &ReportScope) -> [Expr; 9] {
    use complaint::Column as C;
    let judged = || C::Status.ne(WITHDRAWN);
    let now = scope.now();
    let overdue = sea_orm::Condition::all().add(C::Status.is_in(OPEN)).add(
        sea_orm::Condition::any()
            .add(
                sea_orm::Condition::all()
                    .add(C::AcknowledgementMetAt.is_null())
                    .add(C::AcknowledgementDueAt.lt(now)),
            )
            .add(
                sea_orm::Condition::all()
                    .add(C::ResolutionMetAt.is_null())
                    .add(C::ResolutionDueAt.lt(now)),
            )
            .add(crate::services::complaints::progress_notice_overdue(now)),
    );
    [
        Func::count(Expr::val(1)).into(),
        count_if(C::Status.eq(WITHDRAWN)),
        count_if(
            sea_orm::Condition::all()
                .add(judged())
                .add(Expr::col(C::AcknowledgementMetAt).lte(Expr::col(C::AcknowledgementDueAt))),
        ),
        count_if(
            sea_orm::Condition::all()
                .add(judged())
                .add(C::ResolutionMetAt.is_not_null()),
        ),
        count_if(
            sea_orm::Condition::all()
                .add(judged())
                .add(Expr::col(C::ResolutionMetAt).lte(Expr::col(C::ResolutionDueAt))),
        ),
        count_if(overdue),
        count_if(
            sea_orm::Condition::all()
                .add(judged())
                .add(C::ProgressNoticeDueAt.is_not_null()),
        ),
        count_if(
            sea_orm::Condition::all()
                .add(judged())
                .add(C::ProgressNoticeDueAt.is_not_null())
                .add(C::ProgressNoticeMetAt.is_not_null())
                .add(Expr::col(C::ProgressNoticeMetAt).lte(Expr::col(C::ProgressNoticeDueAt))),
        ),
        // A SUM of int is a bigint on PostgreSQL, an integer on SQLite;
        // over no rows (a facility's ROLLUP total with no grievances) it
        // is NULL, read as 0.
        Func::coalesce([
            Func::sum(
                Expr::case(judged(), Expr::col(C::ExtensionCount))
                    .finally(Expr::val(0))
                    .into_expr(),
            )
            .into(),
            Expr::val(0i64),
        ])
        .into(),
    ]
}

/// Reads [`count_columns`] from the result columns starting at `first`.
fn read_counts(
    row: &mut TimelinessRow,
    r: &sea_orm::QueryResult,
    first: usize,
) -> Result<(), DbErr> {
    row.received = r.try_get_by_index(first)?;
    row.withdrawn = r.try_get_by_index(first + 1)?;
    row.acknowledged_within_policy = r.try_get_by_index(first + 2)?;
    row.resolved = r.try_get_by_index(first + 3)?;
    row.resolved_within_policy = r.try_get_by_index(first + 4)?;
    row.overdue_now = r.try_get_by_index(first + 5)?;
    row.progress_notice_owed = r.try_get_by_index(first + 6)?;
    row.progress_notice_within_policy = r.try_get_by_index(first + 7)?;
    row.extensions_granted = r.try_get_by_index(first + 8)?;
    Ok(())
}

/// The grievances of the scope, as every figure of the report selects
/// them.
fn grievances(scope: &ReportScope) -> sea_orm::Condition {
    use complaint::Column as C;
    sea_orm::Condition::all()
        .add(scope.within(C::FacilityCode, C::ReceivedAt, C::Department))
        .add(C::Classification.eq(GRIEVANCE))
}

/// The counts per bucket, in one `GROUP BY` (SQLite; PostgreSQL counts in
/// [`in_database::figures`]).
async fn counts(
    db: &impl ConnectionTrait,
    scope: &ReportScope,
    rows: &mut [TimelinessRow],
) -> Result<(), DbErr> {
    use complaint::Column as C;
    let query = Query::select()
        .expr(bucket_expr(scope, C::FacilityCode, C::ReceivedAt, false))
        .exprs(count_columns(scope))
        .from(complaint::Entity)
        .cond_where(grievances(scope))
        .add_group_by([first_column()])
        .to_owned();
    for r in db.query_all(&query).await? {
        let Some(row) = bucket_row(rows, r.try_get_by_index::<Option<i32>>(0)?) else {
            continue;
        };
        read_counts(row, &r, 1)?;
    }
    Ok(())
}

fn bucket_row(rows: &mut [TimelinessRow], bucket: Option<i32>) -> Option<&mut TimelinessRow> {
    rows.get_mut(usize::try_from(bucket?).ok()?)
}

const HEADER: [&str; 18] = [
    "facility",
    "facility_name",
    "month",
    "received",
    "withdrawn",
    "acknowledged_within_policy",
    "acknowledged_within_policy_share",
    "resolved",
    "resolved_within_policy",
    "resolved_within_policy_share",
    "median_days_to_resolve",
    "p90_days_to_resolve",
    "extensions_granted",
    "overdue_now",
    "progress_notice_owed",
    "progress_notice_within_policy",
    "progress_notice_within_policy_share",
    "as_of",
];

/// The report as a table: each facility's months, then its total row
/// (month `total`).
pub async fn table(
    reader: &Reader<'_>,
    filter: &ReportFilter,
    _params: &ExportParams,
) -> Result<Table, ServiceError> {
    let report = timeliness(reader, filter).await?;
    // The run's instant, like every time in an export, in the row's
    // facility zone with its offset.
    let as_of = |r: &TimelinessRow| match (report.now, r.tz) {
        (Some(n), Some(tz)) => n
            .with_timezone(&tz)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        (Some(n), None) => n.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        (None, _) => String::new(),
    };
    let mut table = Table::new(HEADER.to_vec());
    let mut emit = |r: &TimelinessRow| {
        table.push(vec![
            r.facility_code.clone(),
            r.facility_name.clone(),
            r.month
                .map_or_else(|| "total".to_owned(), |m| m.format("%Y-%m").to_string()),
            r.received.to_string(),
            r.withdrawn.to_string(),
            r.acknowledged_within_policy.to_string(),
            decimal(r.acknowledged_share()),
            r.resolved.to_string(),
            r.resolved_within_policy.to_string(),
            decimal(r.resolved_share()),
            r.median_seconds_to_resolve
                .map(days)
                .map(|d| format!("{d:.1}"))
                .unwrap_or_default(),
            r.p90_seconds_to_resolve
                .map(days)
                .map(|d| format!("{d:.1}"))
                .unwrap_or_default(),
            r.extensions_granted.to_string(),
            r.overdue_now.to_string(),
            r.progress_notice_owed.to_string(),
            r.progress_notice_within_policy.to_string(),
            decimal(r.progress_notice_share()),
            as_of(r),
        ]);
    };
    for total in &report.totals {
        for r in report
            .rows
            .iter()
            .filter(|r| r.facility_code == total.facility_code)
        {
            emit(r);
        }
        emit(total);
    }
    Ok(table)
}

/// A share as a short decimal (`0.875`), empty when there is nothing to
/// share.
pub fn decimal(share: Option<f64>) -> String {
    share.map_or_else(String::new, |s| {
        let text = format!("{s:.4}");
        let text = text.trim_end_matches('0');
        text.strip_suffix('.')
            .map_or_else(|| text.to_owned(), |t| format!("{t}.0"))
    })
}

#[cfg(test)]
mod tests {
    use super::{days, decimal, share};

    #[test]
    fn shares_and_days_read_as_a_person_writes_them() {
        let table: &[(Option<f64>, &str)] = &[
            (None, ""),
            (Some(0.875), "0.875"),
            (Some(1.0), "1.0"),
            (Some(0.0), "0.0"),
            (Some(2.0 / 3.0), "0.6667"),
            (Some(0.5), "0.5"),
        ];
        for (value, text) in table {
            assert_eq!(decimal(*value), *text, "{value:?}");
        }
        assert_eq!(share(7, 8), Some(0.875));
        assert_eq!(share(1, 0), None);
        // One fraction digit: 36 h is 1.5 days; 1 day 2 h 24 min is 1.1.
        assert_eq!(days(36 * 3600), 1.5);
        assert_eq!(days(86_400 + 2 * 3600 + 24 * 60), 1.1);
        assert_eq!(days(0), 0.0);
    }
}
