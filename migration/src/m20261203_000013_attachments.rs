//! Attachments: documents on a complaint (the incoming letter, photos,
//! signed forms, sent letters). The bytes live in the object store under
//! their SHA-256; the row holds what was detected about them. Rows are
//! never deleted through the API. A facility's required documents (by
//! complaint channel, checked at resolve) are a JSON list on the facility.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Attachment::Table)
                    .col(uuid(Attachment::Id).primary_key())
                    .col(uuid(Attachment::ComplaintId))
                    .col(string_len(Attachment::Kind, 32))
                    .col(string_len(Attachment::Filename, 200))
                    .col(string_len(Attachment::MediaType, 100))
                    .col(big_integer(Attachment::SizeBytes))
                    .col(string_len(Attachment::Sha256, 64))
                    .col(string_len(Attachment::UploadedBySubject, 200))
                    .col(string_len(Attachment::UploadedByName, 200))
                    .col(timestamp_with_time_zone(Attachment::UploadedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Attachment::Table, Attachment::ComplaintId)
                            .to(Complaint::Table, Complaint::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_attachment_complaint")
                    .table(Attachment::Table)
                    .col(Attachment::ComplaintId)
                    .col(Attachment::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Facility::Table)
                    .add_column(text(Facility::RequiredDocuments).default("[]"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Facility::Table)
                    .drop_column(Facility::RequiredDocuments)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(Attachment::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Attachment {
    Table,
    Id,
    ComplaintId,
    Kind,
    Filename,
    MediaType,
    SizeBytes,
    Sha256,
    UploadedBySubject,
    UploadedByName,
    UploadedAt,
}

#[derive(DeriveIden)]
enum Complaint {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Facility {
    Table,
    RequiredDocuments,
}
