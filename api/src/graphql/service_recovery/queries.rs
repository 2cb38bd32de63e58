//! `serviceRecoveryActions`: the list, read-logged.

use async_graphql::{Context, Object, Result};
use uuid::Uuid;

use super::inputs::ServiceRecoveryFilterInput;
use super::types::ServiceRecoveryAction;
use crate::domain::permissions::Operation;
use crate::domain::service_recovery::ServiceRecoveryState;
use crate::graphql::common::{ReadConnection, ReadNode, after_cursor, complaint_filter, page_size};
use crate::graphql::context::ContextExt;
use crate::services::service_recovery::{self as svc, Filter};

pub struct ServiceRecoveryConnectionFields {
    filter: Filter,
}

#[Object]
impl ServiceRecoveryConnectionFields {
    /// How many actions match, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        Ok(svc::count(ctx.db()?, ctx.actor()?, &self.filter).await?)
    }
}

impl ReadNode for ServiceRecoveryAction {
    type Content = (Uuid, ServiceRecoveryState);
    type Key = Uuid;
    type Fields = ServiceRecoveryConnectionFields;
    fn wrap(record: (Uuid, ServiceRecoveryState)) -> Self {
        ServiceRecoveryAction::new(record)
    }
}

/// Its `edges` and `nodes` read (and log) the page; `pageInfo` and
/// `totalCount` do not.
pub type ServiceRecoveryConnection = ReadConnection<ServiceRecoveryAction>;

#[derive(Default)]
pub struct ServiceRecoveryQuery;

#[Object]
impl ServiceRecoveryQuery {
    /// Service-recovery actions in your facilities, in the order proposed.
    /// Each read is recorded (`recordAccessLog`).
    async fn service_recovery_actions(
        &self,
        ctx: &Context<'_>,
        filter: Option<ServiceRecoveryFilterInput>,
        #[graphql(desc = "Page size: at most 100 (the configured limit), 20 when omitted.")]
        first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<ServiceRecoveryConnection> {
        ctx.authorize(Operation::ReadServiceRecovery)?;
        let limit = page_size(ctx, first)?;
        let after = after_cursor(after.as_deref())?;
        let f = filter.unwrap_or_default();
        let complaint_id = complaint_filter(f.complaint_id.as_ref());
        let filter = Filter {
            complaint_id,
            facility_codes: f.facility_codes.unwrap_or_default(),
            statuses: f.statuses.unwrap_or_default().into_iter().collect(),
            kinds: f.kinds.unwrap_or_default().into_iter().collect(),
        };
        let page = svc::page(&ctx.reader()?, &filter, after, limit).await?;
        Ok(ReadConnection::new(
            page,
            |id| (*id, id.to_string()),
            after.is_some(),
            ServiceRecoveryConnectionFields { filter },
            "serviceRecoveryActions",
        ))
    }
}
