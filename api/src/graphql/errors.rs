//! Top-level GraphQL errors: authentication, authorisation, bad input,
//! limits and internal faults, each with `extensions.code`.
//!
//! Domain refusals are not here: they are `userErrors` in payloads.

use async_graphql::{Error, ErrorExtensions};

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

pub fn coded(code: ErrorCode, message: impl Into<String>) -> Error {
    Error::new(message).extend_with(|_, e| e.set("code", code.as_str()))
}

pub fn unauthenticated() -> Error {
    coded(
        ErrorCode::Unauthenticated,
        "authentication required: send `Authorization: Bearer <token>`",
    )
}

pub fn forbidden(message: impl Into<String>) -> Error {
    coded(ErrorCode::Forbidden, message)
}

pub fn bad_input(message: impl Into<String>) -> Error {
    coded(ErrorCode::BadUserInput, message)
}

/// An internal fault: logged with its cause chain, shown to the client only
/// as an opaque message carrying the request id.
///
/// A database that cannot serve the request (unreachable, out of space,
/// busy beyond the wait) is not a fault of Redress: it is answered as
/// `DATABASE_UNAVAILABLE`, which the HTTP layer turns into a 503 with
/// `Retry-After`, so a client can tell "retry later" from "refused".
pub fn internal(request_id: &str, error: impl Into<anyhow::Error>) -> Error {
    internal_with(request_id, error.into()).0
}

/// As [`internal`], also saying whether the database connection itself
/// was lost (worth probing the database at once).
pub fn internal_with(request_id: &str, error: anyhow::Error) -> (Error, bool) {
    if let Some(unavailable) = unavailable(&error) {
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
    // `{:#}` prints the cause chain; database errors are described by
    // class and code only (their messages can quote stored values).
    let cause = match find_db_err(&error) {
        Some(db) => crate::db::unavailable::describe(db),
        None => format!("{error:#}"),
    };
    tracing::error!(request_id, error = cause, "internal error");
    let error = coded(
        ErrorCode::Internal,
        format!("internal error; quote request id {request_id} to support"),
    )
    .extend_with(|_, e| e.set("requestId", request_id));
    (error, false)
}

fn unavailable(error: &anyhow::Error) -> Option<crate::db::unavailable::Unavailable> {
    find_db_err(error).and_then(crate::db::unavailable::classify)
}

/// The database error somewhere in the chain, if there is one.
fn find_db_err(error: &anyhow::Error) -> Option<&sea_orm::DbErr> {
    use crate::services::ServiceError;
    use crate::services::audit::RebuildError;
    error.chain().find_map(|cause| {
        if let Some(db) = cause.downcast_ref::<sea_orm::DbErr>() {
            return Some(db);
        }
        // DataLoaders share their error between the keys of a batch.
        if let Some(db) = cause.downcast_ref::<std::sync::Arc<sea_orm::DbErr>>() {
            return Some(db.as_ref());
        }
        if let Some(ServiceError::Db(db)) = cause.downcast_ref::<ServiceError>() {
            return Some(db);
        }
        if let Some(RebuildError::Db(db)) = cause.downcast_ref::<RebuildError>() {
            return Some(db);
        }
        None
    })
}
