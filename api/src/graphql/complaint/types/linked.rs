//! A complaint's linked records (service recovery, interpreter sessions,
//! accessibility requests): loaded for a page of complaints at once, or
//! rebuilt as they stood for `complaintAsOf`, and read through the
//! services, which keep what the caller may see and log it.

use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, Lookahead, Result};
use uuid::Uuid;

use super::Complaint;
use crate::graphql::context::ContextExt;
use crate::graphql::errors;
use crate::graphql::loaders::Loaders;
use crate::services::audit::records_as_of;
use crate::services::reads::{ReadPermission, Unread};
use crate::services::stored::Stored;

impl Complaint {
    /// Its linked records of one kind, sealed: now through the loader (one
    /// query for a page of complaints), or rebuilt from their events for
    /// `complaintAsOf`.
    async fn unread<R, L>(
        &self,
        ctx: &Context<'_>,
        loader: &DataLoader<L>,
    ) -> Result<Unread<Vec<(Uuid, R)>>>
    where
        R: Stored,
        L: Loader<Uuid, Value = Unread<Vec<(Uuid, R)>>, Error = Arc<sea_orm::DbErr>>,
    {
        match self.as_of {
            Some(at) => Ok(records_as_of::<R>(ctx.db()?, self.uuid, at).await?),
            None => Ok(loader.load_one(self.uuid).await?.unwrap_or_default()),
        }
    }

    /// The linked records of one kind the caller may read (role, facility,
    /// STAFF: what they created), recorded in the access log.
    pub(super) async fn linked<R, L>(
        &self,
        ctx: &Context<'_>,
        loader: &DataLoader<L>,
        operation: &str,
    ) -> Result<Vec<(Uuid, R)>>
    where
        R: Stored + ReadPermission,
        L: Loader<Uuid, Value = Unread<Vec<(Uuid, R)>>, Error = Arc<sea_orm::DbErr>>,
    {
        let rows = self.unread(ctx, loader).await?;
        Ok(ctx.reader()?.linked(rows, operation).await?)
    }

    /// Whether a linked service-recovery action or accessibility request
    /// is unfinished (whoever may see it: it blocks closing all the same).
    /// Reads no content.
    pub(super) async fn has_unfinished_work(&self, ctx: &Context<'_>) -> Result<bool> {
        let loaders = loaders(ctx)?;
        if self
            .unread(ctx, &loaders.service_recovery)
            .await?
            .any_unfinished()
        {
            return Ok(true);
        }
        Ok(self
            .unread(ctx, &loaders.accessibility_requests)
            .await?
            .any_unfinished())
    }
}

impl Complaint {
    /// The linked records a page of complaints asks for, read (and logged)
    /// in one batch per kind; each complaint's field then finds them
    /// logged already.
    pub async fn read_linked_of_page(
        ctx: &Context<'_>,
        ids: &[Uuid],
        selection: Lookahead<'_>,
    ) -> Result<()> {
        let loaders = loaders(ctx)?;
        if selection.field("serviceRecoveryActions").exists() {
            read_batch(
                ctx,
                &loaders.service_recovery,
                ids,
                "Complaint.serviceRecoveryActions",
            )
            .await?;
        }
        if selection.field("interpreterSessions").exists() {
            read_batch(
                ctx,
                &loaders.interpreter_sessions,
                ids,
                "Complaint.interpreterSessions",
            )
            .await?;
        }
        if selection.field("accessibilityRequests").exists() {
            read_batch(
                ctx,
                &loaders.accessibility_requests,
                ids,
                "Complaint.accessibilityRequests",
            )
            .await?;
        }
        Ok(())
    }
}

async fn read_batch<R, L>(
    ctx: &Context<'_>,
    loader: &DataLoader<L>,
    ids: &[Uuid],
    operation: &str,
) -> Result<()>
where
    R: Stored + ReadPermission,
    L: Loader<Uuid, Value = Unread<Vec<(Uuid, R)>>, Error = Arc<sea_orm::DbErr>>,
{
    let rows = loader.load_many(ids.iter().copied()).await?;
    ctx.reader()?
        .linked(Unread::merge(rows.into_values()), operation)
        .await?;
    Ok(())
}

pub(super) fn loaders<'a>(ctx: &'a Context<'_>) -> Result<&'a Loaders> {
    ctx.data_opt::<Loaders>()
        .ok_or_else(|| errors::fault("schema built without loaders"))
}
