//! Migrations as code. They run at start-up, through `redress migrate`, and in
//! every test's setup, so the tests exercise exactly these statements.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_create_facility;
mod m20261122_000002_complaints;
mod m20261122_000003_linked_work;
mod m20261130_000004_audit_checkpoint;
mod m20261201_000005_one_access_log;
mod m20261202_000006_compliance;
mod m20261202_000010_survey_gap;
mod m20261202_000011_audit_action_index;
mod m20261203_000012_letters;
mod m20261203_000013_attachments;
mod m20261203_000014_progress_notice;
mod m20261204_000015_report_cover;
mod m20261205_000016_extension_count;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_facility::Migration),
            Box::new(m20261122_000002_complaints::Migration),
            Box::new(m20261122_000003_linked_work::Migration),
            Box::new(m20261130_000004_audit_checkpoint::Migration),
            Box::new(m20261201_000005_one_access_log::Migration),
            Box::new(m20261202_000006_compliance::Migration),
            Box::new(m20261202_000010_survey_gap::Migration),
            Box::new(m20261202_000011_audit_action_index::Migration),
            Box::new(m20261203_000012_letters::Migration),
            Box::new(m20261203_000013_attachments::Migration),
            Box::new(m20261203_000014_progress_notice::Migration),
            Box::new(m20261204_000015_report_cover::Migration),
            Box::new(m20261205_000016_extension_count::Migration),
        ]
    }
}
