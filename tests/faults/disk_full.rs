//! SQLite with its data directory on a 20 MiB tmpfs: fill the disk while
//! writers run, free it, and the same process must take writes again; every
//! write it acknowledged, before, during and after the fault, must be there
//! through the same server and after a restart.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::check::{assert_no_problems, nothing_lost};
use crate::harness::{Api, Server, Tmpfs, create_facility};
use crate::load::{Ledger, Outcome, join_all, p50_max, print_figures, spawn_writers};

const WRITERS: usize = 4;
/// What is left free after filling: a few pages, less than a write needs.
const LEAVE_FREE: u64 = 8 * 1024;
const FAULT_FOR: Duration = Duration::from_secs(3);
const RECOVER_WITHIN: Duration = Duration::from_secs(5);

/// Writes `path` until the file system is full, then frees `LEAVE_FREE`
/// bytes; returns the filler's size.
fn fill(path: &std::path::Path) -> u64 {
    let mut file = std::fs::File::create(path).expect("create filler");
    let mut written = 0u64;
    for chunk in [1024 * 1024, 64 * 1024, 4 * 1024] {
        let block = vec![0x5au8; chunk];
        // Bounded: the tmpfs is 20 MiB.
        for _ in 0..100_000 {
            match file.write(&block) {
                Ok(0) | Err(_) => break,
                Ok(n) => written += n as u64,
            }
        }
    }
    let _ = file.sync_all();
    let size = written.saturating_sub(LEAVE_FREE);
    file.set_len(size).expect("free a little");
    size
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "fault injection: run by .ci/run (cargo test --test faults -- --ignored)"]
async fn sqlite_disk_full_then_freed() {
    println!("\n== SQLite disk full, then space freed");
    let fs = Tmpfs::mount("20m");
    let data_dir = fs.path.join("data");
    std::fs::create_dir_all(&data_dir).expect("data dir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        data_dir.join("redress.db").display()
    );
    let mut server = Server::start(&data_dir, &url).await;
    let api = Api::new(&server.base);
    create_facility(&api).await;

    let ledger = Arc::new(Ledger::default());
    let stop = Arc::new(AtomicBool::new(false));
    let writers = spawn_writers(
        WRITERS,
        &api,
        &ledger,
        &stop,
        Instant::now() + Duration::from_secs(60),
        Duration::from_millis(50),
    );
    tokio::time::sleep(Duration::from_secs(1)).await;

    let filler = fs.path.join("filler");
    let fault_at = Instant::now();
    let size = tokio::task::block_in_place(|| fill(&filler));
    println!(
        "  filled the disk with {} KiB, left {} KiB free",
        size / 1024,
        LEAVE_FREE / 1024
    );
    tokio::time::sleep(FAULT_FOR).await;
    std::fs::remove_file(&filler).expect("free the filler");
    let freed_at = Instant::now();

    // Recovered: the first create acknowledged after the space was freed
    // whose acknowledgement (the follow-up change) was acknowledged too.
    let mut recovered_at = None;
    while recovered_at.is_none() && freed_at.elapsed() < Duration::from_secs(15) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        recovered_at = ledger
            .outcomes()
            .iter()
            .filter(|o| o.ok() && o.operation == "acknowledge" && o.started >= freed_at)
            .map(|o| o.started + o.latency)
            .min();
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::SeqCst);
    join_all(writers).await;

    let outcomes = ledger.outcomes();
    let before: Vec<&Outcome> = outcomes.iter().filter(|o| o.started < fault_at).collect();
    let during: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.started >= fault_at && o.started < freed_at)
        .collect();
    let after: Vec<&Outcome> = outcomes.iter().filter(|o| o.started >= freed_at).collect();
    print_figures("before the fault", &before);
    print_figures("disk full", &during);
    print_figures("after freeing", &after);
    let recovery = recovered_at.map(|t| t.saturating_duration_since(freed_at));
    println!("  recovery (freed → first create and acknowledgement acknowledged): {recovery:?}");

    let mut problems = Vec::new();
    let failed: Vec<&&Outcome> = during.iter().filter(|o| !o.ok()).collect();
    if failed.is_empty() {
        problems.push("no write failed while the disk was full: the fault was not injected".into());
    }
    let (p50, max) = p50_max(failed.iter().map(|o| o.latency).collect());
    println!("  failures while full: p50 {p50:?}, max {max:?}");
    let wrong: Vec<&&&Outcome> = failed
        .iter()
        .filter(|o| o.kind != "503 DATABASE_UNAVAILABLE" || !o.retry_after)
        .collect();
    if !wrong.is_empty() {
        problems.push(format!(
            "while the disk was full, {} of {} failed writes were not 503 DATABASE_UNAVAILABLE with Retry-After: {:?}",
            wrong.len(),
            failed.len(),
            crate::load::kinds(wrong.iter().map(|o| ***o))
        ));
    }
    if recovery.is_none_or(|r| r > RECOVER_WITHIN) {
        problems.push(format!(
            "the same process did not take writes again within {RECOVER_WITHIN:?} of freeing space ({recovery:?})"
        ));
    }
    // After recovery every create is followed by its acknowledgement (the
    // operator's repro: creates acknowledged, then NOT_FOUND on the next change).
    let failed_after: Vec<&Outcome> = after
        .iter()
        .filter(|o| recovered_at.is_some_and(|r| o.started >= r) && !o.ok())
        .copied()
        .collect();
    if !failed_after.is_empty() {
        problems.push(format!(
            "after recovery, {} writes failed: {:?}",
            failed_after.len(),
            crate::load::kinds(failed_after)
        ));
    }

    // Nothing acknowledged may be missing: through the same process, then
    // after a restart (a write acknowledged inside a never-committed
    // transaction disappears only then).
    let acked = ledger.acked();
    let references = ledger.references();
    problems.extend(nothing_lost("same server", &api, &acked, &references).await);
    server.stop();
    let server = Server::start(&data_dir, &url).await;
    let api = Api::new(&server.base);
    problems.extend(nothing_lost("after a restart", &api, &acked, &references).await);
    assert_no_problems(&problems);
    drop(server);
    drop(fs);
}
