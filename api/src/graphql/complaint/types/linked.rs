//! A complaint's linked records (service recovery, interpreter sessions,
//! accessibility requests): loaded for a page of complaints at once, or
//! rebuilt as they stood for `complaintAsOf`, and filtered to what the
//! caller may see.

use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, Result};
use uuid::Uuid;

use super::Complaint;
use crate::graphql::context::ContextExt;
use crate::graphql::loaders::Loaders;
use crate::services::audit::records_as_of;
use crate::services::work::{WorkRecord, visible as work_visible};

impl Complaint {
    /// Its linked records of one kind: now through the loader (one query
    /// for a page of complaints), or rebuilt from their events for
    /// `complaintAsOf`.
    pub(super) async fn linked<R, L>(
        &self,
        ctx: &Context<'_>,
        loader: &DataLoader<L>,
    ) -> Result<Vec<(Uuid, R)>>
    where
        R: WorkRecord,
        L: Loader<Uuid, Value = Vec<(Uuid, R)>, Error = Arc<sea_orm::DbErr>>,
    {
        match self.as_of {
            Some(at) => records_as_of::<R>(ctx.db()?, self.uuid, at)
                .await
                .map_err(|e| ctx.internal(e)),
            None => Ok(loader
                .load_one(self.uuid)
                .await
                .map_err(|e| ctx.internal(e))?
                .unwrap_or_default()),
        }
    }

    /// Whether a linked service-recovery action or accessibility request
    /// is unfinished (whoever may see it: it blocks closing all the same).
    pub(super) async fn has_unfinished_work(&self, ctx: &Context<'_>) -> Result<bool> {
        let loaders = loaders(ctx)?;
        let actions = self.linked(ctx, &loaders.service_recovery).await?;
        if actions.iter().any(|(_, a)| !a.status.is_finished()) {
            return Ok(true);
        }
        let requests = self.linked(ctx, &loaders.accessibility_requests).await?;
        Ok(requests.iter().any(|(_, r)| r.status.is_open()))
    }

    /// The linked records the caller may see (STAFF: what they created).
    pub(super) fn visible_to<R: WorkRecord>(
        &self,
        ctx: &Context<'_>,
        rows: Vec<(Uuid, R)>,
    ) -> Result<Vec<(Uuid, R)>> {
        let actor = ctx.actor()?;
        Ok(rows
            .into_iter()
            .filter(|(_, r)| work_visible(actor, r.facility_code(), r.created_by()))
            .collect())
    }
}

pub(super) fn loaders<'a>(ctx: &'a Context<'_>) -> Result<&'a Loaders> {
    ctx.data_opt::<Loaders>()
        .ok_or_else(|| ctx.internal(anyhow::anyhow!("schema built without loaders")))
}
