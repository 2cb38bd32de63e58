//! Accessibility requests: filing, and the link to a complaint opened from
//! a failed one. Their steps are `AccessibilityCommand`s through
//! `services::change`.

use chrono::{DateTime, Utc};
use entity::accessibility_request::{self, Entity as Request};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::work::{self, WorkRecord};
use super::{Caller, Refusal, RefusalCode, ServiceError, finish, idempotency, refused};
use crate::db;
use crate::domain::accessibility::{
    self as da, AccessibilityRequestState, Filing, NeedType, RequestDraft, Status,
};
use crate::domain::actor::Actor;
use crate::domain::command::AuditAction;
use crate::domain::permissions::{Operation, permits};

impl WorkRecord for AccessibilityRequestState {
    const RECORD_TYPE: &'static str = super::audit::RECORD_ACCESSIBILITY_REQUEST;
    const NOUN: &'static str = "accessibility request";

    fn facility_code(&self) -> &str {
        &self.facility_code
    }
    fn complaint_id(&self) -> Option<Uuid> {
        self.complaint_id
    }
    fn created_by(&self) -> &str {
        &self.requested.by.subject
    }
    fn version(&self) -> i32 {
        self.version
    }
    fn touch(&mut self, version: i32, now: DateTime<Utc>) {
        self.version = version;
        self.updated_at = now;
    }

    work::stored_in!(Request, accessibility_request, row);
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
        record: work::encode(id, s)?,
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

/// Files a request, optionally on a complaint. A repeated key returns the
/// first request (`true` in the third place).
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    input: &CreateInput,
) -> Result<(Uuid, AccessibilityRequestState, bool), ServiceError> {
    let actor = caller.actor;
    if !permits(actor, Operation::CreateAccessibilityRequest) {
        return Err(work::forbidden(Operation::CreateAccessibilityRequest));
    }
    let key = idempotency::clean(input.idempotency_key.as_deref())?;
    let txn = db::begin_write(db).await?;
    let outcome = async {
        if let Some((id, state)) =
            work::replay::<AccessibilityRequestState>(&txn, caller, OP_CREATE, key.as_deref())
                .await?
        {
            return Ok((id, state, true));
        }
        let facility =
            super::facilities::for_input(&txn, &actor.facilities, &input.facility_code).await?;
        if let Some(complaint_id) = input.complaint_id {
            let complaint =
                work::linked_complaint(&txn, actor, complaint_id, Some(&facility.code)).await?;
            work::check_complaint_accepts_work(&complaint, AccessibilityRequestState::NOUN)?;
        }
        let now = work::now();
        let state = da::file(
            &input.draft,
            Filing {
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
            AuditAction::AccessibilityRequestCreate.as_str(),
            key.as_deref().map(|k| (OP_CREATE, k)),
            now,
        )
        .await?;
        Ok((id, state, false))
    }
    .await;
    finish(txn, outcome).await
}

/// Inside `complaintCreate`: checks that the request exists for the caller,
/// belongs to the complaint's facility, has failed, and is not linked yet.
pub async fn failed_request_for_complaint(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    facility_code: &str,
    now: DateTime<Utc>,
) -> Result<AccessibilityRequestState, ServiceError> {
    let field = &["input", "accessibilityRequestId"];
    let Some(request) = work::by_id::<AccessibilityRequestState>(db, actor, id).await? else {
        return Err(
            Refusal::new(RefusalCode::NotFound, "accessibility request not found")
                .on(field)
                .into(),
        );
    };
    if request.facility_code != facility_code {
        return Err(Refusal::new(
            RefusalCode::Validation,
            format!(
                "the accessibility request belongs to facility {}, not {facility_code}",
                request.facility_code
            ),
        )
        .on(field)
        .into());
    }
    if request.complaint_id.is_some() {
        return Err(Refusal::new(
            RefusalCode::GuardFailed,
            "the accessibility request is already linked to a complaint",
        )
        .on(field)
        .into());
    }
    if !request.has_failed(now) {
        return Err(Refusal::new(
            RefusalCode::GuardFailed,
            format!(
                "the accessibility request has not failed: it is {} and {}; a complaint is opened from a request that was denied, met with an alternative, fulfilled late, or is still open past its needed-by time",
                request.status.as_str(),
                if request.status.is_open() { "not yet due" } else { "was met" }
            ),
        )
        .on(field)
        .into());
    }
    Ok(request)
}

/// Links a request to the complaint opened from it, audited as a change
/// of the request, in the caller's transaction.
pub async fn link_complaint(
    db: &impl ConnectionTrait,
    caller: &Caller<'_>,
    id: Uuid,
    before: &AccessibilityRequestState,
    complaint_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let mut after = before.clone();
    after.complaint_id = Some(complaint_id);
    after.touch(before.version + 1, now);
    if !work::relink(
        db,
        caller,
        id,
        before,
        &after,
        AuditAction::AccessibilityRequestLinkComplaint.as_str(),
        now,
    )
    .await?
    {
        return Err(Refusal::new(
            RefusalCode::Conflict,
            "the accessibility request changed while the complaint was being opened",
        )
        .on(&["input", "accessibilityRequestId"])
        .into());
    }
    Ok(())
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
    let now = work::now();
    use accessibility_request::Column as C;
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

work::listed_in!(Request, accessibility_request, AccessibilityRequestState);

/// The unfinished requests of a complaint, for the closure guard.
pub async fn unfinished(
    db: &impl ConnectionTrait,
    complaint_id: Uuid,
) -> Result<Vec<accessibility_request::Model>, DbErr> {
    Request::find()
        .filter(accessibility_request::Column::ComplaintId.eq(complaint_id))
        .filter(accessibility_request::Column::Status.is_in(open_statuses()))
        .order_by_asc(accessibility_request::Column::Id)
        .all(db)
        .await
}
