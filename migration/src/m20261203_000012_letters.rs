//! Letters on a complaint as records of their own (`letter`: the document
//! as JSON with indexed projection columns), the bytes of what was sent
//! (`letter_rendition`, one row per rendition: plain text now, a PDF when
//! the renderer is added) and the facility's letter settings (address
//! block, QIO, whether letters need approval) as one JSON column.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Facility::Table)
                    .add_column(text_null(Facility::Letters))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Letter::Table)
                    .col(uuid(Letter::Id).primary_key())
                    .col(uuid(Letter::FacilityId))
                    .col(string_len(Letter::FacilityCode, 32))
                    .col(uuid(Letter::ComplaintId))
                    .col(string_len(Letter::Kind, 32))
                    .col(string_len(Letter::Status, 24))
                    .col(string_len_null(Letter::Delivery, 24))
                    .col(timestamp_with_time_zone_null(Letter::SentAt))
                    .col(string_len(Letter::CreatedBySubject, 200))
                    .col(text(Letter::Record))
                    .col(integer(Letter::Version))
                    .col(timestamp_with_time_zone(Letter::CreatedAt))
                    .col(timestamp_with_time_zone(Letter::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Letter::Table, Letter::FacilityId)
                            .to(Facility::Table, Facility::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Letter::Table, Letter::ComplaintId)
                            .to(Complaint::Table, Complaint::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "ix_letter_complaint",
                vec![Letter::ComplaintId, Letter::Kind, Letter::Status],
            ),
            (
                "ix_letter_facility_sent",
                vec![Letter::FacilityCode, Letter::SentAt],
            ),
            ("ix_letter_delivery", vec![Letter::Delivery, Letter::SentAt]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Letter::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(LetterRendition::Table)
                    .col(uuid(LetterRendition::Id).primary_key())
                    .col(uuid(LetterRendition::LetterId))
                    .col(string_len(LetterRendition::MediaType, 100))
                    .col(string_len(LetterRendition::Sha256, 64))
                    .col(blob(LetterRendition::Bytes))
                    .col(timestamp_with_time_zone(LetterRendition::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LetterRendition::Table, LetterRendition::LetterId)
                            .to(Letter::Table, Letter::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_letter_rendition_letter")
                    .table(LetterRendition::Table)
                    .col(LetterRendition::LetterId)
                    .col(LetterRendition::MediaType)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LetterRendition::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Letter::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Facility::Table)
                    .drop_column(Facility::Letters)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Facility {
    Table,
    Id,
    Letters,
}

#[derive(DeriveIden)]
enum Complaint {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Letter {
    Table,
    Id,
    FacilityId,
    FacilityCode,
    ComplaintId,
    Kind,
    Status,
    Delivery,
    SentAt,
    CreatedBySubject,
    Record,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum LetterRendition {
    Table,
    Id,
    LetterId,
    MediaType,
    Sha256,
    Bytes,
    CreatedAt,
}
