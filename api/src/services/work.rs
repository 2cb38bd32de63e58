//! What the records beside complaints (service-recovery actions,
//! interpreter sessions, accessibility requests) share: how they are
//! stored and who sees them. Their changes take the one path of
//! `services::change`.

use std::future::Future;

use chrono::{DateTime, SubsecRound, Utc};
use entity::complaint::{self, Entity as Complaint};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::audit::{self, NewEvent};
use super::change::{Stored, document};
use super::{Caller, Refusal, RefusalCode, ServiceError, idempotency};
use crate::domain::actor::{Actor, FacilityScope};
use crate::domain::complaint::{Status, UserRef};
use crate::domain::permissions::{Operation, sees_only_own};

/// A record kept as a JSON document beside its projection columns.
pub trait WorkRecord: Clone + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The audit trail's record type, e.g. `ServiceRecoveryAction`.
    const RECORD_TYPE: &'static str;
    /// The record's name in messages.
    const NOUN: &'static str;

    fn facility_code(&self) -> &str;
    fn complaint_id(&self) -> Option<Uuid>;
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
}

/// The storage half of `WorkRecord` for a table with `id`, `version` and
/// `record` columns, given the function that projects a state to a row.
macro_rules! stored_in {
    ($entity:ident, $table:ident, $row:ident) => {
        async fn load(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Self>, DbErr> {
            match $entity::find_by_id(id).one(db).await? {
                Some(m) => Ok(Some($crate::services::work::decode(id, &m.record)?)),
                None => Ok(None),
            }
        }

        async fn insert(db: &impl ConnectionTrait, id: Uuid, state: &Self) -> Result<(), DbErr> {
            $row(id, state)?
                .into_active_model()
                .reset_all()
                .insert(db)
                .await?;
            Ok(())
        }

        async fn update(
            db: &impl ConnectionTrait,
            id: Uuid,
            expected_version: i32,
            state: &Self,
        ) -> Result<bool, DbErr> {
            let mut active = $row(id, state)?.into_active_model().reset_all();
            active.id = sea_orm::ActiveValue::Unchanged(id);
            let result = $entity::update_many()
                .set(active)
                .filter($table::Column::Id.eq(id))
                .filter($table::Column::Version.eq(expected_version))
                .exec(db)
                .await?;
            Ok(result.rows_affected == 1)
        }
    };
}
pub(crate) use stored_in;

/// The reads every such table offers, given a `condition(actor, filter)`
/// function in scope: `list` (a page in creation order, UUIDv7 ids as
/// cursors), `count`, and `for_complaints` (for loaders).
macro_rules! listed_in {
    ($entity:ident, $table:ident, $state:ty) => {
        /// One page in creation order, after the record `after`; nothing
        /// is read until `Page::read`.
        pub async fn page(
            reader: &$crate::services::reads::Reader<'_>,
            filter: &Filter,
            after: Option<Uuid>,
            limit: u64,
        ) -> Result<$crate::services::reads::Page<(Uuid, $state), Uuid>, DbErr> {
            let mut query = $entity::find()
                .filter(condition(reader.actor(), filter))
                .order_by_asc($table::Column::Id);
            if let Some(after) = after {
                query = query.filter($table::Column::Id.gt(after));
            }
            let mut rows = query.limit(limit + 1).all(reader.db()).await?;
            let has_next = rows.len() as u64 > limit;
            rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            let page = rows
                .iter()
                .map(|m| Ok((m.id, $crate::services::work::decode(m.id, &m.record)?)))
                .collect::<Result<Vec<_>, DbErr>>()?;
            Ok($crate::services::reads::Page::new(
                page,
                |(id, _)| *id,
                has_next,
            ))
        }

        pub async fn count(
            db: &impl ConnectionTrait,
            actor: &Actor,
            filter: &Filter,
        ) -> Result<u64, DbErr> {
            $entity::find()
                .filter(condition(actor, filter))
                .count(db)
                .await
        }

        /// Every record linked to these complaints, in creation order, by
        /// complaint (for a DataLoader), sealed: `reads::Reader::linked`
        /// reads what its reader may see.
        pub async fn for_complaints(
            db: &impl ConnectionTrait,
            complaint_ids: &[Uuid],
        ) -> Result<
            std::collections::HashMap<Uuid, $crate::services::reads::Unread<Vec<(Uuid, $state)>>>,
            DbErr,
        > {
            let mut out: std::collections::HashMap<Uuid, Vec<(Uuid, $state)>> =
                std::collections::HashMap::new();
            for m in $entity::find()
                .filter($table::Column::ComplaintId.is_in(complaint_ids.iter().copied()))
                .order_by_asc($table::Column::Id)
                .all(db)
                .await?
            {
                let state: $state = $crate::services::work::decode(m.id, &m.record)?;
                if let Some(complaint) = state.complaint_id() {
                    out.entry(complaint).or_default().push((m.id, state));
                }
            }
            Ok(out
                .into_iter()
                .map(|(k, v)| (k, $crate::services::reads::Unread::new(v)))
                .collect())
        }
    };
}
pub(crate) use listed_in;

/// A stored document that does not decode. serde's message can quote a
/// value (PHI): keep only the position.
pub fn corrupt(noun: &str, id: Uuid, e: &serde_json::Error) -> DbErr {
    DbErr::Custom(format!(
        "{noun} {id} holds a record this server cannot read ({:?} error at line {}, column {})",
        e.classify(),
        e.line(),
        e.column()
    ))
}

pub fn decode<R: Stored>(id: Uuid, record: &str) -> Result<R, DbErr> {
    serde_json::from_str(record).map_err(|e| corrupt(R::NOUN, id, &e))
}

pub fn encode<R: Stored>(id: Uuid, state: &R) -> Result<String, DbErr> {
    serde_json::to_string(state).map_err(|e| corrupt(R::NOUN, id, &e))
}

/// In the actor's facilities and, for STAFF, created by them. Anything
/// else does not exist to the actor.
pub fn visible(actor: &Actor, facility_code: &str, created_by: &str) -> bool {
    actor.facilities.contains(facility_code)
        && (!sees_only_own(actor) || created_by == actor.subject)
}

/// The SQL form of `visible`, over a table's facility and creator columns.
pub fn scope_condition<C: ColumnTrait>(actor: &Actor, facility: C, created_by: C) -> Condition {
    let mut c = Condition::all();
    if let FacilityScope::Only(codes) = &actor.facilities {
        c = c.add(facility.is_in(codes.iter().cloned()));
    }
    if sees_only_own(actor) {
        c = c.add(created_by.eq(actor.subject.clone()));
    }
    c
}

pub fn user_of(actor: &Actor) -> UserRef {
    UserRef {
        subject: actor.subject.clone(),
        name: actor.name.clone(),
    }
}

pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

pub fn forbidden(op: Operation) -> ServiceError {
    Refusal::new(
        RefusalCode::Forbidden,
        format!("your roles do not allow this ({op:?})"),
    )
    .into()
}

/// A record the actor may see, by id (unlogged: reads go through
/// `reads::Reader::work`).
pub(super) async fn by_id<R: WorkRecord>(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<Option<R>, DbErr> {
    Ok(R::load(db, id)
        .await?
        .filter(|r| visible(actor, r.facility_code(), r.created_by())))
}

/// Whether the record exists for the actor (for reads that only need the
/// id, such as the access log).
pub async fn is_visible<R: WorkRecord>(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<bool, DbErr> {
    Ok(by_id::<R>(db, actor, id).await?.is_some())
}

/// The complaint a new record links to: it must exist for the actor and,
/// when given, belong to the record's facility.
pub async fn linked_complaint(
    db: &impl ConnectionTrait,
    actor: &Actor,
    complaint_id: Uuid,
    facility_code: Option<&str>,
) -> Result<complaint::Model, ServiceError> {
    let not_found = || {
        ServiceError::from(
            Refusal::new(RefusalCode::NotFound, "complaint not found")
                .on(&["input", "complaintId"]),
        )
    };
    let m = Complaint::find_by_id(complaint_id)
        .one(db)
        .await?
        .filter(|m| super::complaints::visible(actor, m))
        .ok_or_else(not_found)?;
    if let Some(code) = facility_code
        && m.facility_code != code
    {
        return Err(Refusal::new(
            RefusalCode::Validation,
            format!(
                "complaint {} belongs to facility {}, not {code}",
                m.reference, m.facility_code
            ),
        )
        .on(&["input", "complaintId"])
        .into());
    }
    Ok(m)
}

/// Refuses to attach new work to a closed or withdrawn complaint: it would
/// leave unfinished work on a finished case.
pub fn check_complaint_accepts_work(m: &complaint::Model, noun: &str) -> Result<(), ServiceError> {
    let finished =
        Status::parse(&m.status).is_some_and(|s| matches!(s, Status::Closed | Status::Withdrawn));
    if finished {
        return Err(Refusal::new(
            RefusalCode::GuardFailed,
            format!(
                "complaint {} is {}; reopen it before adding a {noun}",
                m.reference, m.status
            ),
        )
        .on(&["input", "complaintId"])
        .into());
    }
    Ok(())
}

/// The record an earlier create with this key made, if any. A replay is a
/// read: the same visibility rule, and logged.
pub async fn replay<R: WorkRecord>(
    db: &impl ConnectionTrait,
    caller: &Caller<'_>,
    operation: &str,
    key: Option<&str>,
) -> Result<Option<(Uuid, R)>, ServiceError> {
    let Some(key) = key else { return Ok(None) };
    let Some(id) = idempotency::find(db, &caller.actor.subject, operation, key).await? else {
        return Ok(None);
    };
    let Some(state) = by_id::<R>(db, caller.actor, id).await? else {
        return Err(Refusal::new(
            RefusalCode::NotFound,
            format!("this idempotency key created a {} you cannot see", R::NOUN),
        )
        .on(&["input", "idempotencyKey"])
        .into());
    };
    super::access_log::record(
        db,
        caller,
        R::RECORD_TYPE,
        &[id],
        &format!("{operation} (replay)"),
    )
    .await?;
    Ok(Some((id, state)))
}

/// Writes a new record, its creation event and its idempotency key.
pub async fn insert_new<R: WorkRecord>(
    db: &impl ConnectionTrait,
    caller: &Caller<'_>,
    id: Uuid,
    state: &R,
    action: &str,
    idempotency: Option<(&str, &str)>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    R::insert(db, id, state).await?;
    audit::append(
        db,
        caller,
        NewEvent::change(action, R::RECORD_TYPE, id, None, &document(state)?)
            .complaint_opt(state.complaint_id())
            .facility(state.facility_code()),
        now,
    )
    .await?;
    if let Some((operation, key)) = idempotency {
        idempotency::remember(db, &caller.actor.subject, operation, key, id, now).await?;
    }
    Ok(())
}

/// A new record's id: UUIDv7, so ordering by id is ordering by creation.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// Records that became linked to a complaint are audited as a change of
/// the record (used when a complaint is opened from a failed request).
pub async fn relink<R: WorkRecord>(
    db: &impl ConnectionTrait,
    caller: &Caller<'_>,
    id: Uuid,
    before: &R,
    after: &R,
    action: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    if !R::update(db, id, before.version(), after).await? {
        return Ok(false);
    }
    audit::append(
        db,
        caller,
        NewEvent::change(
            action,
            R::RECORD_TYPE,
            id,
            Some(&document(before)?),
            &document(after)?,
        )
        .complaint_opt(after.complaint_id())
        .facility(after.facility_code()),
        now,
    )
    .await?;
    Ok(true)
}
