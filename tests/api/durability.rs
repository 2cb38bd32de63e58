//! A transaction whose end the driver could not be sure of must never leave a
//! pooled connection that acknowledges writes it does not commit.
//!
//! The operator's report: after SQLite answered `SQLITE_FULL`, it had rolled
//! the transaction back itself; the application's `ROLLBACK` failed ("no
//! transaction is active"), sqlx kept counting the connection as inside a
//! transaction and pooled it, and every later `BEGIN` on it became a
//! `SAVEPOINT` inside a transaction that was never committed. These tests put
//! a connection in exactly that state (SQLite ending the transaction behind
//! the driver's back) without having to fill a disk.

use std::time::Duration;

use redress_api::config::PoolSettings;
use redress_api::db;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement, TransactionTrait};

use crate::helpers::TestDb;

async fn count(db: &impl ConnectionTrait, value: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM durability_probe WHERE v = '{value}'"),
        ))
        .await
        .expect("count")
        .expect("a row");
    row.try_get::<i64>("", "n").expect("n")
}

/// A pool of one connection, so that every transaction runs on the one
/// the transaction before it left behind.
async fn pool_of_one(test_db: &TestDb) -> sea_orm::DatabaseConnection {
    db::connect_with(
        &test_db.url,
        &PoolSettings {
            db_max_connections: Some(1),
            ..PoolSettings::default()
        },
    )
    .await
    .expect("connects")
}

#[tokio::test]
async fn a_transaction_ended_behind_the_drivers_back_does_not_poison_the_pool() {
    let test_db = TestDb::new().await;
    let pool = pool_of_one(&test_db).await;
    let backend = pool.get_database_backend();
    pool.execute_unprepared("CREATE TABLE durability_probe (v TEXT NOT NULL)")
        .await
        .expect("probe table");

    for round in 0..3 {
        // 1. The database ends the transaction on its own (SQLite does so on
        //    SQLITE_FULL, SQLITE_IOERR or SQLITE_NOMEM): the commit fails.
        let txn = db::begin_write(&pool).await.expect("begin");
        txn.execute_unprepared("INSERT INTO durability_probe (v) VALUES ('lost')")
            .await
            .expect("insert");
        txn.execute_unprepared("ROLLBACK")
            .await
            .expect("the database rolls back");
        let committed = txn.commit().await;
        if backend == DbBackend::Sqlite {
            assert!(
                committed.is_err(),
                "round {round}: COMMIT with no transaction must fail"
            );
        }

        // 2. A write transaction refused by a statement, rolled back by us.
        let txn = db::begin_write(&pool).await.expect("begin after the fault");
        assert!(
            txn.execute_unprepared("INSERT INTO no_such_table (v) VALUES ('x')")
                .await
                .is_err()
        );
        let _ = txn.rollback().await;

        // 3. A write that is acknowledged must be committed.
        let txn = db::begin_write(&pool).await.expect("begin");
        txn.execute_unprepared("INSERT INTO durability_probe (v) VALUES ('acknowledged')")
            .await
            .expect("insert");
        txn.commit().await.expect("commit");
    }

    // Seen from another pool, that is another process's view: every
    // acknowledged write is there, nothing else is, and the write lock is free.
    let other = Database::connect(test_db.url.as_str())
        .await
        .expect("second pool");
    assert_eq!(
        count(&other, "acknowledged").await,
        3,
        "acknowledged writes committed"
    );
    assert_eq!(count(&other, "lost").await, 0);
    let write = tokio::time::timeout(Duration::from_secs(3), async {
        let txn = db::begin_write(&other).await?;
        txn.execute_unprepared("INSERT INTO durability_probe (v) VALUES ('other')")
            .await?;
        txn.commit().await
    })
    .await
    .expect("another writer is not held back by a transaction left open");
    write.expect("another writer commits");
    assert_eq!(
        count(&pool, "other").await,
        1,
        "the first pool sees new writes"
    );
    other.close().await.expect("close");

    // The same holds for a read-only transaction the database ended.
    let txn = pool.begin().await.expect("begin read");
    let _ = txn.execute_unprepared("ROLLBACK").await;
    let _ = txn.commit().await;
    pool.execute_unprepared("INSERT INTO durability_probe (v) VALUES ('autocommit')")
        .await
        .expect("autocommit write");

    // On SQLite, a transaction the driver does not know about at all (its
    // depth says none, SQLite says one is open) is caught as well. (On
    // PostgreSQL only a raw `BEGIN` could make one, and Redress issues none.)
    let sqlite = backend == DbBackend::Sqlite;
    if sqlite {
        pool.execute_unprepared("BEGIN")
            .await
            .expect("a stray BEGIN");
        pool.execute_unprepared("INSERT INTO durability_probe (v) VALUES ('after-stray-begin')")
            .await
            .expect("autocommit write");
    }

    let third = Database::connect(test_db.url.as_str())
        .await
        .expect("third pool");
    assert_eq!(
        count(&third, "autocommit").await,
        1,
        "an autocommit write is committed"
    );
    assert_eq!(
        count(&third, "after-stray-begin").await,
        i64::from(sqlite),
        "a write after a stray BEGIN is committed"
    );
    third.close().await.expect("close");
}

/// Which real database errors are "unavailable" (a retryable 503) and
/// which are not: decided by the backend that raised them, since
/// PostgreSQL's SQLSTATEs are often all digits too.
#[tokio::test]
async fn database_errors_are_classified_by_their_backend() {
    use redress_api::db::unavailable::classify;

    let test_db = TestDb::new().await;
    let pool = pool_of_one(&test_db).await;
    let error = pool
        .execute_unprepared("INSERT INTO no_such_table (v) VALUES (1)")
        .await
        .expect_err("no such table");
    assert_eq!(classify(&error), None, "a fault of ours is not an outage");

    match pool.get_database_backend() {
        DbBackend::Postgres => {
            // 22021 (invalid byte sequence) and 22012 (division by zero):
            // read as SQLite codes they would be SQLITE_BUSY and worse.
            for sql in [
                "SELECT convert_from('\\x00'::bytea, 'UTF8')",
                "SELECT 1 / 0",
            ] {
                let error = pool.execute_unprepared(sql).await.expect_err(sql);
                assert_eq!(classify(&error), None, "{sql}");
            }
        }
        _ => {
            // A real SQLITE_FULL: the file may not grow past its size now.
            pool.execute_unprepared("CREATE TABLE filler (v TEXT)")
                .await
                .expect("table");
            let pages = pool
                .query_one_raw(Statement::from_string(
                    DbBackend::Sqlite,
                    "PRAGMA page_count",
                ))
                .await
                .expect("page_count")
                .expect("a row")
                .try_get_by_index::<i64>(0)
                .expect("pages");
            pool.execute_unprepared(&format!("PRAGMA max_page_count = {pages}"))
                .await
                .expect("cap the file");
            let error = pool
                .execute_unprepared(
                    "INSERT INTO filler (v) SELECT hex(randomblob(4000)) \
                     FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) SELECT i FROM n)",
                )
                .await
                .expect_err("the file is full");
            let unavailable = classify(&error).expect("SQLITE_FULL is unavailable");
            assert!(
                unavailable.reason.contains("SQLITE_FULL"),
                "{unavailable:?}"
            );
            assert!(!unavailable.connection_lost);
        }
    }
}
