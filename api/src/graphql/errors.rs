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
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::Internal => "INTERNAL_SERVER_ERROR",
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
pub fn internal(request_id: &str, error: impl Into<anyhow::Error>) -> Error {
    let error = error.into();
    tracing::error!(request_id, error = format!("{error:#}"), "internal error");
    coded(
        ErrorCode::Internal,
        format!("internal error; quote request id {request_id} to support"),
    )
    .extend_with(|_, e| e.set("requestId", request_id))
}
