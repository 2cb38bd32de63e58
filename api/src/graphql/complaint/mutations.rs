//! Complaint mutations: one per business action, each taking `input` and
//! returning a payload with the complaint and `userErrors`.

use async_graphql::{Context, ID, Object, Result};
use uuid::Uuid;

use super::inputs::*;
use super::payloads::{
    ComplaintAddNotePayload, ComplaintCreatePayload, ComplaintLogContactPayload, ComplaintPayload,
    changed,
};
use super::types::{Complaint, ComplaintContact};
use crate::domain::command::Command;
use crate::domain::command::complaint::ComplaintCommand;
use crate::domain::command::notes::{AddNote, LogContact};
use crate::domain::complaint as dc;
use crate::graphql::common::{payload, refused_payload, run, uuid_of};
use crate::graphql::context::ContextExt;
use crate::ids::NodeKind;
use crate::services::ServiceError;
use crate::services::complaints::{self as svc, Record};

fn complaint_uuid(id: &ID, field: &str) -> Result<Uuid, ServiceError> {
    uuid_of(id, NodeKind::Complaint, "complaint", field)
}

/// Runs one command through the one change path.
async fn apply(
    ctx: &Context<'_>,
    id: &ID,
    expected_version: i32,
    command: ComplaintCommand,
) -> Result<ComplaintPayload> {
    let action = command.audit_action();
    let result = run(ctx, complaint_uuid(id, "id"), expected_version, command)
        .await?
        .map(|(id, state)| Record { id, state });
    changed(action.as_str(), result)
}

#[derive(Default)]
pub struct ComplaintMutation;

#[Object]
impl ComplaintMutation {
    /// Logs a new complaint: classified from the CMS triggers, numbered,
    /// clocks started at `receivedAt`.
    async fn complaint_create(
        &self,
        ctx: &Context<'_>,
        input: ComplaintCreateInput,
    ) -> Result<ComplaintCreatePayload> {
        let caller = ctx.caller()?;
        let db = ctx.db()?;
        let result = async {
            let draft = input.into_draft(&caller.actor.name)?;
            svc::create(db, &caller, &draft).await
        }
        .await;
        payload(result, |(record, replayed)| {
            tracing::info!(complaint_id = %record.id, replayed, "complaint created");
            ComplaintCreatePayload {
                complaint: Some(Complaint::new(record)),
                replayed,
                user_errors: Vec::new(),
            }
        })
    }

    /// Changes details and HCAT issues of an open complaint; reclassifies
    /// (a grievance stays a grievance).
    async fn complaint_update(
        &self,
        ctx: &Context<'_>,
        input: ComplaintUpdateInput,
    ) -> Result<ComplaintPayload> {
        let patch = match input.to_patch() {
            Ok(patch) => patch,
            Err(e) => return refused_payload(e),
        };
        apply(
            ctx,
            &input.id,
            input.expected_version,
            ComplaintCommand::Update(patch),
        )
        .await
    }

    /// Gives the complaint its owner. Replacing an existing owner is a
    /// reassignment, for a PATIENT_RELATIONS_MANAGER.
    async fn complaint_assign(
        &self,
        ctx: &Context<'_>,
        input: ComplaintAssignInput,
    ) -> Result<ComplaintPayload> {
        let owner = dc::UserRef {
            subject: input.owner_subject,
            name: input.owner_name,
        };
        apply(
            ctx,
            &input.id,
            input.expected_version,
            ComplaintCommand::Assign { owner },
        )
        .await
    }

    /// RECEIVED → ACKNOWLEDGED: records how and when the complainant was told.
    async fn complaint_acknowledge(
        &self,
        ctx: &Context<'_>,
        input: ComplaintAcknowledgeInput,
    ) -> Result<ComplaintPayload> {
        apply(
            ctx,
            &input.id,
            input.expected_version,
            ComplaintCommand::Acknowledge {
                method: input.method,
                at: input.acknowledged_at,
            },
        )
        .await
    }

    /// → INVESTIGATING; needs an owner. A plain complaint becomes a
    /// grievance (not resolved at the time).
    async fn complaint_start_investigation(
        &self,
        ctx: &Context<'_>,
        input: ComplaintStartInvestigationInput,
    ) -> Result<ComplaintPayload> {
        apply(
            ctx,
            &input.id,
            input.expected_version,
            ComplaintCommand::StartInvestigation,
        )
        .await
    }

    /// Makes an open complaint a grievance, with a reason. There is no way back.
    async fn complaint_escalate(
        &self,
        ctx: &Context<'_>,
        input: ComplaintEscalateInput,
    ) -> Result<ComplaintPayload> {
        apply(
            ctx,
            &input.id,
            input.expected_version,
            ComplaintCommand::Escalate {
                reason: input.reason,
            },
        )
        .await
    }

    /// RECEIVED → RESOLVED for a complaint (not a grievance) settled on the
    /// spot. STAFF may do this for complaints they logged.
    async fn complaint_resolve_at_point_of_service(
        &self,
        ctx: &Context<'_>,
        input: ComplaintResolveAtPointOfServiceInput,
    ) -> Result<ComplaintPayload> {
        apply(
            ctx,
            &input.id,
            input.expected_version,
            ComplaintCommand::ResolveAtPointOfService {
                resolution: input.resolution,
            },
        )
        .await
    }

    /// → RESOLVED: a finding for every issue; a grievance needs its written
    /// response (A-0123, and the QIO notice of A-0120 where owed).
    async fn complaint_resolve(
        &self,
        ctx: &Context<'_>,
        input: ComplaintResolveInput,
    ) -> Result<ComplaintPayload> {
        let resolve = match input.to_domain() {
            Ok(resolve) => resolve,
            Err(e) => return refused_payload(e),
        };
        apply(
            ctx,
            &input.id,
            input.expected_version,
            ComplaintCommand::Resolve(resolve),
        )
        .await
    }

    /// RESOLVED → CLOSED, once all linked work is finished.
    async fn complaint_close(
        &self,
        ctx: &Context<'_>,
        input: ComplaintCloseInput,
    ) -> Result<ComplaintPayload> {
        apply(
            ctx,
            &input.id,
            input.expected_version,
            ComplaintCommand::Close,
        )
        .await
    }

    /// → WITHDRAWN, with a reason.
    async fn complaint_withdraw(
        &self,
        ctx: &Context<'_>,
        input: ComplaintWithdrawInput,
    ) -> Result<ComplaintPayload> {
        apply(
            ctx,
            &input.id,
            input.expected_version,
            ComplaintCommand::Withdraw {
                reason: input.reason,
            },
        )
        .await
    }

    /// RESOLVED/CLOSED/WITHDRAWN → INVESTIGATING, with a reason; counts as reopened.
    async fn complaint_reopen(
        &self,
        ctx: &Context<'_>,
        input: ComplaintReopenInput,
    ) -> Result<ComplaintPayload> {
        apply(
            ctx,
            &input.id,
            input.expected_version,
            ComplaintCommand::Reopen {
                reason: input.reason,
            },
        )
        .await
    }

    /// Extends a running clock within the policy's limits
    /// (PATIENT_RELATIONS_MANAGER).
    async fn complaint_extend_deadline(
        &self,
        ctx: &Context<'_>,
        input: ComplaintExtendDeadlineInput,
    ) -> Result<ComplaintPayload> {
        apply(
            ctx,
            &input.id,
            input.expected_version,
            ComplaintCommand::ExtendDeadline {
                clock: input.clock,
                by: input.by.to_domain(),
                reason: input.reason,
            },
        )
        .await
    }

    /// Appends a working note. Notes are never edited or deleted.
    async fn complaint_add_note(
        &self,
        ctx: &Context<'_>,
        input: ComplaintAddNoteInput,
    ) -> Result<ComplaintAddNotePayload> {
        let caller = ctx.caller()?;
        let db = ctx.db()?;
        let result = async {
            let command = AddNote {
                complaint_id: complaint_uuid(&input.complaint_id, "complaintId")?,
                body: input.body,
            };
            let key = input.idempotency_key.as_deref();
            svc::add_note(db, &caller, command, key).await
        }
        .await;
        payload(result, |(note, replayed)| ComplaintAddNotePayload {
            note: Some(note.into()),
            replayed,
            user_errors: Vec::new(),
        })
    }

    /// Records a contact with the complainant. Contacts are never edited
    /// or deleted.
    async fn complaint_log_contact(
        &self,
        ctx: &Context<'_>,
        input: ComplaintLogContactInput,
    ) -> Result<ComplaintLogContactPayload> {
        let caller = ctx.caller()?;
        let db = ctx.db()?;
        let result = async {
            let command = LogContact {
                complaint_id: complaint_uuid(&input.complaint_id, "complaintId")?,
                direction: input.direction,
                method: input.method,
                contacted_at: input.contacted_at,
                with_whom: input.with_whom,
                summary: input.summary,
            };
            let key = input.idempotency_key.as_deref();
            svc::log_contact(db, &caller, command, key).await
        }
        .await;
        payload(result, |(contact, replayed)| ComplaintLogContactPayload {
            contact: ComplaintContact::from_model(contact),
            replayed,
            user_errors: Vec::new(),
        })
    }
}
