//! The seven-day progress-notice clock (the third clock beside
//! acknowledgement and resolution):
//! * `deadline_policy.progress_notice_amount` / `_unit`: the policy's span,
//!   NULL where the policy has no such duty. Existing policies are picked
//!   by their `program` column: `CMS_HOSPITAL` and `COMMERCIAL` (whose
//!   defaults mirror the CMS hospital policy) get 7 calendar days, the
//!   CMS default; Medicare Advantage and Medicaid managed care policies get
//!   none (their default), which an administrator can change.
//! * `complaint.progress_notice_due_at` / `_met_at`: the clock's
//!   projections; a NULL due time means no clock.
//!
//! Existing complaints are **not** backfilled: they keep NULL (no clock).
//! A complaint's columns are projections of its `record`, and that record
//! must equal the replay of its hash-chained audit events (`redress
//! verify`); a migration cannot add a clock to the record without an event
//! nobody performed. Complaints received after the upgrade carry the clock
//! from their policy.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        for column in [
            integer_null(DeadlinePolicy::ProgressNoticeAmount),
            string_len_null(DeadlinePolicy::ProgressNoticeUnit, 16),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(DeadlinePolicy::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            timestamp_with_time_zone_null(Complaint::ProgressNoticeDueAt),
            timestamp_with_time_zone_null(Complaint::ProgressNoticeMetAt),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Complaint::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .exec_stmt(
                Query::update()
                    .table(DeadlinePolicy::Table)
                    .value(DeadlinePolicy::ProgressNoticeAmount, 7)
                    .value(DeadlinePolicy::ProgressNoticeUnit, "CALENDAR_DAYS")
                    .and_where(
                        Expr::col(DeadlinePolicy::Program).is_in(["CMS_HOSPITAL", "COMMERCIAL"]),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Complaint::ProgressNoticeMetAt,
            Complaint::ProgressNoticeDueAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Complaint::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            DeadlinePolicy::ProgressNoticeUnit,
            DeadlinePolicy::ProgressNoticeAmount,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(DeadlinePolicy::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum DeadlinePolicy {
    Table,
    Program,
    ProgressNoticeAmount,
    ProgressNoticeUnit,
}

#[derive(DeriveIden)]
enum Complaint {
    Table,
    ProgressNoticeDueAt,
    ProgressNoticeMetAt,
}
