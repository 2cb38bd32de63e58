//! Logging and amending interpreter sessions, and their payloads.

use async_graphql::{Context, Object, Result, SimpleObject};
use uuid::Uuid;

use super::inputs::{InterpreterSessionAmendInput, InterpreterSessionLogInput};
use super::types::InterpreterSession;
use crate::domain::interpreter::InterpreterSessionState;
use crate::graphql::common::{UserError, optional_uuid_of, split, uuid_of};
use crate::graphql::context::ContextExt;
use crate::graphql::node::NodeKind;
use crate::services::ServiceError;
use crate::services::interpreter::{self as svc, LogInput};

#[derive(SimpleObject)]
pub struct InterpreterSessionLogPayload {
    pub interpreter_session: Option<InterpreterSession>,
    /// True when `idempotencyKey` matched an earlier log: nothing new was
    /// written.
    pub replayed: bool,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct InterpreterSessionAmendPayload {
    pub interpreter_session: Option<InterpreterSession>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct InterpreterMutation;

#[Object]
impl InterpreterMutation {
    /// Logs an interpreter session.
    async fn interpreter_session_log(
        &self,
        ctx: &Context<'_>,
        input: InterpreterSessionLogInput,
    ) -> Result<InterpreterSessionLogPayload> {
        let caller = ctx.caller()?;
        let result = match optional_uuid_of(
            input.complaint_id.as_ref(),
            NodeKind::Complaint,
            "complaint",
            "complaintId",
        ) {
            Err(e) => Err(e),
            Ok(complaint_id) => {
                let log = LogInput {
                    facility_code: input.facility_code.clone(),
                    complaint_id,
                    entry: input.entry.to_domain(),
                    idempotency_key: input.idempotency_key.clone(),
                };
                svc::log(ctx.db()?, &caller, &log).await
            }
        };
        Ok(match split(ctx, result)? {
            Ok((id, state, replayed)) => {
                tracing::info!(record_id = %id, replayed, "interpreter session logged");
                InterpreterSessionLogPayload {
                    interpreter_session: Some(InterpreterSession::new((id, state))),
                    replayed,
                    user_errors: Vec::new(),
                }
            }
            Err(user_errors) => InterpreterSessionLogPayload {
                interpreter_session: None,
                replayed: false,
                user_errors,
            },
        })
    }

    /// Corrects a log entry: the whole corrected entry and a reason. The
    /// entry before stays on the session (`amendments`, `original`).
    async fn interpreter_session_amend(
        &self,
        ctx: &Context<'_>,
        input: InterpreterSessionAmendInput,
    ) -> Result<InterpreterSessionAmendPayload> {
        let caller = ctx.caller()?;
        let result = match uuid_of(
            &input.id,
            NodeKind::InterpreterSession,
            "interpreter session",
            "id",
        ) {
            Err(e) => Err::<(Uuid, InterpreterSessionState), ServiceError>(e),
            Ok(id) => {
                svc::amend(
                    ctx.db()?,
                    &caller,
                    id,
                    input.expected_version,
                    &input.entry.to_domain(),
                    &input.reason,
                )
                .await
            }
        };
        Ok(match split(ctx, result)? {
            Ok(record) => {
                tracing::info!(record_id = %record.0, version = record.1.version, "interpreter session amended");
                InterpreterSessionAmendPayload {
                    interpreter_session: Some(InterpreterSession::new(record)),
                    user_errors: Vec::new(),
                }
            }
            Err(user_errors) => InterpreterSessionAmendPayload {
                interpreter_session: None,
                user_errors,
            },
        })
    }
}
