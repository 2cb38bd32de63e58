//! PostgreSQL connections over TCP have Nagle's algorithm off.
//!
//! sqlx 0.9.0 stopped setting `TCP_NODELAY` (launchbadge/sqlx#4335), and
//! every statement larger than one TCP segment then waited about 40 ms for
//! the server's delayed ACK: a batch of 300 access-log entries took 47 ms
//! instead of 5 (docs/upstream/sqlx-tcp-nodelay.md). The workspace patches
//! sqlx-core until the fix is released; this test fails if the patch goes
//! while the released crate still lacks the fix.

use std::net::SocketAddr;

use rustix::process::{PidfdFlags, PidfdGetfdFlags, getpid, pidfd_getfd, pidfd_open};
use sea_orm::ConnectionTrait;

use crate::helpers::TestDb;

/// The port of a `postgres://` URL (5432 when it names none).
fn port(url: &str) -> u16 {
    let authority = url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    host.rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .unwrap_or(5432)
}

/// `TCP_NODELAY` of each of this process's TCP sockets whose peer listens
/// on `port`, read through a duplicate of the descriptor.
fn nodelay_of_sockets_to(port: u16) -> Vec<bool> {
    let me = pidfd_open(getpid(), PidfdFlags::empty()).expect("pidfd of this process");
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc/self/fd").expect("/proc/self/fd") {
        let entry = entry.expect("fd entry");
        let is_socket = std::fs::read_link(entry.path())
            .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"));
        let Some(fd) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        if !is_socket {
            continue;
        }
        // The descriptor may close between the listing and here.
        let Ok(dup) = pidfd_getfd(&me, fd, PidfdGetfdFlags::empty()) else {
            continue;
        };
        let peer = rustix::net::getpeername(&dup)
            .ok()
            .flatten()
            .and_then(|addr| SocketAddr::try_from(addr).ok());
        if peer.is_some_and(|peer| peer.port() == port) {
            found.push(rustix::net::sockopt::tcp_nodelay(&dup).expect("TCP_NODELAY"));
        }
    }
    found
}

#[tokio::test]
async fn postgres_connections_over_tcp_send_without_delay() {
    let test_db = TestDb::new().await;
    if !test_db.url.starts_with("postgres") {
        eprintln!("skipped: SQLite has no network connection (run with DATABASE_URL=postgres://…)");
        return;
    }
    if test_db.url.contains("%2F") || test_db.url.contains("host=/") {
        eprintln!("skipped: DATABASE_URL names a Unix socket, which has no Nagle delay");
        return;
    }
    // The server's own way of connecting, a pooled connection in use.
    let db = redress_api::db::connect(&test_db.url)
        .await
        .expect("postgres connects");
    db.execute_unprepared("SELECT 1").await.expect("a query");

    let sockets = nodelay_of_sockets_to(port(&test_db.url));
    assert!(
        !sockets.is_empty(),
        "found no TCP connection to the database's port in this process"
    );
    assert!(
        sockets.iter().all(|nodelay| *nodelay),
        "{} of {} connections to PostgreSQL have Nagle's algorithm on \
         (TCP_NODELAY unset): see docs/upstream/sqlx-tcp-nodelay.md",
        sockets.iter().filter(|n| !**n).count(),
        sockets.len()
    );
    db.close().await.expect("close");
}
