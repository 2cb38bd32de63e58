//! `idempotencyKey` on creates: the same key from the same user for the
//! same operation returns the first result instead of a second record.

use chrono::{DateTime, Utc};
use entity::idempotency_key::{self, Entity as IdempotencyKey};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::{Refusal, RefusalCode};
use crate::domain::text;

pub const KEY_MAX: usize = 200;

/// Checks a key's shape; `None` when absent.
pub fn clean(key: Option<&str>) -> Result<Option<String>, Refusal> {
    match key.map(str::trim) {
        None => Ok(None),
        Some(k) if k.is_empty() || k.len() > KEY_MAX => Err(Refusal::new(
            RefusalCode::Validation,
            format!("an idempotency key is 1 to {KEY_MAX} characters"),
        )
        .on(&["input", "idempotencyKey"])),
        Some(k) => match text::check_characters(k, false) {
            Ok(()) => Ok(Some(k.to_owned())),
            Err(e) => Err(
                Refusal::new(RefusalCode::Validation, e.message("an idempotency key"))
                    .on(&["input", "idempotencyKey"]),
            ),
        },
    }
}

/// The record an earlier call with this key created, if any.
pub async fn find(
    db: &impl ConnectionTrait,
    subject: &str,
    operation: &str,
    key: &str,
) -> Result<Option<Uuid>, DbErr> {
    Ok(IdempotencyKey::find()
        .filter(idempotency_key::Column::ActorSubject.eq(subject))
        .filter(idempotency_key::Column::Operation.eq(operation))
        .filter(idempotency_key::Column::Key.eq(key))
        .one(db)
        .await?
        .map(|m| m.record_id))
}

/// Remembers the record this key created, in the creating transaction.
pub async fn remember(
    db: &impl ConnectionTrait,
    subject: &str,
    operation: &str,
    key: &str,
    record_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    IdempotencyKey::insert(idempotency_key::ActiveModel {
        actor_subject: Set(subject.to_owned()),
        operation: Set(operation.to_owned()),
        key: Set(key.to_owned()),
        record_id: Set(record_id),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}
