//! PostgreSQL stopped and started under write load, on a private cluster:
//! while it is down every request fails fast with 503 DATABASE_UNAVAILABLE
//! and `Retry-After`, `/readyz` says 503 at once; once it is back the same
//! server takes writes again; nothing acknowledged is lost.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::check::{assert_no_problems, nothing_lost};
use crate::harness::{Api, PgCluster, Server, TempDir, create_facility};
use crate::load::{Ledger, Outcome, join_all, p50_max, print_figures, spawn_writers};

const WRITERS: usize = 6;
const DOWN_FOR: Duration = Duration::from_secs(3);
const FAIL_WITHIN: Duration = Duration::from_millis(1500);
const READYZ_WITHIN: Duration = Duration::from_secs(1);
const RECOVER_WITHIN: Duration = Duration::from_secs(5);

struct Cycle {
    mode: &'static str,
    down_from: Instant,
    down_to: Instant,
    readyz: Vec<(Option<u16>, Duration)>,
    recovery: Option<Duration>,
    /// From `pg_ctl start` returning to `/readyz` answering 200.
    ready_again: Option<Duration>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "fault injection: run by .ci/run (cargo test --test faults -- --ignored)"]
async fn postgres_stopped_and_started_under_load() {
    println!("\n== PostgreSQL stopped and started under load (private cluster)");
    let cluster = tokio::task::block_in_place(PgCluster::start);
    let data_dir = TempDir::new("pgdata-dir");
    let server = Server::start(&data_dir.path, &cluster.url()).await;
    let api = Api::new(&server.base);
    create_facility(&api).await;

    let ledger = Arc::new(Ledger::default());
    let stop = Arc::new(AtomicBool::new(false));
    let writers = spawn_writers(
        WRITERS,
        &api,
        &ledger,
        &stop,
        Instant::now() + Duration::from_secs(120),
        Duration::from_millis(20),
    );
    let mut cycles = Vec::new();
    for mode in ["immediate", "fast"] {
        tokio::time::sleep(Duration::from_secs(1)).await;
        tokio::task::block_in_place(|| cluster.pg_ctl_stop(mode));
        let down_from = Instant::now();
        let mut readyz = Vec::new();
        while down_from.elapsed() < DOWN_FOR {
            let (status, latency) = api.readyz().await;
            readyz.push((status.map(|s| s.as_u16()), latency));
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let down_to = Instant::now();
        tokio::task::block_in_place(|| cluster.pg_ctl_start());
        let up_at = Instant::now();
        let mut recovery = None;
        while recovery.is_none() && up_at.elapsed() < Duration::from_secs(15) {
            tokio::time::sleep(Duration::from_millis(20)).await;
            recovery = ledger
                .outcomes()
                .iter()
                .filter(|o| o.ok() && o.operation == "create" && o.started >= up_at)
                .map(|o| (o.started + o.latency).saturating_duration_since(up_at))
                .min();
        }
        let mut ready_again = None;
        while ready_again.is_none() && up_at.elapsed() < Duration::from_secs(15) {
            if api.readyz().await.0.map(|s| s.as_u16()) == Some(200) {
                ready_again = Some(up_at.elapsed());
            } else {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        cycles.push(Cycle {
            mode,
            down_from,
            down_to,
            readyz,
            recovery,
            ready_again,
        });
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::SeqCst);
    join_all(writers).await;

    let outcomes = ledger.outcomes();
    print_figures("all requests", &outcomes.iter().collect::<Vec<_>>());
    let mut problems = Vec::new();
    for c in &cycles {
        // Requests sent while the database was down, early enough that a
        // prompt answer had to come before it was started again.
        let down: Vec<&Outcome> = outcomes
            .iter()
            .filter(|o| o.started >= c.down_from && o.started + FAIL_WITHIN <= c.down_to)
            .collect();
        print_figures(&format!("sent while down (stop -m {})", c.mode), &down);
        let overlapping: Vec<&Outcome> = outcomes
            .iter()
            .filter(|o| o.started < c.down_to && o.started + o.latency > c.down_from)
            .collect();
        print_figures(
            &format!("in flight at any time while down (stop -m {})", c.mode),
            &overlapping,
        );
        let (p50, max) = p50_max(c.readyz.iter().map(|r| r.1).collect());
        let ready_statuses: Vec<Option<u16>> = c.readyz.iter().map(|r| r.0).collect();
        println!(
            "  /readyz while down: {} probes, statuses {:?}, latency p50 {p50:?}, max {max:?}",
            c.readyz.len(),
            ready_statuses
        );
        println!(
            "  recovery (pg_ctl start returned → first create acknowledged): {:?}; /readyz 200 again after {:?}",
            c.recovery, c.ready_again
        );
        if down.is_empty() {
            let longest = overlapping.iter().map(|o| o.latency).max();
            problems.push(format!(
                "{}: no request sent while the database was down was answered in time \
                 ({} requests in flight then, the longest took {longest:?})",
                c.mode,
                overlapping.len()
            ));
        }
        let acked_while_down = down.iter().filter(|o| o.ok()).count();
        if acked_while_down > 0 {
            problems.push(format!(
                "{}: {acked_while_down} writes acknowledged while the database was down",
                c.mode
            ));
        }
        let wrong = down
            .iter()
            .filter(|o| !o.ok() && (o.kind != "503 DATABASE_UNAVAILABLE" || !o.retry_after))
            .count();
        if wrong > 0 {
            problems.push(format!(
                "{}: {wrong} of {} failures were not 503 DATABASE_UNAVAILABLE with Retry-After",
                c.mode,
                down.len()
            ));
        }
        let slow = down.iter().filter(|o| o.latency > FAIL_WITHIN).count();
        if slow > 0 {
            problems.push(format!(
                "{}: {slow} failures took longer than {FAIL_WITHIN:?}",
                c.mode
            ));
        }
        if c.readyz
            .iter()
            .any(|(s, l)| *s != Some(503) || *l > READYZ_WITHIN)
        {
            problems.push(format!(
                "{}: /readyz was not a prompt 503 while down (max {max:?})",
                c.mode
            ));
        }
        if c.ready_again.is_none_or(|r| r > RECOVER_WITHIN) {
            problems.push(format!(
                "{}: /readyz did not answer 200 within {RECOVER_WITHIN:?} of the restart ({:?})",
                c.mode, c.ready_again
            ));
        }
        if c.recovery.is_none_or(|r| r > RECOVER_WITHIN) {
            problems.push(format!(
                "{}: writes did not succeed within {RECOVER_WITHIN:?} of the restart ({:?})",
                c.mode, c.recovery
            ));
        }
    }
    problems.extend(nothing_lost("same server", &api, &ledger.acked(), &ledger.references()).await);
    assert_no_problems(&problems);
    drop(server);
    drop(cluster);
}
