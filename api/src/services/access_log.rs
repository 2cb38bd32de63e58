//! Reads of complaint content, recorded: who viewed which complaint, when
//! (45 CFR 164.312(b)).

use chrono::{SubsecRound, Utc};
use entity::access_log::{self, Entity as AccessLog};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use super::Caller;

/// Records that the caller read these complaints through `operation`.
/// A read that cannot be recorded fails: nothing is shown unlogged.
pub async fn record(
    db: &impl ConnectionTrait,
    caller: &Caller<'_>,
    complaint_ids: &[Uuid],
    operation: &str,
) -> Result<(), DbErr> {
    if complaint_ids.is_empty() {
        return Ok(());
    }
    let now = Utc::now().trunc_subsecs(6);
    let roles = caller.roles();
    let rows = complaint_ids.iter().map(|id| access_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        complaint_id: Set(*id),
        actor_subject: Set(caller.actor.subject.clone()),
        actor_name: Set(caller.actor.name.clone()),
        actor_roles: Set(roles.clone()),
        request_id: Set(caller.request_id.to_owned()),
        operation: Set(operation.to_owned()),
        accessed_at: Set(now),
    });
    AccessLog::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// One page of a complaint's reads, newest first, after `after` (an entry id).
pub async fn list(
    db: &impl ConnectionTrait,
    complaint_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<access_log::Model>, bool), DbErr> {
    // Ids are UUIDv7: time-ordered, so ordering by id is ordering by time.
    let mut query = AccessLog::find()
        .filter(access_log::Column::ComplaintId.eq(complaint_id))
        .order_by_desc(access_log::Column::Id);
    if let Some(after) = after {
        query = query.filter(access_log::Column::Id.lt(after));
    }
    let mut rows = query.limit(limit + 1).all(db).await?;
    let has_next = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok((rows, has_next))
}

pub async fn count(db: &impl ConnectionTrait, complaint_id: Uuid) -> Result<u64, DbErr> {
    AccessLog::find()
        .filter(access_log::Column::ComplaintId.eq(complaint_id))
        .count(db)
        .await
}
