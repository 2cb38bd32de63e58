//! Payload plumbing: `UserError`, a refusal the caller can act on, returned
//! in a payload; and the turn of a service's answer into the payload's
//! record or its `userErrors`.

use async_graphql::{Enum, Result, SimpleObject};

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

/// A mutation's payload: the record it changed, or why the change was
/// refused.
pub trait Payload: Sized {
    /// The payload of a refused change: no record, these `userErrors`.
    fn refused(user_errors: Vec<UserError>) -> Self;
}

/// A service's answer as a payload: `ok` makes it from the result, a
/// refusal becomes `userErrors`, and a fault is returned for `?` (answered
/// as a top-level error by `errors::answer_faults`).
pub fn payload<T, P: Payload>(
    result: Result<T, ServiceError>,
    ok: impl FnOnce(T) -> P,
) -> Result<P> {
    match result {
        Ok(v) => Ok(ok(v)),
        Err(e) => refused_payload(e),
    }
}

/// The payload of a change that failed before it had a result (its input
/// did not convert): the refusals as `userErrors`, or the fault for `?`.
pub fn refused_payload<P: Payload>(error: ServiceError) -> Result<P> {
    match error {
        ServiceError::Refused(refusals) => Ok(P::refused(user_errors(refusals))),
        fault => Err(fault.into()),
    }
}
