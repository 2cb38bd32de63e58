//! Group commit for the access log: one writer task commits the entries of
//! many concurrent requests together, and each request waits until its
//! entries are committed before it answers. A read is never shown unlogged:
//! the acknowledgement is sent only after the commit has returned, and a
//! failed commit fails every request whose entries it held.
//!
//! Batching: the task takes what is queued (whole requests, up to
//! `max_batch` entries, one request more if the first alone is bigger),
//! commits it, acknowledges, and takes the next queue. No timer: while
//! commits are in flight the next batch gathers, so the batch grows with
//! the load and a lone read waits for one commit only.
//!
//! On PostgreSQL a few batches commit side by side, each on its own pooled
//! connection (the server joins their WAL flushes), in one `INSERT … SELECT
//! FROM UNNEST` of ten arrays: one statement text whatever the batch size,
//! so it is prepared once per connection. SQLite writes one transaction at
//! a time anyway: there one batch is in flight, as multi-row `INSERT`s.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use entity::access_log_entry::{self, Entity as AccessLogEntry};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, IntoActiveModel,
    RuntimeErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio::task::JoinSet;
use uuid::Uuid;

/// The most entries committed together, unless configured.
pub const DEFAULT_MAX_BATCH: usize = 256;

/// Batches committing at once on PostgreSQL: enough to keep the server's
/// WAL flushes grouped and the writer busy while one batch waits on the
/// network, few enough to leave the pool to the requests.
const POSTGRES_COMMITS_IN_FLIGHT: usize = 4;

/// Rows per INSERT statement: 10 parameters a row stays far below
/// SQLite's 32,766 and PostgreSQL's 65,535 parameters per statement.
const ROWS_PER_INSERT: usize = 1000;

/// Requests that may wait in the queue before senders wait for room.
const QUEUE: usize = 4096;

/// One request's entries and where to say they are committed.
struct Job {
    entries: Vec<access_log_entry::Model>,
    done: oneshot::Sender<Result<(), DbErr>>,
}

/// The handle requests log through (cheap to clone). Made by [`spawn`].
#[derive(Clone, Debug)]
pub struct Writer {
    queue: mpsc::Sender<Job>,
}

/// Stops the writer: no entries are taken after [`Stopper::drain`] starts,
/// and what was queued before is committed and acknowledged.
#[derive(Debug)]
pub struct Stopper {
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Stopper {
    /// Refuses new entries, commits the queued ones, waits for the task.
    pub async fn drain(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Err(error) = (&mut self.task).await {
            tracing::error!(%error, "the access-log writer ended abnormally");
        }
    }
}

impl Drop for Stopper {
    /// Dropped without draining (a test's app going away): stop the task.
    /// Requests still waiting get an error, never a false acknowledgement.
    fn drop(&mut self) {
        if self.stop.is_some() {
            self.task.abort();
        }
    }
}

/// Starts the writer task on `db`, committing up to `max_batch` entries
/// at a time (at least 1).
pub fn spawn(db: DatabaseConnection, max_batch: usize) -> (Writer, Stopper) {
    let (queue, jobs) = mpsc::channel(QUEUE);
    let (stop, stopped) = oneshot::channel();
    let in_flight = match db.get_database_backend() {
        DbBackend::Postgres => POSTGRES_COMMITS_IN_FLIGHT,
        _ => 1,
    };
    let task = tokio::spawn(run(db, jobs, stopped, max_batch.max(1), in_flight));
    (
        Writer { queue },
        Stopper {
            stop: Some(stop),
            task,
        },
    )
}

/// Why an entry could not be queued: the writer has stopped (the server is
/// shutting down). The read fails like one the database could not serve.
fn stopped() -> DbErr {
    DbErr::Conn(RuntimeErr::Internal(
        "the access-log writer has stopped".into(),
    ))
}

impl Writer {
    /// Queues these entries and waits until they are committed. `Err`: they
    /// are not (certainly) logged, and the read must not be answered.
    pub async fn log(&self, entries: Vec<access_log_entry::Model>) -> Result<(), DbErr> {
        if entries.is_empty() {
            return Ok(());
        }
        let (done, committed) = oneshot::channel();
        self.queue
            .send(Job { entries, done })
            .await
            .map_err(|_| stopped())?;
        // A dropped sender (the task stopped mid-batch) is an error too.
        committed.await.map_err(|_| stopped())?
    }
}

async fn run(
    db: DatabaseConnection,
    mut jobs: mpsc::Receiver<Job>,
    mut stop: oneshot::Receiver<()>,
    max_batch: usize,
    in_flight: usize,
) {
    let slots = Arc::new(Semaphore::new(in_flight));
    let mut commits = JoinSet::new();
    let mut stopping = false;
    loop {
        // A free slot first: while every slot is busy committing, the queue
        // gathers the next batch.
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            break;
        };
        let first = if stopping {
            jobs.recv().await
        } else {
            tokio::select! {
                job = jobs.recv() => job,
                _ = &mut stop => {
                    // Refuse new entries; commit those already queued.
                    stopping = true;
                    jobs.close();
                    continue;
                }
            }
        };
        let Some(first) = first else { break };
        let mut count = first.entries.len();
        let mut batch = vec![first];
        while count < max_batch {
            match jobs.try_recv() {
                Ok(job) => {
                    count += job.entries.len();
                    batch.push(job);
                }
                Err(_) => break,
            }
        }
        let db = db.clone();
        commits.spawn(async move {
            commit_batch(&db, batch).await;
            drop(slot);
        });
        // Reap the finished ones (their requests are answered already).
        while let Some(done) = commits.try_join_next() {
            reaped(done);
        }
    }
    while let Some(done) = commits.join_next().await {
        reaped(done);
    }
}

/// A commit task that panicked has dropped its requests' senders: they
/// got an error, never an acknowledgement. Say so in the log.
fn reaped(done: Result<(), tokio::task::JoinError>) {
    if let Err(error) = done {
        tracing::error!(%error, "an access-log commit ended abnormally");
    }
}

/// Commits a batch and acknowledges each of its requests. When the batch
/// fails for a reason of its own content (not the database being
/// unavailable), each request is tried alone, so one bad entry fails only
/// its own read.
async fn commit_batch(db: &DatabaseConnection, batch: Vec<Job>) {
    let result = commit(db, batch.iter().flat_map(|job| job.entries.iter())).await;
    match result {
        Err(error) if batch.len() > 1 && crate::db::unavailable::classify(&error).is_none() => {
            for job in batch {
                let alone = commit(db, job.entries.iter()).await;
                let _ = job.done.send(alone);
            }
        }
        result => {
            for job in batch {
                let _ = job.done.send(result.clone());
            }
        }
    }
}

/// Inserts the entries in one transaction: on PostgreSQL one statement
/// (which commits on its own); on SQLite one statement when they fit in
/// one, else several in a transaction.
async fn commit<'a>(
    db: &DatabaseConnection,
    entries: impl Iterator<Item = &'a access_log_entry::Model>,
) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        return insert_unnest(db, entries).await;
    }
    let rows: Vec<access_log_entry::ActiveModel> = entries
        .cloned()
        .map(IntoActiveModel::into_active_model)
        .collect();
    if rows.len() <= ROWS_PER_INSERT {
        return insert(db, rows).await;
    }
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(ROWS_PER_INSERT).collect();
        if let Err(error) = insert(&txn, chunk).await {
            txn.rollback().await?;
            return Err(error);
        }
    }
    txn.commit().await
}

async fn insert(
    db: &impl ConnectionTrait,
    rows: Vec<access_log_entry::ActiveModel>,
) -> Result<(), DbErr> {
    AccessLogEntry::insert_many(rows)
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

/// The PostgreSQL insert: the entries as ten arrays, one per column.
const INSERT_UNNEST: &str = "INSERT INTO access_log_entry \
    (id, record_type, record_id, actor_subject, actor_name, actor_roles, request_id, \
     operation, accessed_at, detail) \
    SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], \
     $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::text[])";

async fn insert_unnest<'a>(
    db: &DatabaseConnection,
    entries: impl Iterator<Item = &'a access_log_entry::Model>,
) -> Result<(), DbErr> {
    let (lower, _) = entries.size_hint();
    let mut id: Vec<Uuid> = Vec::with_capacity(lower);
    let mut record_type: Vec<&str> = Vec::with_capacity(lower);
    let mut record_id: Vec<Uuid> = Vec::with_capacity(lower);
    let mut actor_subject: Vec<&str> = Vec::with_capacity(lower);
    let mut actor_name: Vec<&str> = Vec::with_capacity(lower);
    let mut actor_roles: Vec<&str> = Vec::with_capacity(lower);
    let mut request_id: Vec<&str> = Vec::with_capacity(lower);
    let mut operation: Vec<&str> = Vec::with_capacity(lower);
    let mut accessed_at: Vec<DateTime<Utc>> = Vec::with_capacity(lower);
    let mut detail: Vec<Option<&str>> = Vec::with_capacity(lower);
    for e in entries {
        id.push(e.id);
        record_type.push(&e.record_type);
        record_id.push(e.record_id);
        actor_subject.push(&e.actor_subject);
        actor_name.push(&e.actor_name);
        actor_roles.push(&e.actor_roles);
        request_id.push(&e.request_id);
        operation.push(&e.operation);
        accessed_at.push(e.accessed_at);
        detail.push(e.detail.as_deref());
    }
    sea_orm::sqlx::query(INSERT_UNNEST)
        .bind(id)
        .bind(record_type)
        .bind(record_id)
        .bind(actor_subject)
        .bind(actor_name)
        .bind(actor_roles)
        .bind(request_id)
        .bind(operation)
        .bind(accessed_at)
        .bind(detail)
        .execute(db.get_postgres_connection_pool())
        .await
        .map(|_| ())
        .map_err(|e| DbErr::Exec(RuntimeErr::SqlxError(e.into())))
}
