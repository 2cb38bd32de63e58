//! `me`: the verified caller.

use async_graphql::{Context, Object, Result, SimpleObject};

use super::context::ContextExt;
use crate::domain::actor::{FacilityScope, Role};

/// The caller, as their token describes them.
#[derive(SimpleObject)]
pub struct Viewer {
    /// The token's `sub`: the id every read and write is attributed to.
    pub subject: String,
    pub name: String,
    pub roles: Vec<Role>,
    /// Facility codes the token grants, or `["*"]` for all.
    pub facilities: Vec<String>,
    /// True when the token grants every facility.
    pub all_facilities: bool,
}

#[derive(Default)]
pub struct MeQuery;

#[Object]
impl MeQuery {
    /// Who the token says you are.
    async fn me(&self, ctx: &Context<'_>) -> Result<Viewer> {
        let actor = ctx.actor()?;
        Ok(Viewer {
            subject: actor.subject.clone(),
            name: actor.name.clone(),
            roles: actor.roles.iter().copied().collect(),
            facilities: actor.facilities.to_claim(),
            all_facilities: actor.facilities == FacilityScope::All,
        })
    }
}
