//! Writing the simulated records: the audit chain computed in time order in
//! Rust (the same event content and hash as `services::audit::append`), and
//! batched multi-row inserts, one transaction per batch.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use chrono::{DateTime, SubsecRound, Utc};
use entity::{
    accessibility_request, audit_event, complaint, complaint_issue, interpreter_session, letter,
    letter_rendition, service_recovery_action,
};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel,
};
use uuid::Uuid;

use crate::db;
use crate::domain::audit::{self as chain, EventContent};
use crate::services::Caller;
use crate::services::audit::NewEvent;

/// An audit event waiting for its place in the chain.
pub(super) struct Pending {
    pub at: DateTime<Utc>,
    /// Tie-break among events at the same instant: the order they were made.
    pub order: u64,
    pub actor_subject: String,
    pub actor_name: String,
    pub actor_roles: String,
    pub action: String,
    pub record_type: String,
    pub record_id: Uuid,
    pub complaint_id: Option<Uuid>,
    pub facility_code: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: Option<String>,
}

impl Pending {
    /// The event `services::audit::append` would write for `event` by
    /// `caller` at `at` (its sequence and hash are given when chained).
    pub fn of(caller: &Caller<'_>, event: NewEvent<'_>, at: DateTime<Utc>, order: u64) -> Self {
        Pending {
            at: at.trunc_subsecs(6),
            order,
            actor_subject: caller.actor.subject.clone(),
            actor_name: caller.actor.name.clone(),
            actor_roles: caller.roles(),
            action: event.action.to_owned(),
            record_type: event.record_type.to_owned(),
            record_id: event.record_id,
            complaint_id: event.complaint_id,
            facility_code: event.facility_code.map(str::to_owned),
            before: event.before.as_ref().map(ToString::to_string),
            after: event.after.as_ref().map(ToString::to_string),
            reason: event.reason.map(str::to_owned),
        }
    }
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.order) == (other.at, other.order)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.order).cmp(&(other.at, other.order))
    }
}

/// The chain: events are held until no later record can precede them, then
/// numbered and hashed in time order.
pub(super) struct Chain {
    waiting: BinaryHeap<Reverse<Pending>>,
    sequence: i64,
    previous_hash: String,
}

impl Chain {
    /// Continues the trail after its head (`None`: an empty trail).
    pub fn after(head: Option<(i64, String)>) -> Self {
        let (sequence, previous_hash) = head.unwrap_or_else(|| (0, chain::GENESIS_HASH.to_owned()));
        Chain {
            waiting: BinaryHeap::new(),
            sequence,
            previous_hash,
        }
    }

    pub fn push(&mut self, event: Pending) {
        self.waiting.push(Reverse(event));
    }

    /// Chains every waiting event that happened before `watermark` (all of
    /// them when `None`) into `out`.
    pub fn release(&mut self, watermark: Option<DateTime<Utc>>, out: &mut Vec<audit_event::Model>) {
        while let Some(Reverse(top)) = self.waiting.peek() {
            if watermark.is_some_and(|w| top.at >= w) {
                break;
            }
            let Some(Reverse(e)) = self.waiting.pop() else {
                break;
            };
            self.sequence += 1;
            let id = Uuid::now_v7();
            let content = EventContent {
                sequence: self.sequence,
                id,
                occurred_at: e.at,
                actor_subject: &e.actor_subject,
                actor_name: &e.actor_name,
                actor_roles: &e.actor_roles,
                request_id: super::REQUEST_ID,
                action: &e.action,
                record_type: &e.record_type,
                record_id: e.record_id,
                complaint_id: e.complaint_id,
                facility_code: e.facility_code.as_deref(),
                before: e.before.as_deref(),
                after: e.after.as_deref(),
                reason: e.reason.as_deref(),
            };
            let hash = chain::chain_hash(&self.previous_hash, &content);
            let previous_hash = std::mem::replace(&mut self.previous_hash, hash.clone());
            out.push(audit_event::Model {
                sequence: self.sequence,
                id,
                occurred_at: e.at,
                actor_subject: e.actor_subject,
                actor_name: e.actor_name,
                actor_roles: e.actor_roles,
                request_id: super::REQUEST_ID.to_owned(),
                action: e.action,
                record_type: e.record_type,
                record_id: e.record_id,
                complaint_id: e.complaint_id,
                facility_code: e.facility_code,
                before: e.before,
                after: e.after,
                reason: e.reason,
                previous_hash,
                hash,
            });
        }
    }
}

/// Rows ready to insert.
#[derive(Default)]
pub(super) struct Batch {
    pub complaints: Vec<complaint::Model>,
    pub issues: Vec<complaint_issue::Model>,
    pub service_recovery: Vec<service_recovery_action::Model>,
    pub interpreter: Vec<interpreter_session::Model>,
    pub accessibility: Vec<accessibility_request::Model>,
    pub letters: Vec<letter::Model>,
    pub renditions: Vec<letter_rendition::Model>,
    pub events: Vec<audit_event::Model>,
}

/// Rows per INSERT statement (well under either database's bind limit).
const ROWS_PER_STATEMENT: usize = 500;

async fn insert<E>(txn: &impl ConnectionTrait, rows: Vec<E::Model>) -> Result<(), DbErr>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel>,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<E::ActiveModel> = rows
            .by_ref()
            .take(ROWS_PER_STATEMENT)
            .map(|m| m.into_active_model().reset_all())
            .collect();
        E::insert_many(chunk).exec_without_returning(txn).await?;
    }
    Ok(())
}

/// Writes one batch in one write transaction.
pub(super) async fn write(db: &DatabaseConnection, batch: Batch) -> Result<(), DbErr> {
    let txn = db::begin_write(db).await?;
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        // A seed can be rerun: no need to wait for each batch's WAL flush.
        txn.execute_unprepared("SET LOCAL synchronous_commit = off")
            .await?;
    }
    insert::<complaint::Entity>(&txn, batch.complaints).await?;
    insert::<complaint_issue::Entity>(&txn, batch.issues).await?;
    insert::<service_recovery_action::Entity>(&txn, batch.service_recovery).await?;
    insert::<interpreter_session::Entity>(&txn, batch.interpreter).await?;
    insert::<accessibility_request::Entity>(&txn, batch.accessibility).await?;
    insert::<letter::Entity>(&txn, batch.letters).await?;
    insert::<letter_rendition::Entity>(&txn, batch.renditions).await?;
    insert::<audit_event::Entity>(&txn, batch.events).await?;
    txn.commit().await
}
