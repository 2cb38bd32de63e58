//! The one way a mutation changes a record: the command it built from its
//! input, run through `services::change`.

use async_graphql::{Context, Result};
use uuid::Uuid;

use crate::domain::command::Command;
use crate::graphql::context::ContextExt;
use crate::services::ServiceError;
use crate::services::stored::Stored;

/// Runs `command` on the record `id` names (or refuses with the id's own
/// refusal) at `expected_version`; the record as changed, with its id.
pub async fn run<C>(
    ctx: &Context<'_>,
    id: Result<Uuid, ServiceError>,
    expected_version: i32,
    command: C,
) -> Result<Result<(Uuid, C::State), ServiceError>>
where
    C: Command + Send,
    C::State: Stored,
{
    let caller = ctx.caller()?;
    Ok(match id {
        Ok(id) => {
            crate::services::change::change(ctx.db()?, &caller, id, expected_version, command)
                .await
                .map(|state| (id, state))
        }
        Err(e) => Err(e),
    })
}
