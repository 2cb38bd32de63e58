//! A progress notice sent meets the complaint's `PROGRESS_NOTICE` clock:
//! the service a letter marked sent calls, in its own transaction, so the
//! letter and the clock change together or not at all.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseTransaction;
use uuid::Uuid;

use crate::domain::command::complaint::ComplaintCommand;
use crate::domain::complaint::ComplaintState;
use crate::services::change::change_in;
use crate::services::stored::visible_by_id;
use crate::services::{Caller, ServiceError};

/// Records that a progress notice went to the complainant of complaint
/// `id` at `sent_at`, inside `txn`, through the change path (permission
/// `LogContact`, scope, version, `UPDATE … WHERE version`, projections,
/// audit event `COMPLAINT_PROGRESS_NOTICE_RECORDED`). Returns the complaint
/// as changed, or `None` when the notice changes nothing (its policy has
/// no progress-notice duty, the clock is already met, or the complaint is
/// not open): nothing is written then, so the caller may call it for every
/// PROGRESS_NOTICE letter it marks sent. The caller commits `txn`.
pub async fn record_progress_notice(
    txn: &DatabaseTransaction,
    caller: &Caller<'_>,
    id: Uuid,
    sent_at: DateTime<Utc>,
) -> Result<Option<ComplaintState>, ServiceError> {
    let command = ComplaintCommand::RecordProgressNotice { sent_at };
    let Some(current) = visible_by_id::<ComplaintState>(txn, caller.actor, id).await? else {
        // Refused the way the change path refuses any change it cannot see.
        return change_in(txn, caller, id, 0, command).await.map(Some);
    };
    if !current.clone().progress_notice_sent(sent_at) {
        return Ok(None);
    }
    change_in(txn, caller, id, current.version, command)
        .await
        .map(Some)
}
