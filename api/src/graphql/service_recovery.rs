//! Service recovery: the action, its queries and its five mutations.

use std::sync::Arc;

use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::complaints::UserRef;
use super::context::ContextExt;
use super::money::{MoneyInput, MoneyObject};
use super::node::{NodeKind, encode_id};
use super::pagination::page_size;
use super::user_error::UserError;
use super::work::{
    Reasoned, Stamped, after_cursor, complaint_filter, connection, logged, split, uuid_of,
};
use crate::domain::permissions::{Operation, permits};
use crate::domain::service_recovery::{self as sr, ServiceRecoveryState};
use crate::services::ServiceError;
use crate::services::audit::RECORD_SERVICE_RECOVERY;
use crate::services::service_recovery::{self as svc, Filter, ProposeInput};

#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::service_recovery::Kind")]
pub enum ServiceRecoveryKind {
    Apology,
    Explanation,
    BillAdjustment,
    BillWriteOff,
    Refund,
    MealVoucher,
    ParkingVoucher,
    GiftCard,
    ExpeditedAppointment,
    CareTeamChange,
    StaffCoaching,
    PolicyChange,
    Other,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::service_recovery::Status")]
pub enum ServiceRecoveryStatus {
    Proposed,
    Approved,
    /// Finished.
    Completed,
    /// Finished.
    Declined,
    /// Finished.
    Cancelled,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::service_recovery::Action")]
pub enum ServiceRecoveryTransition {
    Approve,
    Decline,
    Complete,
    Cancel,
}

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
        self.state.kind.into()
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
        self.state.status.into()
    }
    /// Completed, declined or cancelled.
    async fn finished(&self) -> bool {
        self.state.status.is_finished()
    }
    /// What the status allows and your roles permit now.
    async fn allowed_actions(&self, ctx: &Context<'_>) -> Result<Vec<ServiceRecoveryTransition>> {
        let actor = ctx.actor()?;
        let s = &self.state;
        let manager = permits(actor, Operation::DecideServiceRecoveryAboveThreshold);
        let may_decide = if s.approval_required {
            manager && s.proposed.by.subject != actor.subject
        } else {
            permits(actor, Operation::DecideServiceRecovery)
        };
        Ok(sr::MACHINE
            .allowed(s.status)
            .into_iter()
            .filter(|a| match a {
                sr::Action::Approve | sr::Action::Decline => may_decide,
                sr::Action::Complete => {
                    permits(actor, Operation::CompleteServiceRecovery)
                        && !(s.status == sr::Status::Proposed && s.approval_required)
                }
                sr::Action::Cancel => permits(actor, Operation::CancelServiceRecovery),
            })
            .map(Into::into)
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

#[derive(InputObject, Default)]
pub struct ServiceRecoveryFilterInput {
    pub complaint_id: Option<ID>,
    pub facility_codes: Option<Vec<String>>,
    pub statuses: Option<Vec<ServiceRecoveryStatus>>,
    pub kinds: Option<Vec<ServiceRecoveryKind>>,
}

pub struct ServiceRecoveryConnectionFields {
    filter: Filter,
}

#[Object]
impl ServiceRecoveryConnectionFields {
    /// How many actions match, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        svc::count(ctx.db()?, ctx.actor()?, &self.filter)
            .await
            .map_err(|e| ctx.internal(e))
    }
}

pub type ServiceRecoveryConnection =
    Connection<String, ServiceRecoveryAction, ServiceRecoveryConnectionFields, EmptyFields>;

#[derive(Default)]
pub struct ServiceRecoveryQuery;

#[Object]
impl ServiceRecoveryQuery {
    /// Service-recovery actions in your facilities, in the order proposed.
    /// Each read is recorded (`recordAccessLog`).
    async fn service_recovery_actions(
        &self,
        ctx: &Context<'_>,
        filter: Option<ServiceRecoveryFilterInput>,
        #[graphql(desc = "Page size: at most 100 (the configured limit), 20 when omitted.")]
        first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<ServiceRecoveryConnection> {
        let caller = ctx.caller()?;
        ctx.authorize(Operation::ReadServiceRecovery)?;
        let limit = page_size(ctx, first)?;
        let after = after_cursor(after.as_deref())?;
        let f = filter.unwrap_or_default();
        let complaint_id = complaint_filter(f.complaint_id.as_ref());
        let filter = Filter {
            complaint_id,
            facility_codes: f.facility_codes.unwrap_or_default(),
            statuses: f
                .statuses
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            kinds: f
                .kinds
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
        };
        let (rows, has_next) = svc::list(ctx.db()?, caller.actor, &filter, after, limit)
            .await
            .map_err(|e| ctx.internal(e))?;
        let ids: Vec<Uuid> = rows.iter().map(|(id, _)| *id).collect();
        logged(
            ctx,
            &caller,
            RECORD_SERVICE_RECOVERY,
            &ids,
            "serviceRecoveryActions",
        )
        .await?;
        Ok(connection(
            after.is_some(),
            has_next,
            ServiceRecoveryConnectionFields { filter },
            rows,
            ServiceRecoveryAction::new,
        ))
    }
}

#[derive(InputObject)]
pub struct ServiceRecoveryProposeInput {
    /// The complaint it makes right; it must be open or resolved.
    pub complaint_id: ID,
    pub kind: ServiceRecoveryKind,
    pub description: String,
    /// Leave out for an action without money. In the facility's currency;
    /// at or above its approval threshold a manager must approve it.
    pub amount: Option<MoneyInput>,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct ServiceRecoveryApproveInput {
    pub id: ID,
    pub expected_version: i32,
}

#[derive(InputObject)]
pub struct ServiceRecoveryDeclineInput {
    pub id: ID,
    pub expected_version: i32,
    pub reason: String,
}

#[derive(InputObject)]
pub struct ServiceRecoveryCompleteInput {
    pub id: ID,
    pub expected_version: i32,
    /// What was actually done.
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct ServiceRecoveryCancelInput {
    pub id: ID,
    pub expected_version: i32,
    pub reason: String,
}

#[derive(SimpleObject)]
pub struct ServiceRecoveryProposePayload {
    pub service_recovery_action: Option<ServiceRecoveryAction>,
    /// True when `idempotencyKey` matched an earlier proposal: nothing new
    /// was written.
    pub replayed: bool,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct ServiceRecoveryPayload {
    pub service_recovery_action: Option<ServiceRecoveryAction>,
    pub user_errors: Vec<UserError>,
}

fn payload(
    ctx: &Context<'_>,
    action: &str,
    r: Result<(Uuid, ServiceRecoveryState), ServiceError>,
) -> Result<ServiceRecoveryPayload> {
    Ok(match split(ctx, r)? {
        Ok(record) => {
            tracing::info!(record_id = %record.0, version = record.1.version, action, "service recovery changed");
            ServiceRecoveryPayload {
                service_recovery_action: Some(ServiceRecoveryAction::new(record)),
                user_errors: Vec::new(),
            }
        }
        Err(user_errors) => ServiceRecoveryPayload {
            service_recovery_action: None,
            user_errors,
        },
    })
}

fn action_uuid(id: &ID) -> Result<Uuid, ServiceError> {
    uuid_of(
        id,
        NodeKind::ServiceRecoveryAction,
        "service-recovery action",
        "id",
    )
}

#[derive(Default)]
pub struct ServiceRecoveryMutation;

#[Object]
impl ServiceRecoveryMutation {
    /// Proposes an action on a complaint (PROPOSED).
    async fn service_recovery_propose(
        &self,
        ctx: &Context<'_>,
        input: ServiceRecoveryProposeInput,
    ) -> Result<ServiceRecoveryProposePayload> {
        let caller = ctx.caller()?;
        let result = match uuid_of(
            &input.complaint_id,
            NodeKind::Complaint,
            "complaint",
            "complaintId",
        ) {
            Err(e) => Err(e),
            Ok(complaint_id) => {
                let propose = ProposeInput {
                    complaint_id,
                    draft: sr::ProposalDraft {
                        kind: input.kind.into(),
                        description: input.description,
                        amount: input.amount.map(|m| (m.amount.0, m.currency)),
                    },
                    idempotency_key: input.idempotency_key,
                };
                svc::propose(ctx.db()?, &caller, &propose).await
            }
        };
        Ok(match split(ctx, result)? {
            Ok((id, state, replayed)) => {
                tracing::info!(record_id = %id, replayed, "service recovery proposed");
                ServiceRecoveryProposePayload {
                    service_recovery_action: Some(ServiceRecoveryAction::new((id, state))),
                    replayed,
                    user_errors: Vec::new(),
                }
            }
            Err(user_errors) => ServiceRecoveryProposePayload {
                service_recovery_action: None,
                replayed: false,
                user_errors,
            },
        })
    }

    /// PROPOSED → APPROVED. At or above the facility's threshold only a
    /// PATIENT_RELATIONS_MANAGER who did not propose it may approve.
    async fn service_recovery_approve(
        &self,
        ctx: &Context<'_>,
        input: ServiceRecoveryApproveInput,
    ) -> Result<ServiceRecoveryPayload> {
        let caller = ctx.caller()?;
        let r = match action_uuid(&input.id) {
            Ok(id) => svc::approve(ctx.db()?, &caller, id, input.expected_version).await,
            Err(e) => Err(e),
        };
        payload(ctx, "SERVICE_RECOVERY_APPROVE", r)
    }

    /// PROPOSED → DECLINED, with a reason (the same rule as approval).
    async fn service_recovery_decline(
        &self,
        ctx: &Context<'_>,
        input: ServiceRecoveryDeclineInput,
    ) -> Result<ServiceRecoveryPayload> {
        let caller = ctx.caller()?;
        let r = match action_uuid(&input.id) {
            Ok(id) => {
                svc::decline(
                    ctx.db()?,
                    &caller,
                    id,
                    input.expected_version,
                    &input.reason,
                )
                .await
            }
            Err(e) => Err(e),
        };
        payload(ctx, "SERVICE_RECOVERY_DECLINE", r)
    }

    /// APPROVED → COMPLETED; PROPOSED → COMPLETED when no approval is needed
    /// (no money, or under the threshold).
    async fn service_recovery_complete(
        &self,
        ctx: &Context<'_>,
        input: ServiceRecoveryCompleteInput,
    ) -> Result<ServiceRecoveryPayload> {
        let caller = ctx.caller()?;
        let r = match action_uuid(&input.id) {
            Ok(id) => {
                svc::complete(
                    ctx.db()?,
                    &caller,
                    id,
                    input.expected_version,
                    input.note.as_deref(),
                )
                .await
            }
            Err(e) => Err(e),
        };
        payload(ctx, "SERVICE_RECOVERY_COMPLETE", r)
    }

    /// PROPOSED/APPROVED → CANCELLED, with a reason.
    async fn service_recovery_cancel(
        &self,
        ctx: &Context<'_>,
        input: ServiceRecoveryCancelInput,
    ) -> Result<ServiceRecoveryPayload> {
        let caller = ctx.caller()?;
        let r = match action_uuid(&input.id) {
            Ok(id) => {
                svc::cancel(
                    ctx.db()?,
                    &caller,
                    id,
                    input.expected_version,
                    &input.reason,
                )
                .await
            }
            Err(e) => Err(e),
        };
        payload(ctx, "SERVICE_RECOVERY_CANCEL", r)
    }
}
