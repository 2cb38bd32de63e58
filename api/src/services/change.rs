//! The one path every change of an existing record takes, whatever the
//! record: the command's permission, the record found in the caller's
//! scope, `expectedVersion`, the permission the record calls for, the
//! context the command needs, the domain's `handle`, `UPDATE … WHERE
//! version`, the record's projections, the audit event, all in one
//! transaction. Any refusal writes nothing.

use std::future::Future;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

use super::audit::{self, NewEvent};
use super::work::{self, WorkRecord};
use super::{Caller, Refusal, RefusalCode, ServiceError, finish, refused};
use crate::db;
use crate::domain::command::{Command, Context, Needs};
use crate::domain::permissions::permits;

/// How a record is stored, found and written. Every record type the
/// change path serves implements it (the linked records through
/// `WorkRecord`).
pub trait Stored: Clone + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The audit trail's record type, e.g. `Complaint`.
    const RECORD_TYPE: &'static str;
    /// The record's name in messages.
    const NOUN: &'static str;

    fn facility_code(&self) -> &str;
    /// The complaint the record belongs to (a complaint: itself).
    fn complaint_of(&self, id: Uuid) -> Option<Uuid>;
    /// Who created it (STAFF see only their own).
    fn created_by(&self) -> &str;
    fn version(&self) -> i32;
    /// Sets the version and the time of the change.
    fn touch(&mut self, version: i32, now: DateTime<Utc>);

    fn load(
        db: &impl ConnectionTrait,
        id: Uuid,
    ) -> impl Future<Output = Result<Option<Self>, DbErr>> + Send;
    fn insert(
        db: &impl ConnectionTrait,
        id: Uuid,
        state: &Self,
    ) -> impl Future<Output = Result<(), DbErr>> + Send;
    /// `UPDATE … WHERE id = ? AND version = ?`; false when no row matched.
    fn update(
        db: &impl ConnectionTrait,
        id: Uuid,
        expected_version: i32,
        state: &Self,
    ) -> impl Future<Output = Result<bool, DbErr>> + Send;

    /// Loads what a command `needs` into its context.
    fn load_context(
        _db: &impl ConnectionTrait,
        _id: Uuid,
        _state: &Self,
        _needs: Needs,
        _cx: &mut Context<'_>,
    ) -> impl Future<Output = Result<(), DbErr>> + Send {
        async { Ok(()) }
    }

    /// Rewrites the tables projected from the record besides its row.
    fn project(
        _db: &impl ConnectionTrait,
        _id: Uuid,
        _before: Option<&Self>,
        _after: &Self,
    ) -> impl Future<Output = Result<(), DbErr>> + Send {
        async { Ok(()) }
    }

    /// The refusal when the caller's version is not the stored one.
    fn stale(&self, expected: i32) -> String {
        format!(
            "this {} is at version {}, not {expected}; someone changed it since you read it",
            Self::NOUN,
            self.version()
        )
    }

    /// The refusal when the row changed between the read and the write.
    fn raced(&self, _expected: i32) -> String {
        format!("this {} changed while you were changing it", Self::NOUN)
    }
}

impl<R: WorkRecord> Stored for R {
    const RECORD_TYPE: &'static str = <R as WorkRecord>::RECORD_TYPE;
    const NOUN: &'static str = <R as WorkRecord>::NOUN;

    fn facility_code(&self) -> &str {
        WorkRecord::facility_code(self)
    }
    fn complaint_of(&self, _id: Uuid) -> Option<Uuid> {
        WorkRecord::complaint_id(self)
    }
    fn created_by(&self) -> &str {
        WorkRecord::created_by(self)
    }
    fn version(&self) -> i32 {
        WorkRecord::version(self)
    }
    fn touch(&mut self, version: i32, now: DateTime<Utc>) {
        WorkRecord::touch(self, version, now);
    }
    fn load(
        db: &impl ConnectionTrait,
        id: Uuid,
    ) -> impl Future<Output = Result<Option<Self>, DbErr>> + Send {
        <R as WorkRecord>::load(db, id)
    }
    fn insert(
        db: &impl ConnectionTrait,
        id: Uuid,
        state: &Self,
    ) -> impl Future<Output = Result<(), DbErr>> + Send {
        <R as WorkRecord>::insert(db, id, state)
    }
    fn update(
        db: &impl ConnectionTrait,
        id: Uuid,
        expected_version: i32,
        state: &Self,
    ) -> impl Future<Output = Result<bool, DbErr>> + Send {
        <R as WorkRecord>::update(db, id, expected_version, state)
    }
}

/// The record as its audit events record it.
pub fn document<R: Stored>(state: &R) -> Result<Value, DbErr> {
    serde_json::to_value(state).map_err(|e| DbErr::Custom(format!("encoding a {}: {e}", R::NOUN)))
}

/// A record the actor may see, by id.
pub async fn visible_by_id<R: Stored>(
    db: &impl ConnectionTrait,
    actor: &crate::domain::actor::Actor,
    id: Uuid,
) -> Result<Option<R>, DbErr> {
    Ok(R::load(db, id)
        .await?
        .filter(|r| work::visible(actor, r.facility_code(), r.created_by())))
}

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
pub async fn change<C>(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    id: Uuid,
    expected_version: i32,
    command: C,
) -> Result<C::State, ServiceError>
where
    C: Command + Send,
    C::State: Stored,
{
    let actor = caller.actor;
    let op = command.operation();
    if !permits(actor, op) {
        return Err(work::forbidden(op));
    }
    let txn = db::begin_write(db).await?;
    let outcome = async {
        let Some(before) = visible_by_id::<C::State>(&txn, actor, id).await? else {
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
        let mut cx = Context::new(actor, work::now());
        C::State::load_context(&txn, id, &before, command.needs(), &mut cx).await?;
        let action = command.audit_action();
        let reason = command
            .reason()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        let mut state = before.clone();
        command.handle(&mut state, &cx).map_err(refused)?;
        state.touch(before.version() + 1, cx.now);
        if !C::State::update(&txn, id, expected_version, &state).await? {
            return Err(conflict(before.raced(expected_version)));
        }
        C::State::project(&txn, id, Some(&before), &state).await?;
        audit::append(
            &txn,
            caller,
            NewEvent::change(
                action.as_str(),
                C::State::RECORD_TYPE,
                id,
                Some(&document(&before)?),
                &document(&state)?,
            )
            .complaint_opt(state.complaint_of(id))
            .facility(state.facility_code())
            .reason(reason.as_deref()),
            cx.now,
        )
        .await?;
        Ok(state)
    }
    .await;
    finish(txn, outcome).await
}
