//! Letters' five mutations and their payloads.

use async_graphql::{Context, Object, Result, SimpleObject};

use super::inputs::*;
use super::types::Letter;
use crate::domain::letter::{DraftInput, LetterState, UpdateInput};
use crate::graphql::common::{Payload, UserError, optional_uuid_of, payload, uuid_of};
use crate::graphql::context::ContextExt;
use crate::ids::NodeKind;
use crate::services::ServiceError;
use crate::services::letters::{self as svc, DraftRequest, LetterRecord};

#[derive(SimpleObject)]
pub struct LetterDraftPayload {
    pub letter: Option<Letter>,
    /// True when `idempotencyKey` matched an earlier draft: nothing new
    /// was written.
    pub replayed: bool,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct LetterPayload {
    pub letter: Option<Letter>,
    pub user_errors: Vec<UserError>,
}

impl Payload for LetterDraftPayload {
    fn refused(user_errors: Vec<UserError>) -> Self {
        LetterDraftPayload {
            letter: None,
            replayed: false,
            user_errors,
        }
    }
}

impl Payload for LetterPayload {
    fn refused(user_errors: Vec<UserError>) -> Self {
        LetterPayload {
            letter: None,
            user_errors,
        }
    }
}

fn letter_id(id: &async_graphql::ID) -> Result<uuid::Uuid, ServiceError> {
    uuid_of(id, NodeKind::Letter, "letter", "id")
}

fn changed(
    result: Result<(uuid::Uuid, LetterState), ServiceError>,
    what: &str,
) -> Result<LetterPayload> {
    payload(result, |(id, state)| {
        tracing::info!(record_id = %id, version = state.version, action = what, "letter changed");
        LetterPayload {
            letter: Some(Letter::new(LetterRecord { id, state })),
            user_errors: Vec::new(),
        }
    })
}

#[derive(Default)]
pub struct LetterMutation;

#[Object]
impl LetterMutation {
    /// Drafts a letter on a complaint, composed from it in the
    /// complainant's language (DRAFT).
    async fn letter_draft(
        &self,
        ctx: &Context<'_>,
        input: LetterDraftInput,
    ) -> Result<LetterDraftPayload> {
        let caller = ctx.caller()?;
        let db = ctx.db()?;
        let result = async {
            let request = DraftRequest {
                complaint_id: uuid_of(
                    &input.complaint_id,
                    NodeKind::Complaint,
                    "complaint",
                    "complaintId",
                )?,
                input: DraftInput {
                    kind: input.kind,
                    language: input.language,
                    language_reason: input.language_reason,
                    format: input.format,
                    supersedes: optional_uuid_of(
                        input.supersedes.as_ref(),
                        NodeKind::Letter,
                        "letter",
                        "supersedes",
                    )?,
                    content: input.content.to_domain(),
                },
                idempotency_key: input.idempotency_key,
            };
            svc::draft(db, &caller, &request).await
        }
        .await;
        payload(result, |(id, state, replayed)| {
            tracing::info!(record_id = %id, replayed, "letter drafted");
            LetterDraftPayload {
                letter: Some(Letter::new(LetterRecord { id, state })),
                replayed,
                user_errors: Vec::new(),
            }
        })
    }

    /// Changes a draft (an approved letter goes back to DRAFT). A sent
    /// letter is never edited: draft a correction that supersedes it.
    async fn letter_update(
        &self,
        ctx: &Context<'_>,
        input: LetterUpdateInput,
    ) -> Result<LetterPayload> {
        let caller = ctx.caller()?;
        let db = ctx.db()?;
        let result = async {
            let id = letter_id(&input.id)?;
            let update = UpdateInput {
                language: input.language,
                language_reason: input.language_reason,
                format: input.format,
                content: input.content.to_domain(),
            };
            let state = svc::update(db, &caller, id, input.expected_version, update).await?;
            Ok((id, state))
        }
        .await;
        changed(result, "LETTER_UPDATE")
    }

    /// DRAFT → APPROVED, by a manager other than the drafter.
    async fn letter_approve(
        &self,
        ctx: &Context<'_>,
        input: LetterApproveInput,
    ) -> Result<LetterPayload> {
        let caller = ctx.caller()?;
        let db = ctx.db()?;
        let result = async {
            let id = letter_id(&input.id)?;
            let state = svc::approve(db, &caller, id, input.expected_version).await?;
            Ok((id, state))
        }
        .await;
        changed(result, "LETTER_APPROVE")
    }

    /// → SENT: how and when it went out. What was sent is stored and its
    /// SHA-256 is on the audit trail; a correction supersedes the letter it
    /// corrects; an acknowledgement acknowledges a RECEIVED complaint. With
    /// EMAIL and SMTP configured, the server emails the letter to the
    /// complainant and records the relay's answer (see the README).
    async fn letter_mark_sent(
        &self,
        ctx: &Context<'_>,
        input: LetterMarkSentInput,
    ) -> Result<LetterPayload> {
        let caller = ctx.caller()?;
        let db = ctx.db()?;
        let result = async {
            let id = letter_id(&input.id)?;
            let state = svc::mark_sent(
                db,
                &caller,
                id,
                input.expected_version,
                input.method,
                input.sent_at,
                ctx.mailer(),
            )
            .await?;
            Ok((id, state))
        }
        .await;
        changed(result, "LETTER_MARK_SENT")
    }

    /// A sent letter's delivery: DELIVERED, RETURNED or FAILED (once).
    async fn letter_record_delivery(
        &self,
        ctx: &Context<'_>,
        input: LetterRecordDeliveryInput,
    ) -> Result<LetterPayload> {
        let caller = ctx.caller()?;
        let db = ctx.db()?;
        let result = async {
            let id = letter_id(&input.id)?;
            let state = svc::record_delivery(
                db,
                &caller,
                id,
                input.expected_version,
                input.outcome,
                input.note,
            )
            .await?;
            Ok((id, state))
        }
        .await;
        changed(result, "LETTER_RECORD_DELIVERY")
    }
}
