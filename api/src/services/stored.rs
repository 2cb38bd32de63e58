//! How records are stored: the one storage trait (`Stored`), the JSON
//! document codec that never quotes a stored value, and the unlogged
//! lookup by id that the create, change and read paths share.

use std::future::Future;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

use super::scope::visible;
use crate::domain::actor::Actor;
use crate::domain::command::{Context, Needs};

/// How a record is stored, found and written: the one storage trait of
/// every record the create path makes (complaints, the linked records,
/// notes and contacts, facilities and deadline policies), and of the read
/// path's lookups by id. Records that change are also [`Versioned`].
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

    /// Whether the actor may see it: in their facilities, and for those
    /// who see only their own, created by them.
    fn visible_to(&self, actor: &Actor) -> bool {
        visible(actor, self.facility_code(), self.created_by())
    }

    fn load(
        db: &impl ConnectionTrait,
        id: Uuid,
    ) -> impl Future<Output = Result<Option<Self>, DbErr>> + Send;
    fn insert(
        db: &impl ConnectionTrait,
        id: Uuid,
        state: &Self,
    ) -> impl Future<Output = Result<(), DbErr>> + Send;

    /// Rewrites the tables projected from the record besides its row.
    fn project(
        _db: &impl ConnectionTrait,
        _id: Uuid,
        _before: Option<&Self>,
        _after: &Self,
    ) -> impl Future<Output = Result<(), DbErr>> + Send {
        async { Ok(()) }
    }

    /// Where a read of it is logged (record type and id): its own access
    /// log by default.
    fn read_logged_under(&self, id: Uuid) -> (&'static str, Uuid) {
        (Self::RECORD_TYPE, id)
    }

    /// The record as its audit events record it: by default the stored
    /// document.
    fn audit_document(&self) -> Result<Value, DbErr> {
        document(self)
    }
}

/// A stored record that changes: the one storage trait of every record the
/// change path serves, with its version and its `UPDATE … WHERE version`.
pub trait Versioned: Stored {
    fn version(&self) -> i32;
    /// Sets the version and the time of the change.
    fn touch(&mut self, version: i32, now: DateTime<Utc>);

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

/// `load` and `insert` of `Stored` for a table with `id` and `record`
/// columns, given the function that projects a state to a row.
macro_rules! stored_in {
    ($entity:ident, $row:ident) => {
        async fn load(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Self>, DbErr> {
            match $entity::find_by_id(id).one(db).await? {
                Some(m) => Ok(Some($crate::services::stored::decode(id, &m.record)?)),
                None => Ok(None),
            }
        }

        /// Without `RETURNING`: the row is what `$row` made, so reading it
        /// back (the whole record again) would only lengthen the write
        /// transaction.
        async fn insert(db: &impl ConnectionTrait, id: Uuid, state: &Self) -> Result<(), DbErr> {
            $entity::insert($row(id, state)?.into_active_model().reset_all())
                .exec_without_returning(db)
                .await?;
            Ok(())
        }
    };
}
pub(crate) use stored_in;

/// `update` of `Versioned` for a table with `id`, `version` and `record`
/// columns, given the function that projects a state to a row.
macro_rules! versioned_in {
    ($entity:ident, $table:ident, $row:ident) => {
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
pub(crate) use versioned_in;

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

/// The record as its audit events record it.
pub fn document<R: Stored>(state: &R) -> Result<Value, DbErr> {
    serde_json::to_value(state).map_err(|e| DbErr::Custom(format!("encoding a {}: {e}", R::NOUN)))
}

/// A record the actor may see, by id.
pub async fn visible_by_id<R: Stored>(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<Option<R>, DbErr> {
    Ok(R::load(db, id).await?.filter(|r| r.visible_to(actor)))
}

/// Whether the record exists for the actor (for reads that only need the
/// id, such as the access log).
pub async fn is_visible<R: Stored>(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<bool, DbErr> {
    Ok(visible_by_id::<R>(db, actor, id).await?.is_some())
}
