//! Is the database answering? A probe on a connection of its own, so that
//! `/readyz` answers at once and requests fail fast while the database is
//! down, instead of each waiting on a dead pool.

use std::str::FromStr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use sea_orm::sqlx::{self, ConnectOptions as _, Connection as _, Executor as _};
use tokio::sync::{Notify, watch};

/// The longest a probe may take before it counts as failed.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// Failed probes in a row before the database counts as down when the
/// failure proves nothing by itself (a timeout): one slow answer must not
/// turn every request away. A refused or broken connection counts at once.
const INCONCLUSIVE_FAILURES_FOR_DOWN: u32 = 2;

/// What the last probe found. Cheap to clone; every clone sees the same state.
#[derive(Clone, Debug)]
pub struct DbHealth {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Whether the database counts as up, and how many probes have run.
    state: watch::Sender<(bool, u64)>,
    wake: Notify,
}

impl DbHealth {
    /// A state that says "up" and is never probed (tools and tests that
    /// build the schema without a server).
    pub fn assume_up() -> DbHealth {
        DbHealth {
            inner: Arc::new(Inner {
                state: watch::Sender::new((true, 0)),
                wake: Notify::new(),
            }),
        }
    }

    /// Starts probing `url` every `interval` (and at once when a request
    /// reports trouble) on a connection of its own, made with one attempt
    /// and kept while it works, so a busy pool never looks like a dead
    /// database. The probe stops when the last clone of the returned state
    /// is dropped.
    pub fn monitor(url: &str, interval: Duration) -> DbHealth {
        let health = DbHealth::assume_up();
        let weak = Arc::downgrade(&health.inner);
        tokio::spawn(probe_loop(weak, url.to_owned(), interval));
        health
    }

    /// Whether the last probe got an answer.
    pub fn is_up(&self) -> bool {
        self.inner.state.borrow().0
    }

    /// A request could not reach the database: probe now rather than at the
    /// next tick, so the requests after it fail fast.
    pub fn report_trouble(&self) {
        self.inner.wake.notify_one();
    }

    /// Probes now and waits (at most `wait`) for the verdict: whether the
    /// database counts as up.
    pub async fn confirm(&self, wait: Duration) -> bool {
        let mut seen = self.inner.state.subscribe();
        seen.mark_unchanged();
        self.report_trouble();
        let _ = tokio::time::timeout(wait, seen.changed()).await;
        self.is_up()
    }
}

async fn probe_loop(health: Weak<Inner>, url: String, interval: Duration) {
    let mut connection: Option<ProbeConnection> = None;
    let mut failures = 0u32;
    loop {
        let result = probe(&mut connection, &url).await;
        let Some(inner) = health.upgrade() else {
            return;
        };
        let up = match &result {
            Ok(()) => {
                failures = 0;
                true
            }
            Err(f) if f.kind == FailureKind::Refused => true,
            Err(f) if f.kind == FailureKind::Unreachable => {
                failures = INCONCLUSIVE_FAILURES_FOR_DOWN;
                false
            }
            Err(_) => {
                failures += 1;
                failures < INCONCLUSIVE_FAILURES_FOR_DOWN
            }
        };
        let was_up = inner.state.borrow().0;
        inner.state.send_modify(|(state, probes)| {
            *state = up;
            *probes += 1;
        });
        match (&result, was_up, up) {
            (Err(f), true, false) => {
                tracing::warn!(reason = %f.reason, "the database is not answering");
            }
            (Err(f), _, true) => tracing::info!(reason = %f.reason, "a database probe failed"),
            (Ok(()), false, true) => tracing::info!("the database answers again"),
            _ => {}
        }
        // Probe more often after a failure: to confirm it, and to notice the
        // recovery promptly.
        let wait = if result.is_ok() {
            interval
        } else {
            interval.min(Duration::from_millis(250))
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = inner.wake.notified() => {}
        }
    }
}

/// The probe's own connection, made directly (one attempt, no pool).
enum ProbeConnection {
    Postgres(sqlx::PgConnection),
    Sqlite(sqlx::SqliteConnection),
}

#[derive(Debug, PartialEq, Eq)]
enum FailureKind {
    /// Refused or broken: the database cannot be reached. Down at once.
    Unreachable,
    /// No answer in time, or an error that proves nothing by itself.
    Inconclusive,
    /// PostgreSQL refused one more connection for want of resources (too
    /// many connections): it is there, and the request pool may be serving.
    Refused,
}

struct Failure {
    reason: String,
    kind: FailureKind,
}

impl Failure {
    fn of(error: &sqlx::Error) -> Failure {
        let kind = match error {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::WorkerCrashed => FailureKind::Unreachable,
            sqlx::Error::Database(d) => {
                match d.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                    Some(pg) if pg.code().starts_with("53") => FailureKind::Refused,
                    Some(pg) if pg.code().starts_with("08") || pg.code().starts_with("57P") => {
                        FailureKind::Unreachable
                    }
                    _ => FailureKind::Inconclusive,
                }
            }
            _ => FailureKind::Inconclusive,
        };
        let reason = match error {
            sqlx::Error::Io(e) => format!("i/o: {:?}", e.kind()),
            sqlx::Error::Database(d) => format!("database error {}", d.code().unwrap_or_default()),
            _ => "database driver error".into(),
        };
        Failure { reason, kind }
    }

    fn timeout(what: &str) -> Failure {
        Failure {
            reason: format!("{what} took longer than 1 s"),
            kind: FailureKind::Inconclusive,
        }
    }
}

const PROBE_SQL: &str = "SELECT 1 FROM seaql_migrations LIMIT 1";

async fn connect(url: &str) -> Result<ProbeConnection, sqlx::Error> {
    if url.starts_with("sqlite:") {
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)?.create_if_missing(false);
        Ok(ProbeConnection::Sqlite(options.connect().await?))
    } else {
        let options = sqlx::postgres::PgConnectOptions::from_str(url)?;
        Ok(ProbeConnection::Postgres(options.connect().await?))
    }
}

async fn probe(connection: &mut Option<ProbeConnection>, url: &str) -> Result<(), Failure> {
    if connection.is_none() {
        match tokio::time::timeout(PROBE_TIMEOUT, connect(url)).await {
            Ok(Ok(c)) => *connection = Some(c),
            Ok(Err(e)) => return Err(Failure::of(&e)),
            Err(_) => return Err(Failure::timeout("connecting")),
        }
    }
    let answer = match connection.as_mut() {
        Some(ProbeConnection::Postgres(c)) => {
            tokio::time::timeout(PROBE_TIMEOUT, c.execute(PROBE_SQL))
                .await
                .map(|r| r.map(|_| ()))
        }
        Some(ProbeConnection::Sqlite(c)) => {
            tokio::time::timeout(PROBE_TIMEOUT, c.execute(PROBE_SQL))
                .await
                .map(|r| r.map(|_| ()))
        }
        None => return Err(Failure::timeout("connecting")),
    };
    let failure = match answer {
        Ok(Ok(_)) => return Ok(()),
        Ok(Err(e)) => Failure::of(&e),
        Err(_) => Failure::timeout("the probe query"),
    };
    // Start from a fresh connection next time; closing a dead one may hang,
    // so it is not awaited here.
    match connection.take() {
        Some(ProbeConnection::Postgres(c)) => {
            tokio::spawn(async move {
                let _ = tokio::time::timeout(PROBE_TIMEOUT, c.close()).await;
            });
        }
        Some(ProbeConnection::Sqlite(c)) => {
            tokio::spawn(async move {
                let _ = tokio::time::timeout(PROBE_TIMEOUT, c.close()).await;
            });
        }
        None => {}
    }
    Err(failure)
}
