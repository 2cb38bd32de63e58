//! What the endpoints beside `/graphql` (attachments, letters, exports)
//! share: their JSON error answers, in the shape GraphQL errors take, and
//! the read path of one request.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;
use sea_orm::DatabaseConnection;
use serde_json::json;
use tracing_actix_web::RequestId;

use super::graphql::GraphqlEndpoint;
use crate::domain::actor::Actor;
use crate::services::reads::{ReadLog, Reader};
use crate::services::{Caller, Refusal};

pub(super) fn error(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({
        "errors": [{ "message": message, "extensions": { "code": code } }]
    }))
}

/// 401, with the `WWW-Authenticate` challenge `/graphql` sends.
pub(super) fn unauthorized(message: &str) -> HttpResponse {
    let mut response = error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", message);
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    response
}

pub(super) fn bad_request(message: &str) -> HttpResponse {
    error(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
}

pub(super) fn not_found() -> HttpResponse {
    error(StatusCode::NOT_FOUND, "NOT_FOUND", "not found")
}

pub(super) fn internal(what: &str) -> HttpResponse {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL_SERVER_ERROR",
        &format!("{what}; nothing was changed, try again later"),
    )
}

/// The services' refusals as one message: `field: message`, joined by `; `.
pub(super) fn refusal_message(refusals: &[Refusal]) -> String {
    refusals
        .iter()
        .map(|r| {
            if r.field.is_empty() {
                r.message.clone()
            } else {
                format!("{}: {}", r.field.join("."), r.message)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// One request's identity for the access log and the reads it has logged,
/// from which its [`Reader`] is made (a record read twice is logged once).
pub(super) struct RequestReads {
    request_id: String,
    log: ReadLog,
}

impl RequestReads {
    pub(super) fn new(request_id: &RequestId) -> Self {
        RequestReads {
            request_id: request_id.to_string(),
            log: ReadLog::default(),
        }
    }

    pub(super) fn caller<'a>(&'a self, actor: &'a Actor) -> Caller<'a> {
        Caller {
            actor,
            request_id: &self.request_id,
        }
    }

    pub(super) fn reader<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        actor: &'a Actor,
        endpoint: &'a GraphqlEndpoint,
    ) -> Reader<'a> {
        Reader::new(db, self.caller(actor), &self.log, &endpoint.access_log)
    }
}
