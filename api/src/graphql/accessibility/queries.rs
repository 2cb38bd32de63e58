//! `accessibilityRequests`: the list, read-logged.

use async_graphql::{Context, Object, Result};
use uuid::Uuid;

use super::inputs::AccessibilityRequestFilterInput;
use super::types::AccessibilityRequest;
use crate::domain::accessibility::AccessibilityRequestState;
use crate::domain::permissions::Operation;
use crate::graphql::common::{ReadConnection, ReadNode, after_cursor, complaint_filter, page_size};
use crate::graphql::context::ContextExt;
use crate::services::accessibility::{self as svc, Filter};

pub struct AccessibilityRequestConnectionFields {
    filter: Filter,
}

#[Object]
impl AccessibilityRequestConnectionFields {
    /// How many requests match, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        Ok(svc::count(ctx.db()?, ctx.actor()?, &self.filter).await?)
    }
}

impl ReadNode for AccessibilityRequest {
    type Content = (Uuid, AccessibilityRequestState);
    type Key = Uuid;
    type Fields = AccessibilityRequestConnectionFields;
    fn wrap(record: (Uuid, AccessibilityRequestState)) -> Self {
        AccessibilityRequest::new(record)
    }
}

/// Its `edges` and `nodes` read (and log) the page; `pageInfo` and
/// `totalCount` do not.
pub type AccessibilityRequestConnection = ReadConnection<AccessibilityRequest>;

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
        ctx.authorize(Operation::ReadAccessibilityRequests)?;
        let limit = page_size(ctx, first)?;
        let after = after_cursor(after.as_deref())?;
        let f = filter.unwrap_or_default();
        let complaint_id = complaint_filter(f.complaint_id.as_ref());
        let filter = Filter {
            complaint_id,
            facility_codes: f.facility_codes.unwrap_or_default(),
            departments: f.departments.unwrap_or_default(),
            statuses: f.statuses.unwrap_or_default().into_iter().collect(),
            need_types: f.need_types.unwrap_or_default().into_iter().collect(),
            overdue: f.overdue,
            needed_from: f.needed_from,
            needed_to: f.needed_to,
        };
        let page = svc::page(&ctx.reader()?, &filter, after, limit).await?;
        Ok(ReadConnection::new(
            page,
            |id| (*id, id.to_string()),
            after.is_some(),
            AccessibilityRequestConnectionFields { filter },
            "accessibilityRequests",
        ))
    }
}
