//! One case's world: a fresh database with facilities MAIN and WEST (and
//! MAIN's Medicare Advantage policy, which allows an extension), the
//! actors, the records made so far, and the inputs the steps build from
//! the generated choices.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use redress_api::domain::accessibility::{NeedType, RequestDraft};
use redress_api::domain::actor::{Actor, FacilityScope, Role, UserRef};
use redress_api::domain::clocks::{Program, default_rules};
use redress_api::domain::complaint::intake::{IntakeDraft, IssueDraft};
use redress_api::domain::complaint::resolution::{Finding, ResolveInput};
use redress_api::domain::complaint::{
    Channel, Complainant, ComplaintState, GrievanceFacts, HcatCategory, Patient, Relationship,
    StageOfCare,
};
use redress_api::domain::facility::FacilityDraft;
use redress_api::domain::interpreter::{
    EntryDraft, InterpreterDraft, Modality, Outcome, Purpose, Qualification,
};
use redress_api::services::policies::PolicyDraft;
use redress_api::services::{Caller, facilities, policies};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::strategy::{Intake, ProgramPick, Text};

/// Subject, roles, facilities. Working roles in MAIN, two of some so that
/// "not the proposer" and "not the creator" rules meet another person,
/// the roles that change nothing, and actors of WEST and of every facility.
pub const ACTORS: [(&str, Role, &str); super::strategy::ACTOR_COUNT] = [
    ("staff-1", Role::Staff, "MAIN"),
    ("staff-2", Role::Staff, "MAIN"),
    ("pr-1", Role::PatientRelations, "MAIN"),
    ("prm-1", Role::PatientRelationsManager, "MAIN"),
    ("prm-2", Role::PatientRelationsManager, "MAIN"),
    ("co-1", Role::Compliance, "MAIN"),
    ("admin-1", Role::Admin, "*"),
    ("pr-west", Role::PatientRelations, "WEST"),
    ("prm-all", Role::PatientRelationsManager, "*"),
];

pub fn actor(i: usize) -> Actor {
    let (subject, role, facility) = ACTORS[i % ACTORS.len()];
    Actor {
        subject: subject.to_owned(),
        name: format!("User {subject}"),
        roles: BTreeSet::from([role]),
        facilities: FacilityScope::from_claim([facility]),
    }
}

pub fn user(i: usize) -> UserRef {
    let a = actor(i);
    UserRef {
        subject: a.subject,
        name: a.name,
    }
}

/// A compliance officer of every facility: reads back what the steps did.
pub fn auditor() -> Actor {
    Actor {
        subject: "co-all".into(),
        name: "Auditor".into(),
        roles: BTreeSet::from([Role::Compliance]),
        facilities: FacilityScope::All,
    }
}

/// The records a case has made, in creation order, by kind.
#[derive(Clone, Debug, Default)]
pub struct Pools {
    pub complaints: Vec<Uuid>,
    pub recoveries: Vec<Uuid>,
    pub sessions: Vec<Uuid>,
    pub requests: Vec<Uuid>,
}

/// The `i`th newest record of a pool, or an id that names nothing.
pub fn pick(pool: &[Uuid], i: usize) -> Uuid {
    if pool.is_empty() {
        Uuid::now_v7()
    } else {
        pool[pool.len() - 1 - i % pool.len()]
    }
}

pub struct World {
    pub db: DatabaseConnection,
    /// The case's start, whole seconds: every stated time derives from it,
    /// so equal choices make equal inputs.
    pub t0: DateTime<Utc>,
    pub pools: Pools,
}

impl World {
    /// The facilities and the extra policy, made by an administrator
    /// through the same services as `facilityUpsert` and
    /// `deadlinePolicyUpsert`.
    pub async fn set_up(db: DatabaseConnection) -> World {
        let admin = actor(6);
        let caller = Caller {
            actor: &admin,
            request_id: "property-setup",
        };
        for code in ["MAIN", "WEST"] {
            let draft = FacilityDraft {
                code: code.into(),
                name: format!("{code} Hospital"),
                time_zone: "America/Chicago".into(),
                approval_threshold_amount: "250.00".into(),
                approval_threshold_currency: "USD".into(),
                default_language: None,
                required_documents: None,
                letters: None,
            };
            facilities::upsert(&db, &caller, &draft, None)
                .await
                .expect("facility");
        }
        let policy = PolicyDraft {
            facility_code: "MAIN".into(),
            program: Program::MedicareAdvantage,
            name: None,
            rules: default_rules(Program::MedicareAdvantage),
            expected_version: None,
        };
        policies::upsert(&db, &caller, &policy)
            .await
            .expect("policy");
        World {
            db,
            t0: Utc::now().trunc_subsecs(0),
            pools: Pools::default(),
        }
    }

    pub fn received_at(&self) -> DateTime<Utc> {
        self.t0 - Duration::days(2)
    }

    pub fn intake(&self, i: &Intake) -> IntakeDraft {
        let issues = (0..i.issues)
            .map(|n| IssueDraft {
                id: None,
                category: if n == 0 {
                    HcatCategory::Quality
                } else {
                    HcatCategory::Communication
                },
                severity: 2,
                stage_of_care: StageOfCare::CareOnWard,
                summary: None,
            })
            .collect();
        IntakeDraft {
            department: "Emergency".into(),
            channel: if i.written {
                Channel::Letter
            } else {
                Channel::Phone
            },
            received_at: self.received_at(),
            received_by: "Front desk".into(),
            complainant: Complainant {
                name: "Ana Pérez".into(),
                relationship: Relationship::SelfPatient,
                contact: None,
                preferred_language: Some("es".into()),
                communication_needs: None,
            },
            patient: Patient {
                mrn: Some("MRN-1".into()),
                name: "Ana Pérez".into(),
            },
            medicare_beneficiary: i.medicare_quality,
            concerns_quality_of_care: i.medicare_quality,
            concerns_premature_discharge: false,
            facts: GrievanceFacts::default(),
            description: i.description.render("Waited four hours in triage"),
            desired_outcome: None,
            people_involved: Vec::new(),
            issues,
            program: match i.program {
                ProgramPick::CmsHospital => Program::CmsHospital,
                ProgramPick::MedicareAdvantage => Program::MedicareAdvantage,
                ProgramPick::MedicaidManagedCare => Program::MedicaidManagedCare,
            },
            expedited: false,
        }
    }

    /// A resolution of `c`: findings for every issue or none, the written
    /// response or none, the QIO notice or not.
    pub fn resolve_input(
        &self,
        c: &ComplaintState,
        findings: bool,
        response: bool,
        qio: bool,
    ) -> ResolveInput {
        ResolveInput {
            findings: if findings {
                c.issues
                    .iter()
                    .map(|i| Finding {
                        issue_id: i.id,
                        finding: "Triage delay confirmed".into(),
                    })
                    .collect()
            } else {
                Vec::new()
            },
            summary: None,
            // Letters are records of their own, sent through their own
            // commands; a step here stands for the written notice by the
            // lawful exception, given only where the QIO notice is not
            // left out (the letter's A-0120 rule refuses that at send).
            letter_id: None,
            written_notice_exception: (response && (qio || !c.needs_qio_notice()))
                .then(|| "Written notice given by the complainant's portal message".to_owned()),
        }
    }

    /// An interpreter entry; `notes` varies it (an amendment with the
    /// entry's own notes changes nothing and is refused).
    pub fn entry(&self, language_ok: bool, notes: u8) -> EntryDraft {
        EntryDraft {
            patient_mrn: Some("MRN-1".into()),
            patient_name: "Ana Pérez".into(),
            encounter: "ENC-7".into(),
            department: "Emergency".into(),
            language: if language_ok { "es" } else { "not a tag!" }.into(),
            modality: Modality::VideoRemote,
            interpreter: Some(InterpreterDraft {
                staff_id: None,
                vendor: Some("LanguageLine".into()),
                interpreter_id: Some("LL-4411".into()),
                qualification: Qualification::CertifiedMedicalInterpreter,
            }),
            requested_by: "RN Kim".into(),
            requested_at: self.t0 - Duration::minutes(60),
            connected_at: Some(self.t0 - Duration::minutes(55)),
            ended_at: Some(self.t0 - Duration::minutes(30)),
            purpose: Purpose::Consent,
            outcome: Outcome::Provided,
            companion: None,
            notes: match notes {
                0 => None,
                1 => Some("Family present".into()),
                _ => Some("Connection dropped once".into()),
            },
        }
    }

    /// A request, needed an hour ago (overdue: it has failed) or next week.
    pub fn request(&self, overdue: bool, details: Text) -> RequestDraft {
        RequestDraft {
            patient_mrn: Some("MRN-1".into()),
            patient_name: "Ana Pérez".into(),
            department: "Radiology".into(),
            need_type: NeedType::SignLanguageInterpreter,
            details: details.render("ASL interpreter for the MRI consent"),
            requested_aid: "On-site ASL interpreter".into(),
            needed_by: if overdue {
                self.t0 - Duration::hours(1)
            } else {
                self.t0 + Duration::days(7)
            },
        }
    }
}
