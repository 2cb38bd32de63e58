//! The service-recovery cost report: actions and their money by facility,
//! local month of the proposal at the action's facility, kind, department,
//! status and currency.
//!
//! The database groups and counts; it never adds money. Each group also
//! splits by the exact amount text, so the database returns one row per
//! distinct amount with its count, and Rust multiplies and adds with
//! `rust_decimal` (exact on every backend, never a float). Amounts in
//! different currencies are never added together.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::NaiveDate;
use entity::service_recovery_action::{Column as C, Entity as Action};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{ConnectionTrait, DbErr, EntityName};
use serde_json::json;

use super::linked_sql::{count, month_buckets};
use super::table::{ExportParams, Table};
use super::{ReportFilter, ReportScope};
use crate::domain::permissions::Operation;
use crate::domain::service_recovery::{Kind, Status};
use crate::services::ServiceError;
use crate::services::reads::Reader;

/// Facility, month, kind, department, status, currency.
type GroupKey = (String, NaiveDate, Kind, String, Status, Option<String>);

pub const REPORT: &str = "serviceRecoveryCostReport";

/// One group of actions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CostRow {
    pub facility_code: String,
    /// The local month of the proposal, as its first day.
    pub month: NaiveDate,
    pub kind: Kind,
    pub department: String,
    pub status: Status,
    /// `None` for actions without money (an apology, an explanation).
    pub currency: Option<String>,
    pub actions: u64,
    /// The exact sum of the amounts; zero without money.
    pub total: Decimal,
}

/// Runs the report (logged once) and returns its rows in order of
/// facility, month, kind, department, status and currency.
pub async fn report(
    reader: &Reader<'_>,
    filter: &ReportFilter,
) -> Result<Vec<CostRow>, ServiceError> {
    let scope = reader
        .report(Operation::ReadReports, REPORT, filter, json!({}))
        .await?;
    Ok(rows(reader.db(), &scope).await?)
}

async fn rows(db: &impl ConnectionTrait, scope: &ReportScope) -> Result<Vec<CostRow>, DbErr> {
    let buckets = month_buckets(scope, C::FacilityCode, C::CreatedAt);
    let mut inner = Query::select();
    inner
        .expr_as(buckets.expr.clone(), Alias::new("bucket"))
        .columns([C::Kind, C::Department, C::Status, C::Currency, C::Amount])
        .from(Action.table_ref())
        .cond_where(scope.within(C::FacilityCode, C::CreatedAt, C::Department));
    let mut outer = Query::select();
    let cols = [
        "bucket",
        "kind",
        "department",
        "status",
        "currency",
        "amount",
    ];
    for c in cols {
        outer.column(Alias::new(c));
    }
    outer
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from_subquery(inner, Alias::new("t"))
        .group_by_columns(cols.map(Alias::new));
    let found = db.query_all(&outer).await?;

    let mut groups: BTreeMap<GroupKey, (u64, Decimal)> = BTreeMap::new();
    for row in found {
        let Some((code, month)) = buckets.slot(row.try_get("", "bucket")?) else {
            continue;
        };
        let kind: String = row.try_get("", "kind")?;
        let status: String = row.try_get("", "status")?;
        let kind = Kind::parse(&kind).ok_or_else(|| stored_value("kind", &kind))?;
        let status = Status::parse(&status).ok_or_else(|| stored_value("status", &status))?;
        let department: String = row.try_get("", "department")?;
        let currency: Option<String> = row.try_get("", "currency")?;
        let amount: Option<String> = row.try_get("", "amount")?;
        let n = count(&row, "n")?;
        let each = match &amount {
            Some(a) => Decimal::from_str(a).map_err(|_| stored_value("amount", a))?,
            None => Decimal::ZERO,
        };
        let slot = groups
            .entry((code.clone(), *month, kind, department, status, currency))
            .or_insert((0, Decimal::ZERO));
        slot.0 += n;
        slot.1 += each * Decimal::from(n);
    }
    Ok(groups
        .into_iter()
        .map(
            |((facility_code, month, kind, department, status, currency), (actions, total))| {
                CostRow {
                    facility_code,
                    month,
                    kind,
                    department,
                    status,
                    currency,
                    actions,
                    total,
                }
            },
        )
        .collect())
}

fn stored_value(column: &str, value: &str) -> DbErr {
    DbErr::Custom(format!(
        "service_recovery_action.{column} holds {value:?}, which no action can have"
    ))
}

/// The report as a table for the CSV export.
pub async fn table(
    reader: &Reader<'_>,
    filter: &ReportFilter,
    _params: &ExportParams,
) -> Result<Table, ServiceError> {
    let mut t = Table::new(vec![
        "facility",
        "month",
        "kind",
        "department",
        "status",
        "actions",
        "total",
        "currency",
    ]);
    for r in report(reader, filter).await? {
        t.push(vec![
            r.facility_code,
            r.month.format("%Y-%m").to_string(),
            r.kind.as_str().to_owned(),
            r.department,
            r.status.as_str().to_owned(),
            r.actions.to_string(),
            match &r.currency {
                Some(_) => r.total.to_string(),
                None => String::new(),
            },
            r.currency.unwrap_or_default(),
        ]);
    }
    Ok(t)
}
