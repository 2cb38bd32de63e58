//! Facility-months as SQL buckets: a `CASE` that numbers each row by its
//! facility and the local month its timestamp falls in, so a report counts
//! per facility and month with one `GROUP BY` over indexed columns, and the
//! database never converts time zones. Also cursors for keyset pages of
//! complaints in `(received_at, id)` order.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

use super::ReportScope;
use crate::services::{Refusal, RefusalCode, ServiceError};

/// One facility-month of a report, in the order reports list them
/// (facility, then month).
#[derive(Clone, Debug)]
pub struct Bucket {
    pub facility: usize,
    pub month: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Every facility-month of the scope; a bucket's number is its index.
pub fn buckets(scope: &ReportScope) -> Vec<Bucket> {
    let mut out = Vec::new();
    for (i, f) in scope.facilities().iter().enumerate() {
        for m in scope.months(f) {
            out.push(Bucket {
                facility: i,
                month: m.month,
                start: m.start,
                end: m.end,
            });
        }
    }
    out
}

/// The bucket of `(facility code, at)`, for rows read back whole.
pub fn bucket_of(
    buckets: &[Bucket],
    scope: &ReportScope,
    code: &str,
    at: DateTime<Utc>,
) -> Option<usize> {
    let facility = scope.facilities().iter().position(|f| f.code == code)?;
    buckets
        .iter()
        .position(|b| b.facility == facility && b.start <= at && at < b.end)
}

/// `CASE` numbering a row by its bucket (`by_month_only`: by the month's
/// position in the period, the same for every facility). Rows outside the
/// scope get NULL; callers filter with [`ReportScope::within`] first.
pub fn bucket_expr<C: ColumnTrait>(
    scope: &ReportScope,
    facility_code: C,
    at: C,
    by_month_only: bool,
) -> Expr {
    let mut outer: Option<sea_orm::sea_query::CaseStatement> = None;
    let mut n: i32 = 0;
    for f in scope.facilities() {
        let months = scope.months(f);
        let mut inner: Option<sea_orm::sea_query::CaseStatement> = None;
        for (mi, m) in months.iter().enumerate() {
            let value = if by_month_only {
                i32::try_from(mi).unwrap_or(i32::MAX)
            } else {
                n
            };
            n += 1;
            let cond = Condition::all().add(at.lt(m.end));
            inner = Some(match inner {
                None => Expr::case(cond, Expr::val(value)),
                Some(c) => c.case(cond, Expr::val(value)),
            });
        }
        let Some(inner) = inner else { continue };
        let cond = Condition::all().add(facility_code.eq(f.code.as_str()));
        let inner: Expr = inner.into();
        outer = Some(match outer {
            None => Expr::case(cond, inner),
            Some(c) => c.case(cond, inner),
        });
    }
    match outer {
        Some(c) => c.into(),
        None => Expr::cust("NULL"),
    }
}

/// `GROUP BY 1`: the first selected expression (the bucket). Grouping by
/// position works on SQLite and PostgreSQL, where grouping by a repeated
/// parameterised `CASE` would not match the selected one.
pub fn first_column() -> Expr {
    Expr::cust("1")
}

/// A keyset cursor over complaints ordered by `(received_at, id)`.
pub fn encode_cursor(at: DateTime<Utc>, id: Uuid) -> String {
    format!("{}_{}", at.timestamp_micros(), id)
}

pub fn decode_cursor(cursor: &str) -> Result<(DateTime<Utc>, Uuid), ServiceError> {
    let bad = || -> ServiceError {
        Refusal::new(
            RefusalCode::Validation,
            "the cursor is not one this report gave",
        )
        .on(&["after"])
        .into()
    };
    let (micros, id) = cursor.split_once('_').ok_or_else(bad)?;
    let micros: i64 = micros.parse().map_err(|_| bad())?;
    let at = DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
    let id = Uuid::parse_str(id).map_err(|_| bad())?;
    Ok((at, id))
}

/// Rows after the cursor in `(received_at, id)` order. The plain bound
/// starts the index range at the cursor (a deep page reads no rows before
/// it); the OR then skips the rows of the same instant already sent.
pub fn after<C: ColumnTrait>(received_at: C, id: C, cursor: (DateTime<Utc>, Uuid)) -> Condition {
    Condition::all().add(received_at.gte(cursor.0)).add(
        Condition::any()
            .add(received_at.gt(cursor.0))
            .add(id.gt(cursor.1)),
    )
}

/// A status as stored; an unreadable one is a fault, not a row to skip.
pub fn status(stored: &str) -> Result<crate::domain::complaint::Status, sea_orm::DbErr> {
    crate::domain::complaint::Status::parse(stored).ok_or_else(|| {
        sea_orm::DbErr::Custom(format!("stored complaint status {stored:?} unreadable"))
    })
}
