//! GraphQL over HTTP, as the specification asks
//! (<https://graphql.github.io/graphql-over-http/draft/>):
//!
//! - `POST /graphql` with `application/json` runs operations; other request
//!   media types get 415, oversized bodies 413, malformed parameters 400.
//! - The response media type follows `Accept`: `application/graphql-response+json`
//!   or `application/json` (also for `*/*` and no `Accept`); anything else 406.
//! - Under `application/graphql-response+json`, a request that fails before
//!   execution (parse, validation, variables) is a 400 without `data`.
//! - `GET /graphql` serves GraphiQL to browsers when enabled, and runs
//!   queries, never mutations (405).
//! - With a trusted documents manifest, only its documents run, named by
//!   `documentId` or `extensions.persistedQuery.sha256Hash`
//!   (`trusted_documents`).
//! - A bad token is a 401 before anything runs; a missing token may only
//!   reach introspection and `__typename`.
//! - Over a rate limit (`http::rate_limit`), a 429 `RATE_LIMITED` once the
//!   operation is chosen, before it runs.
//!
//! async-graphql's own actix responder ignores `Accept` and runs mutations
//! over GET, hence this module.
//!
//! Each job has its file: `request` reads and checks what arrives,
//! `execute` runs the operation, and `response` chooses the media type,
//! writes request-level errors and gives a result its HTTP status.

mod execute;
mod request;
mod response;
pub mod trusted_documents;

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde_json::Value;
use tracing_actix_web::RequestId;

use self::execute::execute;
pub use self::request::{Params, params_from_json};
use self::request::{
    authenticate, header_str, is_json_content_type, params_from_query_string, refused,
};
pub use self::response::{ResponseType, negotiate};
use self::response::{not_acceptable, request_error, too_many_requests};
use crate::auth::{AuthError, TokenVerifier};
use crate::config::Limits;
use crate::db::DbHealth;
use crate::graphql::RedressSchema;
use crate::http::rate_limit::{self, RateLimits};

/// Shared by every request.
pub struct GraphqlEndpoint {
    pub schema: RedressSchema,
    pub verifier: Arc<TokenVerifier>,
    pub limits: Limits,
    pub graphiql: bool,
    /// The only documents run, when a manifest is configured.
    pub trusted_documents: Option<Arc<trusted_documents::TrustedDocuments>>,
    /// Whether the database answers: while it does not, operations fail at
    /// once with 503 instead of each waiting on the pool.
    pub health: DbHealth,
    /// The access log's group-commit writer (for exports; the schema holds
    /// its own handle).
    pub access_log: crate::services::access_log::Writer,
}

/// `POST /graphql`.
pub async fn post(
    request: HttpRequest,
    mut payload: web::Payload,
    endpoint: web::Data<GraphqlEndpoint>,
    rate_limits: web::Data<RateLimits>,
    request_id: RequestId,
) -> HttpResponse {
    let Some(rt) = negotiate(header_str(request.headers(), header::ACCEPT)) else {
        return not_acceptable();
    };
    if !is_json_content_type(header_str(request.headers(), header::CONTENT_TYPE)) {
        return request_error(
            rt,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "Content-Type must be application/json",
        );
    }
    let actor = match authenticate(request.headers(), &endpoint.verifier).await {
        Ok(actor) => actor,
        Err(e) => return rate_limited_refusal(rt, &request, &rate_limits, &e),
    };
    // Rate limits (http/rate_limit.rs): checked in `execute` once the operation is known.
    let gate = rate_limits.gate(&request, actor.as_ref().map(|a| a.subject.as_str()));

    let max = endpoint.limits.max_body_bytes;
    let too_large = || {
        request_error(
            rt,
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            &format!("the request body exceeds the limit of {max} bytes"),
        )
    };
    let declared =
        header_str(request.headers(), header::CONTENT_LENGTH).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > max) {
        return too_large();
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return request_error(
                rt,
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "the request body could not be read",
            );
        };
        if body.len() + chunk.len() > max {
            return too_large();
        }
        body.extend_from_slice(&chunk);
    }
    if body.is_empty() {
        return request_error(
            rt,
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "the request body is empty",
        );
    }
    let params = match serde_json::from_slice::<Value>(&body) {
        Err(_) => Err("the request body is not valid JSON"),
        Ok(value) => params_from_json(value),
    };
    match params {
        Ok(params) => execute(&endpoint, rt, params, actor, false, request_id, gate).await,
        Err(message) => request_error(rt, StatusCode::BAD_REQUEST, "BAD_REQUEST", message),
    }
}

/// `GET /graphql`: GraphiQL for browsers, queries for everyone else.
pub async fn get(
    request: HttpRequest,
    endpoint: web::Data<GraphqlEndpoint>,
    rate_limits: web::Data<RateLimits>,
    request_id: RequestId,
) -> HttpResponse {
    let accept = header_str(request.headers(), header::ACCEPT);
    let wants_html = accept.is_some_and(|a| a.contains("text/html"));
    if endpoint.graphiql && wants_html {
        return crate::http::graphiql::page();
    }
    let Some(rt) = negotiate(accept) else {
        return not_acceptable();
    };
    let actor = match authenticate(request.headers(), &endpoint.verifier).await {
        Ok(actor) => actor,
        Err(e) => return rate_limited_refusal(rt, &request, &rate_limits, &e),
    };
    // Rate limits (http/rate_limit.rs): checked in `execute` once the operation is known.
    let gate = rate_limits.gate(&request, actor.as_ref().map(|a| a.subject.as_str()));
    match params_from_query_string(request.query_string()) {
        Ok(params) => execute(&endpoint, rt, params, actor, true, request_id, gate).await,
        Err(message) => request_error(rt, StatusCode::BAD_REQUEST, "BAD_REQUEST", message),
    }
}

/// Rate limits (http/rate_limit.rs): a refused token counts as a read
/// against the client address only; over that budget, 429 instead of 401.
fn rate_limited_refusal(
    rt: ResponseType,
    request: &HttpRequest,
    rate_limits: &RateLimits,
    error: &AuthError,
) -> HttpResponse {
    match rate_limits
        .gate(request, None)
        .check(rate_limit::Class::Read)
    {
        Ok(()) => refused(rt, error),
        Err(limited) => too_many_requests(rt, &limited),
    }
}

/// Any other method on `/graphql`.
pub async fn method_not_allowed() -> HttpResponse {
    let mut response = request_error(
        ResponseType::Json,
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "use POST (or GET for queries)",
    );
    response
        .headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static("GET, POST"));
    response
}
