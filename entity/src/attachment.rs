//! A document on a complaint: its bytes are in the object store under
//! `sha256`; the row says what they are. Never deleted through the API.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attachment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub complaint_id: Uuid,
    /// `INCOMING_CORRESPONDENCE`, `PHOTO`, `SIGNED_FORM`, `SENT_LETTER`,
    /// `OTHER`.
    pub kind: String,
    pub filename: String,
    /// The media type detected from the content (never the client's).
    pub media_type: String,
    pub size_bytes: i64,
    /// Lower-case hex SHA-256 of the bytes: the object's key.
    pub sha256: String,
    pub uploaded_by_subject: String,
    pub uploaded_by_name: String,
    pub uploaded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
