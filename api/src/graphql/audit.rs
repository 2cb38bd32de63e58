//! The audit trail and the access log: `auditEvents`, `complaint.history`,
//! `accessLog` and `auditTrailVerification`.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, ID, InputObject, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::common::{DEFAULT_PAGE_SIZE, after_cursor, page_size};
use super::context::ContextExt;
use super::errors;
use crate::domain::accessibility::AccessibilityRequestState;
use crate::domain::actor::FacilityScope;
use crate::domain::interpreter::InterpreterSessionState;
use crate::domain::permissions::{Operation, sees_only_own};
use crate::domain::service_recovery::ServiceRecoveryState;
use crate::ids::{NodeKind, decode_id, encode_id};
use crate::services;
use crate::services::audit::{
    EventFilter, RECORD_ACCESSIBILITY_REQUEST, RECORD_COMPLAINT, RECORD_CONTACT, RECORD_FACILITY,
    RECORD_INTERPRETER_SESSION, RECORD_LETTER, RECORD_NOTE, RECORD_SERVICE_RECOVERY,
};

/// Who did it, as the token said at the time.
#[derive(SimpleObject)]
pub struct AuditActor {
    pub subject: String,
    pub name: String,
    pub roles: Vec<String>,
}

/// One change, as recorded in the same transaction as the change itself.
pub struct AuditEvent(pub entity::audit_event::Model);

fn json_of(text: &Option<String>) -> Option<Json<serde_json::Value>> {
    text.as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .map(Json)
}

#[Object]
impl AuditEvent {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Position in the chain: 1, 2, 3, … without gaps.
    async fn sequence(&self) -> i64 {
        self.0.sequence
    }
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    async fn actor(&self) -> AuditActor {
        AuditActor {
            subject: self.0.actor_subject.clone(),
            name: self.0.actor_name.clone(),
            roles: self
                .0
                .actor_roles
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
        }
    }
    /// The request that made the change (`X-Request-Id`).
    async fn request_id(&self) -> &str {
        &self.0.request_id
    }
    /// What was done, e.g. `COMPLAINT_RESOLVE`, `FACILITY_UPDATE`.
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The kind of record changed: `Complaint`, `ComplaintNote`, …
    async fn record_type(&self) -> &str {
        &self.0.record_type
    }
    /// The changed record: its global id where it is a `Node`.
    async fn record_id(&self) -> ID {
        match self.0.record_type.as_str() {
            RECORD_COMPLAINT => encode_id(NodeKind::Complaint, self.0.record_id),
            RECORD_FACILITY => encode_id(NodeKind::Facility, self.0.record_id),
            RECORD_SERVICE_RECOVERY => encode_id(NodeKind::ServiceRecoveryAction, self.0.record_id),
            RECORD_INTERPRETER_SESSION => encode_id(NodeKind::InterpreterSession, self.0.record_id),
            RECORD_ACCESSIBILITY_REQUEST => {
                encode_id(NodeKind::AccessibilityRequest, self.0.record_id)
            }
            RECORD_LETTER => encode_id(NodeKind::Letter, self.0.record_id),
            _ => ID(self.0.record_id.to_string()),
        }
    }
    /// The complaint it belongs to, if any.
    async fn complaint_id(&self) -> Option<ID> {
        self.0
            .complaint_id
            .map(|c| encode_id(NodeKind::Complaint, c))
    }
    async fn facility_code(&self) -> Option<&str> {
        self.0.facility_code.as_deref()
    }
    /// The changed fields before the change; null for a creation.
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        json_of(&self.0.before)
    }
    /// The changed fields after the change (the whole record on creation).
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        json_of(&self.0.after)
    }
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// SHA-256 of the previous event (hex).
    async fn previous_hash(&self) -> &str {
        &self.0.previous_hash
    }
    /// SHA-256 over the previous hash and this event's canonical encoding.
    async fn hash(&self) -> &str {
        &self.0.hash
    }
}

/// `totalCount` runs only when asked for.
pub struct AuditEventConnectionFields {
    filter: EventFilter,
}

#[Object]
impl AuditEventConnectionFields {
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        Ok(services::audit::count(ctx.db()?, &self.filter).await?)
    }
}

pub type AuditEventConnection =
    Connection<String, AuditEvent, AuditEventConnectionFields, EmptyFields>;

fn decode_sequence(cursor: &str) -> Result<i64> {
    cursor
        .parse::<i64>()
        .map_err(|_| errors::bad_input("`after` is not a cursor from this connection"))
}

async fn page(
    ctx: &Context<'_>,
    filter: EventFilter,
    first: Option<i32>,
    after: Option<String>,
) -> Result<AuditEventConnection> {
    let limit = page_size(ctx, first)?;
    let after = after.as_deref().map(decode_sequence).transpose()?;
    let (rows, has_next) = services::audit::list(ctx.db()?, &filter, after, limit).await?;
    let mut connection = Connection::with_additional_fields(
        after.is_some(),
        has_next,
        AuditEventConnectionFields { filter },
    );
    connection.edges.extend(
        rows.into_iter()
            .map(|r| Edge::new(r.sequence.to_string(), AuditEvent(r))),
    );
    Ok(connection)
}

/// A complaint's events (the caller already passed the complaint's read
/// checks), up to `as_of` when rebuilding a past state.
pub async fn history(
    ctx: &Context<'_>,
    complaint_id: Uuid,
    as_of: Option<DateTime<Utc>>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<AuditEventConnection> {
    // STAFF read the history of the complaints they logged: the complaint,
    // its notes and contacts, not service recovery or other people's
    // sessions and requests linked to it.
    let record_types = if sees_only_own(ctx.actor()?) {
        vec![RECORD_COMPLAINT, RECORD_NOTE, RECORD_CONTACT]
    } else {
        Vec::new()
    };
    let filter = EventFilter {
        complaint_id: Some(complaint_id),
        to: as_of,
        record_types,
        ..Default::default()
    };
    page(ctx, filter, first, after).await
}

#[derive(InputObject, Default)]
pub struct AuditEventFilter {
    pub complaint_id: Option<ID>,
    /// Any record's id (a global id, or the raw id shown in `recordId`).
    pub record_id: Option<ID>,
    /// The actor's user id.
    pub actor: Option<String>,
    pub actions: Option<Vec<String>>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

fn record_uuid(id: &ID) -> Option<Uuid> {
    decode_id(id)
        .map(|(_, u)| u)
        .or_else(|| Uuid::try_parse(id).ok())
}

pub use crate::domain::audit::LinkProblem as AuditLinkProblem;

#[derive(SimpleObject)]
pub struct AuditBrokenLink {
    pub sequence: i64,
    pub event_id: ID,
    pub problem: AuditLinkProblem,
}

#[derive(SimpleObject)]
pub struct AuditTrailVerification {
    /// True when every event in the range matches its hash and links to
    /// the one before it, and the trail matches every signed checkpoint.
    pub intact: bool,
    pub checked_count: u64,
    pub first_sequence: Option<i64>,
    pub last_sequence: Option<i64>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// The first broken link; null when the chain is whole.
    pub first_broken_link: Option<AuditBrokenLink>,
    /// Signed checkpoints checked: every stored one and every supplied line
    /// (whatever `from` and `to`).
    pub checkpoints_checked: u64,
    /// The highest sequence a checkpoint vouched for and the trail matched.
    pub latest_verified_checkpoint_sequence: Option<i64>,
    /// The lowest-sequence checkpoint the trail fails; null when none.
    pub first_checkpoint_problem: Option<super::checkpoints::AuditCheckpointProblem>,
}

/// One read of a complaint.
#[derive(SimpleObject)]
pub struct AccessLogEntry {
    pub id: ID,
    pub accessed_at: DateTime<Utc>,
    pub actor: AuditActor,
    pub request_id: String,
    /// The query that read it: `complaint`, `complaints`, `complaintByReference`, …
    pub operation: String,
}

impl AccessLogEntry {
    fn new(
        id: Uuid,
        accessed_at: DateTime<Utc>,
        (subject, name, roles): (String, String, &str),
        request_id: String,
        operation: String,
    ) -> Self {
        AccessLogEntry {
            id: ID(id.to_string()),
            accessed_at,
            actor: AuditActor {
                subject,
                name,
                roles: roles.split_whitespace().map(str::to_owned).collect(),
            },
            request_id,
            operation,
        }
    }
}

#[derive(SimpleObject)]
pub struct AccessLogFields {
    pub total_count: u64,
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Audit events of your facilities, in chain order (COMPLIANCE).
    #[graphql(
        complexity = "first.map_or(DEFAULT_PAGE_SIZE as usize, |n| n.max(0) as usize) * child_complexity + 1"
    )]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditEventFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<AuditEventConnection> {
        let actor = ctx.authorize(Operation::ReadAuditTrail)?;
        let f = filter.unwrap_or_default();
        let bad_id = || errors::bad_input("not an id from this API");
        let filter = EventFilter {
            complaint_id: f
                .complaint_id
                .as_ref()
                .map(|id| record_uuid(id).ok_or_else(bad_id))
                .transpose()?,
            record_id: f
                .record_id
                .as_ref()
                .map(|id| record_uuid(id).ok_or_else(bad_id))
                .transpose()?,
            actor_subject: f.actor,
            actions: f.actions.unwrap_or_default(),
            record_types: Vec::new(),
            from: f.from,
            to: f.to,
            facility_scope: match &actor.facilities {
                FacilityScope::All => None,
                FacilityScope::Only(codes) => Some(codes.iter().cloned().collect()),
            },
        };
        page(ctx, filter, first, after).await
    }

    /// Who read a complaint and when, newest first (COMPLIANCE); null when
    /// the complaint does not exist for you.
    #[graphql(
        complexity = "first.map_or(DEFAULT_PAGE_SIZE as usize, |n| n.max(0) as usize) * child_complexity + 1"
    )]
    async fn access_log(
        &self,
        ctx: &Context<'_>,
        complaint_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Option<Connection<String, AccessLogEntry, AccessLogFields, EmptyFields>>> {
        let actor = ctx.authorize(Operation::ReadAccessLog)?;
        let Some((NodeKind::Complaint, uuid)) = decode_id(&complaint_id) else {
            return Ok(None);
        };
        let db = ctx.db()?;
        if !services::complaints::is_visible(db, actor, uuid).await? {
            return Ok(None);
        }
        let limit = page_size(ctx, first)?;
        let after = after
            .as_deref()
            .map(|c| {
                Uuid::try_parse(c)
                    .map_err(|_| errors::bad_input("`after` is not a cursor from this connection"))
            })
            .transpose()?;
        let (rows, has_next) =
            services::access_log::list(db, RECORD_COMPLAINT, uuid, after, limit).await?;
        let total = services::access_log::count(db, RECORD_COMPLAINT, uuid).await?;
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            has_next,
            AccessLogFields { total_count: total },
        );
        connection.edges.extend(rows.into_iter().map(|r| {
            Edge::new(
                r.id.to_string(),
                AccessLogEntry::new(
                    r.id,
                    r.accessed_at,
                    (r.actor_subject, r.actor_name, &r.actor_roles),
                    r.request_id,
                    r.operation,
                ),
            )
        }));
        Ok(Some(connection))
    }

    /// Who read a service-recovery action, interpreter session or
    /// accessibility request and when, newest first (COMPLIANCE); null when
    /// the record does not exist for you.
    #[graphql(
        complexity = "first.map_or(DEFAULT_PAGE_SIZE as usize, |n| n.max(0) as usize) * child_complexity + 1"
    )]
    async fn record_access_log(
        &self,
        ctx: &Context<'_>,
        record_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Option<Connection<String, AccessLogEntry, AccessLogFields, EmptyFields>>> {
        let actor = ctx.authorize(Operation::ReadRecordAccessLog)?;
        let db = ctx.db()?;
        let visible = match decode_id(&record_id) {
            Some((NodeKind::ServiceRecoveryAction, uuid)) => {
                services::stored::is_visible::<ServiceRecoveryState>(db, actor, uuid)
                    .await
                    .map(|v| v.then_some((RECORD_SERVICE_RECOVERY, uuid)))
            }
            Some((NodeKind::InterpreterSession, uuid)) => {
                services::stored::is_visible::<InterpreterSessionState>(db, actor, uuid)
                    .await
                    .map(|v| v.then_some((RECORD_INTERPRETER_SESSION, uuid)))
            }
            Some((NodeKind::AccessibilityRequest, uuid)) => {
                services::stored::is_visible::<AccessibilityRequestState>(db, actor, uuid)
                    .await
                    .map(|v| v.then_some((RECORD_ACCESSIBILITY_REQUEST, uuid)))
            }
            _ => Ok(None),
        };
        let Some((record_type, uuid)) = visible? else {
            return Ok(None);
        };
        let limit = page_size(ctx, first)?;
        let after = after_cursor(after.as_deref())?;
        let (rows, has_next) =
            services::access_log::list(db, record_type, uuid, after, limit).await?;
        let total = services::access_log::count(db, record_type, uuid).await?;
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            has_next,
            AccessLogFields { total_count: total },
        );
        connection.edges.extend(rows.into_iter().map(|r| {
            Edge::new(
                r.id.to_string(),
                AccessLogEntry::new(
                    r.id,
                    r.accessed_at,
                    (r.actor_subject, r.actor_name, &r.actor_roles),
                    r.request_id,
                    r.operation,
                ),
            )
        }));
        Ok(Some(connection))
    }

    /// Recomputes the hash chain over the events in `[from, to]` (all of
    /// them when omitted) and names the first broken link, then checks the
    /// trail against every stored signed checkpoint and the exported
    /// `checkpoints` lines you kept (COMPLIANCE, ADMIN; shows no record
    /// content). A rewritten and re-hashed trail links up again; it no
    /// longer matches a checkpoint signed before the rewrite.
    async fn audit_trail_verification(
        &self,
        ctx: &Context<'_>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        checkpoints: Option<Vec<String>>,
    ) -> Result<AuditTrailVerification> {
        ctx.authorize(Operation::VerifyAuditTrail)?;
        let supplied = super::checkpoints::parse_lines(checkpoints.as_deref().unwrap_or_default())?;
        let v = services::audit::verify(ctx.db()?, from, to).await?;
        if let Some(b) = &v.broken {
            tracing::warn!(
                sequence = b.sequence,
                problem = ?b.problem,
                "audit trail verification found a broken link"
            );
        }
        let report = super::checkpoints::check(ctx, &supplied).await?;
        Ok(AuditTrailVerification {
            intact: v.intact && report.intact(),
            checked_count: v.checked,
            first_sequence: v.first_sequence,
            last_sequence: v.last_sequence,
            from,
            to,
            first_broken_link: v.broken.map(|b| AuditBrokenLink {
                sequence: b.sequence,
                event_id: ID(b.event_id.to_string()),
                problem: b.problem,
            }),
            checkpoints_checked: report.checked,
            latest_verified_checkpoint_sequence: report.latest_verified_sequence,
            first_checkpoint_problem: report.first_problem.map(Into::into),
        })
    }
}
