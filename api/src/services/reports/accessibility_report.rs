//! The accessibility report (ADA, 28 CFR 35.160; Section 504): requests
//! needed in the period (their `needed_by`, local days at each request's
//! facility) by need type: how many, fulfilled and fulfilled on time,
//! met with an alternative, denied by lawful ground, cancelled, still
//! open, and open past their needed-by time at the run's one "now".
//!
//! "On time": fulfilled at or before `needed_by`. A fulfilment is the
//! request's last change (a finished request changes no more, and a
//! complaint is linked only to a failed one, which a timely fulfilment is
//! not), so its time is the row's `updated_at` and the database compares
//! two indexed projection columns. The denial ground is read from the
//! JSON document in SQL, for denied requests only.

use std::collections::BTreeMap;

use entity::accessibility_request::{Column as C, Entity as Request};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityName};
use serde_json::json;

use super::linked_sql::{count, json_text};
use super::table::{ExportParams, Table};
use super::{ReportFilter, ReportScope};
use crate::domain::accessibility::{DenialGround, NeedType, Status};
use crate::domain::permissions::Operation;
use crate::services::ServiceError;
use crate::services::reads::Reader;

pub const REPORT: &str = "accessibilityReport";

/// The requests of one need type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NeedFigures {
    pub requested: u64,
    pub fulfilled: u64,
    pub fulfilled_on_time: u64,
    pub alternative_provided: u64,
    pub denied: u64,
    /// Denials by ground, in the ground's order.
    pub denied_by_ground: Vec<(DenialGround, u64)>,
    pub cancelled: u64,
    /// Requested, acknowledged or scheduled.
    pub open: u64,
    /// Open, and needed before the run's "now".
    pub overdue_now: u64,
}

/// Runs the report (logged once): one entry per need type that has
/// requests, in the need type's order.
pub async fn report(
    reader: &Reader<'_>,
    filter: &ReportFilter,
) -> Result<Vec<(NeedType, NeedFigures)>, ServiceError> {
    let scope = reader
        .report(Operation::ReadReports, REPORT, filter, json!({}))
        .await?;
    Ok(figures(reader.db(), &scope).await?)
}

async fn figures(
    db: &impl ConnectionTrait,
    scope: &ReportScope,
) -> Result<Vec<(NeedType, NeedFigures)>, DbErr> {
    let within = || scope.within(C::FacilityCode, C::NeededBy, C::Department);
    let flag = |cond| Expr::case(cond, Expr::val(1i64)).finally(Expr::val(0i64));
    let mut inner = Query::select();
    inner
        .columns([C::NeedType, C::Status])
        .expr_as(
            flag(Expr::col(C::UpdatedAt).lte(Expr::col(C::NeededBy))),
            Alias::new("on_time"),
        )
        .expr_as(flag(C::NeededBy.lt(scope.now())), Alias::new("past"))
        .from(Request.table_ref())
        .cond_where(within());
    let cols = ["need_type", "status", "on_time", "past"];
    let mut outer = Query::select();
    for c in cols {
        outer.column(Alias::new(c));
    }
    outer
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from_subquery(inner, Alias::new("t"))
        .group_by_columns(cols.map(Alias::new));

    let mut by_need: BTreeMap<usize, (NeedType, NeedFigures)> = BTreeMap::new();
    for row in db.query_all(&outer).await? {
        let need = need_type(&row.try_get::<String>("", "need_type")?)?;
        let status: String = row.try_get("", "status")?;
        let status = Status::parse(&status).ok_or_else(|| stored("status", &status))?;
        let on_time = row.try_get::<i64>("", "on_time")? == 1;
        let past = row.try_get::<i64>("", "past")? == 1;
        let n = count(&row, "n")?;
        let f = &mut by_need
            .entry(order(need))
            .or_insert((need, Default::default()))
            .1;
        f.requested += n;
        match status {
            Status::Fulfilled => {
                f.fulfilled += n;
                if on_time {
                    f.fulfilled_on_time += n;
                }
            }
            Status::AlternativeProvided => f.alternative_provided += n,
            Status::Denied => f.denied += n,
            Status::Cancelled => f.cancelled += n,
            Status::Requested | Status::Acknowledged | Status::Scheduled => {
                f.open += n;
                if past {
                    f.overdue_now += n;
                }
            }
        }
    }

    let mut inner = Query::select();
    inner
        .column(C::NeedType)
        .expr_as(
            json_text(db.get_database_backend(), &["denial", "ground"]),
            Alias::new("ground"),
        )
        .from(Request.table_ref())
        .cond_where(within().add(C::Status.eq(Status::Denied.as_str())));
    let mut outer = Query::select();
    outer
        .columns([Alias::new("need_type"), Alias::new("ground")])
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from_subquery(inner, Alias::new("t"))
        .group_by_columns([Alias::new("need_type"), Alias::new("ground")]);
    for row in db.query_all(&outer).await? {
        let need = need_type(&row.try_get::<String>("", "need_type")?)?;
        let ground: Option<String> = row.try_get("", "ground")?;
        let ground = ground.unwrap_or_default();
        let ground =
            DenialGround::parse(&ground).ok_or_else(|| stored("denial ground", &ground))?;
        let f = &mut by_need
            .entry(order(need))
            .or_insert((need, Default::default()))
            .1;
        f.denied_by_ground.push((ground, count(&row, "n")?));
        f.denied_by_ground.sort_by_key(|(g, _)| *g as usize);
    }
    Ok(by_need.into_values().collect())
}

fn order(need: NeedType) -> usize {
    need as usize
}

fn need_type(s: &str) -> Result<NeedType, DbErr> {
    NeedType::parse(s).ok_or_else(|| stored("need_type", s))
}

fn stored(column: &str, value: &str) -> DbErr {
    DbErr::Custom(format!(
        "accessibility_request.{column} holds {value:?}, which no request can have"
    ))
}

/// The report as a table for the CSV export: one row per need type.
pub async fn table(
    reader: &Reader<'_>,
    filter: &ReportFilter,
    _params: &ExportParams,
) -> Result<Table, ServiceError> {
    let mut t = Table::new(vec![
        "need_type",
        "requested",
        "fulfilled",
        "fulfilled_on_time",
        "on_time_share",
        "alternative_provided",
        "denied",
        "denied_fundamental_alteration",
        "denied_undue_burden",
        "cancelled",
        "open",
        "overdue_now",
    ]);
    for (need, f) in report(reader, filter).await? {
        let ground = |g: DenialGround| {
            f.denied_by_ground
                .iter()
                .find(|(x, _)| *x == g)
                .map_or(0, |(_, n)| *n)
                .to_string()
        };
        t.push(vec![
            need.as_str().to_owned(),
            f.requested.to_string(),
            f.fulfilled.to_string(),
            f.fulfilled_on_time.to_string(),
            super::timeliness::decimal(super::linked_sql::share(f.fulfilled_on_time, f.fulfilled)),
            f.alternative_provided.to_string(),
            f.denied.to_string(),
            ground(DenialGround::FundamentalAlteration),
            ground(DenialGround::UndueBurden),
            f.cancelled.to_string(),
            f.open.to_string(),
            f.overdue_now.to_string(),
        ]);
    }
    Ok(t)
}
