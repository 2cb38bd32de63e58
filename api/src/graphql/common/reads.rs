//! The read log of service recovery, interpreter sessions and
//! accessibility requests (`recordAccessLog`).

use async_graphql::{Context, Result};
use uuid::Uuid;

use crate::graphql::context::ContextExt;
use crate::services::Caller;

/// Records that the caller read these records.
pub async fn logged(
    ctx: &Context<'_>,
    caller: &Caller<'_>,
    record_type: &str,
    ids: &[Uuid],
    operation: &str,
) -> Result<()> {
    crate::services::access_log::record(ctx.db()?, caller, record_type, ids, operation)
        .await
        .map_err(|e| ctx.internal(e))
}
