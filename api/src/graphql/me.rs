//! `me`: the verified caller.

use async_graphql::{Context, Enum, Object, Result, SimpleObject};

use super::context::ContextExt;
use crate::domain::actor::FacilityScope;

/// A role of the JWT `roles` claim (`domain.md`, "Who does what").
#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(name = "Role", remote = "crate::domain::actor::Role")]
pub enum RoleGql {
    /// Front desk / patient service representatives.
    Staff,
    /// Patient relations specialists.
    PatientRelations,
    /// Patient relations leads.
    PatientRelationsManager,
    /// Compliance officers: read everything in scope, change nothing.
    Compliance,
    /// System administrators: configuration only, no complaint content.
    Admin,
}

/// The caller, as their token describes them.
#[derive(SimpleObject)]
pub struct Viewer {
    /// The token's `sub`: the id every read and write is attributed to.
    pub subject: String,
    pub name: String,
    pub roles: Vec<RoleGql>,
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
            roles: actor.roles.iter().map(|r| RoleGql::from(*r)).collect(),
            facilities: actor.facilities.to_claim(),
            all_facilities: actor.facilities == FacilityScope::All,
        })
    }
}
