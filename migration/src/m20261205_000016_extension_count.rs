//! `complaint.extension_count`: how many clock extensions the complaint's
//! record holds (`clocks.extensions`, which only grows: one entry per
//! granted extension, each one audited event). Projected on every write
//! like the other clock columns, so the timeliness report counts
//! extensions in the same pass as everything else instead of joining the
//! audit trail (at 1 million complaints that join was ~64 ms of a report's
//! ~350).
//!
//! Existing rows are backfilled from their own record, so the column is
//! the projection `redress verify` expects from the first read. On
//! PostgreSQL the reports' covering index is rebuilt to carry the column.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::integer;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Migration 000015's covering index, with the new column.
const COVERING: &str = "CREATE INDEX ix_complaint_facility_received \
    ON complaint (facility_code, received_at, id) \
    INCLUDE (department, classification, status, acknowledgement_due_at, \
    acknowledgement_met_at, resolution_due_at, resolution_met_at, \
    progress_notice_due_at, progress_notice_met_at, extension_count)";

/// Migration 000015's covering index, as it was.
const COVERING_BEFORE: &str = "CREATE INDEX ix_complaint_facility_received \
    ON complaint (facility_code, received_at, id) \
    INCLUDE (department, classification, status, acknowledgement_due_at, \
    acknowledgement_met_at, resolution_due_at, resolution_met_at, \
    progress_notice_due_at, progress_notice_met_at)";

async fn cover(manager: &SchemaManager<'_>, with: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let db = manager.get_connection();
    db.execute_unprepared("DROP INDEX ix_complaint_facility_received")
        .await?;
    db.execute_unprepared(with).await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Complaint::Table)
                    .add_column(integer(Complaint::ExtensionCount).default(0))
                    .to_owned(),
            )
            .await?;
        // Only records that hold an extension need a value other than the
        // default; the JSON is read for those alone.
        let backfill = match manager.get_database_backend() {
            DbBackend::Postgres => {
                "UPDATE complaint SET extension_count = \
                 json_array_length(record::json -> 'clocks' -> 'extensions') \
                 WHERE json_array_length(record::json -> 'clocks' -> 'extensions') > 0"
            }
            _ => {
                "UPDATE complaint SET extension_count = \
                 json_array_length(record, '$.clocks.extensions') \
                 WHERE json_array_length(record, '$.clocks.extensions') > 0"
            }
        };
        manager
            .get_connection()
            .execute_unprepared(backfill)
            .await?;
        cover(manager, COVERING).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        cover(manager, COVERING_BEFORE).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Complaint::Table)
                    .drop_column(Complaint::ExtensionCount)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Complaint {
    Table,
    ExtensionCount,
}
