//! Reads of service-recovery actions, interpreter sessions and
//! accessibility requests, recorded: who viewed which record, when
//! (45 CFR 164.312(b)). Complaint reads are in `access_log`.

use entity::record_access::{self, Entity as RecordAccess};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use super::Caller;

/// Records that the caller read these records through `operation`. A read
/// that cannot be recorded fails: nothing is shown unlogged.
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
    let now = super::work::now();
    let roles = caller.roles();
    let rows = ids.iter().map(|id| record_access::ActiveModel {
        id: Set(Uuid::now_v7()),
        record_type: Set(record_type.to_owned()),
        record_id: Set(*id),
        actor_subject: Set(caller.actor.subject.clone()),
        actor_name: Set(caller.actor.name.clone()),
        actor_roles: Set(roles.clone()),
        request_id: Set(caller.request_id.to_owned()),
        operation: Set(operation.to_owned()),
        accessed_at: Set(now),
    });
    RecordAccess::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// One page of a record's reads, newest first, after `after` (an entry id).
pub async fn list(
    db: &impl ConnectionTrait,
    record_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<record_access::Model>, bool), DbErr> {
    let mut query = RecordAccess::find()
        .filter(record_access::Column::RecordId.eq(record_id))
        .order_by_desc(record_access::Column::Id);
    if let Some(after) = after {
        query = query.filter(record_access::Column::Id.lt(after));
    }
    let mut rows = query.limit(limit + 1).all(db).await?;
    let has_next = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok((rows, has_next))
}

pub async fn count(db: &impl ConnectionTrait, record_id: Uuid) -> Result<u64, DbErr> {
    RecordAccess::find()
        .filter(record_access::Column::RecordId.eq(record_id))
        .count(db)
        .await
}
