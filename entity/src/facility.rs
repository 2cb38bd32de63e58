//! A hospital facility: the unit of scope for every other record.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "facility")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Short code used in tokens' `facilities` claim (upper case, unique).
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    /// IANA time zone name, e.g. `America/Chicago`.
    pub time_zone: String,
    /// BCP 47 tag of the language the facility works in (`en`): a
    /// complainant who prefers another needs language access.
    pub default_language: String,
    /// Service-recovery approval threshold, as a canonical decimal string
    /// (exact; SQLite has no decimal type).
    pub approval_threshold_amount: String,
    /// ISO 4217 currency code of the threshold.
    pub approval_threshold_currency: String,
    /// The documents a complaint must have before it is resolved, by
    /// channel: a JSON list of `{"channel": …, "kinds": […]}` (`[]`: none).
    pub required_documents: String,
    /// Letter settings as JSON (address block, QIO, approval), when set.
    pub letters: Option<String>,
    /// Optimistic-concurrency version, bumped by every change.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
