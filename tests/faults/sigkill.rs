//! `kill -9` the server at a random moment under eight concurrent writers,
//! restart it on the same database, five rounds; then every acknowledged
//! write must be there.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rand::Rng;

use crate::check::{assert_no_problems, nothing_lost};
use crate::harness::{Api, Server, TestDatabase, create_facility};
use crate::load::{Ledger, join_all, print_figures, spawn_writers};

const ROUNDS: usize = 5;
const WRITERS: usize = 8;

async fn sigkill_under_write_load(db: TestDatabase) {
    println!("\n== SIGKILL under write load on {}", db.kind());
    let url = db.url();
    let ledger = Arc::new(Ledger::default());
    let started = Instant::now();
    let mut restarts = Vec::new();
    for round in 0..ROUNDS {
        let t = Instant::now();
        let mut server = Server::start(db.data_dir(), &url).await;
        restarts.push(t.elapsed());
        let api = Api::new(&server.base);
        if round == 0 {
            create_facility(&api).await;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let writers = spawn_writers(
            WRITERS,
            &api,
            &ledger,
            &stop,
            Instant::now() + Duration::from_secs(30),
            Duration::from_millis(20),
        );
        let kill_after = Duration::from_millis(rand::rng().random_range(300..=1500));
        tokio::time::sleep(kill_after).await;
        let before = ledger.acked().len();
        let pid = server.pid();
        server.kill9();
        stop.store(true, Ordering::SeqCst);
        join_all(writers).await;
        println!(
            "  round {}: killed pid {} after {kill_after:?}; acknowledged complaints so far {before}",
            round + 1,
            pid
        );
    }
    let server = Server::start(db.data_dir(), &url).await;
    let api = Api::new(&server.base);
    let outcomes = ledger.outcomes();
    print_figures("requests", &outcomes.iter().collect::<Vec<_>>());
    let (p50, max) = crate::load::p50_max(restarts);
    println!("  start until ready: p50 {p50:?}, max {max:?}");
    assert!(
        ledger.acked().len() >= ROUNDS,
        "the load acknowledged almost nothing: the server did not take writes ({})",
        server.log_tail()
    );
    let problems = nothing_lost(
        "after the last restart",
        &api,
        &ledger.acked(),
        &ledger.references(),
    )
    .await;
    println!("  took {:?}", started.elapsed());
    assert_no_problems(&problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "fault injection: run by .ci/run (cargo test --test faults -- --ignored)"]
async fn sigkill_under_write_load_sqlite() {
    sigkill_under_write_load(TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "fault injection: run by .ci/run (cargo test --test faults -- --ignored)"]
async fn sigkill_under_write_load_postgres() {
    sigkill_under_write_load(TestDatabase::postgres()).await;
}
