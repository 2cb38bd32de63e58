//! The one way a mutation changes a record: the command it built from its
//! input, run through `services::change`.

use async_graphql::{Context, Result};
use uuid::Uuid;

use crate::domain::command::Command;
use crate::graphql::context::ContextExt;
use crate::services::ServiceError;
use crate::services::stored::Versioned;

/// Runs `command` on the record `id` names (or refuses with the id's own
/// refusal) at `expected_version`; the record as changed, with its id. The
/// outer error is the caller's or the schema's (no token, no database); the
/// inner one the service's, for [`super::payload`].
pub async fn run<C>(
    ctx: &Context<'_>,
    id: Result<Uuid, ServiceError>,
    expected_version: i32,
    command: C,
) -> Result<Result<(Uuid, C::State), ServiceError>>
where
    C: Command + Send,
    C::State: Versioned,
{
    let caller = ctx.caller()?;
    let db = ctx.db()?;
    Ok(async {
        let id = id?;
        let state =
            crate::services::change::change(db, &caller, id, expected_version, command).await?;
        Ok((id, state))
    }
    .await)
}
