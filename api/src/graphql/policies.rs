//! Deadline policies: `deadlinePolicies` and `deadlinePolicyUpsert` (ADMIN).

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::common::{
    ConnectionFields, DEFAULT_PAGE_SIZE, Payload, Span, SpanInput, UserError, page_size, payload,
};
use super::context::ContextExt;
use super::enums::Program;
use super::errors;
use crate::domain::clocks::PolicyRules;
use crate::domain::permissions::Operation;
use crate::services::policies::{self, Policy, PolicyDraft};

/// How long a facility's complaints of one program may take. Changes apply
/// to complaints received afterwards.
pub struct DeadlinePolicy(pub Policy);

#[Object]
impl DeadlinePolicy {
    async fn id(&self) -> ID {
        ID(self.0.model.id.to_string())
    }
    async fn facility_code(&self) -> &str {
        &self.0.facility_code
    }
    async fn program(&self) -> Program {
        self.0.program
    }
    async fn name(&self) -> &str {
        &self.0.model.name
    }
    /// Acknowledge (or resolve) within this.
    async fn acknowledgement(&self) -> Span {
        self.0.rules.acknowledgement.into()
    }
    /// Resolve within this.
    async fn resolution(&self) -> Span {
        self.0.rules.resolution.into()
    }
    /// Resolution time of an expedited complaint; null when the policy has
    /// none (expedited complaints then run on `resolution`).
    async fn expedited_resolution(&self) -> Option<Span> {
        self.0.rules.expedited_resolution.map(Into::into)
    }
    /// How many extensions a complaint's clock may get.
    async fn max_extensions(&self) -> i32 {
        i32::try_from(self.0.rules.max_extensions).unwrap_or(i32::MAX)
    }
    /// The longest single extension.
    async fn max_extension(&self) -> Option<Span> {
        self.0.rules.max_extension.map(Into::into)
    }
    /// By when a complaint still unresolved owes the complainant a
    /// progress notice (the `PROGRESS_NOTICE` clock); null when the policy
    /// has no such duty (no clock is run). CMS hospital default: 7
    /// calendar days.
    async fn progress_notice(&self) -> Option<Span> {
        self.0.rules.progress_notice.map(Into::into)
    }
    /// Send it back as `expectedVersion` to change the policy.
    async fn version(&self) -> i32 {
        self.0.model.version
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.model.updated_at
    }
}

#[derive(Default)]
pub struct PolicyQuery;

#[Object]
impl PolicyQuery {
    /// The deadline policies of your facilities (or of one), ordered by
    /// facility code and program.
    #[graphql(
        complexity = "first.map_or(DEFAULT_PAGE_SIZE as usize, |n| n.max(0) as usize) * child_complexity + 1"
    )]
    async fn deadline_policies(
        &self,
        ctx: &Context<'_>,
        facility_code: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, DeadlinePolicy, ConnectionFields, EmptyFields>> {
        let actor = ctx.authorize(Operation::ReadDeadlinePolicies)?;
        let limit = usize::try_from(page_size(ctx, first)?).unwrap_or(usize::MAX);
        let all = policies::list(ctx.db()?, &actor.facilities, facility_code.as_deref()).await?;
        // Few per facility: page in memory over the stable order.
        let start = match &after {
            None => 0,
            Some(cursor) => {
                all.iter()
                    .position(|p| p.model.id.to_string() == *cursor)
                    .ok_or_else(|| {
                        errors::bad_input("`after` is not a cursor from this connection")
                    })?
                    + 1
            }
        };
        let total = all.len() as u64;
        let rest: Vec<Policy> = all.into_iter().skip(start).collect();
        let has_next = rest.len() > limit;
        let mut connection = Connection::with_additional_fields(
            start > 0,
            has_next,
            ConnectionFields { total_count: total },
        );
        connection.edges.extend(
            rest.into_iter()
                .take(limit)
                .map(|p| Edge::new(p.model.id.to_string(), DeadlinePolicy(p))),
        );
        Ok(connection)
    }
}

#[derive(InputObject)]
pub struct DeadlinePolicyUpsertInput {
    pub facility_code: String,
    pub program: Program,
    /// A name for people; the program's default name when omitted.
    pub name: Option<String>,
    pub acknowledgement: SpanInput,
    pub resolution: SpanInput,
    pub expedited_resolution: Option<SpanInput>,
    #[graphql(default)]
    pub max_extensions: i32,
    /// Required when `maxExtensions` > 0.
    pub max_extension: Option<SpanInput>,
    /// The progress-notice duty (`PROGRESS_NOTICE` clock); omitted or null
    /// means the policy has none. Like every field here it is replaced on
    /// change: send it again to keep it (the CMS default is 7 calendar days).
    pub progress_notice: Option<SpanInput>,
    /// Omit to create; to change an existing policy, the version you read.
    pub expected_version: Option<i32>,
}

#[derive(SimpleObject)]
pub struct DeadlinePolicyUpsertPayload {
    pub deadline_policy: Option<DeadlinePolicy>,
    pub user_errors: Vec<UserError>,
}

impl Payload for DeadlinePolicyUpsertPayload {
    fn refused(user_errors: Vec<UserError>) -> Self {
        DeadlinePolicyUpsertPayload {
            deadline_policy: None,
            user_errors,
        }
    }
}

#[derive(Default)]
pub struct PolicyMutation;

#[Object]
impl PolicyMutation {
    /// Creates a facility's policy for a program, or changes it at
    /// `expectedVersion` (ADMIN).
    async fn deadline_policy_upsert(
        &self,
        ctx: &Context<'_>,
        input: DeadlinePolicyUpsertInput,
    ) -> Result<DeadlinePolicyUpsertPayload> {
        let caller = ctx.caller()?;
        let draft = PolicyDraft {
            facility_code: input.facility_code,
            program: input.program,
            name: input.name,
            rules: PolicyRules {
                acknowledgement: input.acknowledgement.to_domain(),
                resolution: input.resolution.to_domain(),
                expedited_resolution: input.expedited_resolution.map(SpanInput::to_domain),
                max_extensions: u32::try_from(input.max_extensions).unwrap_or(u32::MAX),
                max_extension: input.max_extension.map(SpanInput::to_domain),
                progress_notice: input.progress_notice.map(SpanInput::to_domain),
            },
            expected_version: input.expected_version,
        };
        let result = policies::upsert(ctx.db()?, &caller, &draft).await;
        payload(result, |policy| {
            tracing::info!(policy_id = %policy.model.id, version = policy.model.version, "deadline policy upserted");
            DeadlinePolicyUpsertPayload {
                deadline_policy: Some(DeadlinePolicy(policy)),
                user_errors: Vec::new(),
            }
        })
    }
}
