//! A signed checkpoint of the audit trail: the chain's head at a moment,
//! signed with the server's Ed25519 key. Insert-only.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_checkpoint")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The signed head: the sequence of the chain's last event then.
    pub sequence: i64,
    /// Hex SHA-256 of that event.
    pub hash: String,
    pub signed_at: DateTimeUtc,
    /// First 16 hex characters of SHA-256 over the public key.
    pub key_id: String,
    /// Hex of the 32-byte Ed25519 public key.
    pub public_key: String,
    /// Hex of the 64-byte Ed25519 signature.
    pub signature: String,
    /// The token subject that asked for it, or `system` (the periodic task).
    pub created_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
