//! Complaints, their deadline policies, notes and contacts, the hash-chained
//! audit trail, the access log, idempotency keys and reference counters.

use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_deadline_policy(manager).await?;
        create_complaint(manager).await?;
        create_complaint_issue(manager).await?;
        create_note_and_contact(manager).await?;
        create_audit_event(manager).await?;
        create_access_log(manager).await?;
        create_idempotency_and_counter(manager).await?;
        append_only_triggers(manager).await?;
        seed_default_policies(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("DROP FUNCTION IF EXISTS redress_append_only() CASCADE")
                .await?;
        }
        for table in [
            "reference_counter",
            "idempotency_key",
            "access_log",
            "audit_event",
            "complaint_contact",
            "complaint_note",
            "complaint_issue",
            "complaint",
            "deadline_policy",
        ] {
            manager
                .drop_table(
                    Table::drop()
                        .table(Alias::new(table))
                        .if_exists()
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

async fn create_deadline_policy(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(DeadlinePolicy::Table)
                .col(uuid(DeadlinePolicy::Id).primary_key())
                .col(uuid(DeadlinePolicy::FacilityId))
                .col(string_len(DeadlinePolicy::Program, 32))
                .col(string_len(DeadlinePolicy::Name, 200))
                .col(integer(DeadlinePolicy::AcknowledgementAmount))
                .col(string_len(DeadlinePolicy::AcknowledgementUnit, 16))
                .col(integer(DeadlinePolicy::ResolutionAmount))
                .col(string_len(DeadlinePolicy::ResolutionUnit, 16))
                .col(integer_null(DeadlinePolicy::ExpeditedAmount))
                .col(string_len_null(DeadlinePolicy::ExpeditedUnit, 16))
                .col(integer(DeadlinePolicy::MaxExtensions))
                .col(integer_null(DeadlinePolicy::MaxExtensionAmount))
                .col(string_len_null(DeadlinePolicy::MaxExtensionUnit, 16))
                .col(integer(DeadlinePolicy::Version))
                .col(timestamp_with_time_zone(DeadlinePolicy::CreatedAt))
                .col(timestamp_with_time_zone(DeadlinePolicy::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(DeadlinePolicy::Table, DeadlinePolicy::FacilityId)
                        .to(Facility::Table, Facility::Id),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ux_deadline_policy_facility_program")
                .table(DeadlinePolicy::Table)
                .col(DeadlinePolicy::FacilityId)
                .col(DeadlinePolicy::Program)
                .unique()
                .to_owned(),
        )
        .await
}

async fn create_complaint(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Complaint::Table)
                .col(uuid(Complaint::Id).primary_key())
                .col(string_len_uniq(Complaint::Reference, 32))
                .col(uuid(Complaint::FacilityId))
                .col(string_len(Complaint::FacilityCode, 32))
                .col(string_len(Complaint::Department, 200))
                .col(string_len(Complaint::Channel, 32))
                .col(string_len(Complaint::Classification, 16))
                .col(string_len(Complaint::Status, 16))
                .col(timestamp_with_time_zone(Complaint::ReceivedAt))
                .col(boolean(Complaint::MedicareBeneficiary))
                .col(string_len_null(Complaint::OwnerSubject, 200))
                .col(string_len(Complaint::CreatedBySubject, 200))
                .col(integer(Complaint::ReopenCount))
                .col(uuid(Complaint::PolicyId))
                .col(timestamp_with_time_zone(Complaint::AcknowledgementDueAt))
                .col(timestamp_with_time_zone_null(
                    Complaint::AcknowledgementMetAt,
                ))
                .col(timestamp_with_time_zone(Complaint::ResolutionDueAt))
                .col(timestamp_with_time_zone_null(Complaint::ResolutionMetAt))
                .col(text(Complaint::Record))
                .col(integer(Complaint::Version))
                .col(timestamp_with_time_zone(Complaint::CreatedAt))
                .col(timestamp_with_time_zone(Complaint::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Complaint::Table, Complaint::FacilityId)
                        .to(Facility::Table, Facility::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Complaint::Table, Complaint::PolicyId)
                        .to(DeadlinePolicy::Table, DeadlinePolicy::Id),
                )
                .to_owned(),
        )
        .await?;
    for (name, cols) in [
        (
            "ix_complaint_facility_received",
            vec![
                Complaint::FacilityCode,
                Complaint::ReceivedAt,
                Complaint::Id,
            ],
        ),
        (
            "ix_complaint_received",
            vec![Complaint::ReceivedAt, Complaint::Id],
        ),
        ("ix_complaint_status", vec![Complaint::Status]),
        ("ix_complaint_owner", vec![Complaint::OwnerSubject]),
        ("ix_complaint_created_by", vec![Complaint::CreatedBySubject]),
    ] {
        let mut index = Index::create();
        index.name(name).table(Complaint::Table);
        for col in cols {
            index.col(col);
        }
        manager.create_index(index.to_owned()).await?;
    }
    Ok(())
}

async fn create_complaint_issue(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(ComplaintIssue::Table)
                .col(uuid(ComplaintIssue::Id).primary_key())
                .col(uuid(ComplaintIssue::ComplaintId))
                .col(integer(ComplaintIssue::Position))
                .col(string_len(ComplaintIssue::Category, 40))
                .col(small_integer(ComplaintIssue::Severity))
                .col(string_len(ComplaintIssue::StageOfCare, 40))
                .foreign_key(
                    ForeignKey::create()
                        .from(ComplaintIssue::Table, ComplaintIssue::ComplaintId)
                        .to(Complaint::Table, Complaint::Id),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ix_complaint_issue_complaint")
                .table(ComplaintIssue::Table)
                .col(ComplaintIssue::ComplaintId)
                .to_owned(),
        )
        .await
}

async fn create_note_and_contact(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(ComplaintNote::Table)
                .col(uuid(ComplaintNote::Id).primary_key())
                .col(uuid(ComplaintNote::ComplaintId))
                .col(text(ComplaintNote::Body))
                .col(string_len(ComplaintNote::AuthorSubject, 200))
                .col(string_len(ComplaintNote::AuthorName, 200))
                .col(timestamp_with_time_zone(ComplaintNote::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(ComplaintNote::Table, ComplaintNote::ComplaintId)
                        .to(Complaint::Table, Complaint::Id),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ix_complaint_note_complaint")
                .table(ComplaintNote::Table)
                .col(ComplaintNote::ComplaintId)
                .col(ComplaintNote::CreatedAt)
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(ComplaintContact::Table)
                .col(uuid(ComplaintContact::Id).primary_key())
                .col(uuid(ComplaintContact::ComplaintId))
                .col(string_len(ComplaintContact::Direction, 16))
                .col(string_len(ComplaintContact::Method, 32))
                .col(timestamp_with_time_zone(ComplaintContact::ContactedAt))
                .col(string_len_null(ComplaintContact::WithWhom, 200))
                .col(text(ComplaintContact::Summary))
                .col(string_len(ComplaintContact::AuthorSubject, 200))
                .col(string_len(ComplaintContact::AuthorName, 200))
                .col(timestamp_with_time_zone(ComplaintContact::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(ComplaintContact::Table, ComplaintContact::ComplaintId)
                        .to(Complaint::Table, Complaint::Id),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ix_complaint_contact_complaint")
                .table(ComplaintContact::Table)
                .col(ComplaintContact::ComplaintId)
                .col(ComplaintContact::ContactedAt)
                .to_owned(),
        )
        .await
}

async fn create_audit_event(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(AuditEvent::Table)
                .col(big_integer(AuditEvent::Sequence).primary_key())
                .col(uuid_uniq(AuditEvent::Id))
                .col(timestamp_with_time_zone(AuditEvent::OccurredAt))
                .col(string_len(AuditEvent::ActorSubject, 200))
                .col(string_len(AuditEvent::ActorName, 200))
                .col(string_len(AuditEvent::ActorRoles, 200))
                .col(string_len(AuditEvent::RequestId, 100))
                .col(string_len(AuditEvent::Action, 64))
                .col(string_len(AuditEvent::RecordType, 64))
                .col(uuid(AuditEvent::RecordId))
                .col(uuid_null(AuditEvent::ComplaintId))
                .col(string_len_null(AuditEvent::FacilityCode, 32))
                .col(text_null(AuditEvent::Before))
                .col(text_null(AuditEvent::After))
                .col(text_null(AuditEvent::Reason))
                .col(string_len(AuditEvent::PreviousHash, 64))
                .col(string_len(AuditEvent::Hash, 64))
                .to_owned(),
        )
        .await?;
    for (name, cols) in [
        (
            "ix_audit_event_complaint",
            vec![AuditEvent::ComplaintId, AuditEvent::Sequence],
        ),
        (
            "ix_audit_event_record",
            vec![AuditEvent::RecordId, AuditEvent::Sequence],
        ),
        (
            "ix_audit_event_occurred",
            vec![AuditEvent::OccurredAt, AuditEvent::Sequence],
        ),
    ] {
        let mut index = Index::create();
        index.name(name).table(AuditEvent::Table);
        for col in cols {
            index.col(col);
        }
        manager.create_index(index.to_owned()).await?;
    }
    Ok(())
}

async fn create_access_log(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
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
        .await
}

async fn create_idempotency_and_counter(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(IdempotencyKey::Table)
                .col(string_len(IdempotencyKey::ActorSubject, 200))
                .col(string_len(IdempotencyKey::Operation, 64))
                .col(string_len(IdempotencyKey::Key, 200))
                .col(uuid(IdempotencyKey::RecordId))
                .col(timestamp_with_time_zone(IdempotencyKey::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(IdempotencyKey::ActorSubject)
                        .col(IdempotencyKey::Operation)
                        .col(IdempotencyKey::Key),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(ReferenceCounter::Table)
                .col(integer(ReferenceCounter::Year).primary_key())
                .col(big_integer(ReferenceCounter::LastValue))
                .to_owned(),
        )
        .await
}

/// The audit trail is append-only in the database itself: UPDATE and DELETE
/// (and on PostgreSQL TRUNCATE) are refused, whoever asks.
async fn append_only_triggers(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match manager.get_database_backend() {
        DbBackend::Postgres => {
            db.execute_unprepared(
                "CREATE FUNCTION redress_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN
                   RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
                     USING ERRCODE = 'insufficient_privilege';
                 END $$",
            )
            .await?;
            db.execute_unprepared(
                "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
                 FOR EACH ROW EXECUTE FUNCTION redress_append_only()",
            )
            .await?;
            db.execute_unprepared(
                "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
                 FOR EACH STATEMENT EXECUTE FUNCTION redress_append_only()",
            )
            .await?;
        }
        _ => {
            for op in ["UPDATE", "DELETE"] {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER audit_event_no_{} BEFORE {op} ON audit_event
                     BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
                    op.to_ascii_lowercase()
                ))
                .await?;
            }
        }
    }
    Ok(())
}

/// Every facility that exists already gets the CMS hospital default policy
/// (new facilities get it when they are created).
async fn seed_default_policies(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let rows = db
        .query_all(
            &Query::select()
                .column(Facility::Id)
                .from(Facility::Table)
                .to_owned(),
        )
        .await?;
    let now = chrono::Utc::now();
    for row in rows {
        let facility_id: uuid::Uuid = row.try_get("", "id")?;
        let insert = Query::insert()
            .into_table(DeadlinePolicy::Table)
            .columns([
                DeadlinePolicy::Id,
                DeadlinePolicy::FacilityId,
                DeadlinePolicy::Program,
                DeadlinePolicy::Name,
                DeadlinePolicy::AcknowledgementAmount,
                DeadlinePolicy::AcknowledgementUnit,
                DeadlinePolicy::ResolutionAmount,
                DeadlinePolicy::ResolutionUnit,
                DeadlinePolicy::MaxExtensions,
                DeadlinePolicy::Version,
                DeadlinePolicy::CreatedAt,
                DeadlinePolicy::UpdatedAt,
            ])
            .values_panic([
                uuid::Uuid::now_v7().into(),
                facility_id.into(),
                "CMS_HOSPITAL".into(),
                "CMS hospital grievance policy (42 CFR 482.13)".into(),
                7.into(),
                "CALENDAR_DAYS".into(),
                30.into(),
                "CALENDAR_DAYS".into(),
                0.into(),
                1.into(),
                now.into(),
                now.into(),
            ])
            .to_owned();
        db.execute(&insert).await?;
    }
    Ok(())
}

#[derive(DeriveIden)]
enum Facility {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum DeadlinePolicy {
    Table,
    Id,
    FacilityId,
    Program,
    Name,
    AcknowledgementAmount,
    AcknowledgementUnit,
    ResolutionAmount,
    ResolutionUnit,
    ExpeditedAmount,
    ExpeditedUnit,
    MaxExtensions,
    MaxExtensionAmount,
    MaxExtensionUnit,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Complaint {
    Table,
    Id,
    Reference,
    FacilityId,
    FacilityCode,
    Department,
    Channel,
    Classification,
    Status,
    ReceivedAt,
    MedicareBeneficiary,
    OwnerSubject,
    CreatedBySubject,
    ReopenCount,
    PolicyId,
    AcknowledgementDueAt,
    AcknowledgementMetAt,
    ResolutionDueAt,
    ResolutionMetAt,
    /// The complaint's whole state as JSON: the document the audit trail
    /// diffs and `complaintAsOf` rebuilds. The columns beside it are
    /// projections of it for filters and indexes.
    Record,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ComplaintIssue {
    Table,
    Id,
    ComplaintId,
    Position,
    Category,
    Severity,
    StageOfCare,
}

#[derive(DeriveIden)]
enum ComplaintNote {
    Table,
    Id,
    ComplaintId,
    Body,
    AuthorSubject,
    AuthorName,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ComplaintContact {
    Table,
    Id,
    ComplaintId,
    Direction,
    Method,
    ContactedAt,
    WithWhom,
    Summary,
    AuthorSubject,
    AuthorName,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditEvent {
    Table,
    Sequence,
    Id,
    OccurredAt,
    ActorSubject,
    ActorName,
    ActorRoles,
    RequestId,
    Action,
    RecordType,
    RecordId,
    ComplaintId,
    FacilityCode,
    Before,
    After,
    Reason,
    PreviousHash,
    Hash,
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
enum IdempotencyKey {
    Table,
    ActorSubject,
    Operation,
    Key,
    RecordId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ReferenceCounter {
    Table,
    Year,
    LastValue,
}
