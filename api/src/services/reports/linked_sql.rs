//! SQL pieces the linked-record reports share (service recovery,
//! interpreter sessions, accessibility requests): the local month a row
//! falls in, and the few JSON fields a report needs that have no
//! projection column, read in SQL for a narrow subset of rows (never the
//! whole document into Rust per row).

use chrono::NaiveDate;
use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait, SimpleExpr};
use sea_orm::{ColumnTrait, DbBackend, QueryResult};

use super::ReportScope;

/// The bucket each facility-month of a scope has in a `CASE`: an index
/// into [`MonthBuckets::slots`].
pub struct MonthBuckets {
    pub slots: Vec<(String, NaiveDate)>,
    pub expr: SimpleExpr,
}

/// `CASE WHEN facility = 'A' AND at >= start AND at < end THEN 0 … END`:
/// the local month of `at` at the row's own facility, as an index into
/// `slots` (NULL outside the period). Every comparison is on the indexed
/// UTC column against instants computed in Rust.
pub fn month_buckets<C: ColumnTrait>(scope: &ReportScope, facility_code: C, at: C) -> MonthBuckets {
    let mut slots = Vec::new();
    let mut case = CaseStatement::new();
    for f in scope.facilities() {
        for m in scope.months(f) {
            let index = i64::try_from(slots.len()).unwrap_or(i64::MAX);
            case = case.case(
                facility_code
                    .eq(f.code.as_str())
                    .and(at.gte(m.start))
                    .and(at.lt(m.end)),
                Expr::val(index),
            );
            slots.push((f.code.clone(), m.month));
        }
    }
    let expr = if slots.is_empty() {
        Expr::cust("NULL")
    } else {
        case.finally(Expr::cust("NULL")).into()
    };
    MonthBuckets { slots, expr }
}

impl MonthBuckets {
    /// The (facility code, month) of a bucket read back.
    pub fn slot(&self, index: Option<i64>) -> Option<&(String, NaiveDate)> {
        index
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| self.slots.get(i))
    }
}

/// A JSON text field of the `record` column at `path`, in SQL.
pub fn json_text(backend: DbBackend, path: &[&str]) -> SimpleExpr {
    match backend {
        DbBackend::Postgres => Expr::cust(format!(
            "(CAST(record AS jsonb) #>> '{{{}}}')",
            path.join(",")
        )),
        _ => Expr::cust(format!("json_extract(record, '$.{}')", path.join("."))),
    }
}

/// A JSON boolean field of the `record` column at `path`, as 1 or 0.
pub fn json_flag(backend: DbBackend, path: &[&str]) -> SimpleExpr {
    match backend {
        DbBackend::Postgres => Expr::cust(format!(
            "(CASE WHEN (CAST(record AS jsonb) #>> '{{{}}}') = 'true' THEN CAST(1 AS BIGINT) ELSE CAST(0 AS BIGINT) END)",
            path.join(",")
        )),
        _ => Expr::cust(format!(
            "(CASE WHEN json_extract(record, '$.{}') = 1 THEN 1 ELSE 0 END)",
            path.join(".")
        )),
    }
}

/// A `COUNT(*)` read back.
pub fn count(row: &QueryResult, col: &str) -> Result<u64, sea_orm::DbErr> {
    let n: i64 = row.try_get("", col)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// A share (`0.875`): a rate, never money; `None` for 0 of 0.
pub fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}
