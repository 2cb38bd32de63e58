//! `redress seed --demo`: a realistic, small data set for trying the web
//! client — two facilities, a Medicare Advantage policy, and complaints in
//! every state of the lifecycle. Everything goes through the same services
//! as the API, so it is validated and on the audit trail, attributed to
//! the seeding user.

pub mod attachments;
mod complaints;
mod linked;
pub mod scale;

use sea_orm::DatabaseConnection;

use crate::domain::actor::{Actor, FacilityScope, Role};
use crate::domain::clocks::{self, Program};
use crate::domain::facility::FacilityDraft;
use crate::services::policies::{self, PolicyDraft};
use crate::services::{Caller, ServiceError, facilities};

/// What the seed did.
#[derive(Debug, Default)]
pub struct Seeded {
    pub facilities: usize,
    pub complaints: usize,
    pub service_recovery_actions: usize,
    pub interpreter_sessions: usize,
    pub accessibility_requests: usize,
}

fn seeder() -> Actor {
    Actor {
        subject: "redress-seed".to_owned(),
        name: "Demo data (redress seed --demo)".to_owned(),
        roles: [Role::Admin, Role::PatientRelationsManager].into(),
        facilities: FacilityScope::All,
    }
}

fn fail(what: &str, e: ServiceError) -> anyhow::Error {
    match e {
        ServiceError::Db(e) => anyhow::Error::new(e).context(format!("seeding {what}")),
        ServiceError::Refused(r) => anyhow::anyhow!(
            "seeding {what} was refused: {}",
            r.iter()
                .map(|r| format!("{} ({:?})", r.message, r.code))
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

/// Seeds the demo data set into an empty database; refuses when the demo
/// facilities already exist, so it never doubles the data.
pub async fn demo(db: &DatabaseConnection) -> anyhow::Result<Seeded> {
    let actor = seeder();
    let caller = Caller {
        actor: &actor,
        request_id: "seed-demo",
    };
    let demo_facilities = [
        ("MERCY-MAIN", "Mercy Main Hospital", "America/Chicago"),
        ("MERCY-NORTH", "Mercy North Hospital", "America/New_York"),
    ];
    // Checked before anything is written, so a refusal leaves no half-seeded
    // data behind (a facility created by hand under a demo code, say).
    for (code, _, _) in demo_facilities {
        if facilities::by_code(db, &FacilityScope::All, code)
            .await?
            .is_some()
        {
            anyhow::bail!(
                "facility {code} already exists: the demo data goes into a database without the \
                 demo facilities (MERCY-MAIN, MERCY-NORTH); use a fresh REDRESS_DATA_DIR"
            );
        }
    }
    let mut seeded = Seeded::default();
    for (code, name, tz) in demo_facilities {
        let draft = FacilityDraft {
            code: code.to_owned(),
            name: name.to_owned(),
            time_zone: tz.to_owned(),
            approval_threshold_amount: "250.00".into(),
            approval_threshold_currency: "USD".to_owned(),
            default_language: None,
            required_documents: None,
            letters: None,
        };
        facilities::upsert(db, &caller, &draft, None)
            .await
            .map_err(|e| fail("facilities", e))?;
        seeded.facilities += 1;
    }
    let ma = PolicyDraft {
        facility_code: "MERCY-MAIN".to_owned(),
        program: Program::MedicareAdvantage,
        name: None,
        rules: clocks::default_rules(Program::MedicareAdvantage),
        expected_version: None,
    };
    policies::upsert(db, &caller, &ma)
        .await
        .map_err(|e| fail("the Medicare Advantage policy", e))?;

    let mut investigating = None;
    for story in complaints::stories() {
        let record = complaints::create(db, &caller, &story).await?;
        if story.end == "INVESTIGATING" && investigating.is_none() {
            investigating = Some(record.id);
        }
        complaints::walk(db, &caller, record, story.end).await?;
        seeded.complaints += 1;
    }
    if let Some(complaint_id) = investigating {
        linked::linked_work(db, &caller, complaint_id, &mut seeded).await?;
    }
    Ok(seeded)
}
