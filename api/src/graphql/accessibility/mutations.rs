//! Accessibility requests' seven mutations and their payloads.

use async_graphql::{Context, ID, Object, Result, SimpleObject};

use super::inputs::*;
use super::types::AccessibilityRequest;
use crate::domain::accessibility as da;
use crate::domain::command::Command;
use crate::domain::command::accessibility::AccessibilityCommand;
use crate::graphql::common::{Payload, UserError, optional_uuid_of, payload, run, uuid_of};
use crate::graphql::context::ContextExt;
use crate::ids::NodeKind;
use crate::services::accessibility::{self as svc, CreateInput};

#[derive(SimpleObject)]
pub struct AccessibilityRequestCreatePayload {
    pub accessibility_request: Option<AccessibilityRequest>,
    /// True when `idempotencyKey` matched an earlier create: nothing new
    /// was written.
    pub replayed: bool,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct AccessibilityRequestPayload {
    pub accessibility_request: Option<AccessibilityRequest>,
    pub user_errors: Vec<UserError>,
}

impl Payload for AccessibilityRequestCreatePayload {
    fn refused(user_errors: Vec<UserError>) -> Self {
        AccessibilityRequestCreatePayload {
            accessibility_request: None,
            replayed: false,
            user_errors,
        }
    }
}

impl Payload for AccessibilityRequestPayload {
    fn refused(user_errors: Vec<UserError>) -> Self {
        AccessibilityRequestPayload {
            accessibility_request: None,
            user_errors,
        }
    }
}

async fn step(
    ctx: &Context<'_>,
    id: &ID,
    expected_version: i32,
    command: AccessibilityCommand,
) -> Result<AccessibilityRequestPayload> {
    let uuid = uuid_of(
        id,
        NodeKind::AccessibilityRequest,
        "accessibility request",
        "id",
    );
    let action = command.audit_action();
    let result = run(ctx, uuid, expected_version, command).await?;
    payload(result, |record| {
        tracing::info!(record_id = %record.0, version = record.1.version, action = action.as_str(), "accessibility request changed");
        AccessibilityRequestPayload {
            accessibility_request: Some(AccessibilityRequest::new(record)),
            user_errors: Vec::new(),
        }
    })
}

#[derive(Default)]
pub struct AccessibilityMutation;

#[Object]
impl AccessibilityMutation {
    /// Files a request (REQUESTED).
    async fn accessibility_request_create(
        &self,
        ctx: &Context<'_>,
        input: AccessibilityRequestCreateInput,
    ) -> Result<AccessibilityRequestCreatePayload> {
        let caller = ctx.caller()?;
        let db = ctx.db()?;
        let result = async {
            let create = CreateInput {
                facility_code: input.facility_code,
                complaint_id: optional_uuid_of(
                    input.complaint_id.as_ref(),
                    NodeKind::Complaint,
                    "complaint",
                    "complaintId",
                )?,
                draft: da::RequestDraft {
                    patient_mrn: input.patient.mrn,
                    patient_name: input.patient.name,
                    department: input.department,
                    need_type: input.need_type,
                    details: input.details,
                    requested_aid: input.requested_aid,
                    needed_by: input.needed_by,
                },
                idempotency_key: input.idempotency_key,
            };
            svc::create(db, &caller, &create).await
        }
        .await;
        payload(result, |(id, state, replayed)| {
            tracing::info!(record_id = %id, replayed, "accessibility request filed");
            AccessibilityRequestCreatePayload {
                accessibility_request: Some(AccessibilityRequest::new((id, state))),
                replayed,
                user_errors: Vec::new(),
            }
        })
    }

    /// REQUESTED → ACKNOWLEDGED.
    async fn accessibility_request_acknowledge(
        &self,
        ctx: &Context<'_>,
        input: AccessibilityRequestAcknowledgeInput,
    ) -> Result<AccessibilityRequestPayload> {
        step(
            ctx,
            &input.id,
            input.expected_version,
            AccessibilityCommand::Acknowledge,
        )
        .await
    }

    /// ACKNOWLEDGED → SCHEDULED.
    async fn accessibility_request_schedule(
        &self,
        ctx: &Context<'_>,
        input: AccessibilityRequestScheduleInput,
    ) -> Result<AccessibilityRequestPayload> {
        let m = AccessibilityCommand::Schedule {
            scheduled_for: input.scheduled_for,
            provider: input.provider,
        };
        step(ctx, &input.id, input.expected_version, m).await
    }

    /// REQUESTED, ACKNOWLEDGED or SCHEDULED → FULFILLED.
    async fn accessibility_request_fulfill(
        &self,
        ctx: &Context<'_>,
        input: AccessibilityRequestFulfillInput,
    ) -> Result<AccessibilityRequestPayload> {
        let m = AccessibilityCommand::Fulfill { note: input.note };
        step(ctx, &input.id, input.expected_version, m).await
    }

    /// Any open status → ALTERNATIVE_PROVIDED: what instead, and why.
    async fn accessibility_request_provide_alternative(
        &self,
        ctx: &Context<'_>,
        input: AccessibilityRequestProvideAlternativeInput,
    ) -> Result<AccessibilityRequestPayload> {
        let m = AccessibilityCommand::ProvideAlternative {
            alternative: input.alternative,
            reason: input.reason,
        };
        step(ctx, &input.id, input.expected_version, m).await
    }

    /// Any open status → DENIED (PATIENT_RELATIONS_MANAGER only): a lawful
    /// ground and a reason.
    async fn accessibility_request_deny(
        &self,
        ctx: &Context<'_>,
        input: AccessibilityRequestDenyInput,
    ) -> Result<AccessibilityRequestPayload> {
        let m = AccessibilityCommand::Deny {
            ground: input.ground,
            reason: input.reason,
        };
        step(ctx, &input.id, input.expected_version, m).await
    }

    /// Any open status → CANCELLED, with a reason.
    async fn accessibility_request_cancel(
        &self,
        ctx: &Context<'_>,
        input: AccessibilityRequestCancelInput,
    ) -> Result<AccessibilityRequestPayload> {
        let m = AccessibilityCommand::Cancel {
            reason: input.reason,
        };
        step(ctx, &input.id, input.expected_version, m).await
    }
}
