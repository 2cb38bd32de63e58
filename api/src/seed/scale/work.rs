//! Linked work: service recovery on a complaint, interpreter sessions (on a
//! complaint or not) and accessibility requests, each along its own
//! lifecycle through the domain's commands, as far as now.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::intake::DEPARTMENTS;
use super::sim::{Sim, pick};
use super::world::Facility;
use super::write::{Batch, Chain};
use crate::domain::accessibility::{self as da, DenialGround, NeedType};
use crate::domain::actor::Actor;
use crate::domain::command::Placement;
use crate::domain::command::accessibility::{AccessibilityCommand, FileAccessibilityRequest};
use crate::domain::command::interpreter::LogInterpreterSession;
use crate::domain::command::service_recovery::{
    ProposalSetting, ProposeServiceRecovery, ServiceRecoveryCommand,
};
use crate::domain::interpreter::{self as di, Modality, Outcome};
use crate::domain::permissions::Operation;
use crate::domain::service_recovery::{Kind, ProposalDraft};
use crate::services::{accessibility, interpreter, service_recovery};

/// How linked work ended up: when its last step happened, and whether it
/// is finished (a complaint closes only when all of it is).
pub(super) struct Done {
    pub last: DateTime<Utc>,
    pub finished: bool,
}

/// A service-recovery action on complaint `complaint_id`, proposed by its
/// owner between `from` and `to`, decided and completed before `to`.
#[allow(clippy::too_many_arguments)] // one call site, every argument named there
pub(super) fn service_recovery<'w>(
    sim: &mut Sim<'w>,
    chain: &mut Chain,
    batch: &mut Batch,
    f: &Facility,
    complaint_id: Uuid,
    department: &str,
    owner: &'w Actor,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> anyhow::Result<Done> {
    use Kind::*;
    let kind = pick(
        &mut sim.rng,
        &[
            (Apology, 22),
            (Explanation, 14),
            (StaffCoaching, 10),
            (ExpeditedAppointment, 6),
            (CareTeamChange, 3),
            (PolicyChange, 2),
            (MealVoucher, 12),
            (ParkingVoucher, 8),
            (GiftCard, 6),
            (BillAdjustment, 9),
            (BillWriteOff, 4),
            (Refund, 4),
        ],
    );
    let cents: Option<i64> = match kind {
        MealVoucher => Some(sim.rng.random_range(10..=30) * 100),
        ParkingVoucher => Some(sim.rng.random_range(5..=25) * 100),
        GiftCard => Some(sim.rng.random_range(25..=300) * 100),
        BillAdjustment => Some(sim.rng.random_range(5_000..=200_000)),
        BillWriteOff => Some(sim.rng.random_range(10_000..=500_000)),
        Refund => Some(sim.rng.random_range(2_000..=80_000)),
        _ => None,
    };
    let setting = ProposalSetting {
        facility_id: f.id,
        facility_code: f.code.to_owned(),
        complaint_id,
        department: department.to_owned(),
        threshold: f.threshold.clone(),
    };
    let command = ProposeServiceRecovery {
        complaint_id,
        draft: ProposalDraft {
            kind,
            description: format!("{} for the patient and family", kind.as_str()),
            amount: cents.map(|c| {
                (
                    Decimal::new(c, 2).to_string().as_str().into(),
                    "USD".to_owned(),
                )
            }),
        },
    };
    let proposer = sim.actor_for(Operation::ProposeServiceRecovery, owner);
    let proposed_at = sim.between(from, to, 0.1..=0.3);
    let mut outcome = Done {
        last: proposed_at,
        finished: false,
    };
    if proposed_at > sim.now {
        return Ok(outcome);
    }
    let (id, mut state) = sim.create(chain, proposer, command, &setting, proposed_at, |_, _| {})?;
    let roll: f64 = sim.rng.random();
    let decided_at = sim.between(proposed_at, to, 0.2..=0.5);
    if decided_at <= sim.now {
        let step = if roll < 0.05 {
            Some((
                sim.manager(),
                ServiceRecoveryCommand::Decline {
                    reason: "Not proportionate to the concern".to_owned(),
                },
            ))
        } else if roll < 0.09 {
            Some((
                proposer,
                ServiceRecoveryCommand::Cancel {
                    reason: "The family declined the offer".to_owned(),
                },
            ))
        } else if state.approval_required {
            Some((sim.manager(), ServiceRecoveryCommand::Approve))
        } else {
            None
        };
        if let Some((actor, command)) = step {
            sim.change(chain, actor, id, &mut state, command, decided_at, None)?;
            outcome.last = decided_at;
        }
        let done_at = sim.between(decided_at, to, 0.3..=0.8);
        if !state.status.is_finished() && done_at <= sim.now {
            let complete = ServiceRecoveryCommand::Complete {
                note: Some("Given to the patient".to_owned()),
            };
            let actor = sim.actor_for(Operation::CompleteServiceRecovery, owner);
            sim.change(chain, actor, id, &mut state, complete, done_at, None)?;
            outcome.last = done_at;
        }
    }
    outcome.finished = state.status.is_finished();
    batch
        .service_recovery
        .push(service_recovery::row(id, &state)?);
    sim.counts.service_recovery_actions += 1;
    Ok(outcome)
}

/// An interpreter session in `language`, logged at `at` by a staff member.
pub(super) fn interpreter_session(
    sim: &mut Sim<'_>,
    chain: &mut Chain,
    batch: &mut Batch,
    f: &Facility,
    complaint_id: Option<Uuid>,
    language: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    if at > sim.now {
        return Ok(());
    }
    let outcome = pick(
        &mut sim.rng,
        &[
            (Outcome::Provided, 76),
            (Outcome::Delayed, 11),
            (Outcome::Unavailable, 8),
            (Outcome::Declined, 5),
        ],
    );
    let modality = if language == "ase" {
        pick(
            &mut sim.rng,
            &[
                (Modality::InPerson, 50),
                (Modality::VideoRemote, 40),
                (Modality::CertifiedDeafInterpreter, 10),
            ],
        )
    } else {
        pick(
            &mut sim.rng,
            &[
                (Modality::VideoRemote, 45),
                (Modality::Phone, 40),
                (Modality::InPerson, 15),
            ],
        )
    };
    let ended = at - sim.minutes(1, 30);
    let connected = ended - sim.minutes(8, 75);
    let wait = match outcome {
        Outcome::Delayed => sim.minutes(30, 150),
        _ => sim.minutes(0, 25),
    };
    let requested = connected - wait;
    let served = matches!(outcome, Outcome::Provided | Outcome::Delayed);
    let n = sim.serial();
    let entry = di::EntryDraft {
        patient_mrn: Some(format!("SC{n:08}")),
        patient_name: format!("Patient {n}"),
        encounter: format!("ENC-{n}"),
        department: DEPARTMENTS[sim.rng.random_range(0..DEPARTMENTS.len())].to_owned(),
        language: language.to_owned(),
        modality,
        interpreter: served.then(|| di::InterpreterDraft {
            staff_id: None,
            vendor: Some("Scale Language Services".to_owned()),
            interpreter_id: Some(format!("SLS-{}", n % 400)),
            qualification: di::Qualification::CertifiedMedicalInterpreter,
        }),
        requested_by: "Charge nurse".to_owned(),
        requested_at: requested,
        connected_at: served.then_some(connected),
        ended_at: served.then_some(ended),
        purpose: pick(
            &mut sim.rng,
            &[
                (di::Purpose::Consent, 10),
                (di::Purpose::Diagnosis, 20),
                (di::Purpose::Treatment, 25),
                (di::Purpose::Medication, 15),
                (di::Purpose::Discharge, 15),
                (di::Purpose::Billing, 5),
                (di::Purpose::General, 10),
            ],
        ),
        outcome,
        companion: (outcome == Outcome::Declined).then(|| di::CompanionDraft {
            name: format!("Companion {n}"),
            relationship: "adult family member".to_owned(),
            minor: false,
            patient_requested: true,
            companion_agreed: true,
            emergency: false,
        }),
        notes: None,
    };
    let command = LogInterpreterSession {
        facility_code: f.code.to_owned(),
        complaint_id,
        entry,
    };
    let placement = Placement {
        facility_id: f.id,
        facility_code: f.code.to_owned(),
        complaint_id,
    };
    let staff = sim.staff();
    let actor = sim.actor_for(Operation::LogInterpreterSession, staff);
    let (id, state) = sim.create(chain, actor, command, &placement, at, |_, _| {})?;
    batch.interpreter.push(interpreter::row(id, &state)?);
    sim.counts.interpreter_sessions += 1;
    Ok(())
}

/// An accessibility request filed at `at`, worked as far as now.
pub(super) fn accessibility_request(
    sim: &mut Sim<'_>,
    chain: &mut Chain,
    batch: &mut Batch,
    f: &Facility,
    complaint_id: Option<Uuid>,
    department: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<Done> {
    use NeedType::*;
    let mut outcome = Done {
        last: at,
        finished: false,
    };
    if at > sim.now {
        return Ok(outcome);
    }
    let need_type = pick(
        &mut sim.rng,
        &[
            (SignLanguageInterpreter, 18),
            (CartCaptioning, 4),
            (TtyVideophone, 3),
            (LargePrint, 10),
            (Braille, 3),
            (AudioFormat, 3),
            (Reader, 3),
            (Wheelchair, 20),
            (MobilityAssistance, 14),
            (TransferLift, 7),
            (AccessibleExamTable, 6),
            (AccessibleScale, 3),
            (ServiceAnimal, 3),
            (CognitiveSupport, 3),
        ],
    );
    let n = sim.serial();
    let needed_by = at + Duration::hours(sim.rng.random_range(20..=150));
    let draft = da::RequestDraft {
        patient_mrn: Some(format!("SC{n:08}")),
        patient_name: format!("Patient {n}"),
        department: department.to_owned(),
        need_type,
        details: "Requested at scheduling".to_owned(),
        requested_aid: format!("{} as the patient asked", need_type.as_str()),
        needed_by,
    };
    let command = FileAccessibilityRequest {
        facility_code: f.code.to_owned(),
        complaint_id,
        draft,
    };
    let placement = Placement {
        facility_id: f.id,
        facility_code: f.code.to_owned(),
        complaint_id,
    };
    let staff = sim.staff();
    let filer = sim.actor_for(Operation::CreateAccessibilityRequest, staff);
    let (id, mut state) = sim.create(chain, filer, command, &placement, at, |_, _| {})?;
    let specialist = sim.specialist();
    let worker = sim.actor_for(Operation::WorkAccessibilityRequest, specialist);
    let roll: f64 = sim.rng.random();
    let acknowledged_at = at + sim.minutes(30, 18 * 60);
    let mut steps: Vec<(DateTime<Utc>, &Actor, AccessibilityCommand)> = Vec::new();
    steps.push((acknowledged_at, worker, AccessibilityCommand::Acknowledge));
    if roll < 0.70 {
        steps.push((
            acknowledged_at + Duration::minutes(30),
            worker,
            AccessibilityCommand::Schedule {
                scheduled_for: needed_by - Duration::hours(2),
                provider: Some("Facilities".to_owned()),
            },
        ));
        let fulfilled_at = if sim.chance(0.85) {
            needed_by - Duration::hours(1)
        } else {
            needed_by + sim.minutes(60, 48 * 60)
        };
        steps.push((
            fulfilled_at,
            worker,
            AccessibilityCommand::Fulfill { note: None },
        ));
    } else if roll < 0.83 {
        steps.push((
            needed_by - Duration::hours(3),
            worker,
            AccessibilityCommand::ProvideAlternative {
                alternative: "Equivalent aid from another unit".to_owned(),
                reason: "The requested equipment was in use".to_owned(),
            },
        ));
    } else if roll < 0.89 {
        let ground = pick(
            &mut sim.rng,
            &[
                (DenialGround::UndueBurden, 70),
                (DenialGround::FundamentalAlteration, 30),
            ],
        );
        let manager = sim.manager();
        steps.push((
            acknowledged_at + Duration::hours(2),
            manager,
            AccessibilityCommand::Deny {
                ground,
                reason: "Could not be provided at this site in time".to_owned(),
            },
        ));
    } else if roll < 0.94 {
        steps.push((
            acknowledged_at + Duration::hours(1),
            worker,
            AccessibilityCommand::Cancel {
                reason: "The appointment was cancelled".to_owned(),
            },
        ));
    }
    for (step_at, actor, command) in steps {
        if step_at > sim.now {
            break;
        }
        sim.change(chain, actor, id, &mut state, command, step_at, None)?;
        outcome.last = step_at;
    }
    outcome.finished = !state.status.is_open();
    batch.accessibility.push(accessibility::row(id, &state)?);
    sim.counts.accessibility_requests += 1;
    Ok(outcome)
}
