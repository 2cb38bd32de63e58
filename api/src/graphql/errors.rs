//! Top-level GraphQL errors: authentication, authorisation, bad input,
//! limits and internal faults, each with `extensions.code`.
//!
//! Domain refusals are not here: they are `userErrors` in payloads.
//!
//! The layer's own errors are [`ApiError`]s (async-graphql's
//! `ErrorExtensions` pattern). A fault needs no conversion by hand: a
//! resolver returns the service's error with `?` (async-graphql keeps it as
//! the error's source), and [`answer_faults`] answers every such error once
//! the operation has run (the HTTP layer calls it on the response): logged
//! with its cause chain and the request id, shown to the client as an
//! opaque `INTERNAL_SERVER_ERROR` or as `DATABASE_UNAVAILABLE`.
//!
//! This is not an async-graphql extension on purpose: with any extension
//! installed, async-graphql sends every field of every response through the
//! extension chain (a registry lookup and boxed futures per field), which
//! cost a fifth of the server's CPU on a page of 50 complaints.

use std::any::Any;
use std::error::Error as StdError;
use std::sync::Arc;

use async_graphql::{Error, ErrorExtensions, Response};

use crate::services::ServiceError;
use crate::services::audit::RebuildError;

/// `extensions.code` of a top-level error.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    BadUserInput,
    Internal,
    /// The database cannot serve the request now: retry later (HTTP 503).
    DatabaseUnavailable,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::Internal => "INTERNAL_SERVER_ERROR",
            ErrorCode::DatabaseUnavailable => "DATABASE_UNAVAILABLE",
        }
    }
}

/// An error of the GraphQL layer the client can act on. Faults are not
/// here: they are the services' errors, answered by [`answer_faults`].
// Deliberately not `Display`: async-graphql converts any `Display` type
// into an error with that text and no code; this type converts through
// `extend`, so `?` always gives it its code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// No valid token.
    Unauthenticated,
    /// The caller's roles do not allow the operation.
    Forbidden(String),
    /// An argument is malformed or out of range.
    BadInput(String),
}

impl ApiError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Unauthenticated => ErrorCode::Unauthenticated,
            ApiError::Forbidden(_) => ErrorCode::Forbidden,
            ApiError::BadInput(_) => ErrorCode::BadUserInput,
        }
    }

    fn message(&self) -> &str {
        match self {
            ApiError::Unauthenticated => {
                "authentication required: send `Authorization: Bearer <token>`"
            }
            ApiError::Forbidden(m) | ApiError::BadInput(m) => m,
        }
    }
}

impl ErrorExtensions for ApiError {
    fn extend(&self) -> Error {
        coded(self.code(), self.message())
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        e.extend()
    }
}

pub fn coded(code: ErrorCode, message: impl Into<String>) -> Error {
    Error::new(message).extend_with(|_, e| e.set("code", code.as_str()))
}

pub fn unauthenticated() -> Error {
    ApiError::Unauthenticated.into()
}

pub fn forbidden(message: impl Into<String>) -> Error {
    ApiError::Forbidden(message.into()).into()
}

pub fn bad_input(message: impl Into<String>) -> Error {
    ApiError::BadInput(message.into()).into()
}

/// A fault no library reported (the schema lacks data a resolver needs):
/// answered by [`answer_faults`] like any other.
pub fn fault(message: &'static str) -> Error {
    Error::from(anyhow::anyhow!(message))
}

/// An internal fault: logged with its cause chain, shown to the client only
/// as an opaque message carrying the request id; with whether the database
/// connection itself was lost (worth probing the database at once).
///
/// A database that cannot serve the request (unreachable, out of space,
/// busy beyond the wait) is not a fault of Redress: it is answered as
/// `DATABASE_UNAVAILABLE`, which the HTTP layer turns into a 503 with
/// `Retry-After`, so a client can tell "retry later" from "refused".
pub fn internal_with(request_id: &str, error: anyhow::Error) -> (Error, bool) {
    answer(request_id, error.as_ref())
}

fn answer(request_id: &str, error: &(dyn StdError + 'static)) -> (Error, bool) {
    let db = find_db_err(error);
    if let Some(unavailable) = db.and_then(crate::db::unavailable::classify) {
        tracing::warn!(request_id, reason = %unavailable.reason, "database unavailable");
        let error = coded(
            ErrorCode::DatabaseUnavailable,
            format!(
                "the database is unavailable; nothing is confirmed by this answer: retry later \
                 (a create retried with the same idempotencyKey is not duplicated); request id {request_id}"
            ),
        )
        .extend_with(|_, e| e.set("requestId", request_id));
        return (error, unavailable.connection_lost);
    }
    // The cause chain, `a: b: c`; database errors are described by class
    // and code only (their messages can quote stored values).
    let cause = match db {
        Some(db) => crate::db::unavailable::describe(db),
        None => chain(error),
    };
    tracing::error!(request_id, error = cause, "internal error");
    let error = coded(
        ErrorCode::Internal,
        format!("internal error; quote request id {request_id} to support"),
    )
    .extend_with(|_, e| e.set("requestId", request_id));
    (error, false)
}

/// An error and its causes, `a: b: c`. serde's messages can quote the
/// value that failed to decode (PHI): only their category and position.
fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut parts = Vec::new();
    let mut next = Some(error);
    while let Some(e) = next {
        match e.downcast_ref::<serde_json::Error>() {
            Some(s) => parts.push(format!(
                "{:?} error at line {}, column {}",
                s.classify(),
                s.line(),
                s.column()
            )),
            None => parts.push(e.to_string()),
        }
        next = e.source();
    }
    parts.join(": ")
}

/// The database error somewhere in the chain, if there is one.
fn find_db_err<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a sea_orm::DbErr> {
    let mut next = Some(error);
    while let Some(cause) = next {
        if let Some(db) = cause.downcast_ref::<sea_orm::DbErr>() {
            return Some(db);
        }
        // DataLoaders share their error between the keys of a batch.
        if let Some(db) = cause.downcast_ref::<Arc<sea_orm::DbErr>>() {
            return Some(db.as_ref());
        }
        if let Some(ServiceError::Db(db)) = cause.downcast_ref::<ServiceError>() {
            return Some(db);
        }
        if let Some(RebuildError::Db(db)) = cause.downcast_ref::<RebuildError>() {
            return Some(db);
        }
        next = cause.source();
    }
    None
}

/// The error behind a fault a resolver returned with `?`, for the error
/// types the services and loaders return.
fn as_std_error(source: &(dyn Any + Send + Sync)) -> Option<&(dyn StdError + 'static)> {
    if let Some(e) = source.downcast_ref::<anyhow::Error>() {
        return Some(e.as_ref());
    }
    if let Some(e) = source.downcast_ref::<sea_orm::DbErr>() {
        return Some(e);
    }
    if let Some(e) = source.downcast_ref::<Arc<sea_orm::DbErr>>() {
        return Some(e.as_ref());
    }
    if let Some(e) = source.downcast_ref::<ServiceError>() {
        return Some(e);
    }
    if let Some(e) = source.downcast_ref::<RebuildError>() {
        return Some(e);
    }
    None
}

/// The answer to an error that carries a source: what a resolver returned
/// with `?` from a service (async-graphql keeps the original as the
/// source; errors this layer makes have none). `message` is the source's
/// text, logged only when its type is not one the services use.
pub fn answer_fault(
    request_id: &str,
    source: &(dyn Any + Send + Sync),
    message: &str,
) -> (Error, bool) {
    match as_std_error(source) {
        Some(error) => answer(request_id, error),
        None => internal_with(request_id, anyhow::anyhow!(message.to_owned())),
    }
}

/// Gives `BAD_USER_INPUT` to an argument async-graphql could not parse while
/// executing (an `Int` literal beyond 32 bits, say): it reports those with
/// no code. Every other error without a source is this layer's own, which
/// always has one; errors with a source are faults, answered below.
fn label_input_error(error: &mut async_graphql::ServerError) {
    let coded = error
        .extensions
        .as_ref()
        .is_some_and(|x| x.get("code").is_some());
    if error.source.is_none() && !coded {
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", ErrorCode::BadUserInput.as_str());
    }
}

/// Answers the faults of an operation that ran (see the module docs) in
/// place, and labels the arguments async-graphql could not parse while
/// executing. Returns whether one of them lost the database connection (the
/// caller asks for a probe at once).
pub fn answer_faults(response: &mut Response, request_id: &str) -> bool {
    let mut connection_lost = false;
    for error in &mut response.errors {
        label_input_error(error);
        let Some(source) = error.source.take() else {
            continue;
        };
        let (answer, lost) = answer_fault(request_id, source.as_ref(), &error.message);
        error.message = answer.message;
        error.extensions = answer.extensions;
        connection_lost |= lost;
    }
    connection_lost
}

#[cfg(test)]
mod tests {
    use sea_orm::DbErr;

    use super::*;

    fn code(e: &Error) -> Option<String> {
        e.extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .map(|c| c.to_string())
    }

    #[test]
    fn api_errors_carry_their_codes() {
        let cases = [
            (ApiError::Unauthenticated, "\"UNAUTHENTICATED\""),
            (ApiError::Forbidden("no".into()), "\"FORBIDDEN\""),
            (ApiError::BadInput("bad".into()), "\"BAD_USER_INPUT\""),
        ];
        for (e, expected) in cases {
            let error = Error::from(e.clone());
            assert_eq!(code(&error).as_deref(), Some(expected), "{e:?}");
            assert_eq!(error.message, e.message());
        }
    }

    #[test]
    fn every_service_error_type_is_an_opaque_fault_or_an_outage() {
        let closed = || DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::ConnectionClosed);
        let sources: Vec<(Arc<dyn Any + Send + Sync>, &str)> = vec![
            (
                Arc::new(DbErr::Custom("secret row".into())),
                "\"INTERNAL_SERVER_ERROR\"",
            ),
            (Arc::new(closed()), "\"DATABASE_UNAVAILABLE\""),
            (Arc::new(Arc::new(closed())), "\"DATABASE_UNAVAILABLE\""),
            (
                Arc::new(ServiceError::Db(closed())),
                "\"DATABASE_UNAVAILABLE\"",
            ),
            (
                Arc::new(RebuildError::Db(closed())),
                "\"DATABASE_UNAVAILABLE\"",
            ),
            (
                Arc::new(anyhow::Error::from(closed())),
                "\"DATABASE_UNAVAILABLE\"",
            ),
            (
                Arc::new(anyhow::anyhow!("schema built without loaders")),
                "\"INTERNAL_SERVER_ERROR\"",
            ),
            (Arc::new(std::fmt::Error), "\"INTERNAL_SERVER_ERROR\""),
        ];
        for (source, expected) in sources {
            let (error, _) = answer_fault("req-1", source.as_ref(), "secret row");
            assert_eq!(code(&error).as_deref(), Some(expected));
            assert!(error.message.contains("req-1"), "{}", error.message);
            assert!(!error.message.contains("secret"), "{}", error.message);
        }
    }

    #[test]
    fn a_lost_connection_asks_for_a_probe() {
        let closed = DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::ConnectionClosed);
        assert!(answer_fault("r", &closed, "").1);
        assert!(!answer_fault("r", &DbErr::Custom("x".into()), "").1);
    }

    #[test]
    fn serde_messages_stay_out_of_the_cause() {
        let serde = serde_json::from_str::<u8>("\"Jane Doe\"").expect_err("a string is not a u8");
        let error = RebuildError::NotAComplaint(serde);
        let cause = chain(&error);
        assert!(!cause.contains("Jane"), "{cause}");
        assert!(cause.contains("Data error at line 1"), "{cause}");
    }
}
