//! One access log for every record type. Complaint reads (`access_log`,
//! keyed by complaint) and reads of the linked records (`record_access`,
//! keyed by record type and id) move into `access_log_entry`, keyed by
//! record type and id, every entry kept as it was (id, time, actor,
//! request id, operation); then the two old tables go.

use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The record type complaint reads carry (`services::audit::RECORD_COMPLAINT`).
const COMPLAINT: &str = "Complaint";

/// The columns every log shares, in the order the copies list them.
const SHARED: &str = "actor_subject, actor_name, actor_roles, request_id, operation, accessed_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AccessLogEntry::Table)
                    .col(uuid(AccessLogEntry::Id).primary_key())
                    .col(string_len(AccessLogEntry::RecordType, 64))
                    .col(uuid(AccessLogEntry::RecordId))
                    .col(string_len(AccessLogEntry::ActorSubject, 200))
                    .col(string_len(AccessLogEntry::ActorName, 200))
                    .col(string_len(AccessLogEntry::ActorRoles, 200))
                    .col(string_len(AccessLogEntry::RequestId, 100))
                    .col(string_len(AccessLogEntry::Operation, 64))
                    .col(timestamp_with_time_zone(AccessLogEntry::AccessedAt))
                    .to_owned(),
            )
            .await?;
        // `accessLog` and `recordAccessLog`: one record's reads, newest
        // first (ids are UUIDv7, so by id is by time).
        manager
            .create_index(
                Index::create()
                    .name("ix_access_log_entry_record")
                    .table(AccessLogEntry::Table)
                    .col(AccessLogEntry::RecordType)
                    .col(AccessLogEntry::RecordId)
                    .col(AccessLogEntry::Id)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "INSERT INTO access_log_entry (id, record_type, record_id, {SHARED})
             SELECT id, '{COMPLAINT}', complaint_id, {SHARED} FROM access_log"
        ))
        .await?;
        db.execute_unprepared(&format!(
            "INSERT INTO access_log_entry (id, record_type, record_id, {SHARED})
             SELECT id, record_type, record_id, {SHARED} FROM record_access"
        ))
        .await?;
        for table in ["access_log", "record_access"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }

    /// Splits the log back into the two tables it came from.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AccessLog::Table)
                    .col(uuid(AccessLog::Id).primary_key())
                    .col(uuid(AccessLog::ComplaintId))
                    .col(string_len(AccessLog::ActorSubject, 200))
                    .col(string_len(AccessLog::ActorName, 200))
                    .col(string_len(AccessLog::ActorRoles, 200))
                    .col(string_len(AccessLog::RequestId, 100))
                    .col(string_len(AccessLog::Operation, 64))
                    .col(timestamp_with_time_zone(AccessLog::AccessedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_access_log_complaint")
                    .table(AccessLog::Table)
                    .col(AccessLog::ComplaintId)
                    .col(AccessLog::AccessedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RecordAccess::Table)
                    .col(uuid(RecordAccess::Id).primary_key())
                    .col(string_len(RecordAccess::RecordType, 64))
                    .col(uuid(RecordAccess::RecordId))
                    .col(string_len(RecordAccess::ActorSubject, 200))
                    .col(string_len(RecordAccess::ActorName, 200))
                    .col(string_len(RecordAccess::ActorRoles, 200))
                    .col(string_len(RecordAccess::RequestId, 100))
                    .col(string_len(RecordAccess::Operation, 64))
                    .col(timestamp_with_time_zone(RecordAccess::AccessedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_record_access_record")
                    .table(RecordAccess::Table)
                    .col(RecordAccess::RecordId)
                    .col(RecordAccess::Id)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "INSERT INTO access_log (id, complaint_id, {SHARED})
             SELECT id, record_id, {SHARED} FROM access_log_entry
             WHERE record_type = '{COMPLAINT}'"
        ))
        .await?;
        db.execute_unprepared(&format!(
            "INSERT INTO record_access (id, record_type, record_id, {SHARED})
             SELECT id, record_type, record_id, {SHARED} FROM access_log_entry
             WHERE record_type <> '{COMPLAINT}'"
        ))
        .await?;
        manager
            .drop_table(Table::drop().table(AccessLogEntry::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AccessLogEntry {
    Table,
    Id,
    RecordType,
    RecordId,
    ActorSubject,
    ActorName,
    ActorRoles,
    RequestId,
    Operation,
    AccessedAt,
}

#[derive(DeriveIden)]
enum AccessLog {
    Table,
    Id,
    ComplaintId,
    ActorSubject,
    ActorName,
    ActorRoles,
    RequestId,
    Operation,
    AccessedAt,
}

#[derive(DeriveIden)]
enum RecordAccess {
    Table,
    Id,
    RecordType,
    RecordId,
    ActorSubject,
    ActorName,
    ActorRoles,
    RequestId,
    Operation,
    AccessedAt,
}
