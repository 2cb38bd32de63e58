//! The interpreter log's input objects, and their conversion to domain
//! values.

use async_graphql::{ID, InputObject};
use chrono::{DateTime, Utc};

use super::types::{
    InterpreterModality, InterpreterOutcome, InterpreterPurpose, InterpreterQualification,
};
use crate::domain::interpreter as di;
use crate::graphql::common::PatientInput;

#[derive(InputObject, Default)]
pub struct InterpreterSessionFilterInput {
    pub complaint_id: Option<ID>,
    pub facility_codes: Option<Vec<String>>,
    pub departments: Option<Vec<String>>,
    /// BCP 47 tags; matched after normalisation (`ZH-hant` finds `zh-Hant`).
    pub languages: Option<Vec<String>>,
    pub modalities: Option<Vec<InterpreterModality>>,
    pub outcomes: Option<Vec<InterpreterOutcome>>,
    pub requested_from: Option<DateTime<Utc>>,
    pub requested_to: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct InterpreterInput {
    /// A staff interpreter's id; or leave out and give vendor and interpreterId.
    pub staff_id: Option<String>,
    pub vendor: Option<String>,
    /// The vendor's id for the interpreter.
    pub interpreter_id: Option<String>,
    pub qualification: InterpreterQualification,
}

#[derive(InputObject)]
pub struct InterpreterCompanionInput {
    pub name: String,
    pub relationship: String,
    /// Under 18: refused unless `emergency`.
    pub minor: bool,
    /// The patient asked for this companion to interpret.
    pub patient_requested: bool,
    /// The companion agreed to interpret.
    pub companion_agreed: bool,
    pub emergency: bool,
}

/// A whole log entry. An amendment sends the whole corrected entry.
#[derive(InputObject)]
pub struct InterpreterSessionEntryInput {
    pub patient: PatientInput,
    pub encounter: String,
    pub department: String,
    /// A BCP 47 tag, e.g. `es`, `zh-Hant`, `ase` (American Sign Language).
    pub language: String,
    pub modality: InterpreterModality,
    /// Required for PROVIDED and DELAYED.
    pub interpreter: Option<InterpreterInput>,
    /// Who asked for the interpreter (name or role).
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    /// Required for PROVIDED and DELAYED; never for UNAVAILABLE.
    pub connected_at: Option<DateTime<Utc>>,
    /// Required for PROVIDED and DELAYED.
    pub ended_at: Option<DateTime<Utc>>,
    pub purpose: InterpreterPurpose,
    pub outcome: InterpreterOutcome,
    /// Required for DECLINED, and only then.
    pub companion: Option<InterpreterCompanionInput>,
    pub notes: Option<String>,
}

impl InterpreterSessionEntryInput {
    pub fn to_domain(&self) -> di::EntryDraft {
        di::EntryDraft {
            patient_mrn: self.patient.mrn.clone(),
            patient_name: self.patient.name.clone(),
            encounter: self.encounter.clone(),
            department: self.department.clone(),
            language: self.language.clone(),
            modality: self.modality,
            interpreter: self.interpreter.as_ref().map(|i| di::InterpreterDraft {
                staff_id: i.staff_id.clone(),
                vendor: i.vendor.clone(),
                interpreter_id: i.interpreter_id.clone(),
                qualification: i.qualification,
            }),
            requested_by: self.requested_by.clone(),
            requested_at: self.requested_at,
            connected_at: self.connected_at,
            ended_at: self.ended_at,
            purpose: self.purpose,
            outcome: self.outcome,
            companion: self.companion.as_ref().map(|c| di::CompanionDraft {
                name: c.name.clone(),
                relationship: c.relationship.clone(),
                minor: c.minor,
                patient_requested: c.patient_requested,
                companion_agreed: c.companion_agreed,
                emergency: c.emergency,
            }),
            notes: self.notes.clone(),
        }
    }
}

#[derive(InputObject)]
pub struct InterpreterSessionLogInput {
    pub facility_code: String,
    /// A complaint in the same facility to link the session to.
    pub complaint_id: Option<ID>,
    pub entry: InterpreterSessionEntryInput,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct InterpreterSessionAmendInput {
    pub id: ID,
    pub expected_version: i32,
    /// Why the entry is corrected.
    pub reason: String,
    /// The whole corrected entry.
    pub entry: InterpreterSessionEntryInput,
}
