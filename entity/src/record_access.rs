//! Who read which service-recovery action, interpreter session or
//! accessibility request, when (45 CFR 164.312(b)); complaint reads are in
//! `access_log`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "record_access")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub record_type: String,
    pub record_id: Uuid,
    pub actor_subject: String,
    pub actor_name: String,
    pub actor_roles: String,
    pub request_id: String,
    pub operation: String,
    pub accessed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
