//! The interpreter log: sessions, their query, logging and amending.

use std::sync::Arc;

use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::complaint_mutations::PatientInput;
use super::complaints::{Patient, UserRef};
use super::context::ContextExt;
use super::node::{NodeKind, encode_id};
use super::pagination::page_size;
use super::user_error::UserError;
use super::work::{
    Stamped, after_cursor, change, complaint_filter, connection, logged, optional_uuid_of, split,
    uuid_of,
};
use crate::domain::command::interpreter::InterpreterCommand;
use crate::domain::interpreter::{self as di, InterpreterSessionState};
use crate::domain::permissions::Operation;
use crate::services::audit::RECORD_INTERPRETER_SESSION;
use crate::services::interpreter::{self as svc, Filter, LogInput};

#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::interpreter::Modality")]
pub enum InterpreterModality {
    InPerson,
    VideoRemote,
    Phone,
    CertifiedDeafInterpreter,
    CartCaptioning,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::interpreter::Purpose")]
pub enum InterpreterPurpose {
    Consent,
    Diagnosis,
    Treatment,
    Medication,
    Discharge,
    Billing,
    General,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::interpreter::Outcome")]
pub enum InterpreterOutcome {
    Provided,
    Delayed,
    Unavailable,
    /// The patient declined a free interpreter and used a companion.
    Declined,
}

/// 45 CFR 92.4, "qualified interpreter".
#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::interpreter::Qualification")]
pub enum InterpreterQualification {
    /// Certified by a national body (CCHI, NBCMI, RID).
    CertifiedMedicalInterpreter,
    /// Assessed as qualified by the hospital or the vendor.
    QualifiedInterpreter,
    /// Bilingual staff assessed as qualified to interpret.
    QualifiedBilingualStaff,
}

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
            modality: e.modality.into(),
            interpreter: e.interpreter.as_ref().map(|i| Interpreter {
                staff_id: i.staff_id.clone(),
                vendor: i.vendor.clone(),
                interpreter_id: i.interpreter_id.clone(),
                qualification: i.qualification.into(),
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
            purpose: e.purpose.into(),
            outcome: e.outcome.into(),
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

pub struct InterpreterSessionConnectionFields {
    filter: Filter,
}

#[Object]
impl InterpreterSessionConnectionFields {
    /// How many sessions match, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        svc::count(ctx.db()?, ctx.actor()?, &self.filter)
            .await
            .map_err(|e| ctx.internal(e))
    }
}

pub type InterpreterSessionConnection =
    Connection<String, InterpreterSession, InterpreterSessionConnectionFields, EmptyFields>;

#[derive(Default)]
pub struct InterpreterQuery;

#[Object]
impl InterpreterQuery {
    /// The interpreter log of your facilities (STAFF: what you logged), in
    /// the order logged. Each read is recorded (`recordAccessLog`).
    async fn interpreter_sessions(
        &self,
        ctx: &Context<'_>,
        filter: Option<InterpreterSessionFilterInput>,
        #[graphql(desc = "Page size: at most 100 (the configured limit), 20 when omitted.")]
        first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<InterpreterSessionConnection> {
        let caller = ctx.caller()?;
        ctx.authorize(Operation::ReadInterpreterSessions)?;
        let limit = page_size(ctx, first)?;
        let after = after_cursor(after.as_deref())?;
        let f = filter.unwrap_or_default();
        let complaint_id = complaint_filter(f.complaint_id.as_ref());
        let filter = Filter {
            complaint_id,
            facility_codes: f.facility_codes.unwrap_or_default(),
            departments: f.departments.unwrap_or_default(),
            languages: f
                .languages
                .unwrap_or_default()
                .iter()
                .map(|l| di::language_tag(l).unwrap_or_else(|_| l.clone()))
                .collect(),
            modalities: f
                .modalities
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            outcomes: f
                .outcomes
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            requested_from: f.requested_from,
            requested_to: f.requested_to,
        };
        let (rows, has_next) = svc::list(ctx.db()?, caller.actor, &filter, after, limit)
            .await
            .map_err(|e| ctx.internal(e))?;
        let ids: Vec<Uuid> = rows.iter().map(|(id, _)| *id).collect();
        logged(
            ctx,
            &caller,
            RECORD_INTERPRETER_SESSION,
            &ids,
            "interpreterSessions",
        )
        .await?;
        Ok(connection(
            after.is_some(),
            has_next,
            InterpreterSessionConnectionFields { filter },
            rows,
            InterpreterSession::new,
        ))
    }
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
    fn to_domain(&self) -> di::EntryDraft {
        di::EntryDraft {
            patient_mrn: self.patient.mrn.clone(),
            patient_name: self.patient.name.clone(),
            encounter: self.encounter.clone(),
            department: self.department.clone(),
            language: self.language.clone(),
            modality: self.modality.into(),
            interpreter: self.interpreter.as_ref().map(|i| di::InterpreterDraft {
                staff_id: i.staff_id.clone(),
                vendor: i.vendor.clone(),
                interpreter_id: i.interpreter_id.clone(),
                qualification: i.qualification.into(),
            }),
            requested_by: self.requested_by.clone(),
            requested_at: self.requested_at,
            connected_at: self.connected_at,
            ended_at: self.ended_at,
            purpose: self.purpose.into(),
            outcome: self.outcome.into(),
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

#[derive(SimpleObject)]
pub struct InterpreterSessionLogPayload {
    pub interpreter_session: Option<InterpreterSession>,
    /// True when `idempotencyKey` matched an earlier log: nothing new was
    /// written.
    pub replayed: bool,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct InterpreterSessionAmendPayload {
    pub interpreter_session: Option<InterpreterSession>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct InterpreterMutation;

#[Object]
impl InterpreterMutation {
    /// Logs an interpreter session.
    async fn interpreter_session_log(
        &self,
        ctx: &Context<'_>,
        input: InterpreterSessionLogInput,
    ) -> Result<InterpreterSessionLogPayload> {
        let caller = ctx.caller()?;
        let result = match optional_uuid_of(
            input.complaint_id.as_ref(),
            NodeKind::Complaint,
            "complaint",
            "complaintId",
        ) {
            Err(e) => Err(e),
            Ok(complaint_id) => {
                let log = LogInput {
                    facility_code: input.facility_code.clone(),
                    complaint_id,
                    entry: input.entry.to_domain(),
                    idempotency_key: input.idempotency_key.clone(),
                };
                svc::log(ctx.db()?, &caller, &log).await
            }
        };
        Ok(match split(ctx, result)? {
            Ok((id, state, replayed)) => {
                tracing::info!(record_id = %id, replayed, "interpreter session logged");
                InterpreterSessionLogPayload {
                    interpreter_session: Some(InterpreterSession::new((id, state))),
                    replayed,
                    user_errors: Vec::new(),
                }
            }
            Err(user_errors) => InterpreterSessionLogPayload {
                interpreter_session: None,
                replayed: false,
                user_errors,
            },
        })
    }

    /// Corrects a log entry: the whole corrected entry and a reason. The
    /// entry before stays on the session (`amendments`, `original`).
    async fn interpreter_session_amend(
        &self,
        ctx: &Context<'_>,
        input: InterpreterSessionAmendInput,
    ) -> Result<InterpreterSessionAmendPayload> {
        let id = uuid_of(
            &input.id,
            NodeKind::InterpreterSession,
            "interpreter session",
            "id",
        );
        let command = InterpreterCommand::Amend {
            entry: input.entry.to_domain(),
            reason: input.reason,
        };
        let result = change(ctx, id, input.expected_version, command).await?;
        Ok(match split(ctx, result)? {
            Ok(record) => {
                tracing::info!(record_id = %record.0, version = record.1.version, "interpreter session amended");
                InterpreterSessionAmendPayload {
                    interpreter_session: Some(InterpreterSession::new(record)),
                    user_errors: Vec::new(),
                }
            }
            Err(user_errors) => InterpreterSessionAmendPayload {
                interpreter_session: None,
                user_errors,
            },
        })
    }
}
