//! `interpreterSessions`: the log, read-logged.

use async_graphql::{Context, Object, Result};
use uuid::Uuid;

use super::inputs::InterpreterSessionFilterInput;
use super::types::InterpreterSession;
use crate::domain::interpreter as di;
use crate::domain::interpreter::InterpreterSessionState;
use crate::domain::permissions::Operation;
use crate::graphql::common::{ReadConnection, ReadNode, after_cursor, complaint_filter, page_size};
use crate::graphql::context::ContextExt;
use crate::services::interpreter::{self as svc, Filter};

pub struct InterpreterSessionConnectionFields {
    filter: Filter,
}

#[Object]
impl InterpreterSessionConnectionFields {
    /// How many sessions match, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        Ok(svc::count(ctx.db()?, ctx.actor()?, &self.filter).await?)
    }
}

impl ReadNode for InterpreterSession {
    type Content = (Uuid, InterpreterSessionState);
    type Key = Uuid;
    type Fields = InterpreterSessionConnectionFields;
    fn wrap(record: (Uuid, InterpreterSessionState)) -> Self {
        InterpreterSession::new(record)
    }
}

/// Its `edges` and `nodes` read (and log) the page; `pageInfo` and
/// `totalCount` do not.
pub type InterpreterSessionConnection = ReadConnection<InterpreterSession>;

#[derive(Default)]
pub struct InterpreterQuery;

#[Object]
impl InterpreterQuery {
    /// The interpreter log of your facilities (STAFF: what you logged), in
    /// the order logged. Each read is recorded (`recordAccessLog`).
    async fn interpreter_sessions(
        &self,
        ctx: &Context<'_>,
        filter: Option<InterpreterSessionFilterInput>,
        #[graphql(desc = "Page size: at most 100 (the configured limit), 20 when omitted.")]
        first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<InterpreterSessionConnection> {
        ctx.authorize(Operation::ReadInterpreterSessions)?;
        let limit = page_size(ctx, first)?;
        let after = after_cursor(after.as_deref())?;
        let f = filter.unwrap_or_default();
        let complaint_id = complaint_filter(f.complaint_id.as_ref());
        let filter = Filter {
            complaint_id,
            facility_codes: f.facility_codes.unwrap_or_default(),
            departments: f.departments.unwrap_or_default(),
            languages: f
                .languages
                .unwrap_or_default()
                .iter()
                .map(|l| di::language_tag(l).unwrap_or_else(|_| l.clone()))
                .collect(),
            modalities: f.modalities.unwrap_or_default().into_iter().collect(),
            outcomes: f.outcomes.unwrap_or_default().into_iter().collect(),
            requested_from: f.requested_from,
            requested_to: f.requested_to,
        };
        let page = svc::page(&ctx.reader()?, &filter, after, limit).await?;
        Ok(ReadConnection::new(
            page,
            |id| (*id, id.to_string()),
            after.is_some(),
            InterpreterSessionConnectionFields { filter },
            "interpreterSessions",
        ))
    }
}
