//! An accessibility request (auxiliary aid or reasonable modification):
//! the document and its projection columns.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accessibility_request")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub facility_id: Uuid,
    pub facility_code: String,
    pub complaint_id: Option<Uuid>,
    pub department: String,
    pub need_type: String,
    pub status: String,
    pub needed_by: DateTimeUtc,
    pub created_by_subject: String,
    /// The whole request as JSON (`domain::accessibility::AccessibilityRequestState`).
    pub record: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
