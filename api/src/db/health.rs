//! Is the database answering? A probe on a connection of its own, so that
//! `/readyz` answers at once and requests fail fast while the database is
//! down, instead of each waiting on a dead pool.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use tokio::sync::Notify;

/// The longest a probe may take before the database counts as down.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// What the last probe found. Cheap to clone; every clone sees the same state.
#[derive(Clone, Debug)]
pub struct DbHealth {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    up: AtomicBool,
    wake: Notify,
}

impl DbHealth {
    /// A state that says "up" and is never probed (tools and tests that
    /// build the schema without a server).
    pub fn assume_up() -> DbHealth {
        DbHealth {
            inner: Arc::new(Inner {
                up: AtomicBool::new(true),
                wake: Notify::new(),
            }),
        }
    }

    /// Starts probing `url` every `interval` (and at once when a request
    /// reports trouble) on a connection of its own, so a busy pool never
    /// looks like a dead database. The probe stops when the last clone of
    /// the returned state is dropped.
    pub fn monitor(url: &str, interval: Duration) -> DbHealth {
        let health = DbHealth::assume_up();
        let weak = Arc::downgrade(&health.inner);
        tokio::spawn(probe_loop(weak, url.to_owned(), interval));
        health
    }

    /// Whether the last probe got an answer.
    pub fn is_up(&self) -> bool {
        self.inner.up.load(Ordering::Acquire)
    }

    /// A request could not reach the database: probe now rather than at the
    /// next tick, so the requests after it fail fast.
    pub fn report_trouble(&self) {
        self.inner.wake.notify_one();
    }
}

async fn probe_loop(health: Weak<Inner>, url: String, interval: Duration) {
    let mut connection: Option<DatabaseConnection> = None;
    loop {
        let Some(inner) = health.upgrade() else {
            return;
        };
        let result = probe(&mut connection, &url).await;
        let was_up = inner.up.swap(result.is_ok(), Ordering::AcqRel);
        match (&result, was_up) {
            (Err(why), true) => tracing::warn!(reason = %why, "the database is not answering"),
            (Ok(()), false) => tracing::info!("the database answers again"),
            _ => {}
        }
        // Probe more often while down, to notice the recovery promptly.
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

async fn probe(connection: &mut Option<DatabaseConnection>, url: &str) -> Result<(), String> {
    if connection.is_none() {
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .sqlx_logging(false)
            .max_connections(1)
            .min_connections(0)
            .acquire_timeout(PROBE_TIMEOUT);
        match tokio::time::timeout(PROBE_TIMEOUT, Database::connect(options)).await {
            Ok(Ok(db)) => *connection = Some(db),
            Ok(Err(e)) => return Err(super::unavailable::describe(&e)),
            Err(_) => return Err("connecting took longer than 1 s".into()),
        }
    }
    let Some(db) = connection.as_ref() else {
        return Err("no probe connection".into());
    };
    let answer = tokio::time::timeout(
        PROBE_TIMEOUT,
        db.execute_unprepared("SELECT 1 FROM seaql_migrations LIMIT 1"),
    )
    .await;
    let failure = match answer {
        Ok(Ok(_)) => return Ok(()),
        Ok(Err(e)) => super::unavailable::describe(&e),
        Err(_) => "no answer within 1 s".into(),
    };
    // Start from a fresh connection next time; closing a dead one may hang,
    // so it is not awaited here.
    if let Some(db) = connection.take() {
        tokio::spawn(async move {
            let _ = tokio::time::timeout(PROBE_TIMEOUT, db.close()).await;
        });
    }
    Err(failure)
}
