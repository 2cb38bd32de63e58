//! A letter on a complaint: the document and its projection columns.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "letter")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub facility_id: Uuid,
    pub facility_code: String,
    pub complaint_id: Uuid,
    pub kind: String,
    pub status: String,
    /// SENT, DELIVERED, RETURNED or FAILED once sent.
    pub delivery: Option<String>,
    pub sent_at: Option<DateTimeUtc>,
    /// Who logged the complaint (STAFF see the letters of their own).
    pub created_by_subject: String,
    /// The whole letter as JSON (`domain::letter::LetterState`).
    pub record: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
