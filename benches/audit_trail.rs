//! How much the audit trail costs, as ratios against baselines measured in
//! the same run on the same database:
//!
//! - **verification**: `auditTrailVerification` over the whole trail (read,
//!   re-encode, SHA-256, compare) against reading the same rows;
//! - **a complaint change**: the full path (permission, load, rule, update,
//!   diff, hash-chained event, commit) against a bare write transaction that
//!   inserts one row;
//! - **service recovery**: proposing and completing an action (the change
//!   path the records beside complaints share), against the same baseline;
//! - **memory**: peak resident memory while verifying, against before it
//!   (the verifier streams in batches, so it should not grow with the trail).
//!
//! Run: `cargo bench --bench audit_trail` (SQLite in a temporary file), or
//! with `DATABASE_URL=postgres://…/some_empty_db` for PostgreSQL.
//! `BENCH_COMPLAINTS` sets the size (default 2000 complaints).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::Utc;
use entity::access_log_entry;
use redress_api::db;
use redress_api::domain::actor::{Actor, FacilityScope, Role};
use redress_api::domain::clocks::Program;
use redress_api::domain::command::complaint::ComplaintCommand;
use redress_api::domain::command::service_recovery::ServiceRecoveryCommand;
use redress_api::domain::complaint::intake::{IntakeDraft, IssueDraft};
use redress_api::domain::complaint::{
    Channel, Complainant, ContactMethod, GrievanceFacts, HcatCategory, Patient, Relationship,
    StageOfCare,
};
use redress_api::domain::facility::FacilityDraft;
use redress_api::domain::service_recovery::{Kind, ProposalDraft};
use redress_api::services::change;
use redress_api::services::complaints::{self, CreateDraft};
use redress_api::services::{Caller, audit, facilities, service_recovery};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

fn draft(i: usize) -> CreateDraft {
    CreateDraft {
        accessibility_request_id: None,
        facility_code: "BENCH".to_owned(),
        idempotency_key: None,
        intake: IntakeDraft {
            department: "Emergency".to_owned(),
            channel: if i.is_multiple_of(3) { Channel::Letter } else { Channel::Phone },
            received_at: Utc::now(),
            received_by: "bench".to_owned(),
            complainant: Complainant {
                name: format!("Complainant {i}"),
                relationship: Relationship::SelfPatient,
                contact: None,
                preferred_language: None,
                communication_needs: None,
            },
            patient: Patient {
                mrn: Some(format!("MRN{i}")),
                name: format!("Patient {i}"),
            },
            medicare_beneficiary: false,
            concerns_quality_of_care: false,
            concerns_premature_discharge: false,
            facts: GrievanceFacts::default(),
            description: "A realistic paragraph of complaint text, about as long as a short letter's summary."
                .to_owned(),
            desired_outcome: None,
            people_involved: Vec::new(),
            issues: vec![IssueDraft {
                id: None,
                category: HcatCategory::Communication,
                severity: 2,
                stage_of_care: StageOfCare::Admission,
                summary: None,
            }],
            program: Program::CmsHospital,
            expedited: false,
        },
    }
}

fn per(d: Duration, n: usize) -> f64 {
    d.as_secs_f64() * 1e6 / n as f64
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n: usize = std::env::var("BENCH_COMPLAINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let (url, _dir) = match std::env::var("DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => (url, None),
        _ => {
            let dir = std::env::temp_dir().join(format!("redress-bench-{}", uuid::Uuid::now_v7()));
            std::fs::create_dir_all(&dir)?;
            let url = format!("sqlite://{}?mode=rwc", dir.join("bench.db").display());
            (url, Some(dir))
        }
    };
    let conn = db::connect(&url).await?;
    db::migrate(&conn).await?;
    let actor = Actor {
        subject: "bench".to_owned(),
        name: "Bench".to_owned(),
        roles: [Role::Admin, Role::PatientRelationsManager, Role::Compliance].into(),
        facilities: FacilityScope::All,
    };
    let caller = Caller {
        actor: &actor,
        request_id: "bench",
    };
    facilities::upsert(
        &conn,
        &caller,
        &FacilityDraft {
            code: "BENCH".to_owned(),
            name: "Bench Hospital".to_owned(),
            time_zone: "America/Chicago".to_owned(),
            approval_threshold_amount: "250.00".into(),
            approval_threshold_currency: "USD".to_owned(),
            default_language: None,
            required_documents: None,
            letters: None,
        },
        None,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;

    // Baseline write: one write transaction inserting one row.
    let baseline_writes = n.min(500);
    let started = Instant::now();
    for _ in 0..baseline_writes {
        let txn = db::begin_write(&conn).await?;
        access_log_entry::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            record_type: Set("Complaint".into()),
            record_id: Set(uuid::Uuid::nil()),
            actor_subject: Set("bench".into()),
            actor_name: Set("Bench".into()),
            actor_roles: Set("ADMIN".into()),
            request_id: Set("bench".into()),
            operation: Set("bench".into()),
            accessed_at: Set(Utc::now()),
            detail: Set(None),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
    }
    let baseline_write = per(started.elapsed(), baseline_writes);

    // The trail: n complaints created, each then acknowledged (2n events).
    let started = Instant::now();
    let mut records = Vec::with_capacity(n);
    for i in 0..n {
        let (record, _) = complaints::create(&conn, &caller, &draft(i))
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        records.push(record);
    }
    let create = per(started.elapsed(), n);
    let started = Instant::now();
    for record in &records {
        let acknowledge = ComplaintCommand::Acknowledge {
            method: ContactMethod::Phone,
            at: None,
        };
        change::change(&conn, &caller, record.id, record.state.version, acknowledge)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    }
    let change = per(started.elapsed(), n);

    // Service recovery on the first complaints: a proposal under the
    // threshold, then its completion (the shared change path of the
    // records beside complaints).
    let recoveries = n.min(500);
    let started = Instant::now();
    let mut actions = Vec::with_capacity(recoveries);
    for record in records.iter().take(recoveries) {
        let input = service_recovery::ProposeInput {
            complaint_id: record.id,
            draft: ProposalDraft {
                kind: Kind::MealVoucher,
                description: "Cafeteria voucher".to_owned(),
                amount: Some(("15.00".into(), "USD".to_owned())),
            },
            idempotency_key: None,
        };
        let (id, state, _) = service_recovery::propose(&conn, &caller, &input)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        actions.push((id, state.version));
    }
    let propose = per(started.elapsed(), recoveries);
    let started = Instant::now();
    for (id, version) in &actions {
        let complete = ServiceRecoveryCommand::Complete { note: None };
        change::change(&conn, &caller, *id, *version, complete)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    }
    let complete = per(started.elapsed(), recoveries);

    // Verification once, cold: its memory. The verifier reads in batches,
    // so the peak should barely move however long the trail is.
    let hwm_before = peak_rss_kib();
    let verification = audit::verify(&conn, None, None).await?;
    let hwm_after = peak_rss_kib();
    assert!(verification.intact);

    // Baseline read: every audit row, as the verifier reads them; then the
    // verification again, both on a warm cache.
    let started = Instant::now();
    let rows = entity::audit_event::Entity::find().all(&conn).await?;
    let read = started.elapsed();
    let events = rows.len();
    drop(rows);
    let started = Instant::now();
    let verification = audit::verify(&conn, None, None).await?;
    let verify = started.elapsed();
    assert!(verification.intact);
    assert_eq!(verification.checked as usize, events);

    let backend = if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("audit trail bench on {backend}: {n} complaints, {events} events");
    println!(
        "  write   baseline (1-row write txn) {baseline_write:>9.1} µs | complaintCreate {create:>9.1} µs = {:.1}× | acknowledge {change:>9.1} µs = {:.1}×",
        create / baseline_write,
        change / baseline_write
    );
    println!(
        "  service recovery ({recoveries})              | serviceRecoveryPropose {propose:>9.1} µs = {:.1}× | complete {complete:>9.1} µs = {:.1}×",
        propose / baseline_write,
        complete / baseline_write
    );
    println!(
        "  verify  baseline (read all events) {:>9.1} ms | verification {:>9.1} ms = {:.2}× ({:.0} events/s)",
        read.as_secs_f64() * 1e3,
        verify.as_secs_f64() * 1e3,
        verify.as_secs_f64() / read.as_secs_f64(),
        events as f64 / verify.as_secs_f64()
    );
    if let (Some(before), Some(after), Some(rss)) = (hwm_before, hwm_after, rss_kib()) {
        println!(
            "  memory  peak resident before verification {before} KiB | after {after} KiB = {:.2}× (resident now {rss} KiB)",
            after as f64 / before as f64
        );
    }
    Ok(())
}
