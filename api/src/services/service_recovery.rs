//! Service-recovery actions: how they are stored and listed. A proposal
//! is `ProposeServiceRecovery` through `services::create`; approval,
//! decline, completion and cancellation are `ServiceRecoveryCommand`s
//! through `services::change`.

use entity::service_recovery_action::{self, Entity as Action};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::create::{self, Create};
use super::scope::scope_condition;
use super::stored::{self, Stored, Versioned};
use super::{Caller, ServiceError, facility_lookup, links};
use crate::domain::actor::{Actor, FacilityScope};
use crate::domain::command::service_recovery::{ProposalSetting, ProposeServiceRecovery};
use crate::domain::money::Money;
use crate::domain::service_recovery::{Kind, ProposalDraft, ServiceRecoveryState, Status};

impl Stored for ServiceRecoveryState {
    const RECORD_TYPE: &'static str = super::audit::RECORD_SERVICE_RECOVERY;
    const NOUN: &'static str = "service-recovery action";

    fn facility_code(&self) -> &str {
        &self.facility_code
    }
    fn complaint_of(&self, _id: Uuid) -> Option<Uuid> {
        Some(self.complaint_id)
    }
    fn created_by(&self) -> &str {
        &self.proposed.by.subject
    }

    stored::stored_in!(Action, row);
}

impl Versioned for ServiceRecoveryState {
    fn version(&self) -> i32 {
        self.version
    }
    fn touch(&mut self, version: i32, now: chrono::DateTime<chrono::Utc>) {
        self.version = version;
        self.updated_at = now;
    }

    stored::versioned_in!(Action, service_recovery_action, row);
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
        record: stored::encode(id, s)?,
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

impl Create for ProposeServiceRecovery {
    const OPERATION: &'static str = OP_PROPOSE;

    /// The complaint (in scope, still open to work) and its facility's
    /// approval threshold as it stands now.
    async fn setting(
        &self,
        db: &impl ConnectionTrait,
        actor: &Actor,
    ) -> Result<ProposalSetting, ServiceError> {
        let complaint = links::linked_complaint(db, actor, self.complaint_id, None).await?;
        links::check_complaint_accepts_work(&complaint, ServiceRecoveryState::NOUN)?;
        let facility = facility_lookup::by_id(db, &FacilityScope::All, complaint.facility_id)
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
        Ok(ProposalSetting {
            facility_id: facility.id,
            facility_code: facility.code,
            complaint_id: complaint.id,
            department: complaint.department,
            threshold,
        })
    }
}

/// Proposes an action on a complaint the caller works. A repeated key
/// returns the first action (`true` in the third place).
pub async fn propose(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    input: &ProposeInput,
) -> Result<(Uuid, ServiceRecoveryState, bool), ServiceError> {
    let command = ProposeServiceRecovery {
        complaint_id: input.complaint_id,
        draft: input.draft.clone(),
    };
    let c = create::create(db, caller, command, input.idempotency_key.as_deref()).await?;
    Ok((c.id, c.state, c.replayed))
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
    let mut c = scope_condition(actor, C::FacilityCode, C::CreatedBySubject);
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

super::reads::listed_in!(Action, service_recovery_action, ServiceRecoveryState);
