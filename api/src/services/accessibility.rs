//! Accessibility requests: how they are stored and listed. Filing is
//! `FileAccessibilityRequest` through `services::create`; their steps are
//! `AccessibilityCommand`s through `services::change` (the link to a
//! complaint opened from a failed one is in `services::links`).

use chrono::{DateTime, Utc};
use entity::accessibility_request::{self, Entity as Request};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::create::{self, Create};
use super::scope::{now, scope_condition};
use super::stored::{self, Stored, Versioned};
use super::{Caller, ServiceError, facility_lookup, links};
use crate::domain::accessibility::{AccessibilityRequestState, NeedType, RequestDraft, Status};
use crate::domain::actor::Actor;
use crate::domain::command::Placement;
use crate::domain::command::accessibility::FileAccessibilityRequest;

impl Stored for AccessibilityRequestState {
    const RECORD_TYPE: &'static str = super::audit::RECORD_ACCESSIBILITY_REQUEST;
    const NOUN: &'static str = "accessibility request";

    fn facility_code(&self) -> &str {
        &self.facility_code
    }
    fn complaint_of(&self, _id: Uuid) -> Option<Uuid> {
        self.complaint_id
    }
    fn created_by(&self) -> &str {
        &self.requested.by.subject
    }

    stored::stored_in!(Request, row);
}

impl Versioned for AccessibilityRequestState {
    fn version(&self) -> i32 {
        self.version
    }
    fn touch(&mut self, version: i32, now: DateTime<Utc>) {
        self.version = version;
        self.updated_at = now;
    }

    stored::versioned_in!(Request, accessibility_request, row);
}

/// The row's columns, projected from the state.
pub fn row(id: Uuid, s: &AccessibilityRequestState) -> Result<accessibility_request::Model, DbErr> {
    Ok(accessibility_request::Model {
        id,
        facility_id: s.facility_id,
        facility_code: s.facility_code.clone(),
        complaint_id: s.complaint_id,
        department: s.department.clone(),
        need_type: s.need_type.as_str().to_owned(),
        status: s.status.as_str().to_owned(),
        needed_by: s.needed_by,
        created_by_subject: s.requested.by.subject.clone(),
        record: stored::encode(id, s)?,
        version: s.version,
        created_at: s.created_at,
        updated_at: s.updated_at,
    })
}

pub const OP_CREATE: &str = "accessibilityRequestCreate";

/// What `accessibilityRequestCreate` asks for.
#[derive(Clone, Debug)]
pub struct CreateInput {
    pub facility_code: String,
    pub complaint_id: Option<Uuid>,
    pub draft: RequestDraft,
    pub idempotency_key: Option<String>,
}

impl Create for FileAccessibilityRequest {
    const OPERATION: &'static str = OP_CREATE;

    /// The facility in scope and, when given, a complaint of it that is
    /// still open to work.
    async fn setting(
        &self,
        db: &impl ConnectionTrait,
        actor: &Actor,
    ) -> Result<Placement, ServiceError> {
        let facility =
            facility_lookup::for_input(db, &actor.facilities, &self.facility_code).await?;
        if let Some(complaint_id) = self.complaint_id {
            let complaint =
                links::linked_complaint(db, actor, complaint_id, Some(&facility.code)).await?;
            links::check_complaint_accepts_work(&complaint, AccessibilityRequestState::NOUN)?;
        }
        Ok(Placement {
            facility_id: facility.id,
            facility_code: facility.code,
            complaint_id: self.complaint_id,
        })
    }
}

/// Files a request, optionally on a complaint. A repeated key returns the
/// first request (`true` in the third place).
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    input: &CreateInput,
) -> Result<(Uuid, AccessibilityRequestState, bool), ServiceError> {
    let command = FileAccessibilityRequest {
        facility_code: input.facility_code.clone(),
        complaint_id: input.complaint_id,
        draft: input.draft.clone(),
    };
    let c = create::create(db, caller, command, input.idempotency_key.as_deref()).await?;
    Ok((c.id, c.state, c.replayed))
}

/// The filters of `accessibilityRequests`.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub complaint_id: Option<Uuid>,
    pub facility_codes: Vec<String>,
    pub departments: Vec<String>,
    pub statuses: Vec<Status>,
    pub need_types: Vec<NeedType>,
    /// Open past the needed-by time (or, with false, not).
    pub overdue: Option<bool>,
    pub needed_from: Option<DateTime<Utc>>,
    pub needed_to: Option<DateTime<Utc>>,
}

fn open_statuses() -> Vec<&'static str> {
    Status::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect()
}

fn condition(actor: &Actor, f: &Filter) -> Condition {
    let now = now();
    use accessibility_request::Column as C;
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
    if !f.statuses.is_empty() {
        c = c.add(C::Status.is_in(f.statuses.iter().map(|s| s.as_str())));
    }
    if !f.need_types.is_empty() {
        c = c.add(C::NeedType.is_in(f.need_types.iter().map(|n| n.as_str())));
    }
    let overdue = Condition::all()
        .add(C::Status.is_in(open_statuses()))
        .add(C::NeededBy.lt(now));
    match f.overdue {
        Some(true) => c = c.add(overdue),
        Some(false) => c = c.add(overdue.not()),
        None => {}
    }
    if let Some(from) = f.needed_from {
        c = c.add(C::NeededBy.gte(from));
    }
    if let Some(to) = f.needed_to {
        c = c.add(C::NeededBy.lte(to));
    }
    c
}

super::reads::listed_in!(Request, accessibility_request, AccessibilityRequestState);
