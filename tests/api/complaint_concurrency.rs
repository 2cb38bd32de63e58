//! Many writers at once: conflicting transitions on one complaint, parallel
//! creates, idempotent replays, and two real server processes sharing one
//! database. Exactly one winner, `CONFLICT` for the rest, one audit event
//! per change and an unforked, gapless chain.

use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::future::join_all;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::helpers::*;

const ACKNOWLEDGE: &str = "mutation M($input: ComplaintAcknowledgeInput!) {
  complaintAcknowledge(input: $input) { complaint { id version status } userErrors { field message code } }
}";

const WITHDRAW: &str = "mutation M($input: ComplaintWithdrawInput!) {
  complaintWithdraw(input: $input) { complaint { id version status } userErrors { field message code } }
}";

const ADD_NOTE: &str = "mutation M($input: ComplaintAddNoteInput!) {
  complaintAddNote(input: $input) { note { id body } userErrors { field message code } }
}";

const CREATE_LIGHT: &str = "mutation M($input: ComplaintCreateInput!) {
  complaintCreate(input: $input) { replayed complaint { id reference version } userErrors { field message code } }
}";

/// Asserts the whole trail verifies and covers exactly `total` events.
async fn assert_chain_intact(app: &TestApp, total: usize) {
    let v = app.ok(&compliance(), VERIFY, json!({})).await;
    let v = &v["auditTrailVerification"];
    assert_eq!(v["intact"], true, "audit trail is not intact: {v:#}");
    assert_eq!(
        v["checkedCount"].as_u64().unwrap() as usize,
        total,
        "verification checked a different number of events than exist: {v:#}"
    );
}

/// Asserts sequences run 1..=N without gaps and each event points at the
/// hash of the one before.
fn assert_gapless(events: &[Value]) {
    for (i, e) in events.iter().enumerate() {
        assert_eq!(
            e["sequence"].as_u64().unwrap() as usize,
            i + 1,
            "sequence gap or reorder at position {i}: {e:#}"
        );
        if i > 0 {
            assert_eq!(
                e["previousHash"],
                events[i - 1]["hash"],
                "event {} does not link to event {}",
                i + 1,
                i
            );
        }
    }
}

/// Fires 20 conflicting transitions at the same `expectedVersion` on
/// `complaint`, alternating between the apps given and between acknowledge
/// and withdraw; asserts one winner and `CONFLICT` for all the others.
/// Returns the winning payload's complaint.
async fn twenty_conflicting_transitions(apps: &[&TestApp], complaint: &Value) -> Value {
    let token = manager();
    let requests = (0..20).map(|i| {
        let app = apps[i % apps.len()];
        let (query, mutation, input) = if i % 2 == 0 {
            (
                ACKNOWLEDGE,
                "complaintAcknowledge",
                at(complaint, json!({ "method": "PHONE" })),
            )
        } else {
            (
                WITHDRAW,
                "complaintWithdraw",
                at(
                    complaint,
                    json!({ "reason": format!("Complainant withdrew by phone ({i})") }),
                ),
            )
        };
        let token = token.clone();
        async move {
            let (status, body) = app
                .graphql(Some(&token), query, json!({ "input": input }))
                .await;
            (i, mutation, status, body)
        }
    });
    let results = join_all(requests).await;
    let mut winners = Vec::new();
    for (i, mutation, status, body) in &results {
        assert_eq!(
            *status,
            StatusCode::OK,
            "request {i} ({mutation}) was not a 200: {body:#}"
        );
        assert!(
            body.get("errors").is_none(),
            "request {i} ({mutation}) failed with top-level errors: {body:#}"
        );
        let payload = &body["data"][*mutation];
        let codes = user_error_codes(payload);
        if codes.is_empty() {
            winners.push(payload["complaint"].clone());
        } else {
            assert_eq!(
                codes,
                ["CONFLICT"],
                "request {i} ({mutation}) lost with something other than a single CONFLICT: {payload:#}"
            );
            assert!(
                payload["complaint"].is_null(),
                "a loser returned a complaint: {payload:#}"
            );
        }
    }
    assert_eq!(
        winners.len(),
        1,
        "expected exactly one winner among 20 conflicting transitions, got {}: {winners:#?}",
        winners.len()
    );
    winners.remove(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_parallel_transitions_one_winner() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let c = app.create_complaint(&manager(), intake("MAIN")).await;
    assert_eq!(c["status"], "RECEIVED");
    let before_events = app.audit_events().await.len();

    let winner = twenty_conflicting_transitions(&[&app], &c).await;
    let version = c["version"].as_i64().unwrap();
    assert_eq!(
        winner["version"].as_i64().unwrap(),
        version + 1,
        "{winner:#}"
    );
    assert!(
        winner["status"] == "ACKNOWLEDGED" || winner["status"] == "WITHDRAWN",
        "{winner:#}"
    );

    let now = app.complaint_status(&compliance(), &c["id"]).await;
    assert_eq!(
        now["version"].as_i64().unwrap(),
        version + 1,
        "the version moved by other than one: {now:#}"
    );
    assert_eq!(now["status"], winner["status"]);
    assert_eq!(
        app.history_count(&c["id"], &["COMPLAINT_ACKNOWLEDGE", "COMPLAINT_WITHDRAW"])
            .await,
        1,
        "history must hold exactly one event for the transition"
    );

    let events = app.audit_events().await;
    assert_eq!(
        events.len(),
        before_events + 1,
        "20 attempts must add exactly one audit event"
    );
    assert_gapless(&events);
    assert_chain_intact(&app, events.len()).await;
}

/// The number in a reference `CMP-2026-000123`.
fn reference_number(reference: &str) -> u64 {
    reference
        .rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not a reference: {reference}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_parallel_creates_get_distinct_references() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let token = manager();

    let creates = (0..20).map(|i| {
        let mut input = intake("MAIN");
        input["description"] = json!(format!("Parallel intake {i}"));
        app.graphql(Some(&token), CREATE_LIGHT, json!({ "input": input }))
    });
    let results = join_all(creates).await;
    let mut references = Vec::new();
    let mut ids = HashSet::new();
    for (status, body) in &results {
        assert_eq!(*status, StatusCode::OK, "{body:#}");
        assert!(body.get("errors").is_none(), "{body:#}");
        let payload = &body["data"]["complaintCreate"];
        assert_eq!(
            payload["userErrors"],
            json!([]),
            "a create failed: {payload:#}"
        );
        assert_eq!(payload["replayed"], false, "{payload:#}");
        references.push(
            payload["complaint"]["reference"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        ids.insert(payload["complaint"]["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 20, "20 creates must give 20 complaints");
    let distinct: BTreeSet<&String> = references.iter().collect();
    assert_eq!(distinct.len(), 20, "references repeat: {references:?}");
    let mut numbers: Vec<u64> = references.iter().map(|r| reference_number(r)).collect();
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        (1..=20).collect::<Vec<u64>>(),
        "references of a fresh database must be numbered 1..=20 without gaps: {references:?}"
    );

    // The same key, five times at once, from one user: one complaint.
    let mut keyed = intake("MAIN");
    keyed["idempotencyKey"] = json!("intake-2026-11-22-desk-7");
    let replays = (0..5).map(|_| {
        app.graphql(
            Some(&token),
            CREATE_LIGHT,
            json!({ "input": keyed.clone() }),
        )
    });
    let results = join_all(replays).await;
    let mut keyed_ids = HashSet::new();
    let mut first_writes = 0;
    for (status, body) in &results {
        assert_eq!(*status, StatusCode::OK, "{body:#}");
        assert!(body.get("errors").is_none(), "{body:#}");
        let payload = &body["data"]["complaintCreate"];
        assert_eq!(
            payload["userErrors"],
            json!([]),
            "a keyed create failed: {payload:#}"
        );
        keyed_ids.insert(payload["complaint"]["id"].as_str().unwrap().to_owned());
        if payload["replayed"] == false {
            first_writes += 1;
        }
    }
    assert_eq!(
        keyed_ids.len(),
        1,
        "one idempotency key must give one complaint: {keyed_ids:?}"
    );
    assert_eq!(
        first_writes, 1,
        "exactly one of five keyed creates writes (replayed=false)"
    );

    let list = app
        .ok(
            &compliance(),
            "{ complaints(first: 1) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        list["complaints"]["totalCount"], 21,
        "20 creates plus one keyed create"
    );

    let events = app.audit_events().await;
    let creates = events
        .iter()
        .filter(|e| e["action"] == "COMPLAINT_CREATE")
        .count();
    assert_eq!(creates, 21, "one COMPLAINT_CREATE event per complaint");
    assert_gapless(&events);
    assert_chain_intact(&app, events.len()).await;
}

/// A `redress serve` child process, killed when dropped.
struct ServerProcess {
    child: Child,
    log: PathBuf,
    app: TestApp,
}

impl ServerProcess {
    fn spawn(database_url: &str, dir: &std::path::Path, name: &str) -> ServerProcess {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let log = dir.join(format!("{name}.log"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_redress"));
        for (key, _) in std::env::vars() {
            if key.starts_with("REDRESS_") {
                command.env_remove(key);
            }
        }
        let child = command
            .arg("serve")
            .env("REDRESS_DATABASE_URL", database_url)
            .env("REDRESS_DATA_DIR", dir)
            .env("REDRESS_LISTEN", format!("127.0.0.1:{port}"))
            .env("REDRESS_JWT_SECRET", TEST_SECRET)
            .env("REDRESS_JWT_ISSUER", ISSUER)
            .env("REDRESS_JWT_AUDIENCE", AUDIENCE)
            .env("REDRESS_WORKERS", "2")
            // Durability under load, not rate limits (tests/api/rate_limits.rs).
            .env("REDRESS_RATE_LIMITS", "false")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("the redress binary starts");
        ServerProcess {
            child,
            log,
            app: TestApp {
                address: format!("http://127.0.0.1:{port}"),
                client: reqwest::Client::builder()
                    .timeout(Duration::from_secs(30))
                    .build()
                    .unwrap(),
            },
        }
    }

    async fn wait_ready(&mut self) {
        for _ in 0..150 {
            if let Ok(r) = self.app.client.get(self.app.url("/readyz")).send().await
                && r.status() == StatusCode::OK
            {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "redress exited with {status} before it was ready:\n{}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "redress did not become ready on {}:\n{}",
            self.app.address,
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_server_processes_share_one_chain() {
    let db = TestDb::new().await;
    let dir = std::env::temp_dir().join(format!("redress-two-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut first = ServerProcess::spawn(&db.url, &dir, "first");
    let mut second = ServerProcess::spawn(&db.url, &dir, "second");
    first.wait_ready().await;
    second.wait_ready().await;
    let (a, b) = (&first.app, &second.app);

    a.create_facility("MAIN").await;
    let c = a.create_complaint(&manager(), intake("MAIN")).await;
    // The other process sees it at once.
    assert_eq!(
        b.complaint_status(&compliance(), &c["id"]).await["version"],
        c["version"]
    );

    let winner = twenty_conflicting_transitions(&[a, b], &c).await;
    assert_eq!(
        winner["version"].as_i64().unwrap(),
        c["version"].as_i64().unwrap() + 1
    );
    assert_eq!(
        a.history_count(&c["id"], &["COMPLAINT_ACKNOWLEDGE", "COMPLAINT_WITHDRAW"])
            .await,
        1,
        "history must hold exactly one event for the transition"
    );

    // Notes never conflict: all 20 land, split across both processes.
    let token = specialist();
    let notes = (0..20).map(|i| {
        let app = if i % 2 == 0 { a } else { b };
        app.graphql(
            Some(&token),
            ADD_NOTE,
            json!({ "input": { "complaintId": c["id"], "body": format!("Called back, attempt {i}") } }),
        )
    });
    let results = join_all(notes).await;
    for (status, body) in &results {
        assert_eq!(*status, StatusCode::OK, "{body:#}");
        assert!(body.get("errors").is_none(), "a note failed: {body:#}");
        let payload = &body["data"]["complaintAddNote"];
        assert_eq!(
            payload["userErrors"],
            json!([]),
            "a note was refused: {payload:#}"
        );
    }
    let notes = b
        .ok(
            &compliance(),
            "query Q($id: ID!) { complaint(id: $id) { notes { body } } }",
            json!({ "id": c["id"] }),
        )
        .await;
    assert_eq!(
        notes["complaint"]["notes"].as_array().unwrap().len(),
        20,
        "{notes:#}"
    );

    let events = b.audit_events().await;
    assert_gapless(&events);
    assert_eq!(
        events
            .iter()
            .filter(|e| e["action"] == "COMPLAINT_NOTE_ADD")
            .count(),
        20
    );
    assert_chain_intact(a, events.len()).await;
    assert_chain_intact(b, events.len()).await;

    // Behind the API: no fork, i.e. no two events name the same predecessor.
    let conn = db.connect().await;
    let backend = conn.get_database_backend();
    let forks = conn
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT previous_hash, COUNT(*) AS n FROM audit_event GROUP BY previous_hash HAVING COUNT(*) > 1",
        ))
        .await
        .unwrap();
    assert!(
        forks.is_empty(),
        "{} previous_hash values are shared by several events: the chain forked",
        forks.len()
    );
    let stats = conn
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n, MIN(sequence) AS lo, MAX(sequence) AS hi FROM audit_event",
        ))
        .await
        .unwrap()
        .unwrap();
    let n: i64 = stats.try_get("", "n").unwrap();
    let lo: i64 = stats.try_get("", "lo").unwrap();
    let hi: i64 = stats.try_get("", "hi").unwrap();
    assert_eq!(
        (n, lo, hi),
        (events.len() as i64, 1, events.len() as i64),
        "the table holds other events than the API lists"
    );
    conn.close().await.unwrap();
    drop(first);
    drop(second);
    let _ = std::fs::remove_dir_all(&dir);
}
