//! How long a facility's complaints of one program may take: the clocks'
//! rules. One per facility and program.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deadline_policy")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub facility_id: Uuid,
    /// `CMS_HOSPITAL`, `MEDICARE_ADVANTAGE`, `MEDICAID_MANAGED_CARE`, `COMMERCIAL`.
    pub program: String,
    pub name: String,
    pub acknowledgement_amount: i32,
    /// `CALENDAR_DAYS`, `BUSINESS_DAYS` or `HOURS`.
    pub acknowledgement_unit: String,
    pub resolution_amount: i32,
    pub resolution_unit: String,
    pub expedited_amount: Option<i32>,
    pub expedited_unit: Option<String>,
    pub max_extensions: i32,
    pub max_extension_amount: Option<i32>,
    pub max_extension_unit: Option<String>,
    /// The progress notice's span; NULL where the policy has no such duty.
    pub progress_notice_amount: Option<i32>,
    pub progress_notice_unit: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
