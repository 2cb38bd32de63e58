//! The one path every new record takes, whatever the record: the
//! command's permission, the idempotency replay (a read: the same
//! visibility, and logged), the setting found in the caller's scope, the
//! domain's `handle`, the record's own steps before and after the insert,
//! the insert, its projections, the audit event and the idempotency key,
//! all in one transaction. Any refusal writes nothing.

use std::future::Future;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use super::audit::{self, NewEvent};
use super::scope::{forbidden, new_id, now};
use super::stored::{Stored, visible_by_id};
use super::{Caller, Refusal, RefusalCode, ServiceError, access_log, finish, idempotency, refused};
use crate::db;
use crate::domain::actor::Actor;
use crate::domain::command::{Context, CreateCommand};
use crate::domain::permissions::permits;

/// How the services create the record of a domain create command: what
/// they look up for it, and the record's own steps around the insert.
pub trait Create: CreateCommand<State: Stored> + Send {
    /// The mutation's name, under which idempotency keys are kept and
    /// replays are logged (`"<OPERATION> (replay)"`).
    const OPERATION: &'static str;

    /// The setting the domain's `handle` needs, found in the actor's scope
    /// inside the transaction (refusals name the input's fields).
    fn setting(
        &self,
        db: &impl ConnectionTrait,
        actor: &Actor,
    ) -> impl Future<Output = Result<Self::Setting, ServiceError>> + Send;

    /// After `handle`, before the insert (e.g. a complaint's reference
    /// number, taken only once the complaint is valid).
    fn before_insert(
        _db: &impl ConnectionTrait,
        _actor: &Actor,
        _setting: &Self::Setting,
        _state: &mut Self::State,
        _now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), ServiceError>> + Send {
        async { Ok(()) }
    }

    /// After the record and its creation event are written (e.g. linking
    /// another record to it, audited as that record's change).
    fn after_insert(
        _db: &impl ConnectionTrait,
        _caller: &Caller<'_>,
        _id: Uuid,
        _state: &Self::State,
        _now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), ServiceError>> + Send {
        async { Ok(()) }
    }
}

/// A record made (or, on a replay, found) by the create path.
#[derive(Clone, Debug)]
pub struct Created<S> {
    pub id: Uuid,
    pub state: S,
    /// An earlier create with the same idempotency key made it.
    pub replayed: bool,
}

/// The record an earlier create with this key made, if any. A replay is a
/// read: the same visibility rule, and logged.
async fn replay<R: Stored>(
    db: &impl ConnectionTrait,
    caller: &Caller<'_>,
    operation: &str,
    key: Option<&str>,
) -> Result<Option<(Uuid, R)>, ServiceError> {
    let Some(key) = key else { return Ok(None) };
    let Some(id) = idempotency::find(db, &caller.actor.subject, operation, key).await? else {
        return Ok(None);
    };
    let Some(state) = visible_by_id::<R>(db, caller.actor, id).await? else {
        return Err(Refusal::new(
            RefusalCode::NotFound,
            format!("this idempotency key created a {} you cannot see", R::NOUN),
        )
        .on(&["input", "idempotencyKey"])
        .into());
    };
    let (record_type, logged_id) = state.read_logged_under(id);
    access_log::record(
        db,
        caller,
        record_type,
        &[logged_id],
        &format!("{operation} (replay)"),
    )
    .await?;
    Ok(Some((id, state)))
}

/// Runs a create command; a repeated `idempotency_key` returns the record
/// the first call made.
pub async fn create<C: Create>(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    command: C,
    idempotency_key: Option<&str>,
) -> Result<Created<C::State>, ServiceError> {
    let actor = caller.actor;
    let op = command.operation();
    if !permits(actor, op) {
        return Err(forbidden(op));
    }
    let key = idempotency::clean(idempotency_key)?;
    command.check().map_err(refused)?;
    let txn = db::begin_write(db).await?;
    let outcome = async {
        if let Some((id, state)) =
            replay::<C::State>(&txn, caller, C::OPERATION, key.as_deref()).await?
        {
            return Ok(Created {
                id,
                state,
                replayed: true,
            });
        }
        let setting = command.setting(&txn, actor).await?;
        let cx = Context::new(actor, now());
        let action = command.audit_action();
        let mut state = command.handle(&setting, &cx).map_err(refused)?;
        C::before_insert(&txn, actor, &setting, &mut state, cx.now).await?;
        let id = new_id();
        C::State::insert(&txn, id, &state).await?;
        C::State::project(&txn, id, None, &state).await?;
        audit::append(
            &txn,
            caller,
            NewEvent::change(
                action.as_str(),
                C::State::RECORD_TYPE,
                id,
                None,
                &state.audit_document()?,
            )
            .complaint_opt(state.complaint_of(id))
            .facility(state.facility_code()),
            cx.now,
        )
        .await?;
        C::after_insert(&txn, caller, id, &state, cx.now).await?;
        if let Some(key) = &key {
            idempotency::remember(&txn, &actor.subject, C::OPERATION, key, id, cx.now).await?;
        }
        Ok(Created {
            id,
            state,
            replayed: false,
        })
    }
    .await;
    finish(txn, outcome).await
}
