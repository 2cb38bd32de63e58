//! `kill -9` the server at a random moment under read load (and once
//! SIGTERM, a graceful stop), restart it on the same database; then every
//! read the server answered must have its access-log entry. The access log
//! is written by a group-commit task (`services/access_log/writer.rs`): a
//! read may be answered only after its entry is committed, so an entry
//! acknowledged before its commit shows up here as a missing request id.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;
use serde_json::{Value, json};

use crate::harness::{Api, Server, TestDatabase, compliance, create_facility, specialist};
use crate::load::Ledger;

/// Rounds ended by SIGKILL; one more ends with SIGTERM.
const KILL_ROUNDS: usize = 3;
const READERS: usize = 8;
const COMPLAINTS: usize = 6;

const READ: &str = "query($id: ID!) { complaint(id: $id) { id reference } }";
const ACCESS_LOG: &str = "query($id: ID!, $after: String) { accessLog(complaintId: $id, first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { requestId operation } } }";

/// Answered reads: (complaint id, request id), and replies by kind.
#[derive(Default)]
struct Answered {
    reads: Mutex<Vec<(String, String)>>,
    kinds: Mutex<BTreeMap<String, usize>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One reader: reads the complaints round robin until `stop`, noting every
/// answered read (HTTP 200, the complaint in `data`, no `errors`) with the
/// request id the server gave it.
async fn reader(
    api: Api,
    token: String,
    ids: Arc<Vec<String>>,
    answered: Arc<Answered>,
    stop: Arc<AtomicBool>,
) {
    let mut i = rand::rng().random_range(0..ids.len());
    while !stop.load(Ordering::SeqCst) {
        let id = &ids[i % ids.len()];
        i += 1;
        let reply = api.graphql(&token, READ, json!({ "id": id })).await;
        let shown = reply.status.is_some_and(|s| s.as_u16() == 200)
            && reply.body.get("errors").is_none()
            && reply.body["data"]["complaint"]["id"] == json!(id);
        let kind = if shown {
            let request_id = reply
                .request_id
                .clone()
                .expect("an answered read carries X-Request-Id");
            lock(&answered.reads).push((id.clone(), request_id));
            "answered".to_owned()
        } else if let Some(t) = &reply.transport {
            format!("transport: {t}")
        } else {
            format!(
                "{} {}",
                reply.status.map_or(0, |s| s.as_u16()),
                reply.error_code().unwrap_or("without the complaint")
            )
        };
        *lock(&answered.kinds).entry(kind).or_insert(0) += 1;
        if !shown {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Every request id logged as a read of the complaint, with the number of
/// entries (`totalCount`).
async fn logged_request_ids(api: &Api, id: &str) -> (HashSet<String>, usize) {
    let token = compliance();
    let mut ids = HashSet::new();
    let mut after = Value::Null;
    loop {
        let data = api
            .ok(&token, ACCESS_LOG, json!({ "id": id, "after": after }))
            .await;
        let page = &data["accessLog"];
        let total = page["totalCount"].as_u64().unwrap_or_default() as usize;
        for node in page["nodes"].as_array().into_iter().flatten() {
            ids.insert(node["requestId"].as_str().unwrap_or_default().to_owned());
        }
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            return (ids, total);
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

async fn sigkill_under_read_load(db: TestDatabase) {
    println!("\n== SIGKILL under read load on {}", db.kind());
    let url = db.url();
    let started = Instant::now();
    let answered = Arc::new(Answered::default());
    let mut ids = Vec::new();
    for round in 0..=KILL_ROUNDS {
        let mut server = Server::start(db.data_dir(), &url).await;
        let api = Api::new(&server.base);
        if round == 0 {
            create_facility(&api).await;
            let ledger = Ledger::default();
            for _ in 0..COMPLAINTS {
                let (id, _) = ledger
                    .create(&api, &specialist(0))
                    .await
                    .expect("a complaint is created before the load");
                ids.push(id);
            }
        }
        let ids = Arc::new(ids.clone());
        let stop = Arc::new(AtomicBool::new(false));
        let readers: Vec<_> = (0..READERS)
            .map(|i| {
                tokio::spawn(reader(
                    api.clone(),
                    specialist(i),
                    Arc::clone(&ids),
                    Arc::clone(&answered),
                    Arc::clone(&stop),
                ))
            })
            .collect();
        let stop_after = Duration::from_millis(rand::rng().random_range(500..=2500));
        tokio::time::sleep(stop_after).await;
        let before = lock(&answered.reads).len();
        let pid = server.pid();
        let how = if round < KILL_ROUNDS {
            server.kill9();
            "killed (SIGKILL)"
        } else {
            server.stop();
            "stopped (SIGTERM)"
        };
        stop.store(true, Ordering::SeqCst);
        for r in readers {
            r.await.expect("reader task");
        }
        println!(
            "  round {}: {how} pid {pid} after {stop_after:?}; answered reads so far {before}",
            round + 1
        );
    }
    let server = Server::start(db.data_dir(), &url).await;
    let api = Api::new(&server.base);
    let reads = lock(&answered.reads).clone();
    for (kind, n) in lock(&answered.kinds).iter() {
        println!("    {n:>6}  {kind}");
    }
    assert!(
        reads.len() >= 50,
        "the load had almost no reads answered ({}): {}",
        reads.len(),
        server.log_tail()
    );
    let mut missing = Vec::new();
    let mut entries = 0;
    for id in &ids {
        let (logged, total) = logged_request_ids(&api, id).await;
        entries += total;
        missing.extend(
            reads
                .iter()
                .filter(|(c, r)| c == id && !logged.contains(r))
                .cloned(),
        );
    }
    println!(
        "  answered reads {}, access-log entries {entries}, answered without an entry {}; took {:?}",
        reads.len(),
        missing.len(),
        started.elapsed()
    );
    assert!(
        missing.is_empty(),
        "{} answered reads have no access-log entry, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "fault injection: run by .ci/run (cargo test --test faults -- --ignored)"]
async fn sigkill_under_read_load_sqlite() {
    sigkill_under_read_load(TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "fault injection: run by .ci/run (cargo test --test faults -- --ignored)"]
async fn sigkill_under_read_load_postgres() {
    sigkill_under_read_load(TestDatabase::postgres()).await;
}
