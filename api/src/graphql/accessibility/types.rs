//! The accessibility request, its parts and its enums.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::accessibility::AccessibilityRequestState;
pub use crate::domain::accessibility::{
    Action as AccessibilityRequestTransition, DenialGround as AccessibilityDenialGround,
    NeedType as AccessibilityNeedType, Status as AccessibilityRequestStatus,
};
use crate::domain::command::accessibility as command;
use crate::graphql::common::{Patient, Reasoned, Stamped, UserRef};
use crate::graphql::context::ContextExt;
use crate::ids::{NodeKind, encode_id};

#[derive(SimpleObject)]
pub struct AccessibilityScheduling {
    pub by: UserRef,
    pub at: DateTime<Utc>,
    pub scheduled_for: DateTime<Utc>,
    pub provider: Option<String>,
}

#[derive(SimpleObject)]
pub struct AccessibilityAlternative {
    pub by: UserRef,
    pub at: DateTime<Utc>,
    /// What was provided instead.
    pub provided: String,
    /// Why the requested aid was not used.
    pub reason: String,
}

#[derive(SimpleObject)]
pub struct AccessibilityDenial {
    pub by: UserRef,
    pub at: DateTime<Utc>,
    pub ground: AccessibilityDenialGround,
    pub reason: String,
}

/// An auxiliary aid or reasonable modification a patient asked for.
#[derive(Clone, Debug)]
pub struct AccessibilityRequest {
    pub uuid: Uuid,
    pub state: Arc<AccessibilityRequestState>,
    /// The moment "overdue" is judged at (now, or a `complaintAsOf` time).
    pub at: DateTime<Utc>,
}

impl AccessibilityRequest {
    pub fn new((uuid, state): (Uuid, AccessibilityRequestState)) -> Self {
        AccessibilityRequest {
            uuid,
            state: Arc::new(state),
            at: Utc::now(),
        }
    }
}

#[Object]
impl AccessibilityRequest {
    pub async fn id(&self) -> ID {
        encode_id(NodeKind::AccessibilityRequest, self.uuid)
    }
    async fn version(&self) -> i32 {
        self.state.version
    }
    async fn facility_code(&self) -> &str {
        &self.state.facility_code
    }
    /// The complaint it belongs to, or the one opened from its failure.
    async fn complaint_id(&self) -> Option<ID> {
        self.state
            .complaint_id
            .map(|id| encode_id(NodeKind::Complaint, id))
    }
    async fn patient(&self) -> Patient {
        Patient {
            mrn: self.state.patient.mrn.clone(),
            name: self.state.patient.name.clone(),
        }
    }
    async fn department(&self) -> &str {
        &self.state.department
    }
    async fn need_type(&self) -> AccessibilityNeedType {
        self.state.need_type
    }
    async fn details(&self) -> &str {
        &self.state.details
    }
    /// The aid the patient asked for; it gets primary consideration.
    async fn requested_aid(&self) -> &str {
        &self.state.requested_aid
    }
    async fn needed_by(&self) -> DateTime<Utc> {
        self.state.needed_by
    }
    async fn status(&self) -> AccessibilityRequestStatus {
        self.state.status
    }
    /// Still open (requested, acknowledged or scheduled).
    async fn open(&self) -> bool {
        self.state.status.is_open()
    }
    /// Still open past its needed-by time.
    async fn overdue(&self) -> bool {
        self.state.is_overdue(self.at)
    }
    /// Denied, met with an alternative, fulfilled late, or open past its
    /// needed-by time: a complaint may be opened from it.
    async fn failed(&self) -> bool {
        self.state.has_failed(self.at)
    }
    /// What the status allows and your roles permit now.
    async fn allowed_actions(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<AccessibilityRequestTransition>> {
        let actor = ctx.actor()?;
        Ok(command::allowed_actions(&self.state, actor)
            .into_iter()
            .collect())
    }
    async fn requested(&self) -> Stamped {
        (&self.state.requested).into()
    }
    async fn acknowledged(&self) -> Option<Stamped> {
        self.state.acknowledged.as_ref().map(Stamped::from)
    }
    async fn scheduled(&self) -> Option<AccessibilityScheduling> {
        self.state
            .scheduled
            .as_ref()
            .map(|s| AccessibilityScheduling {
                by: UserRef::from(&s.by),
                at: s.at,
                scheduled_for: s.scheduled_for,
                provider: s.provider.clone(),
            })
    }
    async fn fulfilled(&self) -> Option<Stamped> {
        self.state.fulfilled.as_ref().map(Stamped::from)
    }
    /// The note recorded when it was fulfilled.
    async fn fulfillment_note(&self) -> Option<&str> {
        self.state
            .fulfilled
            .as_ref()
            .and_then(|f| f.reason.as_deref())
    }
    async fn alternative(&self) -> Option<AccessibilityAlternative> {
        self.state
            .alternative
            .as_ref()
            .map(|a| AccessibilityAlternative {
                by: UserRef::from(&a.by),
                at: a.at,
                provided: a.provided.clone(),
                reason: a.reason.clone(),
            })
    }
    async fn denial(&self) -> Option<AccessibilityDenial> {
        self.state.denial.as_ref().map(|d| AccessibilityDenial {
            by: UserRef::from(&d.by),
            at: d.at,
            ground: d.ground,
            reason: d.reason.clone(),
        })
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
