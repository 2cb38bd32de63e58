//! Logging and amending interpreter sessions, and their payloads.

use async_graphql::{Context, Object, Result, SimpleObject};

use super::inputs::{InterpreterSessionAmendInput, InterpreterSessionLogInput};
use super::types::InterpreterSession;
use crate::domain::command::interpreter::InterpreterCommand;
use crate::graphql::common::{Payload, UserError, optional_uuid_of, payload, run, uuid_of};
use crate::graphql::context::ContextExt;
use crate::ids::NodeKind;
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

impl Payload for InterpreterSessionLogPayload {
    fn refused(user_errors: Vec<UserError>) -> Self {
        InterpreterSessionLogPayload {
            interpreter_session: None,
            replayed: false,
            user_errors,
        }
    }
}

impl Payload for InterpreterSessionAmendPayload {
    fn refused(user_errors: Vec<UserError>) -> Self {
        InterpreterSessionAmendPayload {
            interpreter_session: None,
            user_errors,
        }
    }
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
        let db = ctx.db()?;
        let result = async {
            let log = LogInput {
                facility_code: input.facility_code.clone(),
                complaint_id: optional_uuid_of(
                    input.complaint_id.as_ref(),
                    NodeKind::Complaint,
                    "complaint",
                    "complaintId",
                )?,
                entry: input.entry.to_domain(),
                idempotency_key: input.idempotency_key.clone(),
            };
            svc::log(db, &caller, &log).await
        }
        .await;
        payload(result, |(id, state, replayed)| {
            tracing::info!(record_id = %id, replayed, "interpreter session logged");
            InterpreterSessionLogPayload {
                interpreter_session: Some(InterpreterSession::new((id, state))),
                replayed,
                user_errors: Vec::new(),
            }
        })
    }

    /// Corrects a log entry: the whole corrected entry and a reason. The
    /// entry before stays on the session (`amendments`, `original`).
    async fn interpreter_session_amend(
        &self,
        ctx: &Context<'_>,
        input: InterpreterSessionAmendInput,
    ) -> Result<InterpreterSessionAmendPayload> {
        let id = uuid_of(
            &input.id,
            NodeKind::InterpreterSession,
            "interpreter session",
            "id",
        );
        let command = InterpreterCommand::Amend {
            entry: input.entry.to_domain(),
            reason: input.reason,
        };
        let result = run(ctx, id, input.expected_version, command).await?;
        payload(result, |record| {
            tracing::info!(record_id = %record.0, version = record.1.version, "interpreter session amended");
            InterpreterSessionAmendPayload {
                interpreter_session: Some(InterpreterSession::new(record)),
                user_errors: Vec::new(),
            }
        })
    }
}
