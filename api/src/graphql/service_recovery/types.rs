//! The service-recovery action and its enums.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::command::service_recovery as command;
use crate::domain::service_recovery::ServiceRecoveryState;
pub use crate::domain::service_recovery::{
    Action as ServiceRecoveryTransition, Kind as ServiceRecoveryKind,
    Status as ServiceRecoveryStatus,
};
use crate::graphql::common::{Reasoned, Stamped, UserRef};
use crate::graphql::context::ContextExt;
use crate::graphql::money::MoneyObject;
use crate::ids::{NodeKind, encode_id};

/// Something done to make things right, on a complaint.
#[derive(Clone, Debug)]
pub struct ServiceRecoveryAction {
    pub uuid: Uuid,
    pub state: Arc<ServiceRecoveryState>,
}

impl ServiceRecoveryAction {
    pub fn new((uuid, state): (Uuid, ServiceRecoveryState)) -> Self {
        ServiceRecoveryAction {
            uuid,
            state: Arc::new(state),
        }
    }
}

#[Object]
impl ServiceRecoveryAction {
    pub async fn id(&self) -> ID {
        encode_id(NodeKind::ServiceRecoveryAction, self.uuid)
    }
    async fn version(&self) -> i32 {
        self.state.version
    }
    async fn complaint_id(&self) -> ID {
        encode_id(NodeKind::Complaint, self.state.complaint_id)
    }
    async fn facility_code(&self) -> &str {
        &self.state.facility_code
    }
    /// The complaint's department when the action was proposed.
    async fn department(&self) -> &str {
        &self.state.department
    }
    async fn kind(&self) -> ServiceRecoveryKind {
        self.state.kind
    }
    async fn description(&self) -> &str {
        &self.state.description
    }
    /// Exact money; null for an action without money.
    async fn amount(&self) -> Option<MoneyObject> {
        self.state.amount.clone().map(MoneyObject::from)
    }
    /// The facility's approval threshold when the action was proposed.
    async fn approval_threshold(&self) -> MoneyObject {
        self.state.approval_threshold.clone().into()
    }
    /// At or above the threshold: a PATIENT_RELATIONS_MANAGER who did not
    /// propose it must approve it before it is completed.
    async fn approval_required(&self) -> bool {
        self.state.approval_required
    }
    async fn status(&self) -> ServiceRecoveryStatus {
        self.state.status
    }
    /// Completed, declined or cancelled.
    async fn finished(&self) -> bool {
        self.state.status.is_finished()
    }
    /// What the status allows and your roles permit now.
    async fn allowed_actions(&self, ctx: &Context<'_>) -> Result<Vec<ServiceRecoveryTransition>> {
        let actor = ctx.actor()?;
        Ok(command::allowed_actions(&self.state, actor)
            .into_iter()
            .collect())
    }
    async fn proposed_by(&self) -> UserRef {
        UserRef::from(&self.state.proposed.by)
    }
    async fn proposed_at(&self) -> DateTime<Utc> {
        self.state.proposed.at
    }
    async fn approved(&self) -> Option<Stamped> {
        self.state.approved.as_ref().map(Stamped::from)
    }
    async fn declined(&self) -> Option<Reasoned> {
        self.state.declined.as_ref().map(Reasoned::from)
    }
    async fn completed(&self) -> Option<Stamped> {
        self.state.completed.as_ref().map(Stamped::from)
    }
    /// What was actually done, recorded at completion.
    async fn completion_note(&self) -> Option<&str> {
        self.state.completion_note.as_deref()
    }
    async fn cancelled(&self) -> Option<Reasoned> {
        self.state.cancelled.as_ref().map(Reasoned::from)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.state.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.state.updated_at
    }
}
