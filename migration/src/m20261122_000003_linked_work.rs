//! The records that sit beside complaints: service-recovery actions,
//! interpreter sessions and accessibility requests, each stored like a
//! complaint (a JSON document plus indexed projection columns and a
//! version), and the access log of their reads.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_service_recovery(manager).await?;
        create_interpreter_session(manager).await?;
        create_accessibility_request(manager).await?;
        create_record_access(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "record_access",
            "accessibility_request",
            "interpreter_session",
            "service_recovery_action",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Facility {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Complaint {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ServiceRecoveryAction {
    Table,
    Id,
    FacilityId,
    FacilityCode,
    ComplaintId,
    Department,
    Kind,
    Status,
    Amount,
    Currency,
    ProposedBySubject,
    CreatedBySubject,
    Record,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InterpreterSession {
    Table,
    Id,
    FacilityId,
    FacilityCode,
    ComplaintId,
    Department,
    Language,
    Modality,
    Outcome,
    RequestedAt,
    ConnectedAt,
    EndedAt,
    CreatedBySubject,
    Record,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AccessibilityRequest {
    Table,
    Id,
    FacilityId,
    FacilityCode,
    ComplaintId,
    Department,
    NeedType,
    Status,
    NeededBy,
    CreatedBySubject,
    Record,
    Version,
    CreatedAt,
    UpdatedAt,
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

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden + 'static,
    cols: Vec<DynIden>,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(col);
    }
    manager.create_index(index.to_owned()).await
}

async fn create_service_recovery(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use ServiceRecoveryAction as T;
    manager
        .create_table(
            Table::create()
                .table(T::Table)
                .col(uuid(T::Id).primary_key())
                .col(uuid(T::FacilityId))
                .col(string_len(T::FacilityCode, 32))
                .col(uuid(T::ComplaintId))
                .col(string_len(T::Department, 200))
                .col(string_len(T::Kind, 32))
                .col(string_len(T::Status, 16))
                // Exact decimal as text, e.g. "250.00"; never a float.
                .col(string_len_null(T::Amount, 40))
                .col(string_len_null(T::Currency, 3))
                .col(string_len(T::ProposedBySubject, 200))
                .col(string_len(T::CreatedBySubject, 200))
                .col(text(T::Record))
                .col(integer(T::Version))
                .col(timestamp_with_time_zone(T::CreatedAt))
                .col(timestamp_with_time_zone(T::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(T::Table, T::FacilityId)
                        .to(Facility::Table, Facility::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(T::Table, T::ComplaintId)
                        .to(Complaint::Table, Complaint::Id),
                )
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "ix_service_recovery_complaint",
        T::Table,
        vec![T::ComplaintId.into_iden(), T::Status.into_iden()],
    )
    .await?;
    index(
        manager,
        "ix_service_recovery_facility_created",
        T::Table,
        vec![T::FacilityCode.into_iden(), T::CreatedAt.into_iden()],
    )
    .await
}

async fn create_interpreter_session(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use InterpreterSession as T;
    manager
        .create_table(
            Table::create()
                .table(T::Table)
                .col(uuid(T::Id).primary_key())
                .col(uuid(T::FacilityId))
                .col(string_len(T::FacilityCode, 32))
                .col(uuid_null(T::ComplaintId))
                .col(string_len(T::Department, 200))
                .col(string_len(T::Language, 64))
                .col(string_len(T::Modality, 32))
                .col(string_len(T::Outcome, 16))
                .col(timestamp_with_time_zone(T::RequestedAt))
                .col(timestamp_with_time_zone_null(T::ConnectedAt))
                .col(timestamp_with_time_zone_null(T::EndedAt))
                .col(string_len(T::CreatedBySubject, 200))
                .col(text(T::Record))
                .col(integer(T::Version))
                .col(timestamp_with_time_zone(T::CreatedAt))
                .col(timestamp_with_time_zone(T::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(T::Table, T::FacilityId)
                        .to(Facility::Table, Facility::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(T::Table, T::ComplaintId)
                        .to(Complaint::Table, Complaint::Id),
                )
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "ix_interpreter_session_complaint",
        T::Table,
        vec![T::ComplaintId.into_iden()],
    )
    .await?;
    index(
        manager,
        "ix_interpreter_session_facility_requested",
        T::Table,
        vec![T::FacilityCode.into_iden(), T::RequestedAt.into_iden()],
    )
    .await
}

async fn create_accessibility_request(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use AccessibilityRequest as T;
    manager
        .create_table(
            Table::create()
                .table(T::Table)
                .col(uuid(T::Id).primary_key())
                .col(uuid(T::FacilityId))
                .col(string_len(T::FacilityCode, 32))
                .col(uuid_null(T::ComplaintId))
                .col(string_len(T::Department, 200))
                .col(string_len(T::NeedType, 32))
                .col(string_len(T::Status, 24))
                .col(timestamp_with_time_zone(T::NeededBy))
                .col(string_len(T::CreatedBySubject, 200))
                .col(text(T::Record))
                .col(integer(T::Version))
                .col(timestamp_with_time_zone(T::CreatedAt))
                .col(timestamp_with_time_zone(T::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(T::Table, T::FacilityId)
                        .to(Facility::Table, Facility::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(T::Table, T::ComplaintId)
                        .to(Complaint::Table, Complaint::Id),
                )
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "ix_accessibility_request_complaint",
        T::Table,
        vec![T::ComplaintId.into_iden(), T::Status.into_iden()],
    )
    .await?;
    index(
        manager,
        "ix_accessibility_request_facility_needed",
        T::Table,
        vec![
            T::FacilityCode.into_iden(),
            T::Status.into_iden(),
            T::NeededBy.into_iden(),
        ],
    )
    .await
}

async fn create_record_access(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use RecordAccess as T;
    manager
        .create_table(
            Table::create()
                .table(T::Table)
                .col(uuid(T::Id).primary_key())
                .col(string_len(T::RecordType, 64))
                .col(uuid(T::RecordId))
                .col(string_len(T::ActorSubject, 200))
                .col(string_len(T::ActorName, 200))
                .col(string_len(T::ActorRoles, 200))
                .col(string_len(T::RequestId, 100))
                .col(string_len(T::Operation, 64))
                .col(timestamp_with_time_zone(T::AccessedAt))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "ix_record_access_record",
        T::Table,
        vec![T::RecordId.into_iden(), T::Id.into_iden()],
    )
    .await
}
