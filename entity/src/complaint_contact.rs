//! An append-only record of a contact with the complainant.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "complaint_contact")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub complaint_id: Uuid,
    /// `INBOUND` or `OUTBOUND`.
    pub direction: String,
    pub method: String,
    pub contacted_at: DateTimeUtc,
    pub with_whom: Option<String>,
    pub summary: String,
    pub author_subject: String,
    pub author_name: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
