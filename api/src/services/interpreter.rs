//! The interpreter log: how entries are stored and listed. Logging a
//! session is `LogInterpreterSession` through `services::create`;
//! amendments are `InterpreterCommand`s through `services::change`.

use chrono::{DateTime, Utc};
use entity::interpreter_session::{self, Entity as Session};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::create::{self, Create};
use super::scope::scope_condition;
use super::stored::{self, Stored, Versioned};
use super::{Caller, ServiceError, facility_lookup, links};
use crate::domain::actor::Actor;
use crate::domain::command::Placement;
use crate::domain::command::interpreter::LogInterpreterSession;
use crate::domain::interpreter::{EntryDraft, InterpreterSessionState, Modality, Outcome};

impl Stored for InterpreterSessionState {
    const RECORD_TYPE: &'static str = super::audit::RECORD_INTERPRETER_SESSION;
    const NOUN: &'static str = "interpreter session";

    fn facility_code(&self) -> &str {
        &self.facility_code
    }
    fn complaint_of(&self, _id: Uuid) -> Option<Uuid> {
        self.complaint_id
    }
    fn created_by(&self) -> &str {
        &self.logged.by.subject
    }

    stored::stored_in!(Session, row);
}

impl Versioned for InterpreterSessionState {
    fn version(&self) -> i32 {
        self.version
    }
    fn touch(&mut self, version: i32, now: DateTime<Utc>) {
        self.version = version;
        self.updated_at = now;
    }

    stored::versioned_in!(Session, interpreter_session, row);
}

/// The row's columns, projected from the state.
pub fn row(id: Uuid, s: &InterpreterSessionState) -> Result<interpreter_session::Model, DbErr> {
    Ok(interpreter_session::Model {
        id,
        facility_id: s.facility_id,
        facility_code: s.facility_code.clone(),
        complaint_id: s.complaint_id,
        department: s.entry.department.clone(),
        language: s.entry.language.clone(),
        modality: s.entry.modality.as_str().to_owned(),
        outcome: s.entry.outcome.as_str().to_owned(),
        requested_at: s.entry.requested_at,
        connected_at: s.entry.connected_at,
        ended_at: s.entry.ended_at,
        created_by_subject: s.logged.by.subject.clone(),
        record: stored::encode(id, s)?,
        version: s.version,
        created_at: s.created_at,
        updated_at: s.updated_at,
    })
}

pub const OP_LOG: &str = "interpreterSessionLog";

/// What `interpreterSessionLog` asks for.
#[derive(Clone, Debug)]
pub struct LogInput {
    pub facility_code: String,
    pub complaint_id: Option<Uuid>,
    pub entry: EntryDraft,
    pub idempotency_key: Option<String>,
}

impl Create for LogInterpreterSession {
    const OPERATION: &'static str = OP_LOG;

    /// The facility in scope and, when given, a complaint of it.
    async fn setting(
        &self,
        db: &impl ConnectionTrait,
        actor: &Actor,
    ) -> Result<Placement, ServiceError> {
        let facility =
            facility_lookup::for_input(db, &actor.facilities, &self.facility_code).await?;
        if let Some(complaint_id) = self.complaint_id {
            links::linked_complaint(db, actor, complaint_id, Some(&facility.code)).await?;
        }
        Ok(Placement {
            facility_id: facility.id,
            facility_code: facility.code,
            complaint_id: self.complaint_id,
        })
    }
}

/// Logs a session. A repeated key returns the first entry (`true` in the
/// third place).
pub async fn log(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    input: &LogInput,
) -> Result<(Uuid, InterpreterSessionState, bool), ServiceError> {
    let command = LogInterpreterSession {
        facility_code: input.facility_code.clone(),
        complaint_id: input.complaint_id,
        entry: input.entry.clone(),
    };
    let c = create::create(db, caller, command, input.idempotency_key.as_deref()).await?;
    Ok((c.id, c.state, c.replayed))
}

/// The filters of `interpreterSessions`.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub complaint_id: Option<Uuid>,
    pub facility_codes: Vec<String>,
    pub departments: Vec<String>,
    /// BCP 47 tags, normalised by the caller.
    pub languages: Vec<String>,
    pub modalities: Vec<Modality>,
    pub outcomes: Vec<Outcome>,
    pub requested_from: Option<DateTime<Utc>>,
    pub requested_to: Option<DateTime<Utc>>,
}

fn condition(actor: &Actor, f: &Filter) -> Condition {
    use interpreter_session::Column as C;
    let mut c = scope_condition(actor, C::FacilityCode, C::CreatedBySubject);
    if let Some(id) = f.complaint_id {
        c = c.add(C::ComplaintId.eq(id));
    }
    if !f.facility_codes.is_empty() {
        c = c.add(C::FacilityCode.is_in(f.facility_codes.clone()));
    }
    if !f.departments.is_empty() {
        c = c.add(C::Department.is_in(f.departments.clone()));
    }
    if !f.languages.is_empty() {
        c = c.add(C::Language.is_in(f.languages.clone()));
    }
    if !f.modalities.is_empty() {
        c = c.add(C::Modality.is_in(f.modalities.iter().map(|m| m.as_str())));
    }
    if !f.outcomes.is_empty() {
        c = c.add(C::Outcome.is_in(f.outcomes.iter().map(|o| o.as_str())));
    }
    if let Some(from) = f.requested_from {
        c = c.add(C::RequestedAt.gte(from));
    }
    if let Some(to) = f.requested_to {
        c = c.add(C::RequestedAt.lte(to));
    }
    c
}

super::reads::listed_in!(Session, interpreter_session, InterpreterSessionState);
