//! `redress seed --scale N`: exact counts, distributions roughly as
//! promised, every record valid (`redress verify` passes), the audit chain
//! in time order, deterministic under `--seed`, and refused on a database
//! that already holds complaints. Every figure is read back raw from the
//! tables, not through the seed's own code.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::process::Output;

use chrono::{DateTime, Utc};
use entity::{
    accessibility_request, audit_event, complaint, complaint_issue, facility, interpreter_session,
    reference_counter, service_recovery_action,
};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use serde_json::Value;

use crate::cli::redress;
use crate::helpers::*;

const N: u64 = 300;

async fn run(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || redress().args(&args).output().unwrap())
        .await
        .unwrap()
}

async fn seed(url: &str, n: u64, seed: u64) -> Output {
    run(vec![
        "seed".into(),
        "--scale".into(),
        n.to_string(),
        "--seed".into(),
        seed.to_string(),
        "--database-url".into(),
        url.into(),
    ])
    .await
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The number after `label` in the printed summary.
fn summary_figure(stdout: &str, label: &str) -> u64 {
    stdout
        .lines()
        .find(|l| l.trim_start().starts_with(label))
        .and_then(|l| l.trim_start()[label.len()..].split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {label:?} in {stdout}"))
}

/// What the tests compare between two seeds: each complaint's facility,
/// department, channel, classification, status and issue count, in receipt
/// order.
async fn shape(db: &DatabaseConnection) -> Vec<(String, String, String, String, String, i32)> {
    let mut rows = complaint::Entity::find().all(db).await.unwrap();
    rows.sort_by_key(|c| c.received_at);
    rows.into_iter()
        .map(|c| {
            (
                c.facility_code,
                c.department,
                c.channel,
                c.classification,
                c.status,
                c.reopen_count,
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_scale_counts_distributions_and_verify() {
    let db = TestDb::new().await;
    let out = seed(&db.url, N, 7).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let conn = db.connect().await;

    // Exact counts, against the summary and against the rows themselves.
    let complaints = complaint::Entity::find().all(&conn).await.unwrap();
    assert_eq!(complaints.len() as u64, N);
    assert_eq!(summary_figure(&stdout, "complaints"), N);
    let issues = complaint_issue::Entity::find().all(&conn).await.unwrap();
    let printed_issues: u64 = stdout
        .split(" HCAT issues")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no issue count in {stdout}"));
    assert_eq!(issues.len() as u64, printed_issues);
    let mut per_complaint: BTreeMap<uuid::Uuid, usize> = BTreeMap::new();
    for i in &issues {
        *per_complaint.entry(i.complaint_id).or_default() += 1;
    }
    assert_eq!(per_complaint.len() as u64, N, "every complaint has issues");
    assert!(per_complaint.values().all(|n| (1..=3).contains(n)));
    assert!(per_complaint.values().any(|n| *n == 3));
    let sr = service_recovery_action::Entity::find()
        .all(&conn)
        .await
        .unwrap();
    let sessions = interpreter_session::Entity::find()
        .all(&conn)
        .await
        .unwrap();
    let requests = accessibility_request::Entity::find()
        .all(&conn)
        .await
        .unwrap();
    assert_eq!(
        sr.len() as u64,
        summary_figure(&stdout, "service-recovery actions")
    );
    assert_eq!(
        sessions.len() as u64,
        summary_figure(&stdout, "interpreter sessions")
    );
    assert_eq!(
        requests.len() as u64,
        summary_figure(&stdout, "accessibility requests")
    );

    // Facilities: six or more, at least four zones, one Spanish by default.
    let facilities = facility::Entity::find().all(&conn).await.unwrap();
    assert!(facilities.len() >= 6);
    let zones: BTreeSet<&str> = facilities.iter().map(|f| f.time_zone.as_str()).collect();
    assert!(zones.len() >= 4, "{zones:?}");
    assert!(zones.contains("Pacific/Honolulu") && zones.contains("America/Phoenix"));
    assert!(facilities.iter().any(|f| f.default_language == "es"));
    let used: BTreeSet<&str> = complaints
        .iter()
        .map(|c| c.facility_code.as_str())
        .collect();
    assert!(used.len() >= 5, "{used:?}");
    let policies: BTreeSet<uuid::Uuid> = complaints.iter().map(|c| c.policy_id).collect();
    assert!(
        policies.len() >= 8,
        "complaints under many policies: {}",
        policies.len()
    );

    // Over the three years before now.
    let now = Utc::now();
    let oldest = complaints.iter().map(|c| c.received_at).min().unwrap();
    let newest = complaints.iter().map(|c| c.received_at).max().unwrap();
    assert!(now - oldest <= chrono::Duration::days(3 * 365 + 1));
    assert!(now - oldest > chrono::Duration::days(2 * 365));
    assert!(now - newest < chrono::Duration::days(60));

    // Distributions, roughly.
    let share = |f: &dyn Fn(&complaint::Model) -> bool| {
        complaints.iter().filter(|c| f(c)).count() as f64 / N as f64
    };
    let reopened = share(&|c| c.reopen_count > 0);
    assert!((0.05..=0.16).contains(&reopened), "reopened {reopened}");
    let finished = share(&|c| matches!(c.status.as_str(), "RESOLVED" | "CLOSED"));
    assert!(finished > 0.7, "resolved or closed {finished}");
    assert!(share(&|c| c.status == "WITHDRAWN") > 0.01);
    assert!(
        share(&|c| c.status != "RESOLVED" && c.status != "CLOSED" && c.status != "WITHDRAWN") > 0.0
    );
    let grievances = share(&|c| c.classification == "GRIEVANCE");
    assert!((0.3..=0.9).contains(&grievances), "grievances {grievances}");
    let channels: BTreeSet<&str> = complaints.iter().map(|c| c.channel.as_str()).collect();
    assert!(channels.len() >= 6, "{channels:?}");
    let owners: BTreeSet<&str> = complaints
        .iter()
        .filter_map(|c| c.owner_subject.as_deref())
        .collect();
    assert!(owners.len() >= 15, "owners {}", owners.len());
    let missed = |due: DateTime<Utc>, met: Option<DateTime<Utc>>| met.is_some_and(|m| m > due);
    let met = |due: DateTime<Utc>, met: Option<DateTime<Utc>>| met.is_some_and(|m| m <= due);
    assert!(
        complaints
            .iter()
            .any(|c| missed(c.acknowledgement_due_at, c.acknowledgement_met_at))
    );
    assert!(
        complaints
            .iter()
            .any(|c| met(c.acknowledgement_due_at, c.acknowledgement_met_at))
    );
    assert!(
        complaints
            .iter()
            .any(|c| missed(c.resolution_due_at, c.resolution_met_at))
    );
    // The progress notice: absent under the policies without the duty,
    // met on time (a notice, or resolution by day 7) and missed.
    assert!(
        complaints
            .iter()
            .any(|c| c.progress_notice_due_at.is_none())
    );
    let notice = |c: &complaint::Model| {
        c.progress_notice_due_at
            .map(|d| (d, c.progress_notice_met_at))
    };
    assert!(
        complaints
            .iter()
            .filter_map(notice)
            .any(|(due, at)| met(due, at))
    );
    assert!(
        complaints
            .iter()
            .filter_map(notice)
            .any(|(due, at)| missed(due, at))
    );
    assert!(
        complaints
            .iter()
            .all(|c| c.progress_notice_met_at.is_none() || c.progress_notice_due_at.is_some())
    );
    let resolved_on_time = complaints
        .iter()
        .filter(|c| met(c.resolution_due_at, c.resolution_met_at))
        .count();
    assert!(resolved_on_time as f64 / N as f64 > 0.5);
    let sr_complaints: HashSet<uuid::Uuid> = sr.iter().map(|s| s.complaint_id).collect();
    let sr_share = sr_complaints.len() as f64 / N as f64;
    assert!(
        (0.08..=0.4).contains(&sr_share),
        "service recovery on {sr_share}"
    );
    assert!(sessions.iter().any(|s| s.complaint_id.is_some()));
    assert!(sessions.iter().any(|s| s.complaint_id.is_none()));
    let languages: BTreeSet<&str> = sessions.iter().map(|s| s.language.as_str()).collect();
    assert!(languages.contains("es"), "{languages:?}");
    assert!(!requests.is_empty());

    // References: unique, and the counters hold the last number of each year.
    let references: HashSet<&str> = complaints.iter().map(|c| c.reference.as_str()).collect();
    assert_eq!(references.len() as u64, N);
    let counters = reference_counter::Entity::find().all(&conn).await.unwrap();
    assert_eq!(counters.iter().map(|c| c.last_value).sum::<i64>(), N as i64);

    // The audit chain: contiguous, in time order, every record on it.
    let events = audit_event::Entity::find().all(&conn).await.unwrap();
    let mut seeded: Vec<&audit_event::Model> = events
        .iter()
        .filter(|e| e.request_id == "seed-scale")
        .collect();
    seeded.sort_by_key(|e| e.sequence);
    let max = events.iter().map(|e| e.sequence).max().unwrap();
    assert_eq!(max as usize, events.len());
    let chained: Vec<&&audit_event::Model> = seeded
        .iter()
        .filter(|e| e.record_type != "Facility" && e.record_type != "DeadlinePolicy")
        .collect();
    assert_eq!(
        chained.len() as u64,
        summary_figure(&stdout, "audit events")
    );
    assert!(
        chained
            .windows(2)
            .all(|w| w[0].occurred_at <= w[1].occurred_at)
    );
    let created = events
        .iter()
        .filter(|e| e.record_type == "Complaint" && e.action == "COMPLAINT_CREATE")
        .count();
    assert_eq!(created as u64, N);
    let reopen_events = events
        .iter()
        .filter(|e| e.action == "COMPLAINT_REOPEN")
        .count();
    assert_eq!(
        reopen_events as i64,
        complaints
            .iter()
            .map(|c| i64::from(c.reopen_count))
            .sum::<i64>()
    );

    // `redress verify` finds the database whole.
    let verified = run(vec![
        "verify".into(),
        "--json".into(),
        "--database-url".into(),
        db.url.clone(),
    ])
    .await;
    let report: Value = serde_json::from_slice(&verified.stdout).unwrap_or(Value::Null);
    assert_eq!(verified.status.code(), Some(0), "{report:#}");

    // Refused, in words, on a database that already holds complaints.
    let again = seed(&db.url, 10, 7).await;
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("already holds 300 complaints"),
        "{}",
        text(&again.stderr)
    );
    assert_eq!(complaint::Entity::find().count(&conn).await.unwrap(), N);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_scale_is_deterministic_under_its_seed() {
    let (a, b, c) = (
        TestDb::new().await,
        TestDb::new().await,
        TestDb::new().await,
    );
    for (db, s) in [(&a, 3), (&b, 3), (&c, 4)] {
        let out = seed(&db.url, 120, s).await;
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let (a, b, c) = (
        shape(&a.connect().await).await,
        shape(&b.connect().await).await,
        shape(&c.connect().await).await,
    );
    assert_eq!(a, b);
    assert_ne!(a, c);
}
