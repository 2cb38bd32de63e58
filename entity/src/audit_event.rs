//! One link of the hash-chained, append-only audit trail.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    /// Position in the chain: 1, 2, 3, … with no gaps.
    #[sea_orm(primary_key, auto_increment = false)]
    pub sequence: i64,
    #[sea_orm(unique)]
    pub id: Uuid,
    pub occurred_at: DateTimeUtc,
    pub actor_subject: String,
    pub actor_name: String,
    /// Space-separated role names.
    pub actor_roles: String,
    pub request_id: String,
    pub action: String,
    pub record_type: String,
    pub record_id: Uuid,
    pub complaint_id: Option<Uuid>,
    pub facility_code: Option<String>,
    /// JSON of the changed fields before the change (null on create).
    pub before: Option<String>,
    /// JSON of the changed fields after the change.
    pub after: Option<String>,
    pub reason: Option<String>,
    /// Hex SHA-256 of the previous event (64 zeros for the first).
    pub previous_hash: String,
    /// Hex SHA-256 over `previous_hash` and this event's canonical encoding.
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
