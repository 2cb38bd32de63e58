//! Service-recovery actions: proposal on a complaint; approval, decline,
//! completion and cancellation are `ServiceRecoveryCommand`s through
//! `services::change`.

use entity::service_recovery_action::{self, Entity as Action};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::work::{self, WorkRecord};
use super::{Caller, ServiceError, finish, idempotency, refused};
use crate::db;
use crate::domain::actor::{Actor, FacilityScope};
use crate::domain::command::AuditAction;
use crate::domain::money::Money;
use crate::domain::permissions::{Operation, permits};
use crate::domain::service_recovery::{
    self as sr, Kind, ProposalDraft, Proposing, ServiceRecoveryState, Status,
};

impl WorkRecord for ServiceRecoveryState {
    const RECORD_TYPE: &'static str = super::audit::RECORD_SERVICE_RECOVERY;
    const NOUN: &'static str = "service-recovery action";

    fn facility_code(&self) -> &str {
        &self.facility_code
    }
    fn complaint_id(&self) -> Option<Uuid> {
        Some(self.complaint_id)
    }
    fn created_by(&self) -> &str {
        &self.proposed.by.subject
    }
    fn version(&self) -> i32 {
        self.version
    }
    fn touch(&mut self, version: i32, now: chrono::DateTime<chrono::Utc>) {
        self.version = version;
        self.updated_at = now;
    }

    work::stored_in!(Action, service_recovery_action, row);
}

/// The row's columns, projected from the state.
pub fn row(id: Uuid, s: &ServiceRecoveryState) -> Result<service_recovery_action::Model, DbErr> {
    Ok(service_recovery_action::Model {
        id,
        facility_id: s.facility_id,
        facility_code: s.facility_code.clone(),
        complaint_id: s.complaint_id,
        department: s.department.clone(),
        kind: s.kind.as_str().to_owned(),
        status: s.status.as_str().to_owned(),
        amount: s.amount.as_ref().map(|m| m.amount.to_string()),
        currency: s.amount.as_ref().map(|m| m.currency.clone()),
        proposed_by_subject: s.proposed.by.subject.clone(),
        created_by_subject: s.proposed.by.subject.clone(),
        record: work::encode(id, s)?,
        version: s.version,
        created_at: s.created_at,
        updated_at: s.updated_at,
    })
}

pub const OP_PROPOSE: &str = "serviceRecoveryPropose";

/// What `serviceRecoveryPropose` asks for.
#[derive(Clone, Debug)]
pub struct ProposeInput {
    pub complaint_id: Uuid,
    pub draft: ProposalDraft,
    pub idempotency_key: Option<String>,
}

/// Proposes an action on a complaint the caller works, under the
/// facility's approval threshold as it stands now. A repeated key returns
/// the first action (`true` in the third place).
pub async fn propose(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    input: &ProposeInput,
) -> Result<(Uuid, ServiceRecoveryState, bool), ServiceError> {
    let actor = caller.actor;
    if !permits(actor, Operation::ProposeServiceRecovery) {
        return Err(work::forbidden(Operation::ProposeServiceRecovery));
    }
    let key = idempotency::clean(input.idempotency_key.as_deref())?;
    let txn = db::begin_write(db).await?;
    let outcome = async {
        if let Some((id, state)) =
            work::replay::<ServiceRecoveryState>(&txn, caller, OP_PROPOSE, key.as_deref()).await?
        {
            return Ok((id, state, true));
        }
        let complaint = work::linked_complaint(&txn, actor, input.complaint_id, None).await?;
        work::check_complaint_accepts_work(&complaint, ServiceRecoveryState::NOUN)?;
        let facility = super::facilities::by_id(&txn, &FacilityScope::All, complaint.facility_id)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(format!("facility {}", complaint.facility_id)))?;
        let threshold = Money::from_stored(
            &facility.approval_threshold_amount,
            &facility.approval_threshold_currency,
        )
        .ok_or_else(|| {
            DbErr::Custom(format!(
                "facility {} has an unreadable threshold",
                facility.code
            ))
        })?;
        let now = work::now();
        let state = sr::propose(
            &input.draft,
            Proposing {
                facility_id: facility.id,
                facility_code: &facility.code,
                complaint_id: complaint.id,
                department: &complaint.department,
                threshold,
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
            AuditAction::ServiceRecoveryPropose.as_str(),
            key.as_deref().map(|k| (OP_PROPOSE, k)),
            now,
        )
        .await?;
        Ok((id, state, false))
    }
    .await;
    finish(txn, outcome).await
}

/// The filters of `serviceRecoveryActions`.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub complaint_id: Option<Uuid>,
    pub facility_codes: Vec<String>,
    pub statuses: Vec<Status>,
    pub kinds: Vec<Kind>,
}

fn condition(actor: &Actor, f: &Filter) -> Condition {
    use service_recovery_action::Column as C;
    let mut c = work::scope_condition(actor, C::FacilityCode, C::CreatedBySubject);
    if let Some(id) = f.complaint_id {
        c = c.add(C::ComplaintId.eq(id));
    }
    if !f.facility_codes.is_empty() {
        c = c.add(C::FacilityCode.is_in(f.facility_codes.clone()));
    }
    if !f.statuses.is_empty() {
        c = c.add(C::Status.is_in(f.statuses.iter().map(|s| s.as_str())));
    }
    if !f.kinds.is_empty() {
        c = c.add(C::Kind.is_in(f.kinds.iter().map(|k| k.as_str())));
    }
    c
}

work::listed_in!(Action, service_recovery_action, ServiceRecoveryState);

/// The unfinished actions of a complaint, for the closure guard.
pub async fn unfinished(
    db: &impl ConnectionTrait,
    complaint_id: Uuid,
) -> Result<Vec<service_recovery_action::Model>, DbErr> {
    let open: Vec<&str> = Status::ALL
        .iter()
        .filter(|s| !s.is_finished())
        .map(|s| s.as_str())
        .collect();
    Action::find()
        .filter(service_recovery_action::Column::ComplaintId.eq(complaint_id))
        .filter(service_recovery_action::Column::Status.is_in(open))
        .order_by_asc(service_recovery_action::Column::Id)
        .all(db)
        .await
}
