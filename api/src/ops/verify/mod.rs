//! `redress verify`: is this database whole? It reads everything inside
//! one read transaction (one consistent snapshot), in batches keyed by id,
//! so memory stays flat however large the database, and changes nothing.
//!
//! The result is an [`IntegrityReport`]: one [`Section`] per check, each
//! with its counts and the problems it found. A problem names a record
//! type and id, an event sequence, field or column names: never content,
//! so the report can be shown and kept anywhere.

mod checkpoints;
mod families;
mod records;
mod report;

pub use checkpoints::{CheckpointInput, parse_file as parse_checkpoint_file};

use std::collections::HashMap;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};

pub use report::{IntegrityReport, MAX_LISTED_PROBLEMS, Problem, Section, SectionStatus};

use super::{last_event, link_problem, snapshot, sqlite_integrity};
use crate::services::audit;

/// Runs every check on one consistent snapshot of the database, the signed
/// checkpoints included when a trusted key is given.
pub async fn verify(
    db: &DatabaseConnection,
    checkpoints: &CheckpointInput<'_>,
) -> Result<IntegrityReport, DbErr> {
    let backend = db.get_database_backend();
    let mut report = IntegrityReport::new(backend);
    let txn = snapshot(db).await?;
    report.push(sqlite_file(&txn, backend).await?);
    report.push(migrations(&txn).await?);
    report.push(triggers(&txn, backend).await?);
    report.push(audit_chain(&txn).await?);
    report.push(checkpoints::section(&txn, checkpoints).await?);
    let records = records::check(&txn).await?;
    txn.commit().await?;
    for section in records {
        report.push(section);
    }
    Ok(report)
}

async fn sqlite_file(db: &impl ConnectionTrait, backend: DbBackend) -> Result<Section, DbErr> {
    let mut s = Section::new("sqlite_integrity", "SQLite file (PRAGMA integrity_check)");
    if backend != DbBackend::Sqlite {
        s.skip("not a SQLite database");
        return Ok(s);
    }
    for line in sqlite_integrity(db).await? {
        s.problem(Problem::new("SQLITE_INTEGRITY", line));
    }
    Ok(s)
}

async fn migrations(db: &impl ConnectionTrait) -> Result<Section, DbErr> {
    let mut s = Section::new("migrations", "Schema at the code's latest migration");
    let known = Migrator::migrations().len() as u64;
    s.count("known", known);
    match Migrator::get_pending_migrations_read_only(db).await {
        Ok(pending) => {
            s.count("applied", known.saturating_sub(pending.len() as u64));
            for m in &pending {
                s.problem(Problem::new(
                    "MIGRATION_PENDING",
                    format!("migration {} has not been applied", m.name()),
                ));
            }
            if let Some(latest) = Migrator::migrations().last() {
                s.fact("latest", latest.name());
            }
        }
        // sea-orm-migration's refusal names the versions it does not know.
        Err(DbErr::Custom(message)) => {
            s.problem(Problem::new(
                "MIGRATION_UNKNOWN",
                format!("the database is newer than this build: {message}"),
            ));
        }
        Err(e) => return Err(e),
    }
    Ok(s)
}

/// The triggers that make `audit_event` append-only in the database.
async fn triggers(db: &impl ConnectionTrait, backend: DbBackend) -> Result<Section, DbErr> {
    let mut s = Section::new("audit_triggers", "Append-only triggers on audit_event");
    let (sql, expected): (&str, &[&str]) = match backend {
        DbBackend::Postgres => (
            "SELECT tgname::text, tgenabled <> 'D' FROM pg_trigger \
             WHERE tgrelid = 'audit_event'::regclass AND NOT tgisinternal",
            &["audit_event_append_only", "audit_event_no_truncate"],
        ),
        _ => (
            "SELECT name, 1 FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'",
            &["audit_event_no_delete", "audit_event_no_update"],
        ),
    };
    let mut present: HashMap<String, bool> = HashMap::new();
    for row in db
        .query_all_raw(Statement::from_string(backend, sql))
        .await?
    {
        let name: String = row.try_get_by_index(0)?;
        let enabled: bool = row.try_get_by_index(1)?;
        present.insert(name, enabled);
    }
    for name in expected {
        match present.get(*name) {
            Some(true) => {
                s.count("present", 1);
            }
            Some(false) => {
                s.problem(Problem::new(
                    "TRIGGER_DISABLED",
                    format!("trigger {name} is disabled"),
                ));
            }
            None => {
                s.problem(Problem::new(
                    "TRIGGER_MISSING",
                    format!("trigger {name} is missing: audit events can be edited"),
                ));
            }
        }
    }
    Ok(s)
}

async fn audit_chain(db: &impl ConnectionTrait) -> Result<Section, DbErr> {
    let mut s = Section::new("audit_chain", "Audit chain (SHA-256 links)");
    let result = audit::verify_in(db, None, None).await?;
    s.count("events", result.checked);
    if let Some(broken) = &result.broken {
        s.problem(
            Problem::new(
                "CHAIN_BROKEN",
                format!(
                    "{} at event {}; events after it were not checked",
                    link_problem(broken.problem),
                    broken.event_id
                ),
            )
            .sequence(broken.sequence),
        );
    } else if let Some((sequence, hash)) = last_event(db).await? {
        s.fact("last_sequence", sequence);
        s.fact("last_hash", hash);
    }
    Ok(s)
}
