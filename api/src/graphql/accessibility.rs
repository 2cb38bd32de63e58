//! Accessibility requests: the request, its query and its seven mutations.

use std::sync::Arc;

use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::complaint_mutations::PatientInput;
use super::complaints::{Patient, UserRef};
use super::context::ContextExt;
use super::node::{NodeKind, encode_id};
use super::pagination::page_size;
use super::user_error::UserError;
use super::work::{
    Reasoned, Stamped, after_cursor, change, complaint_filter, connection, logged,
    optional_uuid_of, split, uuid_of,
};
use crate::domain::accessibility::{self as da, AccessibilityRequestState};
use crate::domain::command::Command;
use crate::domain::command::accessibility::{self as command, AccessibilityCommand};
use crate::domain::permissions::Operation;
use crate::services::accessibility::{self as svc, CreateInput, Filter};
use crate::services::audit::RECORD_ACCESSIBILITY_REQUEST;

#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::accessibility::NeedType")]
pub enum AccessibilityNeedType {
    SignLanguageInterpreter,
    CartCaptioning,
    TtyVideophone,
    LargePrint,
    Braille,
    AudioFormat,
    Reader,
    Wheelchair,
    MobilityAssistance,
    TransferLift,
    AccessibleExamTable,
    AccessibleScale,
    ServiceAnimal,
    CognitiveSupport,
    ExtendedAppointment,
    Other,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::accessibility::Status")]
pub enum AccessibilityRequestStatus {
    Requested,
    Acknowledged,
    Scheduled,
    /// Finished: the requested aid was provided.
    Fulfilled,
    /// Finished: something else was provided, with the reason.
    AlternativeProvided,
    /// Finished: denied by a manager on a lawful ground.
    Denied,
    /// Finished.
    Cancelled,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::accessibility::Action")]
pub enum AccessibilityRequestTransition {
    Acknowledge,
    Schedule,
    Fulfill,
    ProvideAlternative,
    Deny,
    Cancel,
}

/// The lawful grounds for denying an aid (28 CFR 35.164).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::accessibility::DenialGround")]
pub enum AccessibilityDenialGround {
    FundamentalAlteration,
    UndueBurden,
}

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
        self.state.need_type.into()
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
        self.state.status.into()
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
            .map(Into::into)
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
            ground: d.ground.into(),
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

#[derive(InputObject, Default)]
pub struct AccessibilityRequestFilterInput {
    pub complaint_id: Option<ID>,
    pub facility_codes: Option<Vec<String>>,
    pub departments: Option<Vec<String>>,
    pub statuses: Option<Vec<AccessibilityRequestStatus>>,
    pub need_types: Option<Vec<AccessibilityNeedType>>,
    /// Open past the needed-by time (or, with false, not).
    pub overdue: Option<bool>,
    pub needed_from: Option<DateTime<Utc>>,
    pub needed_to: Option<DateTime<Utc>>,
}

pub struct AccessibilityRequestConnectionFields {
    filter: Filter,
}

#[Object]
impl AccessibilityRequestConnectionFields {
    /// How many requests match, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        svc::count(ctx.db()?, ctx.actor()?, &self.filter)
            .await
            .map_err(|e| ctx.internal(e))
    }
}

pub type AccessibilityRequestConnection =
    Connection<String, AccessibilityRequest, AccessibilityRequestConnectionFields, EmptyFields>;

#[derive(Default)]
pub struct AccessibilityQuery;

#[Object]
impl AccessibilityQuery {
    /// Accessibility requests of your facilities (STAFF: what you filed), in
    /// the order filed. Each read is recorded (`recordAccessLog`).
    async fn accessibility_requests(
        &self,
        ctx: &Context<'_>,
        filter: Option<AccessibilityRequestFilterInput>,
        #[graphql(desc = "Page size: at most 100 (the configured limit), 20 when omitted.")]
        first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<AccessibilityRequestConnection> {
        let caller = ctx.caller()?;
        ctx.authorize(Operation::ReadAccessibilityRequests)?;
        let limit = page_size(ctx, first)?;
        let after = after_cursor(after.as_deref())?;
        let f = filter.unwrap_or_default();
        let complaint_id = complaint_filter(f.complaint_id.as_ref());
        let filter = Filter {
            complaint_id,
            facility_codes: f.facility_codes.unwrap_or_default(),
            departments: f.departments.unwrap_or_default(),
            statuses: f
                .statuses
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            need_types: f
                .need_types
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            overdue: f.overdue,
            needed_from: f.needed_from,
            needed_to: f.needed_to,
        };
        let (rows, has_next) = svc::list(ctx.db()?, caller.actor, &filter, after, limit)
            .await
            .map_err(|e| ctx.internal(e))?;
        let ids: Vec<Uuid> = rows.iter().map(|(id, _)| *id).collect();
        logged(
            ctx,
            &caller,
            RECORD_ACCESSIBILITY_REQUEST,
            &ids,
            "accessibilityRequests",
        )
        .await?;
        Ok(connection(
            after.is_some(),
            has_next,
            AccessibilityRequestConnectionFields { filter },
            rows,
            AccessibilityRequest::new,
        ))
    }
}

#[derive(InputObject)]
pub struct AccessibilityRequestCreateInput {
    pub facility_code: String,
    /// A complaint in the same facility the request belongs to; it then
    /// must be finished before the complaint closes.
    pub complaint_id: Option<ID>,
    pub patient: PatientInput,
    pub department: String,
    pub need_type: AccessibilityNeedType,
    pub details: String,
    /// The aid the patient asked for; it gets primary consideration.
    pub requested_aid: String,
    /// When it is needed; open past this time it is overdue.
    pub needed_by: DateTime<Utc>,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct AccessibilityRequestAcknowledgeInput {
    pub id: ID,
    pub expected_version: i32,
}

#[derive(InputObject)]
pub struct AccessibilityRequestScheduleInput {
    pub id: ID,
    pub expected_version: i32,
    pub scheduled_for: DateTime<Utc>,
    /// Who or what provides it (vendor, interpreter, equipment).
    pub provider: Option<String>,
}

#[derive(InputObject)]
pub struct AccessibilityRequestFulfillInput {
    pub id: ID,
    pub expected_version: i32,
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct AccessibilityRequestProvideAlternativeInput {
    pub id: ID,
    pub expected_version: i32,
    /// What was provided instead.
    pub alternative: String,
    /// Why the requested aid was not used.
    pub reason: String,
}

#[derive(InputObject)]
pub struct AccessibilityRequestDenyInput {
    pub id: ID,
    pub expected_version: i32,
    pub ground: AccessibilityDenialGround,
    pub reason: String,
}

#[derive(InputObject)]
pub struct AccessibilityRequestCancelInput {
    pub id: ID,
    pub expected_version: i32,
    pub reason: String,
}

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
    let result = change(ctx, uuid, expected_version, command).await?;
    Ok(match split(ctx, result)? {
        Ok(record) => {
            tracing::info!(record_id = %record.0, version = record.1.version, action = action.as_str(), "accessibility request changed");
            AccessibilityRequestPayload {
                accessibility_request: Some(AccessibilityRequest::new(record)),
                user_errors: Vec::new(),
            }
        }
        Err(user_errors) => AccessibilityRequestPayload {
            accessibility_request: None,
            user_errors,
        },
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
        let result = match optional_uuid_of(
            input.complaint_id.as_ref(),
            NodeKind::Complaint,
            "complaint",
            "complaintId",
        ) {
            Err(e) => Err(e),
            Ok(complaint_id) => {
                let create = CreateInput {
                    facility_code: input.facility_code,
                    complaint_id,
                    draft: da::RequestDraft {
                        patient_mrn: input.patient.mrn,
                        patient_name: input.patient.name,
                        department: input.department,
                        need_type: input.need_type.into(),
                        details: input.details,
                        requested_aid: input.requested_aid,
                        needed_by: input.needed_by,
                    },
                    idempotency_key: input.idempotency_key,
                };
                svc::create(ctx.db()?, &caller, &create).await
            }
        };
        Ok(match split(ctx, result)? {
            Ok((id, state, replayed)) => {
                tracing::info!(record_id = %id, replayed, "accessibility request filed");
                AccessibilityRequestCreatePayload {
                    accessibility_request: Some(AccessibilityRequest::new((id, state))),
                    replayed,
                    user_errors: Vec::new(),
                }
            }
            Err(user_errors) => AccessibilityRequestCreatePayload {
                accessibility_request: None,
                replayed: false,
                user_errors,
            },
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
            ground: input.ground.into(),
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
