//! The access log: who read which record, when (45 CFR 164.312(b)). One
//! log for complaints, service-recovery actions, interpreter sessions and
//! accessibility requests, keyed by record type and id.

use entity::access_log_entry::{self, Entity as AccessLogEntry};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

use super::Caller;

mod writer;

pub use writer::{DEFAULT_MAX_BATCH, Stopper, Writer, spawn};

/// The entries that say the caller read these records of `record_type`
/// (the audit trail's name, e.g. `Complaint`) through `operation`.
pub fn entries(
    caller: &Caller<'_>,
    record_type: &str,
    ids: &[Uuid],
    operation: &str,
) -> Vec<access_log_entry::Model> {
    let now = super::scope::now();
    let roles = caller.roles();
    ids.iter()
        .map(|id| access_log_entry::Model {
            id: Uuid::now_v7(),
            record_type: record_type.to_owned(),
            record_id: *id,
            actor_subject: caller.actor.subject.clone(),
            actor_name: caller.actor.name.clone(),
            actor_roles: roles.clone(),
            request_id: caller.request_id.to_owned(),
            operation: operation.to_owned(),
            accessed_at: now,
            detail: None,
        })
        .collect()
}

/// Records, inside the caller's transaction `db`, that the caller read
/// these records (a create's idempotent replay). Reads outside a
/// transaction go through the [`Writer`]. A read that cannot be recorded
/// fails: nothing is shown unlogged.
pub async fn record(
    db: &impl ConnectionTrait,
    caller: &Caller<'_>,
    record_type: &str,
    ids: &[Uuid],
    operation: &str,
) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    let rows = entries(caller, record_type, ids, operation)
        .into_iter()
        .map(IntoActiveModel::into_active_model);
    AccessLogEntry::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Records one run of a report or export: `detail` says what it covered
/// (its filter), so the run is one entry, not one per complaint it read.
/// Committed through the writer before the report is shown.
pub async fn record_run(
    writer: &Writer,
    caller: &Caller<'_>,
    record_type: &str,
    run_id: Uuid,
    operation: &str,
    detail: &str,
) -> Result<(), DbErr> {
    let mut entries = entries(caller, record_type, &[run_id], operation);
    for entry in &mut entries {
        entry.detail = Some(detail.to_owned());
    }
    writer.log(entries).await
}

fn of_record(record_type: &str, record_id: Uuid) -> Select<AccessLogEntry> {
    AccessLogEntry::find()
        .filter(access_log_entry::Column::RecordType.eq(record_type))
        .filter(access_log_entry::Column::RecordId.eq(record_id))
}

/// One page of a record's reads, newest first, after `after` (an entry id).
pub async fn list(
    db: &impl ConnectionTrait,
    record_type: &str,
    record_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<access_log_entry::Model>, bool), DbErr> {
    // Ids are UUIDv7: time-ordered, so ordering by id is ordering by time.
    let mut query = of_record(record_type, record_id).order_by_desc(access_log_entry::Column::Id);
    if let Some(after) = after {
        query = query.filter(access_log_entry::Column::Id.lt(after));
    }
    let mut rows = query.limit(limit + 1).all(db).await?;
    let has_next = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok((rows, has_next))
}

/// How many reads of the record are logged.
pub async fn count(
    db: &impl ConnectionTrait,
    record_type: &str,
    record_id: Uuid,
) -> Result<u64, DbErr> {
    of_record(record_type, record_id).count(db).await
}
