//! The demo's linked work: service recovery, interpreter sessions and
//! accessibility requests around one complaint.

use chrono::{Duration, SubsecRound, Utc};
use rust_decimal::Decimal;
use sea_orm::DatabaseConnection;

use super::complaints::{draft_of, stories};
use super::{Seeded, fail};
use crate::domain::command::accessibility::AccessibilityCommand;
use crate::domain::command::service_recovery::ServiceRecoveryCommand;
use crate::services::Caller;
use crate::services::change;
use crate::services::complaints;

/// the complaint under investigation, and a grievance opened from a denied
/// accommodation.
/// Service recovery, interpreter sessions and accessibility requests around
pub(super) async fn linked_work(
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
