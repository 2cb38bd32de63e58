//! Payload plumbing: `UserError`, a refusal the caller can act on, returned
//! in a payload; and the split of a service result into the payload's
//! record or its `userErrors`.

use async_graphql::{Context, Enum, Result, SimpleObject};

use crate::graphql::context::ContextExt;
use crate::services::{Refusal, ServiceError};

/// Why a change was refused.
// The GraphQL face of `services::RefusalCode`; `remote` generates the conversions.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::services::RefusalCode")]
pub enum UserErrorCode {
    /// An input value is missing, malformed or out of range.
    Validation,
    /// The record does not exist, or is outside the caller's facilities.
    NotFound,
    /// The record's state does not allow this action.
    InvalidTransition,
    /// A rule guarding the action is not met yet.
    GuardFailed,
    /// The record changed since the caller read it (`expectedVersion`), or
    /// already exists.
    Conflict,
    /// The caller's roles or facilities do not allow this change.
    Forbidden,
}

#[derive(Clone, Debug, SimpleObject)]
pub struct UserError {
    /// Path to the input field at fault, e.g. `["input", "timeZone"]`.
    pub field: Option<Vec<String>>,
    pub message: String,
    pub code: UserErrorCode,
}

impl From<Refusal> for UserError {
    fn from(r: Refusal) -> Self {
        UserError {
            field: (!r.field.is_empty()).then_some(r.field),
            message: r.message,
            code: r.code.into(),
        }
    }
}

pub fn user_errors(refusals: Vec<Refusal>) -> Vec<UserError> {
    refusals.into_iter().map(UserError::from).collect()
}

/// A refused change becomes `userErrors`; a fault, an opaque error.
pub fn split<T>(
    ctx: &Context<'_>,
    r: Result<T, ServiceError>,
) -> Result<Result<T, Vec<UserError>>> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(ServiceError::Refused(refusals)) => Ok(Err(user_errors(refusals))),
        Err(ServiceError::Db(e)) => Err(ctx.internal(e)),
    }
}
