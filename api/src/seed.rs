//! `redress seed --demo`: a realistic, small data set for trying the web
//! client — two facilities, a Medicare Advantage policy, and complaints in
//! every state of the lifecycle. Everything goes through the same services
//! as the API, so it is validated and on the audit trail, attributed to
//! the seeding user.

use chrono::{Duration, SubsecRound, Utc};
use rust_decimal::Decimal;
use sea_orm::DatabaseConnection;

use crate::domain::actor::{Actor, FacilityScope, Role};
use crate::domain::clocks::{self, Program};
use crate::domain::command::accessibility::AccessibilityCommand;
use crate::domain::command::complaint::ComplaintCommand;
use crate::domain::command::service_recovery::ServiceRecoveryCommand;
use crate::domain::complaint::intake::{IntakeDraft, IssueDraft};
use crate::domain::complaint::resolution::{Finding, ResolveInput};
use crate::domain::complaint::{
    Channel, Complainant, ContactMethod, GrievanceFacts, HcatCategory, Patient, PersonInvolved,
    Relationship, ResponseFormat, StageOfCare, UserRef, WrittenResponse,
};
use crate::domain::facility::FacilityDraft;
use crate::services::change;
use crate::services::complaints::{self, CreateDraft, Record};
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
        ServiceError::Refused(r) => anyhow::anyhow!("seeding {what} was refused: {r:?}"),
    }
}

struct Story {
    facility: &'static str,
    channel: Channel,
    days_ago: i64,
    department: &'static str,
    complainant: (&'static str, Relationship),
    patient: &'static str,
    medicare: bool,
    quality_of_care: bool,
    facts: GrievanceFacts,
    description: &'static str,
    issues: &'static [(HcatCategory, i32, StageOfCare)],
    /// How far along the lifecycle it gets.
    end: &'static str,
}

const NONE: GrievanceFacts = GrievanceFacts {
    formal_handling_requested: false,
    alleges_abuse_neglect_or_harm: false,
    concerns_conditions_of_participation: false,
    medicare_billing_rights: false,
};

fn stories() -> Vec<Story> {
    use HcatCategory::*;
    use StageOfCare::*;
    vec![
        Story {
            facility: "MERCY-MAIN",
            channel: Channel::InPerson,
            days_ago: 0,
            department: "Emergency Department",
            complainant: ("Demo Complainant A", Relationship::SelfPatient),
            patient: "Demo Patient A",
            medicare: false,
            quality_of_care: false,
            facts: NONE,
            description: "Waited three hours in the waiting room without an update.",
            issues: &[
                (InstitutionalProcesses, 1, Admission),
                (Communication, 1, Admission),
            ],
            end: "RECEIVED",
        },
        Story {
            facility: "MERCY-MAIN",
            channel: Channel::InPerson,
            days_ago: 1,
            department: "Cardiology Ward 4B",
            complainant: ("Demo Complainant B", Relationship::SelfPatient),
            patient: "Demo Patient B",
            medicare: false,
            quality_of_care: false,
            facts: NONE,
            description: "Room too cold overnight; no extra blanket offered.",
            issues: &[(Environment, 1, CareOnWard)],
            end: "RESOLVED_AT_POINT_OF_SERVICE",
        },
        Story {
            facility: "MERCY-MAIN",
            channel: Channel::Letter,
            days_ago: 12,
            department: "Orthopedics",
            complainant: ("Demo Complainant C", Relationship::Child),
            patient: "Demo Patient C",
            medicare: true,
            quality_of_care: true,
            facts: NONE,
            description: "My father was discharged the day after surgery and readmitted two days later.",
            issues: &[
                (Safety, 3, DischargeTransfer),
                (Communication, 2, DischargeTransfer),
            ],
            end: "INVESTIGATING",
        },
        Story {
            facility: "MERCY-MAIN",
            channel: Channel::Phone,
            days_ago: 9,
            department: "Radiology",
            complainant: ("Demo Complainant D", Relationship::SpouseOrPartner),
            patient: "Demo Patient D",
            medicare: false,
            quality_of_care: false,
            facts: GrievanceFacts {
                formal_handling_requested: true,
                ..NONE
            },
            description: "Scan cancelled twice; wants a written explanation.",
            issues: &[(InstitutionalProcesses, 2, ExaminationDiagnosis)],
            end: "RECEIVED",
        },
        Story {
            facility: "MERCY-MAIN",
            channel: Channel::Email,
            days_ago: 20,
            department: "Maternity",
            complainant: ("Demo Complainant E", Relationship::SelfPatient),
            patient: "Demo Patient E",
            medicare: false,
            quality_of_care: false,
            facts: NONE,
            description: "A nurse was dismissive when I asked about pain relief.",
            issues: &[
                (Listening, 2, CareOnWard),
                (RespectAndPatientRights, 2, CareOnWard),
            ],
            end: "CLOSED",
        },
        Story {
            facility: "MERCY-NORTH",
            channel: Channel::Portal,
            days_ago: 3,
            department: "Outpatient Clinic",
            complainant: ("Demo Complainant F", Relationship::LegalRepresentative),
            patient: "Demo Patient F",
            medicare: true,
            quality_of_care: false,
            facts: GrievanceFacts {
                medicare_billing_rights: true,
                ..NONE
            },
            description: "Billed for a service Medicare should have covered.",
            issues: &[(InstitutionalProcesses, 2, Other)],
            end: "ACKNOWLEDGED",
        },
        Story {
            facility: "MERCY-NORTH",
            channel: Channel::Phone,
            days_ago: 2,
            department: "Pharmacy",
            complainant: ("Demo Complainant G", Relationship::SelfPatient),
            patient: "Demo Patient G",
            medicare: false,
            quality_of_care: false,
            facts: NONE,
            description: "Called to complain, then decided to take it up with the pharmacy directly.",
            issues: &[(Communication, 1, Other)],
            end: "WITHDRAWN",
        },
    ]
}

/// Seeds the demo data set into an empty database; refuses when the demo
/// facilities already exist, so it never doubles the data.
pub async fn demo(db: &DatabaseConnection) -> anyhow::Result<Seeded> {
    let actor = seeder();
    let caller = Caller {
        actor: &actor,
        request_id: "seed-demo",
    };
    if facilities::by_code(db, &FacilityScope::All, "MERCY-MAIN")
        .await?
        .is_some()
    {
        anyhow::bail!("the demo data is already there (facility MERCY-MAIN exists)");
    }
    let mut seeded = Seeded::default();
    for (code, name, tz) in [
        ("MERCY-MAIN", "Mercy Main Hospital", "America/Chicago"),
        ("MERCY-NORTH", "Mercy North Hospital", "America/New_York"),
    ] {
        let draft = FacilityDraft {
            code: code.to_owned(),
            name: name.to_owned(),
            time_zone: tz.to_owned(),
            approval_threshold_amount: "250.00".into(),
            approval_threshold_currency: "USD".to_owned(),
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
    for story in stories() {
        let record = create(db, &caller, &story).await?;
        if story.end == "INVESTIGATING" && investigating.is_none() {
            investigating = Some(record.id);
        }
        walk(db, &caller, record, story.end).await?;
        seeded.complaints += 1;
    }
    if let Some(complaint_id) = investigating {
        linked_work(db, &caller, complaint_id, &mut seeded).await?;
    }
    Ok(seeded)
}

/// Service recovery, interpreter sessions and accessibility requests around
/// the complaint under investigation, and a grievance opened from a denied
/// accommodation.
async fn linked_work(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    complaint_id: uuid::Uuid,
    seeded: &mut Seeded,
) -> anyhow::Result<()> {
    use crate::domain::{accessibility as da, interpreter as di, service_recovery as sr};
    use crate::services::{accessibility, interpreter, service_recovery};

    // A meal voucher under the threshold, given at once; a gift card above
    // it, waiting for a second manager's approval.
    for (kind, amount, description) in [
        (
            sr::Kind::MealVoucher,
            1500,
            "Cafeteria voucher for the family during the wait",
        ),
        (
            sr::Kind::GiftCard,
            30000,
            "Gift card after the lost belongings",
        ),
    ] {
        let (id, state, _) = service_recovery::propose(
            db,
            caller,
            &service_recovery::ProposeInput {
                complaint_id,
                draft: sr::ProposalDraft {
                    kind,
                    description: description.to_owned(),
                    amount: Some((
                        Decimal::new(amount, 2).to_string().as_str().into(),
                        "USD".to_owned(),
                    )),
                },
                idempotency_key: None,
            },
        )
        .await
        .map_err(|e| fail("a service-recovery action", e))?;
        if !state.approval_required {
            let complete = ServiceRecoveryCommand::Complete {
                note: Some("Given to the daughter".to_owned()),
            };
            change::change(db, caller, id, state.version, complete)
                .await
                .map_err(|e| fail("completing service recovery", e))?;
        }
        seeded.service_recovery_actions += 1;
    }

    let now = Utc::now().trunc_subsecs(6);
    let minutes = |m: i64| now - Duration::minutes(m);
    let sessions = [
        (
            Some(complaint_id),
            "es",
            di::Modality::VideoRemote,
            di::Outcome::Provided,
            None,
        ),
        (
            None,
            "ase",
            di::Modality::InPerson,
            di::Outcome::Declined,
            Some(di::CompanionDraft {
                name: "Demo Companion".to_owned(),
                relationship: "spouse".to_owned(),
                minor: false,
                patient_requested: true,
                companion_agreed: true,
                emergency: false,
            }),
        ),
    ];
    for (linked, language, modality, outcome, companion) in sessions {
        let provided = outcome == di::Outcome::Provided;
        let entry = di::EntryDraft {
            patient_mrn: Some("DEMO-0102".to_owned()),
            patient_name: "Demo Patient".to_owned(),
            encounter: "ENC-DEMO-1".to_owned(),
            department: "Emergency Department".to_owned(),
            language: language.to_owned(),
            modality,
            interpreter: provided.then(|| di::InterpreterDraft {
                staff_id: None,
                vendor: Some("Demo Language Services".to_owned()),
                interpreter_id: Some("DLS-204".to_owned()),
                qualification: di::Qualification::CertifiedMedicalInterpreter,
            }),
            requested_by: "Charge nurse (demo)".to_owned(),
            requested_at: minutes(90),
            connected_at: provided.then(|| minutes(82)),
            ended_at: provided.then(|| minutes(60)),
            purpose: di::Purpose::Discharge,
            outcome,
            companion,
            notes: None,
        };
        interpreter::log(
            db,
            caller,
            &interpreter::LogInput {
                facility_code: "MERCY-MAIN".to_owned(),
                complaint_id: linked,
                entry,
                idempotency_key: None,
            },
        )
        .await
        .map_err(|e| fail("an interpreter session", e))?;
        seeded.interpreter_sessions += 1;
    }

    // An open request already past its time (overdue), one scheduled, and
    // one denied, from which a grievance is opened.
    let requests = [
        (da::NeedType::SignLanguageInterpreter, -2, None),
        (
            da::NeedType::TransferLift,
            3,
            Some(AccessibilityCommand::Acknowledge),
        ),
        (
            da::NeedType::AccessibleExamTable,
            1,
            Some(AccessibilityCommand::Deny {
                ground: da::DenialGround::UndueBurden,
                reason: "No height-adjustable table can be moved to the satellite clinic this week"
                    .to_owned(),
            }),
        ),
    ];
    for (need_type, days, step) in requests {
        let (id, state, _) = accessibility::create(
            db,
            caller,
            &accessibility::CreateInput {
                facility_code: "MERCY-MAIN".to_owned(),
                complaint_id: None,
                draft: da::RequestDraft {
                    patient_mrn: Some("DEMO-0233".to_owned()),
                    patient_name: "Demo Patient Two".to_owned(),
                    department: "Outpatient Clinic".to_owned(),
                    need_type,
                    details: "Requested at scheduling".to_owned(),
                    requested_aid: "As the patient asked".to_owned(),
                    needed_by: now + Duration::days(days),
                },
                idempotency_key: None,
            },
        )
        .await
        .map_err(|e| fail("an accessibility request", e))?;
        seeded.accessibility_requests += 1;
        let Some(step) = step else { continue };
        let denied = matches!(step, AccessibilityCommand::Deny { .. });
        let acknowledge = matches!(step, AccessibilityCommand::Acknowledge);
        let state = change::change(db, caller, id, state.version, step)
            .await
            .map_err(|e| fail("an accessibility request step", e))?;
        if acknowledge {
            let schedule = AccessibilityCommand::Schedule {
                scheduled_for: now + Duration::days(days) - Duration::hours(2),
                provider: Some("Facilities (demo)".to_owned()),
            };
            change::change(db, caller, id, state.version, schedule)
                .await
                .map_err(|e| fail("scheduling an accessibility request", e))?;
        }
        if denied {
            let mut story = stories().remove(0);
            story.description = "The exam table I asked for was refused; I could not be examined.";
            let mut draft = draft_of(&story);
            draft.accessibility_request_id = Some(id);
            complaints::create(db, caller, &draft)
                .await
                .map_err(|e| fail("a grievance from a denied accommodation", e))?;
            seeded.complaints += 1;
        }
    }
    Ok(())
}

fn draft_of(s: &Story) -> CreateDraft {
    let received_at =
        (Utc::now() - Duration::days(s.days_ago) - Duration::hours(2)).trunc_subsecs(6);
    CreateDraft {
        accessibility_request_id: None,
        facility_code: s.facility.to_owned(),
        idempotency_key: None,
        intake: IntakeDraft {
            department: s.department.to_owned(),
            channel: s.channel,
            received_at,
            received_by: "Front Desk (demo)".to_owned(),
            complainant: Complainant {
                name: s.complainant.0.to_owned(),
                relationship: s.complainant.1,
                contact: Some("555-0100".to_owned()),
                preferred_language: Some("en".to_owned()),
                communication_needs: None,
            },
            patient: Patient {
                mrn: Some(format!("DEMO-{:04}", s.days_ago * 7 + 11)),
                name: s.patient.to_owned(),
            },
            medicare_beneficiary: s.medicare,
            concerns_quality_of_care: s.quality_of_care,
            concerns_premature_discharge: s.quality_of_care,
            facts: s.facts,
            description: s.description.to_owned(),
            desired_outcome: Some("An explanation and an apology.".to_owned()),
            people_involved: vec![PersonInvolved {
                name: "Demo Staff Member".to_owned(),
                role: Some("charge nurse".to_owned()),
            }],
            issues: s
                .issues
                .iter()
                .map(|(category, severity, stage)| IssueDraft {
                    id: None,
                    category: *category,
                    severity: *severity,
                    stage_of_care: *stage,
                    summary: None,
                })
                .collect(),
            program: Program::CmsHospital,
            expedited: false,
        },
    }
}

async fn create(db: &DatabaseConnection, caller: &Caller<'_>, s: &Story) -> anyhow::Result<Record> {
    let draft = draft_of(s);
    Ok(complaints::create(db, caller, &draft)
        .await
        .map_err(|e| fail("a complaint", e))?
        .0)
}

/// Moves a complaint along the lifecycle up to `end`.
async fn walk(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    mut r: Record,
    end: &str,
) -> anyhow::Result<()> {
    let owner = UserRef {
        subject: "pr-demo".to_owned(),
        name: "Pat Rivera (demo)".to_owned(),
    };
    let steps: &[&str] = match end {
        "RECEIVED" => &[],
        "RESOLVED_AT_POINT_OF_SERVICE" => &["pos"],
        "ACKNOWLEDGED" => &["ack"],
        "INVESTIGATING" => &["ack", "assign", "investigate"],
        "CLOSED" => &["ack", "assign", "investigate", "resolve", "close"],
        "WITHDRAWN" => &["withdraw"],
        _ => &[],
    };
    for step in steps {
        let now = Utc::now().trunc_subsecs(6);
        let command = match *step {
            "pos" => ComplaintCommand::ResolveAtPointOfService {
                resolution: "Extra blanket; thermostat repaired.".to_owned(),
            },
            "ack" => ComplaintCommand::Acknowledge {
                method: ContactMethod::Phone,
                at: None,
            },
            "assign" => ComplaintCommand::Assign {
                owner: owner.clone(),
            },
            "investigate" => ComplaintCommand::StartInvestigation,
            "resolve" => ComplaintCommand::Resolve(ResolveInput {
                findings: r
                    .state
                    .issues
                    .iter()
                    .map(|i| Finding {
                        issue_id: i.id,
                        finding: "Reviewed with the unit manager; staff coached.".to_owned(),
                    })
                    .collect(),
                summary: None,
                written_response: Some(WrittenResponse {
                    contact_person: "Pat Rivera, Patient Relations".to_owned(),
                    investigation_steps: "Interviewed the staff on shift and reviewed the record."
                        .to_owned(),
                    results: "Concern substantiated; communication training scheduled.".to_owned(),
                    completed_on: now.date_naive(),
                    sent_at: now,
                    sent_by: ContactMethod::Letter,
                    language: "en".to_owned(),
                    format: ResponseFormat::Standard,
                    qio_notice_included: r.state.needs_qio_notice(),
                }),
            }),
            "close" => ComplaintCommand::Close,
            _ => ComplaintCommand::Withdraw {
                reason: "Complainant will take it up with the pharmacy".to_owned(),
            },
        };
        let state = change::change(db, caller, r.id, r.state.version, command)
            .await
            .map_err(|e| fail(step, e))?;
        r = Record { id: r.id, state };
    }
    Ok(())
}
