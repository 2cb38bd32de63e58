//! Signed checkpoints of the audit trail: the head of the hash chain
//! (sequence, hash, time) signed with a key kept outside the database.
//! Insert-only, like the trail itself.

use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditCheckpoint::Table)
                    .col(uuid(AuditCheckpoint::Id).primary_key())
                    .col(big_integer(AuditCheckpoint::Sequence))
                    .col(string_len(AuditCheckpoint::Hash, 64))
                    .col(timestamp_with_time_zone(AuditCheckpoint::SignedAt))
                    .col(string_len(AuditCheckpoint::KeyId, 16))
                    .col(string_len(AuditCheckpoint::PublicKey, 64))
                    .col(string_len(AuditCheckpoint::Signature, 128))
                    .col(string_len(AuditCheckpoint::CreatedBy, 200))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_checkpoint_sequence")
                    .table(AuditCheckpoint::Table)
                    .col(AuditCheckpoint::Sequence)
                    .col(AuditCheckpoint::Id)
                    .to_owned(),
            )
            .await?;
        insert_only_triggers(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS redress_insert_only() CASCADE")
                .await?;
        }
        manager
            .drop_table(Table::drop().table(AuditCheckpoint::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AuditCheckpoint {
    Table,
    Id,
    Sequence,
    Hash,
    SignedAt,
    KeyId,
    PublicKey,
    Signature,
    CreatedBy,
}

/// As for `audit_event`: UPDATE and DELETE (and on PostgreSQL TRUNCATE)
/// are refused, whoever asks.
async fn insert_only_triggers(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match manager.get_database_backend() {
        DbBackend::Postgres => {
            db.execute_unprepared(
                "CREATE FUNCTION redress_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN
                   RAISE EXCEPTION '% is insert-only: % refused', TG_TABLE_NAME, TG_OP
                     USING ERRCODE = 'insufficient_privilege';
                 END $$",
            )
            .await?;
            db.execute_unprepared(
                "CREATE TRIGGER audit_checkpoint_insert_only BEFORE UPDATE OR DELETE ON audit_checkpoint
                 FOR EACH ROW EXECUTE FUNCTION redress_insert_only()",
            )
            .await?;
            db.execute_unprepared(
                "CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint
                 FOR EACH STATEMENT EXECUTE FUNCTION redress_insert_only()",
            )
            .await?;
        }
        _ => {
            for op in ["UPDATE", "DELETE"] {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER audit_checkpoint_no_{} BEFORE {op} ON audit_checkpoint
                     BEGIN SELECT RAISE(ABORT, 'audit_checkpoint is insert-only'); END",
                    op.to_ascii_lowercase()
                ))
                .await?;
            }
        }
    }
    Ok(())
}
