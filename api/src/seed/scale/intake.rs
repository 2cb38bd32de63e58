//! Random but realistic intake: channel, program, facts, complainant and
//! language, 1–3 HCAT issues.

use chrono::{DateTime, Utc};
use rand::Rng;

use super::sim::{Sim, pick};
use super::world::Facility;
use crate::domain::clocks::Program;
use crate::domain::complaint::intake::{IntakeDraft, IssueDraft};
use crate::domain::complaint::{
    Channel, Complainant, GrievanceFacts, HcatCategory, Patient, PersonInvolved, Relationship,
    StageOfCare,
};

pub(super) const DEPARTMENTS: &[&str] = &[
    "Emergency Department",
    "Cardiology",
    "Oncology",
    "Orthopedics",
    "Maternity",
    "Pediatrics",
    "Radiology",
    "Surgery",
    "Intensive Care",
    "Outpatient Clinic",
    "Pharmacy",
    "Billing Office",
    "Behavioral Health",
    "Neurology",
];

const DESCRIPTIONS: &[&str] = &[
    "Waited several hours without any update on when the patient would be seen.",
    "Staff were dismissive when asked about pain relief overnight.",
    "Discharged without clear instructions about the new medication.",
    "The room was not cleaned between patients.",
    "Billed for a procedure that was cancelled.",
    "The appointment was cancelled twice without notice.",
    "Felt rushed by the physician; questions were not answered.",
    "Test results were shared with the wrong family member.",
    "Call light went unanswered for a long time during the night.",
    "No interpreter was offered when the family asked for one.",
    "Meals did not follow the dietary restrictions on the chart.",
    "Lost belongings after the transfer between units.",
];

/// The complainant's preferred language: Spanish, Chinese, Vietnamese and
/// ASL besides English; mostly Spanish where that is the default.
pub(super) fn language(sim: &mut Sim<'_>, f: &Facility) -> &'static str {
    if f.language == "es" {
        pick(
            &mut sim.rng,
            &[("es", 48), ("en", 44), ("zh", 2), ("vi", 3), ("ase", 3)],
        )
    } else {
        pick(
            &mut sim.rng,
            &[("en", 80), ("es", 11), ("zh", 3), ("vi", 3), ("ase", 3)],
        )
    }
}

/// The program a complaint falls under at this facility.
fn program(sim: &mut Sim<'_>, f: &Facility, medicare: bool) -> Program {
    let has = |p| f.policy(p).is_some();
    if medicare && has(Program::MedicareAdvantage) && sim.chance(0.55) {
        Program::MedicareAdvantage
    } else if !medicare && has(Program::MedicaidManagedCare) && sim.chance(0.25) {
        Program::MedicaidManagedCare
    } else if !medicare && has(Program::Commercial) && sim.chance(0.35) {
        Program::Commercial
    } else {
        Program::CmsHospital
    }
}

fn issues(sim: &mut Sim<'_>) -> Vec<IssueDraft> {
    use HcatCategory::*;
    use StageOfCare::*;
    let count = pick(&mut sim.rng, &[(1usize, 60), (2, 30), (3, 10)]);
    let mut categories: Vec<HcatCategory> = Vec::new();
    while categories.len() < count {
        let c = pick(
            &mut sim.rng,
            &[
                (Quality, 20),
                (Safety, 10),
                (Environment, 10),
                (InstitutionalProcesses, 22),
                (Listening, 10),
                (Communication, 20),
                (RespectAndPatientRights, 8),
            ],
        );
        if !categories.contains(&c) {
            categories.push(c);
        }
    }
    categories
        .into_iter()
        .map(|category| IssueDraft {
            id: None,
            category,
            severity: pick(&mut sim.rng, &[(1, 55), (2, 35), (3, 10)]),
            stage_of_care: pick(
                &mut sim.rng,
                &[
                    (Admission, 18),
                    (ExaminationDiagnosis, 18),
                    (CareOnWard, 30),
                    (OperationProcedure, 10),
                    (DischargeTransfer, 14),
                    (Other, 10),
                ],
            ),
            summary: None,
        })
        .collect()
}

/// A complaint's intake at facility `f`, received at `received`.
pub(super) fn draft(sim: &mut Sim<'_>, f: &Facility, received: DateTime<Utc>) -> IntakeDraft {
    use Channel::*;
    let n = sim.serial();
    let channel = pick(
        &mut sim.rng,
        &[
            (InPerson, 28),
            (Phone, 30),
            (Letter, 6),
            (Email, 12),
            (Fax, 1),
            (Portal, 13),
            (SurveyComment, 7),
            (AgencyReferral, 3),
        ],
    );
    let medicare = sim.chance(0.35);
    let program = program(sim, f, medicare);
    let quality = sim.chance(0.22);
    let facts = GrievanceFacts {
        formal_handling_requested: sim.chance(0.08),
        alleges_abuse_neglect_or_harm: sim.chance(0.02),
        concerns_conditions_of_participation: sim.chance(0.03),
        medicare_billing_rights: medicare && sim.chance(0.05),
    };
    let department = DEPARTMENTS[sim.rng.random_range(0..DEPARTMENTS.len())];
    let relationship = pick(
        &mut sim.rng,
        &[
            (Relationship::SelfPatient, 55),
            (Relationship::SpouseOrPartner, 12),
            (Relationship::Child, 12),
            (Relationship::Parent, 8),
            (Relationship::OtherFamily, 5),
            (Relationship::LegalRepresentative, 4),
            (Relationship::Friend, 2),
            (Relationship::Other, 2),
        ],
    );
    let language = language(sim, f);
    IntakeDraft {
        department: department.to_owned(),
        channel,
        received_at: received,
        received_by: format!("Front desk, {department}"),
        complainant: Complainant {
            name: format!("Complainant {n}"),
            relationship,
            contact: Some(format!("555-{:04}", n % 10_000)),
            preferred_language: Some(language.to_owned()),
            communication_needs: (language == "ase").then(|| "Deaf; uses ASL".to_owned()),
        },
        patient: Patient {
            mrn: Some(format!("SC{n:08}")),
            name: format!("Patient {n}"),
        },
        medicare_beneficiary: medicare,
        concerns_quality_of_care: quality,
        concerns_premature_discharge: quality && sim.chance(0.2),
        facts,
        description: DESCRIPTIONS[sim.rng.random_range(0..DESCRIPTIONS.len())].to_owned(),
        desired_outcome: sim
            .chance(0.6)
            .then(|| "An explanation and an apology.".to_owned()),
        people_involved: if sim.chance(0.4) {
            vec![PersonInvolved {
                name: format!("Staff member {}", n % 997),
                role: Some("nurse".to_owned()),
            }]
        } else {
            Vec::new()
        },
        issues: issues(sim),
        program,
        expedited: program == Program::MedicareAdvantage && sim.chance(0.03),
    }
}
