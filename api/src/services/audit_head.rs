//! Where the next audit event goes: after the head of the chain, which
//! this process remembers from its own last append as a *hint*, so that
//! an append is one statement instead of two (read the head, insert).
//!
//! The hint is never trusted. The event is inserted with a condition that
//! the database checks in the same statement, under the write lock every
//! appender holds: the newest event is the one the hint names (the newest
//! sequence is `n - 1`, and event `n - 1` has the hint's hash). When it is not
//! (another process appended, the transaction that set the hint rolled
//! back, the process serves several databases, it has just started), the
//! insert writes nothing and [`super::audit::append`] reads the head and
//! inserts as before. A wrong hint costs one round trip; it can never fork
//! the chain or leave a gap.

use std::sync::Mutex;

use entity::audit_event::{self, Entity as AuditEvent};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, IntoActiveModel, Iterable};

/// The sequence and hash of the last event this process appended.
static HINT: Mutex<Option<(i64, String)>> = Mutex::new(None);

/// The head this process last appended, if any.
pub(super) fn hint() -> Option<(i64, String)> {
    HINT.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Remembers `event` as the head (whether or not its transaction commits:
/// a hint that turns out wrong is caught by [`insert_after`]).
pub(super) fn remember(event: &audit_event::Model) {
    *HINT.lock().unwrap_or_else(|e| e.into_inner()) = Some((event.sequence, event.hash.clone()));
}

/// Inserts `event` if, and only if, the newest event in the trail is
/// `event.sequence - 1` with hash `event.previous_hash`; returns whether it
/// did. One statement: `INSERT … SELECT <values> WHERE (SELECT MAX(sequence)
/// …) = n - 1 AND EXISTS (event n - 1 with that hash)`.
pub(super) async fn insert_after(
    txn: &impl ConnectionTrait,
    event: &audit_event::Model,
) -> Result<bool, DbErr> {
    let row = event.clone().into_active_model();
    let columns: Vec<audit_event::Column> = audit_event::Column::iter().collect();
    let values = columns
        .iter()
        .map(|c| {
            row.get(*c)
                .into_value()
                .map(|v| SimpleExpr::from(Expr::val(v)))
                .ok_or_else(|| DbErr::Custom(format!("audit event column {c:?} is not set")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    // The newest sequence is n - 1 (MAX of the primary key: an index
    // lookup on both databases, whatever n is) and event n - 1 has the
    // hash the new event links to.
    let newest = Query::select()
        .expr(Expr::col(audit_event::Column::Sequence).max())
        .from(AuditEvent)
        .to_owned();
    let previous = Query::select()
        .expr(Expr::val(1))
        .from(AuditEvent)
        .and_where(Expr::col(audit_event::Column::Sequence).eq(event.sequence - 1))
        .and_where(Expr::col(audit_event::Column::Hash).eq(event.previous_hash.as_str()))
        .to_owned();
    let select = Query::select()
        .exprs(values)
        .and_where(Expr::SubQuery(None, Box::new(newest.into())).eq(event.sequence - 1))
        .and_where(Expr::exists(previous))
        .to_owned();
    let insert = Query::insert()
        .into_table(AuditEvent)
        .columns(columns)
        .select_from(select)
        .map_err(|e| DbErr::Custom(format!("audit event insert: {e}")))?
        .to_owned();
    let result = txn.execute(&insert).await?;
    Ok(result.rows_affected() == 1)
}
