//! The audit trail: appending an event in the caller's transaction,
//! reading events, verifying the chain, and rebuilding a complaint as it
//! stood at a moment.

use chrono::{DateTime, SubsecRound, Utc};
use entity::audit_event::{self, Entity as AuditEvent};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::reads::Unread;
use super::stored::Stored;
use super::{Caller, audit_head};
use crate::domain::audit::{self as chain, EventContent, LinkProblem, StoredLink};
use crate::domain::complaint::ComplaintState;

pub const RECORD_COMPLAINT: &str = "Complaint";
pub const RECORD_NOTE: &str = "ComplaintNote";
pub const RECORD_CONTACT: &str = "ComplaintContact";
pub const RECORD_FACILITY: &str = "Facility";
pub const RECORD_POLICY: &str = "DeadlinePolicy";
pub const RECORD_SERVICE_RECOVERY: &str = "ServiceRecoveryAction";
pub const RECORD_INTERPRETER_SESSION: &str = "InterpreterSession";
pub const RECORD_ACCESSIBILITY_REQUEST: &str = "AccessibilityRequest";
pub const RECORD_ATTACHMENT: &str = "Attachment";
pub const RECORD_LETTER: &str = "Letter";

/// An event to append.
#[derive(Clone, Debug)]
pub struct NewEvent<'a> {
    pub action: &'a str,
    pub record_type: &'a str,
    pub record_id: Uuid,
    pub complaint_id: Option<Uuid>,
    pub facility_code: Option<&'a str>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub reason: Option<&'a str>,
}

impl<'a> NewEvent<'a> {
    /// An event whose before/after are the fields that differ between two
    /// documents (`before = None` for a create: `after` is the whole record).
    pub fn change(
        action: &'a str,
        record_type: &'a str,
        record_id: Uuid,
        before: Option<&Value>,
        after: &Value,
    ) -> Self {
        let (before, after) = match before {
            Some(b) => {
                let (old, new) = chain::diff(b, after);
                (Some(Value::Object(old)), Some(Value::Object(new)))
            }
            None => (None, Some(after.clone())),
        };
        NewEvent {
            action,
            record_type,
            record_id,
            complaint_id: None,
            facility_code: None,
            before,
            after,
            reason: None,
        }
    }

    pub fn complaint(mut self, id: Uuid) -> Self {
        self.complaint_id = Some(id);
        self
    }

    pub fn complaint_opt(mut self, id: Option<Uuid>) -> Self {
        self.complaint_id = id;
        self
    }

    pub fn facility(mut self, code: &'a str) -> Self {
        self.facility_code = Some(code);
        self
    }

    pub fn reason(mut self, reason: Option<&'a str>) -> Self {
        self.reason = reason;
        self
    }
}

/// Appends one event to the chain. Call it inside the write transaction
/// that makes the change (`db::begin_write`, which serialises writers), so
/// the event and the change commit or vanish together.
///
/// The event goes after the head this process last appended when the
/// database confirms, in the insert itself, that it still is the head
/// (`audit_head`): one statement. Otherwise the head is read and the event
/// inserted after it: two.
pub async fn append(
    txn: &impl ConnectionTrait,
    caller: &Caller<'_>,
    event: NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<audit_event::Model, DbErr> {
    let before = event.before.as_ref().map(Value::to_string);
    let after = event.after.as_ref().map(Value::to_string);
    let id = Uuid::now_v7();
    let occurred_at = now.trunc_subsecs(6);
    let roles = caller.roles();
    let at = |(sequence, previous_hash): (i64, String)| {
        let content = EventContent {
            sequence,
            id,
            occurred_at,
            actor_subject: &caller.actor.subject,
            actor_name: &caller.actor.name,
            actor_roles: &roles,
            request_id: caller.request_id,
            action: event.action,
            record_type: event.record_type,
            record_id: event.record_id,
            complaint_id: event.complaint_id,
            facility_code: event.facility_code,
            before: before.as_deref(),
            after: after.as_deref(),
            reason: event.reason,
        };
        let hash = chain::chain_hash(&previous_hash, &content);
        audit_event::Model {
            sequence,
            id,
            occurred_at,
            actor_subject: caller.actor.subject.clone(),
            actor_name: caller.actor.name.clone(),
            actor_roles: roles.clone(),
            request_id: caller.request_id.to_owned(),
            action: event.action.to_owned(),
            record_type: event.record_type.to_owned(),
            record_id: event.record_id,
            complaint_id: event.complaint_id,
            facility_code: event.facility_code.map(str::to_owned),
            before: before.clone(),
            after: after.clone(),
            reason: event.reason.map(str::to_owned),
            previous_hash,
            hash,
        }
    };
    if let Some((sequence, hash)) = audit_head::hint() {
        let model = at((sequence + 1, hash));
        if audit_head::insert_after(txn, &model).await? {
            audit_head::remember(&model);
            return Ok(model);
        }
    }
    let model = at(match last_event(txn).await? {
        Some((sequence, hash)) => (sequence + 1, hash),
        None => (1, chain::GENESIS_HASH.to_owned()),
    });
    AuditEvent::insert(model.clone().into_active_model().reset_all())
        .exec_without_returning(txn)
        .await?;
    audit_head::remember(&model);
    Ok(model)
}

/// Which events to list.
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    pub complaint_id: Option<Uuid>,
    pub record_id: Option<Uuid>,
    pub actor_subject: Option<String>,
    pub actions: Vec<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Only these record types (`RECORD_*`); empty for all.
    pub record_types: Vec<&'static str>,
    /// Facility codes the caller may see; `None` for every facility.
    /// Events without a facility (none today) are shown only to `None`.
    pub facility_scope: Option<Vec<String>>,
}

fn condition(filter: &EventFilter) -> Condition {
    let mut c = Condition::all();
    if let Some(id) = filter.complaint_id {
        c = c.add(audit_event::Column::ComplaintId.eq(id));
    }
    if let Some(id) = filter.record_id {
        c = c.add(audit_event::Column::RecordId.eq(id));
    }
    if let Some(subject) = &filter.actor_subject {
        c = c.add(audit_event::Column::ActorSubject.eq(subject.clone()));
    }
    if !filter.actions.is_empty() {
        c = c.add(audit_event::Column::Action.is_in(filter.actions.clone()));
    }
    if !filter.record_types.is_empty() {
        c = c.add(audit_event::Column::RecordType.is_in(filter.record_types.iter().copied()));
    }
    if let Some(from) = filter.from {
        c = c.add(audit_event::Column::OccurredAt.gte(from));
    }
    if let Some(to) = filter.to {
        c = c.add(audit_event::Column::OccurredAt.lte(to));
    }
    if let Some(codes) = &filter.facility_scope {
        c = c.add(audit_event::Column::FacilityCode.is_in(codes.clone()));
    }
    c
}

/// One page of events in chain order, after sequence `after`.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &EventFilter,
    after: Option<i64>,
    limit: u64,
) -> Result<(Vec<audit_event::Model>, bool), DbErr> {
    let mut query = AuditEvent::find()
        .filter(condition(filter))
        .order_by_asc(audit_event::Column::Sequence);
    if let Some(after) = after {
        query = query.filter(audit_event::Column::Sequence.gt(after));
    }
    let mut rows = query.limit(limit + 1).all(db).await?;
    let has_next = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok((rows, has_next))
}

/// The head of the trail: the newest event's sequence and hash.
pub async fn last_event(db: &impl ConnectionTrait) -> Result<Option<(i64, String)>, DbErr> {
    AuditEvent::find()
        .select_only()
        .column(audit_event::Column::Sequence)
        .column(audit_event::Column::Hash)
        .order_by_desc(audit_event::Column::Sequence)
        .limit(1)
        .into_tuple()
        .one(db)
        .await
}

pub async fn count(db: &impl ConnectionTrait, filter: &EventFilter) -> Result<u64, DbErr> {
    AuditEvent::find().filter(condition(filter)).count(db).await
}

/// The outcome of checking the chain over a range.
#[derive(Clone, Debug)]
pub struct Verification {
    pub intact: bool,
    pub checked: u64,
    pub first_sequence: Option<i64>,
    pub last_sequence: Option<i64>,
    pub broken: Option<BrokenLink>,
}

#[derive(Clone, Debug)]
pub struct BrokenLink {
    pub sequence: i64,
    pub event_id: Uuid,
    pub problem: LinkProblem,
}

const VERIFY_BATCH: u64 = 1000;

/// Recomputes every hash of the events that occurred in `[from, to]` (the
/// whole trail when open-ended), each checked against the event before it
/// even when that one lies before the range, and names the first broken
/// link.
///
/// It reads inside one read-only snapshot transaction: one consistent view
/// of the trail (on SQLite a WAL snapshot, which does not hold writers
/// back; on PostgreSQL `REPEATABLE READ`), and one connection, so memory
/// stays at about one batch.
pub async fn verify(
    db: &DatabaseConnection,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<Verification, DbErr> {
    let txn = crate::db::begin_read_snapshot(db).await?;
    let result = verify_in(&txn, from, to).await;
    txn.commit().await?;
    result
}

/// [`verify`] inside the caller's (read) transaction.
pub async fn verify_in(
    db: &impl ConnectionTrait,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<Verification, DbErr> {
    let mut range = Condition::all();
    if let Some(from) = from {
        range = range.add(audit_event::Column::OccurredAt.gte(from));
    }
    if let Some(to) = to {
        range = range.add(audit_event::Column::OccurredAt.lte(to));
    }
    let mut result = Verification {
        intact: true,
        checked: 0,
        first_sequence: None,
        last_sequence: None,
        broken: None,
    };
    let mut previous: Option<(i64, String)> = None;
    let mut cursor: Option<i64> = None;
    loop {
        let mut query = AuditEvent::find()
            .filter(range.clone())
            .order_by_asc(audit_event::Column::Sequence)
            .limit(VERIFY_BATCH);
        if let Some(c) = cursor {
            query = query.filter(audit_event::Column::Sequence.gt(c));
        }
        let rows = query.all(db).await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            if result.first_sequence.is_none() {
                result.first_sequence = Some(row.sequence);
                // The link into the range: the event just before it.
                if row.sequence > 1 {
                    previous = AuditEvent::find()
                        .filter(audit_event::Column::Sequence.lt(row.sequence))
                        .order_by_desc(audit_event::Column::Sequence)
                        .limit(1)
                        .one(db)
                        .await?
                        .map(|p| (p.sequence, p.hash));
                }
            }
            let link = stored_link(row);
            let prev = previous.as_ref().map(|(s, h)| (*s, h.as_str()));
            result.checked += 1;
            result.last_sequence = Some(row.sequence);
            if let Some(problem) = chain::check_link(prev, &link) {
                result.intact = false;
                result.broken = Some(BrokenLink {
                    sequence: row.sequence,
                    event_id: row.id,
                    problem,
                });
                return Ok(result);
            }
            previous = Some((row.sequence, row.hash.clone()));
        }
        cursor = result.last_sequence;
        if (rows.len() as u64) < VERIFY_BATCH {
            break;
        }
    }
    Ok(result)
}

fn stored_link(row: &audit_event::Model) -> StoredLink<'_> {
    StoredLink {
        content: event_content(row),
        previous_hash: &row.previous_hash,
        hash: &row.hash,
    }
}

/// What a stored event's hash covers.
pub fn event_content(row: &audit_event::Model) -> EventContent<'_> {
    EventContent {
        sequence: row.sequence,
        id: row.id,
        occurred_at: row.occurred_at,
        actor_subject: &row.actor_subject,
        actor_name: &row.actor_name,
        actor_roles: &row.actor_roles,
        request_id: &row.request_id,
        action: &row.action,
        record_type: &row.record_type,
        record_id: row.record_id,
        complaint_id: row.complaint_id,
        facility_code: row.facility_code.as_deref(),
        before: row.before.as_deref(),
        after: row.after.as_deref(),
        reason: row.reason.as_deref(),
    }
}

/// Why a complaint could not be rebuilt.
#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error("event {0} does not hold a JSON object")]
    NotAnObject(i64),
    // serde's message can quote a value (PHI): keep only where it failed.
    #[error("the rebuilt document is not a complaint ({:?} error at line {}, column {})", .0.classify(), .0.line(), .0.column())]
    NotAComplaint(#[from] serde_json::Error),
    #[error("the rebuilt document of {0} is not a {1}")]
    NotTheRecord(Uuid, &'static str),
}

/// The complaint as it stood at `at`, rebuilt by replaying its events in
/// chain order; `None` when it did not exist yet (unlogged: reads go
/// through `reads::Reader::complaint_as_of`).
pub(super) async fn complaint_as_of(
    db: &impl ConnectionTrait,
    complaint_id: Uuid,
    at: DateTime<Utc>,
) -> Result<Option<ComplaintState>, RebuildError> {
    let events = AuditEvent::find()
        .filter(audit_event::Column::RecordId.eq(complaint_id))
        .filter(audit_event::Column::RecordType.eq(RECORD_COMPLAINT))
        .filter(audit_event::Column::OccurredAt.lte(at))
        .order_by_asc(audit_event::Column::Sequence)
        .all(db)
        .await?;
    if events.is_empty() {
        return Ok(None);
    }
    let mut document = Map::new();
    for event in &events {
        let Some(after) = &event.after else { continue };
        match serde_json::from_str::<Value>(after)? {
            Value::Object(fields) => chain::apply(&mut document, &fields),
            _ => return Err(RebuildError::NotAnObject(event.sequence)),
        }
    }
    Ok(Some(serde_json::from_value(Value::Object(document))?))
}

/// The records of one kind that were linked to a complaint at `at`, each
/// rebuilt by replaying its own events up to then, in creation order;
/// sealed: `reads::Reader::linked` reads what its reader may see.
pub async fn records_as_of<R: Stored>(
    db: &impl ConnectionTrait,
    complaint_id: Uuid,
    at: DateTime<Utc>,
) -> Result<Unread<Vec<(Uuid, R)>>, RebuildError> {
    let ids: Vec<Uuid> = AuditEvent::find()
        .select_only()
        .column(audit_event::Column::RecordId)
        .filter(audit_event::Column::ComplaintId.eq(complaint_id))
        .filter(audit_event::Column::RecordType.eq(R::RECORD_TYPE))
        .filter(audit_event::Column::OccurredAt.lte(at))
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    if ids.is_empty() {
        return Ok(Unread::default());
    }
    let events = AuditEvent::find()
        .filter(audit_event::Column::RecordId.is_in(ids))
        .filter(audit_event::Column::RecordType.eq(R::RECORD_TYPE))
        .filter(audit_event::Column::OccurredAt.lte(at))
        .order_by_asc(audit_event::Column::Sequence)
        .all(db)
        .await?;
    let mut documents: Vec<(Uuid, Map<String, Value>)> = Vec::new();
    for event in &events {
        let Some(after) = &event.after else { continue };
        let Value::Object(fields) = serde_json::from_str::<Value>(after)? else {
            return Err(RebuildError::NotAnObject(event.sequence));
        };
        match documents.iter_mut().find(|(id, _)| *id == event.record_id) {
            Some((_, document)) => chain::apply(document, &fields),
            None => {
                let mut document = Map::new();
                chain::apply(&mut document, &fields);
                documents.push((event.record_id, document));
            }
        }
    }
    // UUIDv7: creation order.
    documents.sort_by_key(|(id, _)| *id);
    let mut out = Vec::with_capacity(documents.len());
    for (id, document) in documents {
        let record: R = serde_json::from_value(Value::Object(document))
            .map_err(|_| RebuildError::NotTheRecord(id, R::NOUN))?;
        if record.complaint_of(id) == Some(complaint_id) {
            out.push((id, record));
        }
    }
    Ok(Unread::new(out))
}
