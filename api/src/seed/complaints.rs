//! The demo complaints: their stories, and each one walked along the
//! lifecycle as far as its story goes, through the complaint's commands.

use chrono::{Duration, SubsecRound, Utc};
use sea_orm::DatabaseConnection;

use super::fail;
use crate::domain::clocks::Program;
use crate::domain::command::complaint::ComplaintCommand;
use crate::domain::complaint::intake::{IntakeDraft, IssueDraft};
use crate::domain::complaint::resolution::{Finding, ResolveInput};
use crate::domain::complaint::{
    Channel, Complainant, ContactMethod, GrievanceFacts, HcatCategory, Patient, PersonInvolved,
    Relationship, StageOfCare, UserRef,
};
use crate::domain::letter::{ContentInput, DraftInput, LetterKind, SendMethod, UpdateInput};
use crate::services::complaints::{self, CreateDraft, Record};
use crate::services::letters::{self, DraftRequest};
use crate::services::{Caller, change};

pub(super) struct Story {
    facility: &'static str,
    channel: Channel,
    days_ago: i64,
    department: &'static str,
    complainant: (&'static str, Relationship),
    patient: &'static str,
    medicare: bool,
    quality_of_care: bool,
    facts: GrievanceFacts,
    pub(super) description: &'static str,
    issues: &'static [(HcatCategory, i32, StageOfCare)],
    /// How far along the lifecycle it gets.
    pub(super) end: &'static str,
    /// The complainant's preferred language (BCP 47).
    language: &'static str,
}

const NONE: GrievanceFacts = GrievanceFacts {
    formal_handling_requested: false,
    alleges_abuse_neglect_or_harm: false,
    concerns_conditions_of_participation: false,
    medicare_billing_rights: false,
};

pub(super) fn stories() -> Vec<Story> {
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
            language: "en",
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
            language: "en",
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
            language: "en",
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
            language: "en",
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
            language: "en",
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
            language: "es",
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
            language: "en",
        },
    ]
}

pub(super) fn draft_of(s: &Story) -> CreateDraft {
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
                preferred_language: Some(s.language.to_owned()),
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

pub(super) async fn create(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    s: &Story,
) -> anyhow::Result<Record> {
    let draft = draft_of(s);
    Ok(complaints::create(db, caller, &draft)
        .await
        .map_err(|e| fail("a complaint", e))?
        .0)
}

fn contact() -> ContentInput {
    ContentInput {
        contact_name: Some("Pat Rivera".to_owned()),
        contact_title: Some("Patient Relations".to_owned()),
        contact_phone: Some("555-0100".to_owned()),
        ..ContentInput::default()
    }
}

/// The acknowledgement in Spanish, for when no Spanish template exists:
/// the letter is never sent in English to a Spanish-speaking complainant.
const SPANISH_ACKNOWLEDGEMENT: &str = "Gracias por informarnos de su inquietud. \
La hemos recibido y Pat Rivera, de Relaciones con los Pacientes, la está revisando. \
Le escribiremos con lo que encontremos.\n\nPuede llamarnos al 555-0100.";

/// Drafts a letter on the complaint and sends it by mail, through the
/// letters' services (audited like any letter).
async fn send_letter(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    complaint_id: uuid::Uuid,
    kind: LetterKind,
    content: ContentInput,
    what: &str,
) -> anyhow::Result<()> {
    let request = DraftRequest {
        complaint_id,
        input: DraftInput {
            kind,
            language: None,
            language_reason: None,
            format: None,
            supersedes: None,
            content: content.clone(),
        },
        idempotency_key: None,
    };
    let (id, mut state, _) = letters::draft(db, caller, &request)
        .await
        .map_err(|e| fail(what, e))?;
    if state.composition.language_gap && state.content.text.is_none() {
        let text = if letters::compose::preferred_language(
            &complaint_of(db, caller, complaint_id).await?,
            "en",
        )
        .starts_with("es")
        {
            SPANISH_ACKNOWLEDGEMENT
        } else {
            anyhow::bail!(
                "seeding {what}: no template and no text in {}",
                state.language
            );
        };
        state = letters::update(
            db,
            caller,
            id,
            state.version,
            UpdateInput {
                language: None,
                language_reason: None,
                format: None,
                content: ContentInput {
                    text: Some(text.to_owned()),
                    ..content
                },
            },
        )
        .await
        .map_err(|e| fail(what, e))?;
    }
    letters::mark_sent(db, caller, id, state.version, SendMethod::Mail, None, None)
        .await
        .map_err(|e| fail(what, e))?;
    Ok(())
}

async fn complaint_of(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    id: uuid::Uuid,
) -> anyhow::Result<crate::domain::complaint::ComplaintState> {
    crate::services::stored::visible_by_id(db, caller.actor, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("seeded complaint vanished"))
}

/// Moves a complaint along the lifecycle up to `end`.
pub(super) async fn walk(
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
        "INVESTIGATING" => &["ack", "assign", "investigate", "progress"],
        "CLOSED" => &[
            "ack",
            "assign",
            "investigate",
            "progress",
            "resolution letter",
            "resolve",
            "close",
        ],
        "WITHDRAWN" => &["withdraw"],
        _ => &[],
    };
    for step in steps {
        let now = Utc::now().trunc_subsecs(6);
        let content = match *step {
            // Acknowledged by letter: sending it acknowledges the complaint.
            "ack" => Some((LetterKind::Acknowledgement, contact())),
            "progress" => Some((
                LetterKind::ProgressNotice,
                ContentInput {
                    response_by: Some(now.date_naive() + chrono::Days::new(21)),
                    ..contact()
                },
            )),
            "resolution letter" => Some((
                LetterKind::Resolution,
                ContentInput {
                    investigation_steps: Some(
                        "Interviewed the staff on shift and reviewed the record.".to_owned(),
                    ),
                    results: Some(
                        "Concern substantiated; communication training scheduled.".to_owned(),
                    ),
                    completed_on: Some(now.date_naive()),
                    qio_notice: r.state.needs_qio_notice(),
                    ..contact()
                },
            )),
            _ => None,
        };
        if let Some((kind, content)) = content {
            send_letter(db, caller, r.id, kind, content, step).await?;
            r = Record {
                id: r.id,
                state: complaint_of(db, caller, r.id).await?,
            };
            continue;
        }
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
                // The RESOLUTION letter sent just before.
                letter_id: None,
                written_notice_exception: None,
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
