//! The write load: writers that create complaints and acknowledge them, a
//! ledger of every acknowledged write, and the figures each test prints.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::harness::{Api, FACILITY, Reply};

pub const CREATE: &str = "mutation($input: ComplaintCreateInput!) { complaintCreate(input: $input) { complaint { id reference version } userErrors { code } } }";
pub const ACKNOWLEDGE: &str = "mutation($input: ComplaintAcknowledgeInput!) { complaintAcknowledge(input: $input) { complaint { id reference version } userErrors { code } } }";

/// A valid intake (a phone complaint about a wait; stand-in data, no real PHI).
pub fn intake() -> Value {
    json!({
        "facilityCode": FACILITY,
        "department": "Emergency Department",
        "channel": "PHONE",
        "receivedAt": chrono::Utc::now().to_rfc3339(),
        "complainant": { "name": "Test Complainant", "relationship": "SELF", "preferredLanguage": "en" },
        "patient": { "mrn": "MRN-TEST-0001", "name": "Test Patient" },
        "description": "Waited four hours in triage without an update.",
        "issues": [
            { "category": "INSTITUTIONAL_PROCESSES", "severity": 2, "stageOfCare": "ADMISSION" }
        ]
    })
}

/// A complaint as the server acknowledged it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acked {
    pub reference: String,
    pub version: i64,
}

/// One finished request, for the figures.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub kind: String,
    pub started: Instant,
    pub latency: Duration,
    pub retry_after: bool,
    /// `create` or `acknowledge`.
    pub operation: &'static str,
}

impl Outcome {
    pub fn ok(&self) -> bool {
        self.kind == "ok"
    }
}

/// Every acknowledged write (complaint id → highest acknowledged state) and
/// every request's outcome.
#[derive(Default)]
pub struct Ledger {
    acked: Mutex<HashMap<String, Acked>>,
    /// References in the order they were acknowledged at creation.
    references: Mutex<Vec<String>>,
    outcomes: Mutex<Vec<Outcome>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Ledger {
    pub fn acked(&self) -> HashMap<String, Acked> {
        lock(&self.acked).clone()
    }

    pub fn outcomes(&self) -> Vec<Outcome> {
        lock(&self.outcomes).clone()
    }

    pub fn references(&self) -> Vec<String> {
        lock(&self.references).clone()
    }

    fn record(&self, operation: &'static str, field: &str, reply: &Reply, started: Instant) {
        let kind = reply.kind(field);
        if kind == "ok" {
            let c = &reply.body["data"][field]["complaint"];
            let id = c["id"].as_str().unwrap_or_default().to_owned();
            let acked = Acked {
                reference: c["reference"].as_str().unwrap_or_default().to_owned(),
                version: c["version"].as_i64().unwrap_or_default(),
            };
            if operation == "create" {
                lock(&self.references).push(acked.reference.clone());
            }
            let mut map = lock(&self.acked);
            let entry = map.entry(id).or_insert_with(|| acked.clone());
            if acked.version > entry.version {
                *entry = acked;
            }
        }
        lock(&self.outcomes).push(Outcome {
            kind,
            started,
            latency: reply.latency,
            retry_after: reply.retry_after.is_some(),
            operation,
        });
    }

    /// Creates one complaint; returns `(id, version)` when acknowledged.
    pub async fn create(&self, api: &Api, token: &str) -> Option<(String, i64)> {
        let started = Instant::now();
        let reply = api
            .graphql(token, CREATE, json!({ "input": intake() }))
            .await;
        self.record("create", "complaintCreate", &reply, started);
        let c = &reply.body["data"]["complaintCreate"]["complaint"];
        (reply.kind("complaintCreate") == "ok").then(|| {
            (
                c["id"].as_str().unwrap_or_default().to_owned(),
                c["version"].as_i64().unwrap_or_default(),
            )
        })
    }

    /// Acknowledges a complaint at `version`; the reply's kind.
    pub async fn acknowledge(&self, api: &Api, token: &str, id: &str, version: i64) -> String {
        let started = Instant::now();
        let reply = api
            .graphql(
                token,
                ACKNOWLEDGE,
                json!({ "input": { "id": id, "expectedVersion": version, "method": "PHONE" } }),
            )
            .await;
        self.record("acknowledge", "complaintAcknowledge", &reply, started);
        reply.kind("complaintAcknowledge")
    }
}

/// One writer: create a complaint, then acknowledge it (a follow-up change
/// that must find it), until `stop` or `until`. Pauses `pause` after a
/// failed request so a down server is not hammered.
pub async fn writer(
    api: Api,
    token: String,
    ledger: Arc<Ledger>,
    stop: Arc<AtomicBool>,
    until: Instant,
    pause: Duration,
) {
    while !stop.load(Ordering::SeqCst) && Instant::now() < until {
        match ledger.create(&api, &token).await {
            Some((id, version)) => {
                if ledger.acknowledge(&api, &token, &id, version).await != "ok" {
                    tokio::time::sleep(pause).await;
                }
            }
            None => tokio::time::sleep(pause).await,
        }
    }
}

/// Starts `n` writers with their own tokens; returns their handles.
pub fn spawn_writers(
    n: usize,
    api: &Api,
    ledger: &Arc<Ledger>,
    stop: &Arc<AtomicBool>,
    until: Instant,
    pause: Duration,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..n)
        .map(|i| {
            tokio::spawn(writer(
                api.clone(),
                crate::harness::specialist(i),
                Arc::clone(ledger),
                Arc::clone(stop),
                until,
                pause,
            ))
        })
        .collect()
}

pub async fn join_all(handles: Vec<tokio::task::JoinHandle<()>>) {
    for h in handles {
        h.await.expect("writer task");
    }
}

/// Counts by kind, for printing.
pub fn kinds<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) -> BTreeMap<String, usize> {
    let mut map = BTreeMap::new();
    for o in outcomes {
        *map.entry(format!("{:<11} {}", o.operation, o.kind))
            .or_insert(0) += 1;
    }
    map
}

/// `(p50, max)` of some durations.
pub fn p50_max(mut ds: Vec<Duration>) -> (Duration, Duration) {
    if ds.is_empty() {
        return (Duration::ZERO, Duration::ZERO);
    }
    ds.sort();
    (ds[ds.len() / 2], ds[ds.len() - 1])
}

/// Prints the request figures of a set of outcomes.
pub fn print_figures(label: &str, outcomes: &[&Outcome]) {
    let sent = outcomes.len();
    let acked = outcomes.iter().filter(|o| o.ok()).count();
    let failures: Vec<Duration> = outcomes
        .iter()
        .filter(|o| !o.ok())
        .map(|o| o.latency)
        .collect();
    let (p50, max) = p50_max(failures.clone());
    println!(
        "  {label}: sent {sent}, acknowledged {acked}, failed {} (failure latency p50 {p50:?}, max {max:?})",
        failures.len()
    );
    for (kind, n) in kinds(outcomes.iter().copied()) {
        println!("    {n:>6}  {kind}");
    }
}
