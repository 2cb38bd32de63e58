//! What the compliance reports need from the schema:
//! * `facility.default_language`: the language a facility works in, so the
//!   language-access report can tell which complainants needed another
//!   (`en` for the facilities that exist).
//! * `access_log_entry.detail`: what a report run asked for (its filter),
//!   logged as one entry per run rather than one per complaint.
//! * indexes for the access review: reads in a period, per reader.

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
                    .add_column(string_len(Facility::DefaultLanguage, 35).default("en"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AccessLogEntry::Table)
                    .add_column(text_null(AccessLogEntry::Detail))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "ix_access_log_entry_accessed",
                vec![AccessLogEntry::AccessedAt, AccessLogEntry::Id],
            ),
            (
                "ix_access_log_entry_actor",
                vec![AccessLogEntry::ActorSubject, AccessLogEntry::AccessedAt],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(AccessLogEntry::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["ix_access_log_entry_actor", "ix_access_log_entry_accessed"] {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(AccessLogEntry::Table)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(AccessLogEntry::Table)
                    .drop_column(AccessLogEntry::Detail)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Facility::Table)
                    .drop_column(Facility::DefaultLanguage)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Facility {
    Table,
    DefaultLanguage,
}

#[derive(DeriveIden)]
enum AccessLogEntry {
    Table,
    Detail,
    AccessedAt,
    ActorSubject,
    Id,
}
