//! A complaint or grievance. `record` holds its whole state as JSON (the
//! document the audit trail diffs and `complaintAsOf` rebuilds); the other
//! columns are projections of it, written in the same statement, for
//! filters, ordering and indexes.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "complaint")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Human reference, unique across the system: `GRV-2026-000123`.
    #[sea_orm(unique)]
    pub reference: String,
    pub facility_id: Uuid,
    pub facility_code: String,
    pub department: String,
    pub channel: String,
    pub classification: String,
    pub status: String,
    pub received_at: DateTimeUtc,
    pub medicare_beneficiary: bool,
    pub owner_subject: Option<String>,
    pub created_by_subject: String,
    pub reopen_count: i32,
    pub policy_id: Uuid,
    pub acknowledgement_due_at: DateTimeUtc,
    pub acknowledgement_met_at: Option<DateTimeUtc>,
    pub resolution_due_at: DateTimeUtc,
    pub resolution_met_at: Option<DateTimeUtc>,
    /// The progress-notice clock; NULL due = no such duty under the
    /// complaint's policy, or stored before the clock existed.
    pub progress_notice_due_at: Option<DateTimeUtc>,
    pub progress_notice_met_at: Option<DateTimeUtc>,
    /// Whether a finished complaint's written response falls short of
    /// what a surveyor checks (`domain::survey::response_falls_short`);
    /// NULL for rows written before it was projected.
    pub response_gap: Option<bool>,
    /// How many clock extensions the record holds (`clocks.extensions`).
    pub extension_count: i32,
    pub record: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
