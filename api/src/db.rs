//! Database connections, migrations and transactions on SQLite and PostgreSQL.

use std::time::Duration;

use anyhow::Context;
use futures_util::future::BoxFuture;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::sqlx::{self, Connection, Executor};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sqlx_core::transaction::TransactionManager;

pub mod health;
pub mod unavailable;

pub use health::DbHealth;

use crate::config::PoolSettings;

/// A pooled connection idle longer than this is pinged before it is used.
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// How long a SQLite writer waits for the lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Connects with the default pool settings (see [`connect_with`]).
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    connect_with(url, &PoolSettings::default()).await
}

/// Connects with settings fit for the backend: on SQLite, WAL, a busy
/// timeout, foreign keys and a small pool.
///
/// SQLite syncs the write-ahead log on every commit (`synchronous = FULL`):
/// with `NORMAL` a commit survives the process being killed but may roll
/// back after a power loss or an operating-system crash, and an
/// acknowledged write must survive both.
///
/// Every pooled connection is checked when it is given back: one whose
/// transaction state is not certainly "none" is closed, never reused (see
/// [`release_sqlite`] and [`release_postgres`], and
/// `docs/upstream/sqlx-sqlite-transaction-depth.md` for why the driver alone does
/// not guarantee it).
pub async fn connect_with(url: &str, pool: &PoolSettings) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .acquire_timeout(pool.db_acquire_timeout)
        // sqlx pings every connection it hands out (a round trip per
        // statement, on top of the one on release) unless told otherwise.
        // A connection given back a moment ago was checked then (the
        // release hooks below and sqlx's own ping on release): only one
        // that sat idle is pinged before use.
        .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR);
    if url.starts_with("sqlite:") {
        options
            .max_connections(pool.db_max_connections.unwrap_or(8))
            .min_connections(1)
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    .foreign_keys(true)
            })
            .map_sqlx_sqlite_pool_opts(|o| o.after_release(release_sqlite));
    } else {
        options
            .max_connections(pool.db_max_connections.unwrap_or(16))
            .min_connections(1)
            // A session that vanished inside a transaction (a partitioned
            // network, a killed client) must not hold the write lock for
            // the minutes TCP takes to notice: the server ends it.
            .map_sqlx_postgres_opts(|o| o.options([("idle_in_transaction_session_timeout", "60s")]))
            .map_sqlx_postgres_pool_opts(|o| o.after_release(release_postgres));
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

/// Decides whether a SQLite connection given back to the pool may be reused.
///
/// sqlx counts a connection's transaction depth itself and only lowers the
/// count when its `COMMIT`/`ROLLBACK` succeeds. On `SQLITE_FULL`,
/// `SQLITE_IOERR`, `SQLITE_NOMEM` (and some `SQLITE_BUSY`) SQLite rolls the
/// transaction back on its own; the `ROLLBACK` that follows then fails, the
/// count stays at one, and every later `BEGIN` on that connection becomes a
/// `SAVEPOINT` — a write "committed" by `RELEASE` inside a transaction that is
/// never committed. So a connection is reused only when both the driver and
/// SQLite agree that no transaction is open:
///
/// 1. a round trip first, so that a rollback queued when a transaction was
///    dropped has run;
/// 2. the driver's depth must be zero;
/// 3. SQLite must accept `BEGIN` (it refuses one inside a transaction), which
///    we roll straight back: a deferred `BEGIN` takes no lock.
///
/// Anything else closes the connection; closing rolls back whatever SQLite
/// still holds open and releases its locks.
fn release_sqlite(
    conn: &mut sqlx::SqliteConnection,
    _: sqlx::pool::PoolConnectionMetadata,
) -> BoxFuture<'_, Result<bool, sqlx::Error>> {
    Box::pin(async move {
        conn.ping().await?;
        if <sqlx::Sqlite as sqlx::Database>::TransactionManager::get_transaction_depth(conn) != 0 {
            tracing::warn!("closing a database connection left inside a transaction");
            return Ok(false);
        }
        if conn.execute("BEGIN DEFERRED").await.is_err() {
            tracing::warn!("closing a database connection that SQLite holds in a transaction");
            return Ok(false);
        }
        conn.execute("ROLLBACK").await?;
        Ok(true)
    })
}

/// Decides whether a PostgreSQL connection given back to the pool may be
/// reused: not when the driver still counts it inside a transaction.
///
/// A belt to sqlx's braces: when sea-orm drops a transaction whose commit
/// or rollback failed, sqlx lowers the depth as it queues the `ROLLBACK`,
/// and it is sqlx's own ping on release that runs that rollback and closes
/// the connection if it fails. This check catches any other way a
/// connection could come back counted inside a transaction.
fn release_postgres(
    conn: &mut sqlx::PgConnection,
    _: sqlx::pool::PoolConnectionMetadata,
) -> BoxFuture<'_, Result<bool, sqlx::Error>> {
    Box::pin(async move {
        let depth =
            <sqlx::Postgres as sqlx::Database>::TransactionManager::get_transaction_depth(conn);
        if depth != 0 {
            tracing::warn!(
                depth,
                "closing a database connection left inside a transaction"
            );
        }
        Ok(depth == 0)
    })
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
    let txn = begin_write_unlocked(db).await?;
    lock_writes(&txn).await?;
    Ok(txn)
}

/// [`begin_write`] without PostgreSQL's advisory lock yet, for a writer
/// whose first statement is a read it can check again once it holds the
/// lock (a change reads its record, and `UPDATE … WHERE version` refuses
/// the write if the record moved on meanwhile): that read then runs
/// outside the serial section every writer queues for. It must call
/// [`lock_writes`] before it reads anything else or writes. On SQLite the
/// transaction holds the write lock from `BEGIN IMMEDIATE` on, as with
/// [`begin_write`].
pub async fn begin_write_unlocked(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Takes the write lock of a transaction from [`begin_write_unlocked`]
/// (PostgreSQL's transaction-scoped advisory lock; on SQLite the
/// transaction already holds it). Taking it twice is harmless.
pub async fn lock_writes(txn: &DatabaseTransaction) -> Result<(), DbErr> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})"))
            .await?;
    }
    Ok(())
}

/// Starts a read-only transaction that sees one consistent snapshot of the
/// database for all its statements: on PostgreSQL `REPEATABLE READ READ
/// ONLY` (the default, READ COMMITTED, gives each statement its own view);
/// on SQLite a deferred transaction, whose first read fixes the WAL
/// snapshot without holding writers back.
pub async fn begin_read_snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            db.begin_with_options(TransactionOptions {
                isolation_level: Some(sea_orm::IsolationLevel::RepeatableRead),
                access_mode: Some(sea_orm::AccessMode::ReadOnly),
                sqlite_transaction_mode: None,
            })
            .await
        }
        _ => db.begin().await,
    }
}

/// A report's transaction: [`begin_read_snapshot`] (its figures agree
/// with each other), and on PostgreSQL a plan made for each execution's
/// own values (`plan_cache_mode = force_custom_plan`). A report filters by
/// facility and period ranges whose selectivity depends entirely on the
/// values; after five executions of a prepared statement PostgreSQL may
/// switch to a generic plan that assumes a default selectivity. At a
/// million complaints that turned the timeliness report's extension count
/// from 64 ms into 500 ms (a bitmap scan of the whole year instead of the
/// year's few extension events). Planning a report's statements anew costs
/// about a millisecond.
///
/// Its sorts get 16 MB (`work_mem`, 4 MB by default) for this transaction
/// only: the timeliness report sorts each facility's year of grievances
/// and ranks their resolution times, and with 4 MB those sorts spilled to
/// temporary files (12 MB written per run at a million complaints; the
/// statement took 230 ms instead of 205).
pub async fn begin_report(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let txn = begin_read_snapshot(db).await?;
    if db.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared(
            "SET LOCAL plan_cache_mode = force_custom_plan; SET LOCAL work_mem = '16MB'",
        )
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
