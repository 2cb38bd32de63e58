//! Who read which record, when (45 CFR 164.312(b)): complaints,
//! service-recovery actions, interpreter sessions and accessibility
//! requests, in one log.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "access_log_entry")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The audit trail's record type: `Complaint`, `ServiceRecoveryAction`, …
    pub record_type: String,
    pub record_id: Uuid,
    pub actor_subject: String,
    pub actor_name: String,
    pub actor_roles: String,
    pub request_id: String,
    /// The GraphQL field that read it: `complaint`, `complaints`, `node`, …
    pub operation: String,
    pub accessed_at: DateTimeUtc,
    /// For a report run (`record_type` `Report`): the filter it ran with,
    /// as JSON. `None` for reads of one record.
    pub detail: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
