//! Signed checkpoints of the audit trail: `auditCheckpoint` (sign the head
//! now) and `auditCheckpoints` (COMPLIANCE, ADMIN). The check against them
//! is part of `auditTrailVerification`.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::common::{ConnectionFields, DEFAULT_PAGE_SIZE, Payload, UserError, page_size, payload};
use super::context::ContextExt;
use super::errors;
use crate::domain::checkpoint::SignedCheckpoint;
use crate::domain::permissions::Operation;
use crate::services::checkpoints::{self as service, CheckpointFinding, CheckpointReport, Origin};

/// The head of the audit trail (its last event's sequence and hash) signed
/// with the server's Ed25519 checkpoint key, kept outside the database.
pub struct AuditCheckpoint(pub entity::audit_checkpoint::Model);

#[Object]
impl AuditCheckpoint {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The signed head: the sequence of the trail's last event then.
    async fn sequence(&self) -> i64 {
        self.0.sequence
    }
    /// The hash of that event (hex SHA-256).
    async fn hash(&self) -> &str {
        &self.0.hash
    }
    async fn signed_at(&self) -> DateTime<Utc> {
        self.0.signed_at
    }
    /// First 16 hex characters of SHA-256 over the public key.
    async fn key_id(&self) -> &str {
        &self.0.key_id
    }
    /// The Ed25519 public key (hex, 32 bytes).
    async fn public_key(&self) -> &str {
        &self.0.public_key
    }
    /// The Ed25519 signature (hex, 64 bytes) over the canonical message
    /// `redress-audit-checkpoint/v1\n<sequence>\n<hash>\n<signedAt>\n`.
    async fn signature(&self) -> &str {
        &self.0.signature
    }
    /// Who asked for it (a user id), or `system` for the periodic task.
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }
    /// One printable line holding the whole checkpoint, to keep off the
    /// server (print it, email it) and pass back later to
    /// `auditTrailVerification(checkpoints: [...])`.
    async fn export(&self) -> String {
        service::signed(&self.0).export_line()
    }
}

fn cursor(row: &entity::audit_checkpoint::Model) -> String {
    format!("{}:{}", row.sequence, row.id)
}

fn decode_cursor(cursor: &str) -> Result<(i64, Uuid)> {
    cursor
        .split_once(':')
        .and_then(|(s, id)| Some((s.parse().ok()?, Uuid::try_parse(id).ok()?)))
        .ok_or_else(|| errors::bad_input("`after` is not a cursor from this connection"))
}

#[derive(Default)]
pub struct CheckpointQuery;

#[Object]
impl CheckpointQuery {
    /// Signed checkpoints of the audit trail, newest first (COMPLIANCE,
    /// ADMIN).
    #[graphql(
        complexity = "first.map_or(DEFAULT_PAGE_SIZE as usize, |n| n.max(0) as usize) * child_complexity + 1"
    )]
    async fn audit_checkpoints(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, AuditCheckpoint, ConnectionFields, EmptyFields>> {
        ctx.authorize(Operation::ReadAuditCheckpoints)?;
        let limit = page_size(ctx, first)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let db = ctx.db()?;
        let (rows, has_next, total) = service::page(db, after, limit).await?;
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            has_next,
            ConnectionFields { total_count: total },
        );
        connection.edges.extend(
            rows.into_iter()
                .map(|r| Edge::new(cursor(&r), AuditCheckpoint(r))),
        );
        Ok(connection)
    }
}

#[derive(InputObject, Default)]
pub struct AuditCheckpointInput {
    /// The head you expect to sign (e.g. the last `sequence` you reviewed):
    /// when the trail's head is elsewhere, nothing is signed (`CONFLICT`).
    pub expected_sequence: Option<i64>,
}

#[derive(SimpleObject)]
pub struct AuditCheckpointPayload {
    pub checkpoint: Option<AuditCheckpoint>,
    pub user_errors: Vec<UserError>,
}

impl Payload for AuditCheckpointPayload {
    fn refused(user_errors: Vec<UserError>) -> Self {
        AuditCheckpointPayload {
            checkpoint: None,
            user_errors,
        }
    }
}

#[derive(Default)]
pub struct CheckpointMutation;

#[Object]
impl CheckpointMutation {
    /// Signs the head of the audit trail now and stores the checkpoint
    /// (COMPLIANCE, ADMIN). Keep its `export` line off the server. Taking a
    /// checkpoint is not an audit event (it would move the head it signs);
    /// `createdBy` records who asked.
    async fn audit_checkpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] input: AuditCheckpointInput,
    ) -> Result<AuditCheckpointPayload> {
        let actor = ctx.authorize(Operation::CreateAuditCheckpoint)?;
        let signer = ctx.checkpoint_signer()?;
        let result = service::create(
            ctx.db()?,
            signer,
            &actor.subject,
            Utc::now(),
            input.expected_sequence,
        )
        .await;
        payload(result, |checkpoint| {
            tracing::info!(
                checkpoint_id = %checkpoint.id,
                sequence = checkpoint.sequence,
                key_id = %checkpoint.key_id,
                "audit checkpoint signed on request"
            );
            AuditCheckpointPayload {
                checkpoint: Some(AuditCheckpoint(checkpoint)),
                user_errors: Vec::new(),
            }
        })
    }
}

pub use crate::domain::checkpoint::CheckpointProblem as AuditCheckpointProblemCode;

/// The first (lowest-sequence) checkpoint the trail fails.
#[derive(SimpleObject)]
pub struct AuditCheckpointProblem {
    /// The sequence the checkpoint signed.
    pub sequence: i64,
    pub problem: AuditCheckpointProblemCode,
    /// The key id the checkpoint names.
    pub key_id: String,
    /// The stored checkpoint's id; null for a supplied line.
    pub checkpoint_id: Option<ID>,
    /// The index (from 0) of the supplied line in `checkpoints`; null for a
    /// stored checkpoint.
    pub line: Option<i32>,
}

impl From<CheckpointFinding> for AuditCheckpointProblem {
    fn from(f: CheckpointFinding) -> Self {
        let (checkpoint_id, line) = match f.origin {
            Origin::Stored(id) => (Some(ID(id.to_string())), None),
            Origin::Supplied(index) => (None, Some(i32::try_from(index).unwrap_or(i32::MAX))),
        };
        AuditCheckpointProblem {
            sequence: f.sequence,
            problem: f.problem,
            key_id: f.key_id,
            checkpoint_id,
            line,
        }
    }
}

/// Parses the supplied export lines; a malformed one is `BAD_USER_INPUT`
/// naming its index.
pub fn parse_lines(lines: &[String]) -> Result<Vec<SignedCheckpoint>> {
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            SignedCheckpoint::parse_export_line(line).map_err(|e| {
                errors::bad_input(format!(
                    "checkpoints[{i}] is not a checkpoint export line: {e}"
                ))
            })
        })
        .collect()
}

/// Checks the trail against the stored checkpoints and the supplied ones,
/// logging a problem (sequence and code only).
pub async fn check(ctx: &Context<'_>, supplied: &[SignedCheckpoint]) -> Result<CheckpointReport> {
    let trusted = ctx.checkpoint_signer()?.public_key();
    let report = service::verify_all(ctx.db()?, &trusted, supplied).await?;
    if let Some(f) = &report.first_problem {
        tracing::warn!(
            sequence = f.sequence,
            problem = f.problem.as_str(),
            key_id = %f.key_id,
            "audit trail verification found a checkpoint the trail fails"
        );
    }
    Ok(report)
}
