//! `redress backup FILE`: a consistent copy of the embedded (SQLite)
//! database while the server runs, checked before it is reported.
//!
//! `VACUUM INTO` runs as a read transaction on a read-only connection: in
//! WAL mode writers carry on while it copies, and the copy is the database
//! as of the moment it started. The copy is then opened on its own and
//! checked (`PRAGMA integrity_check` and the whole audit chain).

use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use sea_orm::{ConnectionTrait, DbErr};

use super::{
    OpsError, connect_read_only, is_postgres, last_event, link_problem, snapshot, sqlite_integrity,
};
use crate::services::audit;

/// Where the PostgreSQL procedure is documented.
pub const POSTGRES_PROCEDURE: &str = "PostgreSQL databases are backed up with pg_dump, not `redress backup`: \
     `pg_dump --format=custom --no-owner --file=redress.dump \"$REDRESS_DATABASE_URL\"` while the server runs, \
     restored with `createdb` and `pg_restore --no-owner --exit-on-error -d NEWDB redress.dump`, \
     then checked with `redress verify` (README, \"Operations\", \"Backup and restore\")";

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{POSTGRES_PROCEDURE}")]
    Postgres,
    #[error("{0} already exists; a backup never overwrites a file")]
    Exists(PathBuf),
    #[error("the backup file name must be valid UTF-8")]
    NotUtf8,
    #[error("creating {path}")]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Ops(#[from] OpsError),
    #[error("copying the database")]
    Copy(#[source] DbErr),
    #[error(
        "the copy {path} failed its checks: {problem}; keep the database, fix the cause and back up again"
    )]
    Unsound { path: PathBuf, problem: String },
}

/// What a finished backup holds.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BackupSummary {
    pub file: PathBuf,
    pub bytes: u64,
    pub events: u64,
    pub last_sequence: Option<i64>,
    pub last_hash: Option<String>,
    pub seconds: f64,
}

impl std::fmt::Display for BackupSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "backup written: {}", self.file.display())?;
        writeln!(f, "  bytes:          {}", self.bytes)?;
        writeln!(f, "  integrity:      ok")?;
        writeln!(f, "  audit chain:    intact, {} events", self.events)?;
        match (&self.last_sequence, &self.last_hash) {
            (Some(sequence), Some(hash)) => {
                writeln!(f, "  last event:     sequence {sequence}, hash {hash}")?
            }
            _ => writeln!(f, "  last event:     none (empty trail)")?,
        }
        write!(f, "  seconds:        {:.2}", self.seconds)
    }
}

/// Copies the SQLite database at `database_url` into `target` (which must
/// not exist; created owner-only), then checks the copy.
pub async fn backup(database_url: &str, target: &Path) -> Result<BackupSummary, BackupError> {
    if is_postgres(database_url) {
        return Err(BackupError::Postgres);
    }
    let started = Instant::now();
    let target = absolute(target)?;
    let literal = sql_string_literal(target.to_str().ok_or(BackupError::NotUtf8)?);
    let source = connect_read_only(database_url).await?;
    // VACUUM INTO writes into an empty file: creating it first refuses an
    // existing one without a race and gives it its mode.
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&target)
        .map_err(|source| match source.kind() {
            std::io::ErrorKind::AlreadyExists => BackupError::Exists(target.clone()),
            _ => BackupError::Create {
                path: target.clone(),
                source,
            },
        })?;
    let copied = source
        .execute_unprepared(&format!("VACUUM INTO {literal}"))
        .await;
    source.close().await.ok();
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&target);
        return Err(BackupError::Copy(e));
    }
    let mut summary = check_copy(&target).await?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Opens the copy on its own and checks it: the file, then the chain.
async fn check_copy(target: &Path) -> Result<BackupSummary, BackupError> {
    let unsound = |problem: String| BackupError::Unsound {
        path: target.to_owned(),
        problem,
    };
    let url = format!("sqlite://{}", target.display());
    let copy = connect_read_only(&url).await?;
    let txn = snapshot(&copy).await.map_err(OpsError::from)?;
    let problems = sqlite_integrity(&txn).await.map_err(OpsError::from)?;
    if let Some(first) = problems.first() {
        return Err(unsound(format!("PRAGMA integrity_check: {first}")));
    }
    let chain = audit::verify_in(&txn, None, None)
        .await
        .map_err(OpsError::from)?;
    if let Some(broken) = &chain.broken {
        return Err(unsound(format!(
            "the audit chain is broken at sequence {} ({})",
            broken.sequence,
            link_problem(broken.problem)
        )));
    }
    let last = last_event(&txn).await.map_err(OpsError::from)?;
    txn.commit().await.map_err(OpsError::from)?;
    copy.close().await.ok();
    let bytes = std::fs::metadata(target)
        .map_err(|source| BackupError::Create {
            path: target.to_owned(),
            source,
        })?
        .len();
    Ok(BackupSummary {
        file: target.to_owned(),
        bytes,
        events: chain.checked,
        last_sequence: last.as_ref().map(|(s, _)| *s),
        last_hash: last.map(|(_, h)| h),
        seconds: 0.0,
    })
}

/// The target as an absolute path (so SQLite never reads it as a URI) in
/// an existing directory.
fn absolute(target: &Path) -> Result<PathBuf, BackupError> {
    let create_error = |source| BackupError::Create {
        path: target.to_owned(),
        source,
    };
    let absolute = std::path::absolute(target).map_err(create_error)?;
    if absolute.exists() {
        return Err(BackupError::Exists(absolute));
    }
    Ok(absolute)
}

/// `'…'` with every `'` doubled: a path as an SQL string literal.
fn sql_string_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_sql_literals() {
        assert_eq!(sql_string_literal("/tmp/a.db"), "'/tmp/a.db'");
        assert_eq!(
            sql_string_literal("/tmp/o'brien'; DROP TABLE x; --.db"),
            "'/tmp/o''brien''; DROP TABLE x; --.db'"
        );
    }
}
