//! Clients that hang up mid-mutation: raw HTTP/1.1 requests whose socket is
//! closed 0–20 ms after the request was written, without reading the answer.
//! Each change must land whole or not at all.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use rand::Rng;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::check::{assert_no_problems, chain, nothing_lost};
use crate::harness::{Api, Server, TestDatabase, create_facility, specialist};
use crate::load::{ACKNOWLEDGE, CREATE, Ledger, intake};

const ATTEMPTS: usize = 200;
/// Writes made normally after the hang-ups.
const FOLLOW_UPS: usize = 20;

/// Writes a whole `POST /graphql` and closes the socket after `delay`,
/// by reset (linger 0) or by an orderly close.
async fn post_and_hang_up(addr: &str, token: &str, body: &str, delay: Duration, reset: bool) {
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return;
    };
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    if stream.write_all(request.as_bytes()).await.is_err() {
        return;
    }
    tokio::time::sleep(delay).await;
    if reset {
        let _ = stream.set_zero_linger();
    }
    drop(stream);
}

async fn audit_event_count(db: &sea_orm::DatabaseConnection) -> u64 {
    entity::audit_event::Entity::find()
        .count(db)
        .await
        .expect("count audit events")
}

async fn clients_hang_up_mid_mutation(db: TestDatabase) {
    println!("\n== Clients hanging up mid-mutation on {}", db.kind());
    let url = db.url();
    let mut server = Server::start(db.data_dir(), &url).await;
    let api = Api::new(&server.base);
    create_facility(&api).await;
    let token = specialist(0);
    let ledger = Ledger::default();
    let mut pool = Vec::new();
    for _ in 0..ATTEMPTS / 2 {
        let Some((id, version)) = ledger.create(&api, &token).await else {
            let last = ledger.outcomes().pop().map(|o| o.kind);
            panic!(
                "creating a complaint to acknowledge failed ({last:?}); server log:\n{}",
                server.log_tail()
            );
        };
        pool.push((id, version));
    }

    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut creates = 0;
    let mut acknowledges = 0;
    let started = Instant::now();
    for i in 0..ATTEMPTS {
        let body = if i % 2 == 0 {
            creates += 1;
            json!({ "query": CREATE, "variables": { "input": intake() } })
        } else {
            acknowledges += 1;
            let (id, version) = &pool[i / 2];
            json!({ "query": ACKNOWLEDGE, "variables": { "input": {
                "id": id, "expectedVersion": version, "method": "PHONE" } } })
        };
        let delay = Duration::from_millis(rand::rng().random_range(0..=20));
        post_and_hang_up(&addr, &token, &body.to_string(), delay, i % 4 < 2).await;
    }
    let sent_for = started.elapsed();

    // Let whatever the server still runs finish: the trail stops growing.
    let conn = redress_api::db::connect(&url).await.expect("connect");
    let mut last = audit_event_count(&conn).await;
    let mut stable_since = Instant::now();
    let settle = Instant::now();
    while stable_since.elapsed() < Duration::from_secs(1)
        && settle.elapsed() < Duration::from_secs(20)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = audit_event_count(&conn).await;
        if now != last {
            last = now;
            stable_since = Instant::now();
        }
    }

    let complaints = entity::complaint::Entity::find()
        .all(&conn)
        .await
        .expect("complaints");
    let events = entity::audit_event::Entity::find()
        .all(&conn)
        .await
        .expect("audit events");
    conn.close().await.expect("close");

    let mut creations: HashMap<uuid::Uuid, usize> = HashMap::new();
    let mut changes: HashMap<uuid::Uuid, i64> = HashMap::new();
    for e in events.iter().filter(|e| e.record_type == "Complaint") {
        if e.action == "COMPLAINT_CREATE" {
            *creations.entry(e.record_id).or_default() += 1;
        } else {
            *changes.entry(e.record_id).or_default() += 1;
        }
    }
    let create_events: usize = creations.values().sum();
    let without_one_creation: Vec<_> = complaints
        .iter()
        .filter(|c| creations.get(&c.id) != Some(&1))
        .map(|c| c.id)
        .collect();
    let version_mismatch: Vec<_> = complaints
        .iter()
        .filter(|c| i64::from(c.version) != 1 + changes.get(&c.id).copied().unwrap_or(0))
        .map(|c| (c.id, c.version, changes.get(&c.id).copied().unwrap_or(0)))
        .collect();
    let references: HashSet<&str> = complaints.iter().map(|c| c.reference.as_str()).collect();
    let landed_creates = complaints.len() - pool.len();
    let landed_acks = complaints.iter().filter(|c| c.version > 1).count();
    let (intact, checked) = chain(&api).await.expect("verify the chain");
    println!(
        "  sent {creates} creates and {acknowledges} acknowledgements in {sent_for:?}, each hung up 0–20 ms after sending"
    );
    println!(
        "  landed: {landed_creates} creates, {landed_acks} acknowledgements; complaints {}, COMPLAINT_CREATE events {create_events}, \
         without exactly one creation event {}, version ≠ 1 + changes {}, distinct references {}, chain intact {intact} ({checked} events)",
        complaints.len(),
        without_one_creation.len(),
        version_mismatch.len(),
        references.len()
    );
    assert!(
        without_one_creation.is_empty(),
        "{} complaints without exactly one creation event, e.g. {:?}",
        without_one_creation.len(),
        &without_one_creation[..without_one_creation.len().min(10)]
    );
    assert_eq!(
        create_events,
        complaints.len(),
        "creation events ≠ complaints"
    );
    assert!(
        version_mismatch.is_empty(),
        "{} complaints whose version is not 1 + their change events, e.g. (id, version, change events) {:?}",
        version_mismatch.len(),
        &version_mismatch[..version_mismatch.len().min(10)]
    );
    assert_eq!(references.len(), complaints.len(), "duplicate references");
    assert!(intact, "the audit chain does not verify");

    // The hung-up requests left no broken connection behind: the same
    // server still takes a create and its follow-up change, and everything
    // it acknowledged is there after a restart.
    let mut follow_up_failures = Vec::new();
    for _ in 0..FOLLOW_UPS {
        match ledger.create(&api, &token).await {
            Some((id, version)) => {
                let kind = ledger.acknowledge(&api, &token, &id, version).await;
                if kind != "ok" {
                    follow_up_failures.push(format!("acknowledge {kind}"));
                }
            }
            None => follow_up_failures.push("create failed".to_owned()),
        }
    }
    println!(
        "  afterwards the same server: {FOLLOW_UPS} creates each followed by its acknowledgement, {} failed",
        follow_up_failures.len()
    );
    let mut problems = Vec::new();
    if !follow_up_failures.is_empty() {
        problems.push(format!(
            "after the hang-ups, {} of {FOLLOW_UPS} create-then-acknowledge pairs failed: {follow_up_failures:?}",
            follow_up_failures.len()
        ));
    }
    server.stop();
    let server = Server::start(db.data_dir(), &url).await;
    let api = Api::new(&server.base);
    problems.extend(
        nothing_lost(
            "after a restart",
            &api,
            &ledger.acked(),
            &ledger.references(),
        )
        .await,
    );
    assert_no_problems(&problems);
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "fault injection: run by .ci/run (cargo test --test faults -- --ignored)"]
async fn clients_hang_up_mid_mutation_sqlite() {
    clients_hang_up_mid_mutation(TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "fault injection: run by .ci/run (cargo test --test faults -- --ignored)"]
async fn clients_hang_up_mid_mutation_postgres() {
    clients_hang_up_mid_mutation(TestDatabase::postgres()).await;
}
