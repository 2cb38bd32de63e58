//! A service-recovery action on a complaint: the document and its
//! projection columns.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_recovery_action")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub facility_id: Uuid,
    pub facility_code: String,
    pub complaint_id: Uuid,
    pub department: String,
    pub kind: String,
    pub status: String,
    /// Exact decimal as text; `None` for an action without money.
    pub amount: Option<String>,
    pub currency: Option<String>,
    pub proposed_by_subject: String,
    pub created_by_subject: String,
    /// The whole action as JSON (`domain::service_recovery::ServiceRecoveryState`).
    pub record: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
