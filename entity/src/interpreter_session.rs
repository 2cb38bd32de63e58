//! An interpreter session in the language-access log: the document and
//! its projection columns.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interpreter_session")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub facility_id: Uuid,
    pub facility_code: String,
    pub complaint_id: Option<Uuid>,
    pub department: String,
    /// BCP 47 tag, normalised.
    pub language: String,
    pub modality: String,
    pub outcome: String,
    pub requested_at: DateTimeUtc,
    pub connected_at: Option<DateTimeUtc>,
    pub ended_at: Option<DateTimeUtc>,
    pub created_by_subject: String,
    /// The whole session as JSON (`domain::interpreter::InterpreterSessionState`).
    pub record: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
