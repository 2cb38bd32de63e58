//! The interpreter log: logging a session. Amendments are
//! `InterpreterCommand`s through `services::change`.

use chrono::{DateTime, Utc};
use entity::interpreter_session::{self, Entity as Session};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::work::{self, WorkRecord};
use super::{Caller, ServiceError, finish, idempotency, refused};
use crate::db;
use crate::domain::actor::Actor;
use crate::domain::command::AuditAction;
use crate::domain::interpreter::{
    self as di, EntryDraft, InterpreterSessionState, Logging, Modality, Outcome,
};
use crate::domain::permissions::{Operation, permits};

impl WorkRecord for InterpreterSessionState {
    const RECORD_TYPE: &'static str = super::audit::RECORD_INTERPRETER_SESSION;
    const NOUN: &'static str = "interpreter session";

    fn facility_code(&self) -> &str {
        &self.facility_code
    }
    fn complaint_id(&self) -> Option<Uuid> {
        self.complaint_id
    }
    fn created_by(&self) -> &str {
        &self.logged.by.subject
    }
    fn version(&self) -> i32 {
        self.version
    }
    fn touch(&mut self, version: i32, now: DateTime<Utc>) {
        self.version = version;
        self.updated_at = now;
    }

    work::stored_in!(Session, interpreter_session, row);
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
        record: work::encode(id, s)?,
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

/// Logs a session. A repeated key returns the first entry (`true` in the
/// third place).
pub async fn log(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    input: &LogInput,
) -> Result<(Uuid, InterpreterSessionState, bool), ServiceError> {
    let actor = caller.actor;
    if !permits(actor, Operation::LogInterpreterSession) {
        return Err(work::forbidden(Operation::LogInterpreterSession));
    }
    let key = idempotency::clean(input.idempotency_key.as_deref())?;
    let txn = db::begin_write(db).await?;
    let outcome = async {
        if let Some((id, state)) =
            work::replay::<InterpreterSessionState>(&txn, caller, OP_LOG, key.as_deref()).await?
        {
            return Ok((id, state, true));
        }
        let facility =
            super::facilities::for_input(&txn, &actor.facilities, &input.facility_code).await?;
        if let Some(complaint_id) = input.complaint_id {
            work::linked_complaint(&txn, actor, complaint_id, Some(&facility.code)).await?;
        }
        let now = work::now();
        let state = di::log(
            &input.entry,
            Logging {
                facility_id: facility.id,
                facility_code: &facility.code,
                complaint_id: input.complaint_id,
                by: work::user_of(actor),
                now,
            },
        )
        .map_err(refused)?;
        let id = work::new_id();
        work::insert_new(
            &txn,
            caller,
            id,
            &state,
            AuditAction::InterpreterSessionLog.as_str(),
            key.as_deref().map(|k| (OP_LOG, k)),
            now,
        )
        .await?;
        Ok((id, state, false))
    }
    .await;
    finish(txn, outcome).await
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
    let mut c = work::scope_condition(actor, C::FacilityCode, C::CreatedBySubject);
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

work::listed_in!(Session, interpreter_session, InterpreterSessionState);
