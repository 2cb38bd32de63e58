//! Group commit for the access log: one writer task commits the entries of
//! many concurrent requests together, and each request waits until its
//! entries are committed before it answers. A read is never shown unlogged:
//! the acknowledgement is sent only after the commit has returned, and a
//! failed commit fails every request whose entries it held.
//!
//! Batching: the task takes what is queued (whole requests, up to
//! `max_batch` entries, one request more if the first alone is bigger),
//! commits it, acknowledges, and takes the next queue. No timer: while a
//! commit is in flight the next batch gathers, so the batch grows with the
//! load and a lone read waits for one commit only.

use entity::access_log_entry::{self, Entity as AccessLogEntry};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel, RuntimeErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use tokio::sync::{mpsc, oneshot};

/// The most entries committed together, unless configured.
pub const DEFAULT_MAX_BATCH: usize = 256;

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
    let task = tokio::spawn(run(db, jobs, stopped, max_batch.max(1)));
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
) {
    let mut stopping = false;
    loop {
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
        commit_batch(&db, batch).await;
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

/// Inserts the entries in one transaction (one statement when they fit in
/// one, which commits on its own).
async fn commit<'a>(
    db: &DatabaseConnection,
    entries: impl Iterator<Item = &'a access_log_entry::Model>,
) -> Result<(), DbErr> {
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
