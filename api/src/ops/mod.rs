//! Operational commands that run beside the server: a consistent backup
//! of the embedded database ([`backup`]) and an offline check that a
//! database is whole ([`verify`]). Both only read the database they are
//! pointed at.

pub mod backup;
pub mod verify;

use std::path::PathBuf;
use std::time::Duration;

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};

use crate::domain::audit::LinkProblem;

/// Why an operational command could not run (as opposed to a problem it
/// found).
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    #[error("the SQLite database {0} does not exist")]
    NoDatabase(PathBuf),
    #[error("`{0}` is not a SQLite file URL (sqlite://path)")]
    NotAFile(String),
    #[error("connecting to the database (check REDRESS_DATABASE_URL)")]
    Connect(#[source] DbErr),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// How long a reader waits for a lock (a checkpoint, a migration) on SQLite.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres:") || url.starts_with("postgresql:")
}

/// The file of a `sqlite://path?…` or `sqlite:path` URL; `None` for an
/// in-memory database.
pub fn sqlite_path(url: &str) -> Result<PathBuf, OpsError> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| OpsError::NotAFile(scheme_only(url)))?;
    let path = rest.split_once('?').map_or(rest, |(p, _)| p);
    if path.is_empty() || path.contains(":memory:") || path.starts_with("file:") {
        return Err(OpsError::NotAFile(scheme_only(url)));
    }
    Ok(PathBuf::from(path))
}

/// The URL's scheme alone, for messages: a URL may hold a password.
fn scheme_only(url: &str) -> String {
    url.split_once(':')
        .map_or_else(|| "?".to_owned(), |(s, _)| format!("{s}:…"))
}

/// Connects without changing anything: on SQLite the file must exist and
/// is opened read-only (no journal-mode switch, no migration); on
/// PostgreSQL a small pool.
pub async fn connect_read_only(url: &str) -> Result<DatabaseConnection, OpsError> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(60))
        .max_connections(2)
        .min_connections(1);
    if !is_postgres(url) {
        let path = sqlite_path(url)?;
        if !path.is_file() {
            return Err(OpsError::NoDatabase(path));
        }
        options.map_sqlx_sqlite_opts(|o| {
            o.read_only(true)
                .create_if_missing(false)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
        });
    }
    Database::connect(options).await.map_err(OpsError::Connect)
}

/// A read transaction that sees one consistent state of the database: a
/// WAL snapshot on SQLite (writers carry on), `REPEATABLE READ READ ONLY`
/// on PostgreSQL (one snapshot for every statement in it).
pub use crate::db::begin_read_snapshot as snapshot;

/// `PRAGMA integrity_check` on SQLite: the problems it names (at most
/// 100; no row contents), empty when the file is sound.
pub async fn sqlite_integrity(db: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA integrity_check(100)",
        ))
        .await?;
    let mut problems = Vec::new();
    for row in rows {
        let line: String = row.try_get_by_index(0)?;
        if line != "ok" {
            problems.push(line);
        }
    }
    Ok(problems)
}

pub use crate::services::audit::last_event;

/// A broken link's name, as `auditTrailVerification` spells it.
pub fn link_problem(problem: LinkProblem) -> &'static str {
    match problem {
        LinkProblem::ContentAltered => "CONTENT_ALTERED",
        LinkProblem::PreviousHashMismatch => "PREVIOUS_HASH_MISMATCH",
        LinkProblem::MissingEvents => "MISSING_EVENTS",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths() {
        let ok = [
            ("sqlite://data/redress.db?mode=rwc", "data/redress.db"),
            ("sqlite:///tmp/x.db", "/tmp/x.db"),
            ("sqlite:rel.db", "rel.db"),
        ];
        for (url, path) in ok {
            assert_eq!(sqlite_path(url).ok(), Some(PathBuf::from(path)), "{url}");
        }
        for url in [
            "sqlite::memory:",
            "sqlite://:memory:",
            "sqlite://",
            "postgres://u:secret@h/db",
        ] {
            let e = sqlite_path(url);
            assert!(e.is_err(), "{url}");
            assert!(
                !format!("{:?}", e).contains("secret"),
                "a password in a message"
            );
        }
    }
}
