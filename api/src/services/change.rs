//! The one path every change of an existing record takes, whatever the
//! record: the command's permission, the record found in the caller's
//! scope, `expectedVersion`, the permission the record calls for, the
//! context the command needs, the domain's `handle`, `UPDATE … WHERE
//! version`, the record's projections, the audit event, all in one
//! transaction. Any refusal writes nothing.

use sea_orm::{DatabaseConnection, DatabaseTransaction};
use uuid::Uuid;

use super::audit::{self, NewEvent};
use super::scope::{forbidden, now};
use super::stored::{Stored, Versioned, visible_by_id};
use super::{Caller, Refusal, RefusalCode, ServiceError, finish, refused};
use crate::db;
use crate::domain::command::{Command, Context};
use crate::domain::permissions::permits;

fn not_found<R: Stored>() -> ServiceError {
    Refusal::new(RefusalCode::NotFound, format!("{} not found", R::NOUN))
        .on(&["input", "id"])
        .into()
}

fn conflict(message: String) -> ServiceError {
    Refusal::new(RefusalCode::Conflict, message)
        .on(&["input", "expectedVersion"])
        .into()
}

/// Runs `command` on record `id`, which the caller read at
/// `expected_version`; returns the record as changed.
///
/// The record itself is read before the write lock is taken (on
/// PostgreSQL; SQLite's `BEGIN IMMEDIATE` holds it from the start), so
/// that read is not part of the serial section every writer queues for.
/// That is safe because nothing is decided on it that is not checked
/// again under the lock: `UPDATE … WHERE version` writes only if the row
/// is still the version that was read (every write bumps it), so the
/// state the command ran on, and the `before` of its audit event, are the
/// row as it stands; otherwise the caller gets CONFLICT and nothing is
/// written. Everything else the command needs (its context: other
/// records, the policy) is read under the lock.
pub async fn change<C>(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    id: Uuid,
    expected_version: i32,
    command: C,
) -> Result<C::State, ServiceError>
where
    C: Command + Send,
    C::State: Versioned,
{
    let op = command.operation();
    if !permits(caller.actor, op) {
        return Err(forbidden(op));
    }
    let txn = db::begin_write_unlocked(db).await?;
    let outcome = async {
        let before = read(&txn, caller, id, expected_version, &command).await?;
        db::lock_writes(&txn).await?;
        apply(&txn, caller, id, expected_version, command, before).await
    }
    .await;
    finish(txn, outcome).await
}

/// The change path inside a write transaction the caller holds, for an
/// action that changes more than one record at once (sending a correction
/// supersedes the letter it corrects; a progress notice marked sent meets
/// the complaint's clock): every step of [`change`] but the commit. The
/// caller commits, or rolls back on any error.
pub async fn change_in<C>(
    txn: &DatabaseTransaction,
    caller: &Caller<'_>,
    id: Uuid,
    expected_version: i32,
    command: C,
) -> Result<C::State, ServiceError>
where
    C: Command + Send,
    C::State: Versioned,
{
    let op = command.operation();
    if !permits(caller.actor, op) {
        return Err(forbidden(op));
    }
    let before = read(txn, caller, id, expected_version, &command).await?;
    apply(txn, caller, id, expected_version, command, before).await
}

/// The record in the caller's scope, at `expected_version`, and the
/// permission the record calls for.
async fn read<C>(
    txn: &DatabaseTransaction,
    caller: &Caller<'_>,
    id: Uuid,
    expected_version: i32,
    command: &C,
) -> Result<C::State, ServiceError>
where
    C: Command + Send,
    C::State: Versioned,
{
    let actor = caller.actor;
    let Some(before) = visible_by_id::<C::State>(txn, actor, id).await? else {
        return Err(not_found::<C::State>());
    };
    if before.version() != expected_version {
        return Err(conflict(before.stale(expected_version)));
    }
    if let Some(rule) = command.record_rule(&before)
        && !permits(actor, rule.operation)
    {
        return Err(Refusal::new(RefusalCode::Forbidden, rule.message)
            .on(rule.field)
            .into());
    }
    Ok(before)
}

/// The context, the domain's `handle`, `UPDATE … WHERE version`, the
/// projections and the audit event, under the write lock.
async fn apply<C>(
    txn: &DatabaseTransaction,
    caller: &Caller<'_>,
    id: Uuid,
    expected_version: i32,
    command: C,
    before: C::State,
) -> Result<C::State, ServiceError>
where
    C: Command + Send,
    C::State: Versioned,
{
    let actor = caller.actor;
    let mut cx = Context::new(actor, now());
    C::State::load_context(txn, id, &before, command.needs(), &mut cx).await?;
    let action = command.audit_action();
    let reason = command
        .reason()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    let mut state = before.clone();
    command.handle(&mut state, &cx).map_err(refused)?;
    state.touch(before.version() + 1, cx.now);
    if !C::State::update(txn, id, expected_version, &state).await? {
        return Err(conflict(before.raced(expected_version)));
    }
    C::State::project(txn, id, Some(&before), &state).await?;
    audit::append(
        txn,
        caller,
        NewEvent::change(
            action.as_str(),
            C::State::RECORD_TYPE,
            id,
            Some(&before.audit_document()?),
            &state.audit_document()?,
        )
        .complaint_opt(state.complaint_of(id))
        .facility(state.facility_code())
        .reason(reason.as_deref()),
        cx.now,
    )
    .await?;
    Ok(state)
}
