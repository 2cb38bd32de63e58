//! The reopen report: per facility and local month of receipt, how many
//! complaints were concluded (resolved, closed or withdrawn, at least
//! once), how many of them were reopened and how many more than once;
//! plus a keyset page of the reopened complaints. All complaints count,
//! of either classification. Counted in SQL over the `reopen_count`
//! projection.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, Func, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use super::months::{
    after, bucket_expr, buckets, decode_cursor, encode_cursor, first_column, status,
};
use super::table::{ExportParams, Table};
use super::timeliness::share;
use super::{ReportFilter, ReportScope};
use crate::domain::complaint::Status;
use crate::domain::permissions::Operation;
use crate::services::ServiceError;
use crate::services::reads::Reader;
use entity::complaint;

pub const REPORT: &str = "reopenReport";

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReopenRow {
    pub facility_code: String,
    pub month: NaiveDate,
    pub concluded: i64,
    pub reopened: i64,
    pub reopened_more_than_once: i64,
}

impl ReopenRow {
    pub fn reopened_share(&self) -> Option<f64> {
        share(self.reopened, self.concluded)
    }
}

/// A reopened complaint.
#[derive(Clone, Debug, PartialEq)]
pub struct Reopened {
    pub id: Uuid,
    pub reference: String,
    pub facility_code: String,
    pub received_at: DateTime<Utc>,
    pub tz: chrono_tz::Tz,
    pub status: Status,
    pub times_reopened: i32,
    pub cursor: String,
}

#[derive(Clone, Debug, Default)]
pub struct ReopenReport {
    pub rows: Vec<ReopenRow>,
    /// Reopened complaints, oldest receipt first.
    pub reopened: Vec<Reopened>,
    pub has_next_page: bool,
}

pub async fn reopen(
    reader: &Reader<'_>,
    filter: &ReportFilter,
    first: u64,
    after_cursor: Option<&str>,
) -> Result<ReopenReport, ServiceError> {
    let cursor = after_cursor.map(decode_cursor).transpose()?;
    let scope = reader
        .report(
            Operation::ReadReports,
            REPORT,
            filter,
            json!({ "first": first, "after": after_cursor }),
        )
        .await?;
    Ok(compute(reader.db(), &scope, first, cursor).await?)
}

async fn compute(
    db: &impl ConnectionTrait,
    scope: &ReportScope,
    first: u64,
    cursor: Option<(DateTime<Utc>, Uuid)>,
) -> Result<ReopenReport, DbErr> {
    use complaint::Column as C;
    let buckets = buckets(scope);
    let mut rows: Vec<ReopenRow> = buckets
        .iter()
        .map(|b| ReopenRow {
            facility_code: scope.facilities()[b.facility].code.clone(),
            month: b.month,
            ..ReopenRow::default()
        })
        .collect();
    let within = scope.within(C::FacilityCode, C::ReceivedAt, C::Department);
    let concluded = Condition::any()
        .add(C::ResolutionMetAt.is_not_null())
        .add(C::Status.is_in(["RESOLVED", "CLOSED", "WITHDRAWN"]))
        .add(C::ReopenCount.gt(0));
    let count_if = |c: Condition| -> Expr {
        Func::count(Into::<Expr>::into(Expr::case(c, Expr::val(1)))).into()
    };
    let query = Query::select()
        .expr(bucket_expr(scope, C::FacilityCode, C::ReceivedAt, false))
        .expr(count_if(concluded))
        .expr(count_if(Condition::all().add(C::ReopenCount.gt(0))))
        .expr(count_if(Condition::all().add(C::ReopenCount.gt(1))))
        .from(complaint::Entity)
        .cond_where(within.clone())
        .add_group_by([first_column()])
        .to_owned();
    for r in db.query_all(&query).await? {
        let bucket: Option<i32> = r.try_get_by_index(0)?;
        if let Some(row) = bucket
            .and_then(|b| usize::try_from(b).ok())
            .and_then(|b| rows.get_mut(b))
        {
            row.concluded = r.try_get_by_index(1)?;
            row.reopened = r.try_get_by_index(2)?;
            row.reopened_more_than_once = r.try_get_by_index(3)?;
        }
    }
    let mut list = complaint::Entity::find()
        .select_only()
        .columns([
            C::Id,
            C::Reference,
            C::FacilityCode,
            C::ReceivedAt,
            C::Status,
            C::ReopenCount,
        ])
        .filter(within)
        .filter(C::ReopenCount.gt(0));
    if let Some(cursor) = cursor {
        list = list.filter(after(C::ReceivedAt, C::Id, cursor));
    }
    let found: Vec<(Uuid, String, String, DateTime<Utc>, String, i32)> = list
        .order_by_asc(C::ReceivedAt)
        .order_by_asc(C::Id)
        .limit(first + 1)
        .into_tuple()
        .all(db)
        .await?;
    let has_next_page = found.len() as u64 > first;
    let mut reopened = Vec::new();
    for (id, reference, code, received_at, stored_status, times) in found
        .into_iter()
        .take(usize::try_from(first).unwrap_or(usize::MAX))
    {
        let Some(facility) = scope.facility(&code) else {
            continue;
        };
        reopened.push(Reopened {
            id,
            reference,
            tz: facility.tz,
            facility_code: code,
            received_at,
            status: status(&stored_status)?,
            times_reopened: times,
            cursor: encode_cursor(received_at, id),
        });
    }
    Ok(ReopenReport {
        rows,
        reopened,
        has_next_page,
    })
}

/// The figures per facility and month as a table (the list of reopened
/// complaints is the GraphQL page's).
pub async fn table(
    reader: &Reader<'_>,
    filter: &ReportFilter,
    _params: &ExportParams,
) -> Result<Table, ServiceError> {
    let report = reopen(reader, filter, 0, None).await?;
    let mut table = Table::new(vec![
        "facility",
        "month",
        "concluded",
        "reopened",
        "reopened_share",
        "reopened_more_than_once",
    ]);
    for r in &report.rows {
        table.push(vec![
            r.facility_code.clone(),
            r.month.format("%Y-%m").to_string(),
            r.concluded.to_string(),
            r.reopened.to_string(),
            super::timeliness::decimal(r.reopened_share()),
            r.reopened_more_than_once.to_string(),
        ]);
    }
    Ok(table)
}
