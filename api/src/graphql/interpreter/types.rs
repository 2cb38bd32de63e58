//! The interpreter session, its log entry and its enums.

use std::sync::Arc;

use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::interpreter::{self as di, InterpreterSessionState};
pub use crate::domain::interpreter::{
    Modality as InterpreterModality, Outcome as InterpreterOutcome, Purpose as InterpreterPurpose,
    Qualification as InterpreterQualification,
};
use crate::graphql::common::{Patient, Stamped, UserRef};
use crate::ids::{NodeKind, encode_id};

/// Who interpreted: a staff id, or a vendor and the vendor's interpreter id.
#[derive(SimpleObject)]
pub struct Interpreter {
    pub staff_id: Option<String>,
    pub vendor: Option<String>,
    pub interpreter_id: Option<String>,
    pub qualification: InterpreterQualification,
}

/// The companion a patient chose instead of a free interpreter.
#[derive(SimpleObject)]
pub struct InterpreterCompanion {
    pub name: String,
    pub relationship: String,
    pub minor: bool,
    pub patient_requested: bool,
    pub companion_agreed: bool,
    pub emergency: bool,
}

/// What a log entry says. A session shows its current entry; amendments
/// keep the ones before.
#[derive(SimpleObject)]
pub struct InterpreterSessionEntry {
    pub patient: Patient,
    pub encounter: String,
    pub department: String,
    /// A BCP 47 tag, e.g. `es`, `zh-Hant`, `ase`.
    pub language: String,
    pub modality: InterpreterModality,
    pub interpreter: Option<Interpreter>,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub connected_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// Minutes from request to connection.
    pub wait_minutes: Option<i64>,
    /// Minutes from connection to end.
    pub duration_minutes: Option<i64>,
    pub purpose: InterpreterPurpose,
    pub outcome: InterpreterOutcome,
    pub companion: Option<InterpreterCompanion>,
    pub notes: Option<String>,
}

impl From<&di::Entry> for InterpreterSessionEntry {
    fn from(e: &di::Entry) -> Self {
        InterpreterSessionEntry {
            patient: Patient {
                mrn: e.patient.mrn.clone(),
                name: e.patient.name.clone(),
            },
            encounter: e.encounter.clone(),
            department: e.department.clone(),
            language: e.language.clone(),
            modality: e.modality,
            interpreter: e.interpreter.as_ref().map(|i| Interpreter {
                staff_id: i.staff_id.clone(),
                vendor: i.vendor.clone(),
                interpreter_id: i.interpreter_id.clone(),
                qualification: i.qualification,
            }),
            requested_by: e.requested_by.clone(),
            requested_at: e.requested_at,
            connected_at: e.connected_at,
            ended_at: e.ended_at,
            wait_minutes: e.connected_at.map(|c| (c - e.requested_at).num_minutes()),
            duration_minutes: match (e.connected_at, e.ended_at) {
                (Some(c), Some(end)) => Some((end - c).num_minutes()),
                _ => None,
            },
            purpose: e.purpose,
            outcome: e.outcome,
            companion: e.companion.as_ref().map(|c| InterpreterCompanion {
                name: c.name.clone(),
                relationship: c.relationship.clone(),
                minor: c.minor,
                patient_requested: c.patient_requested,
                companion_agreed: c.companion_agreed,
                emergency: c.emergency,
            }),
            notes: e.notes.clone(),
        }
    }
}

/// One correction of a log entry.
#[derive(SimpleObject)]
pub struct InterpreterSessionAmendment {
    pub by: UserRef,
    pub at: DateTime<Utc>,
    pub reason: String,
    /// The entry's fields that changed, by their names in `entry`.
    pub changed_fields: Vec<String>,
    /// The entry as it was before this amendment.
    pub previous: InterpreterSessionEntry,
}

/// One interpreter session in the language-access log.
#[derive(Clone, Debug)]
pub struct InterpreterSession {
    pub uuid: Uuid,
    pub state: Arc<InterpreterSessionState>,
}

impl InterpreterSession {
    pub fn new((uuid, state): (Uuid, InterpreterSessionState)) -> Self {
        InterpreterSession {
            uuid,
            state: Arc::new(state),
        }
    }
}

#[Object]
impl InterpreterSession {
    pub async fn id(&self) -> ID {
        encode_id(NodeKind::InterpreterSession, self.uuid)
    }
    async fn version(&self) -> i32 {
        self.state.version
    }
    async fn facility_code(&self) -> &str {
        &self.state.facility_code
    }
    /// The complaint it is linked to, if any.
    async fn complaint_id(&self) -> Option<ID> {
        self.state
            .complaint_id
            .map(|id| encode_id(NodeKind::Complaint, id))
    }
    /// The entry as it stands (after any amendments).
    async fn entry(&self) -> InterpreterSessionEntry {
        (&self.state.entry).into()
    }
    /// The entry as first logged.
    async fn original(&self) -> InterpreterSessionEntry {
        self.state.original().into()
    }
    async fn amendments(&self) -> Vec<InterpreterSessionAmendment> {
        self.state
            .amendments
            .iter()
            .map(|a| InterpreterSessionAmendment {
                by: UserRef::from(&a.by),
                at: a.at,
                reason: a.reason.clone(),
                changed_fields: a.changed_fields.clone(),
                previous: (&a.previous).into(),
            })
            .collect()
    }
    async fn logged(&self) -> Stamped {
        (&self.state.logged).into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.state.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.state.updated_at
    }
}
