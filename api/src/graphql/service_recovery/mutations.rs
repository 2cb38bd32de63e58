//! Service recovery's five mutations and their payloads.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use uuid::Uuid;

use super::inputs::*;
use super::types::ServiceRecoveryAction;
use crate::domain::command::service_recovery::ServiceRecoveryCommand as S;
use crate::domain::command::{AuditAction, Command};
use crate::domain::service_recovery::{self as sr, ServiceRecoveryState};
use crate::graphql::common::{Payload, UserError, payload, run, uuid_of};
use crate::graphql::context::ContextExt;
use crate::ids::NodeKind;
use crate::services::ServiceError;
use crate::services::service_recovery::{self as svc, ProposeInput};

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

impl Payload for ServiceRecoveryProposePayload {
    fn refused(user_errors: Vec<UserError>) -> Self {
        ServiceRecoveryProposePayload {
            service_recovery_action: None,
            replayed: false,
            user_errors,
        }
    }
}

impl Payload for ServiceRecoveryPayload {
    fn refused(user_errors: Vec<UserError>) -> Self {
        ServiceRecoveryPayload {
            service_recovery_action: None,
            user_errors,
        }
    }
}

/// The payload of a change, logged by its audit action.
fn changed(
    action: AuditAction,
    r: Result<(Uuid, ServiceRecoveryState), ServiceError>,
) -> Result<ServiceRecoveryPayload> {
    payload(r, |record| {
        tracing::info!(record_id = %record.0, version = record.1.version, action = action.as_str(), "service recovery changed");
        ServiceRecoveryPayload {
            service_recovery_action: Some(ServiceRecoveryAction::new(record)),
            user_errors: Vec::new(),
        }
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
        let db = ctx.db()?;
        let result = async {
            let propose = ProposeInput {
                complaint_id: uuid_of(
                    &input.complaint_id,
                    NodeKind::Complaint,
                    "complaint",
                    "complaintId",
                )?,
                draft: sr::ProposalDraft {
                    kind: input.kind,
                    description: input.description,
                    amount: input.amount.map(|m| (m.amount.0, m.currency)),
                },
                idempotency_key: input.idempotency_key,
            };
            svc::propose(db, &caller, &propose).await
        }
        .await;
        payload(result, |(id, state, replayed)| {
            tracing::info!(record_id = %id, replayed, "service recovery proposed");
            ServiceRecoveryProposePayload {
                service_recovery_action: Some(ServiceRecoveryAction::new((id, state))),
                replayed,
                user_errors: Vec::new(),
            }
        })
    }

    /// PROPOSED → APPROVED. At or above the facility's threshold only a
    /// PATIENT_RELATIONS_MANAGER who did not propose it may approve.
    async fn service_recovery_approve(
        &self,
        ctx: &Context<'_>,
        input: ServiceRecoveryApproveInput,
    ) -> Result<ServiceRecoveryPayload> {
        let command = S::Approve;
        let action = command.audit_action();
        let r = run(ctx, action_uuid(&input.id), input.expected_version, command).await?;
        changed(action, r)
    }

    /// PROPOSED → DECLINED, with a reason (the same rule as approval).
    async fn service_recovery_decline(
        &self,
        ctx: &Context<'_>,
        input: ServiceRecoveryDeclineInput,
    ) -> Result<ServiceRecoveryPayload> {
        let command = S::Decline {
            reason: input.reason,
        };
        let action = command.audit_action();
        let r = run(ctx, action_uuid(&input.id), input.expected_version, command).await?;
        changed(action, r)
    }

    /// APPROVED → COMPLETED; PROPOSED → COMPLETED when no approval is needed
    /// (no money, or under the threshold).
    async fn service_recovery_complete(
        &self,
        ctx: &Context<'_>,
        input: ServiceRecoveryCompleteInput,
    ) -> Result<ServiceRecoveryPayload> {
        let command = S::Complete { note: input.note };
        let action = command.audit_action();
        let r = run(ctx, action_uuid(&input.id), input.expected_version, command).await?;
        changed(action, r)
    }

    /// PROPOSED/APPROVED → CANCELLED, with a reason.
    async fn service_recovery_cancel(
        &self,
        ctx: &Context<'_>,
        input: ServiceRecoveryCancelInput,
    ) -> Result<ServiceRecoveryPayload> {
        let command = S::Cancel {
            reason: input.reason,
        };
        let action = command.audit_action();
        let r = run(ctx, action_uuid(&input.id), input.expected_version, command).await?;
        changed(action, r)
    }
}
