//! Database connections, migrations and transactions on SQLite and PostgreSQL.

use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// How long a SQLite writer waits for the lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Connects with settings fit for the backend: on SQLite, WAL, a busy
/// timeout, foreign keys and a small pool.
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(15));
    if url.starts_with("sqlite:") {
        options
            .max_connections(8)
            .min_connections(1)
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    .foreign_keys(true)
            });
    } else {
        options.max_connections(16).min_connections(1);
    }
    let deadline = tokio::time::Instant::now() + SQLITE_BUSY_TIMEOUT;
    loop {
        match Database::connect(options.clone()).await {
            Ok(db) => return Ok(db),
            // Switching a new SQLite file to WAL needs a moment alone with it;
            // SQLite answers BUSY at once instead of waiting, so wait here.
            Err(e) if sqlite_busy(&e) && tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => {
                return Err(e).context("connecting to the database (check REDRESS_DATABASE_URL)");
            }
        }
    }
}

/// SQLITE_BUSY (5) or SQLITE_LOCKED (6).
fn sqlite_busy(error: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    let (DbErr::Conn(RuntimeErr::SqlxError(e))
    | DbErr::Exec(RuntimeErr::SqlxError(e))
    | DbErr::Query(RuntimeErr::SqlxError(e))) = error
    else {
        return false;
    };
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|code| code == "5" || code == "6")
}

/// Key of the PostgreSQL advisory lock that serialises migrations.
const MIGRATION_LOCK_KEY: i64 = 0x0072_6564_7265_7373; // "redress" in ASCII

/// Applies every pending migration, all in one write transaction (DDL is
/// transactional on both databases), so a failed migration leaves nothing
/// half-done and several processes starting at once migrate one after the
/// other: on SQLite through `BEGIN IMMEDIATE`, on PostgreSQL through an
/// advisory lock.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    let txn = begin_write(db).await?;
    if db.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared(&format!(
            "SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"
        ))
        .await?;
    }
    Migrator::up(&txn, None)
        .await
        .context("migrating the database schema")?;
    txn.commit().await?;
    Ok(())
}

/// Starts a write transaction. On SQLite it is `BEGIN IMMEDIATE`, so two
/// writers queue on the lock instead of failing at commit; PostgreSQL
/// ignores the mode.
///
/// On PostgreSQL it also takes a transaction-scoped advisory lock, so write
/// transactions from any number of server processes run one at a time, as
/// they do on SQLite. That is what keeps the audit trail one unforked chain
/// (each event names the hash of the one before) and reference numbers
/// gapless; complaint volumes are small enough that the serialisation costs
/// nothing a user would notice.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    if db.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})"))
            .await?;
    }
    Ok(txn)
}

/// Key of the PostgreSQL advisory lock that serialises write transactions.
const WRITE_LOCK_KEY: i64 = 0x0072_6564_7277_7269; // "redrwri"

/// A trivial round trip, for `/readyz`.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}
