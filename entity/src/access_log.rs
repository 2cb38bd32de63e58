//! Who read which complaint, when (45 CFR 164.312(b)).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "access_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub complaint_id: Uuid,
    pub actor_subject: String,
    pub actor_name: String,
    pub actor_roles: String,
    pub request_id: String,
    /// The GraphQL field that read it: `complaint`, `complaints`, …
    pub operation: String,
    pub accessed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
