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
//! - A bad token is a 401 before anything runs; a missing token may only
//!   reach introspection and `__typename`.
//!
//! async-graphql's own actix responder ignores `Accept` and runs mutations
//! over GET, hence this module.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};
use async_graphql::parser::types::OperationType;
use async_graphql::{Response, Variables};
use futures_util::StreamExt;
use serde_json::{Map, Value, json};
use tracing::Instrument;
use tracing_actix_web::RequestId;

use crate::auth::{AuthError, TokenVerifier};
use crate::config::Limits;
use crate::db::DbHealth;
use crate::domain::actor::Actor;
use crate::graphql::RedressSchema;
use crate::graphql::context::RequestContext;
use crate::graphql::document;

/// Shared by every request.
pub struct GraphqlEndpoint {
    pub schema: RedressSchema,
    pub verifier: Arc<TokenVerifier>,
    pub limits: Limits,
    pub graphiql: bool,
    /// Whether the database answers: while it does not, operations fail at
    /// once with 503 instead of each waiting on the pool.
    pub health: DbHealth,
}

/// The response media types we speak.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ResponseType {
    GraphqlResponseJson,
    Json,
}

impl ResponseType {
    fn content_type(self) -> &'static str {
        match self {
            ResponseType::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
            ResponseType::Json => "application/json; charset=utf-8",
        }
    }
}

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// Chooses the response media type from `Accept`: highest `q` wins, ties go
/// to the earlier entry; none acceptable is `None` (406). No header means
/// `application/json`.
pub fn negotiate(accept: Option<&str>) -> Option<ResponseType> {
    let Some(accept) = accept.map(str::trim).filter(|a| !a.is_empty()) else {
        return Some(ResponseType::Json);
    };
    let mut best: Option<(f32, ResponseType)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let mut q = 1.0f32;
        let mut charset_ok = true;
        for param in parts {
            let Some((key, value)) = param.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches('"');
            match key.trim().to_ascii_lowercase().as_str() {
                "q" => q = value.parse().unwrap_or(0.0),
                "charset" => charset_ok = value.eq_ignore_ascii_case("utf-8"),
                _ => {}
            }
        }
        let candidate = match essence.as_str() {
            GRAPHQL_RESPONSE_JSON => ResponseType::GraphqlResponseJson,
            "application/json" | "application/*" | "*/*" => ResponseType::Json,
            _ => continue,
        };
        if q <= 0.0 || !charset_ok {
            continue;
        }
        if best.is_none_or(|(best_q, _)| q > best_q) {
            best = Some((q, candidate));
        }
    }
    best.map(|(_, t)| t)
}

/// A request-level error body: `{"errors":[{"message", "extensions":{"code"}}]}`.
fn error_body(code: &str, message: &str) -> Value {
    json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })
}

fn respond(rt: ResponseType, status: StatusCode, body: &Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, rt.content_type()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body.to_string())
}

fn request_error(rt: ResponseType, status: StatusCode, code: &str, message: &str) -> HttpResponse {
    respond(rt, status, &error_body(code, message))
}

fn not_acceptable() -> HttpResponse {
    request_error(
        ResponseType::Json,
        StatusCode::NOT_ACCEPTABLE,
        "NOT_ACCEPTABLE",
        "Accept must allow application/graphql-response+json or application/json",
    )
}

fn unauthorized(rt: ResponseType, message: &str) -> HttpResponse {
    let mut response = request_error(rt, StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", message);
    if let Ok(value) = header::HeaderValue::from_str(&format!(
        "Bearer error=\"invalid_token\", error_description=\"{message}\""
    )) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// Verifies the `Authorization` header, if any. `Ok(None)`: no header.
fn authenticate(headers: &HeaderMap, verifier: &TokenVerifier) -> Result<Option<Actor>, AuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| AuthError::MalformedHeader)?;
    match verifier.verify_header(value) {
        Ok(actor) => {
            tracing::Span::current().record("subject", actor.subject.as_str());
            Ok(Some(actor))
        }
        Err(e) => {
            tracing::info!(reason = %e, "token refused");
            Err(e)
        }
    }
}

/// The parameters of a GraphQL-over-HTTP request.
#[derive(Debug, Default)]
pub struct Params {
    pub query: String,
    pub operation_name: Option<String>,
    pub variables: Option<Map<String, Value>>,
    pub extensions: Option<Map<String, Value>>,
}

/// Checks the shape of a JSON request body. Every defect is a message for a
/// 400.
pub fn params_from_json(value: Value) -> Result<Params, &'static str> {
    let mut object = match value {
        Value::Object(o) => o,
        Value::Array(_) => {
            return Err("batched requests are not supported; send one operation per request");
        }
        _ => return Err("the request body must be a JSON object"),
    };
    let query = match object.remove("query") {
        Some(Value::String(q)) => q,
        Some(_) => return Err("`query` must be a string"),
        None => return Err("`query` is required"),
    };
    let operation_name = match object.remove("operationName") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(name),
        Some(_) => return Err("`operationName` must be a string or null"),
    };
    let variables = match object.remove("variables") {
        None | Some(Value::Null) => None,
        Some(Value::Object(v)) => Some(v),
        Some(_) => return Err("`variables` must be an object or null"),
    };
    let extensions = match object.remove("extensions") {
        None | Some(Value::Null) => None,
        Some(Value::Object(e)) => Some(e),
        Some(_) => return Err("`extensions` must be an object or null"),
    };
    Ok(Params {
        query,
        operation_name,
        variables,
        extensions,
    })
}

/// GET parameters: `variables` and `extensions` are JSON text.
fn params_from_query_string(qs: &str) -> Result<Params, &'static str> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(qs).map_err(|_| "the query string is malformed")?;
    let mut object = Map::new();
    for (key, value) in pairs {
        let value = match key.as_str() {
            "variables" | "extensions" => {
                serde_json::from_str(&value).map_err(|_| match key.as_str() {
                    "variables" => "`variables` must be JSON text",
                    _ => "`extensions` must be JSON text",
                })?
            }
            _ => Value::String(value),
        };
        object.insert(key, value);
    }
    params_from_json(Value::Object(object))
}

/// `POST /graphql`.
pub async fn post(
    request: HttpRequest,
    mut payload: web::Payload,
    endpoint: web::Data<GraphqlEndpoint>,
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
    let actor = match authenticate(request.headers(), &endpoint.verifier) {
        Ok(actor) => actor,
        Err(e) => return unauthorized(rt, &e.to_string()),
    };

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
        Ok(params) => execute(&endpoint, rt, params, actor, false, request_id).await,
        Err(message) => request_error(rt, StatusCode::BAD_REQUEST, "BAD_REQUEST", message),
    }
}

/// `GET /graphql`: GraphiQL for browsers, queries for everyone else.
pub async fn get(
    request: HttpRequest,
    endpoint: web::Data<GraphqlEndpoint>,
    request_id: RequestId,
) -> HttpResponse {
    let accept = header_str(request.headers(), header::ACCEPT);
    let wants_html = accept.is_some_and(|a| a.contains("text/html"));
    if endpoint.graphiql && wants_html {
        return HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(
                async_graphql::http::GraphiQLSource::build()
                    .endpoint("/graphql")
                    .title("Redress GraphiQL")
                    .finish(),
            );
    }
    let Some(rt) = negotiate(accept) else {
        return not_acceptable();
    };
    let actor = match authenticate(request.headers(), &endpoint.verifier) {
        Ok(actor) => actor,
        Err(e) => return unauthorized(rt, &e.to_string()),
    };
    match params_from_query_string(request.query_string()) {
        Ok(params) => execute(&endpoint, rt, params, actor, true, request_id).await,
        Err(message) => request_error(rt, StatusCode::BAD_REQUEST, "BAD_REQUEST", message),
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

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn is_json_content_type(value: Option<&str>) -> bool {
    let Some(value) = value else { return false };
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
        && parts.all(|param| match param.split_once('=') {
            Some((key, value)) if key.trim().eq_ignore_ascii_case("charset") => {
                value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
            }
            _ => true,
        })
}

/// What `Retry-After` says while the database is unavailable.
const RETRY_AFTER_SECONDS: &str = "1";

/// 503 before execution: the database is known to be down.
fn database_unavailable(rt: ResponseType, request_id: &str) -> HttpResponse {
    let mut response = respond(
        rt,
        StatusCode::SERVICE_UNAVAILABLE,
        &json!({ "errors": [{
            "message": format!(
                "the database is unavailable; nothing was run: retry later; request id {request_id}"
            ),
            "extensions": { "code": "DATABASE_UNAVAILABLE", "requestId": request_id },
        }]}),
    );
    response.headers_mut().insert(
        header::RETRY_AFTER,
        header::HeaderValue::from_static(RETRY_AFTER_SECONDS),
    );
    response
}

/// Set by [`ExecutionMarker`] when a request passed parsing and validation
/// and began to execute.
#[derive(Clone, Default)]
struct ExecutionStarted(Arc<AtomicBool>);

/// Marks requests that reach execution, so the HTTP layer can tell request
/// errors (400 under graphql-response+json) from field errors.
pub struct ExecutionMarker;

impl ExtensionFactory for ExecutionMarker {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ExecutionMarker)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for ExecutionMarker {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let Some(flag) = ctx.data_opt::<ExecutionStarted>() {
            flag.0.store(true, Ordering::SeqCst);
        }
        next.run(ctx, operation_name).await
    }
}

/// Codes for errors raised before execution, chosen from async-graphql's
/// messages (covered by tests, so an upgrade that changes them fails loudly).
fn pre_execution_code(message: &str, parsed: bool) -> (&'static str, bool) {
    if !parsed {
        ("GRAPHQL_PARSE_FAILED", false)
    } else if message.starts_with("Query is nested too deep")
        || message.starts_with("The recursion depth of the query")
    {
        ("QUERY_TOO_DEEP", true)
    } else if message.starts_with("Query is too complex") {
        ("QUERY_TOO_COMPLEX", true)
    } else if message.starts_with("The number of directives") {
        ("TOO_MANY_DIRECTIVES", true)
    } else {
        ("GRAPHQL_VALIDATION_FAILED", false)
    }
}

async fn execute(
    endpoint: &GraphqlEndpoint,
    rt: ResponseType,
    params: Params,
    actor: Option<Actor>,
    is_get: bool,
    request_id: RequestId,
) -> HttpResponse {
    let request_id = request_id.to_string();
    let started = ExecutionStarted::default();
    let anonymous = actor.is_none();
    let mut request = async_graphql::Request::new(params.query)
        .variables(Variables::from_json(Value::Object(
            params.variables.unwrap_or_default(),
        )))
        .data(RequestContext {
            actor,
            request_id: request_id.clone(),
        })
        .data(started.clone());
    if let Some(name) = &params.operation_name {
        request = request.operation_name(name.clone());
    }
    for (key, value) in params.extensions.unwrap_or_default() {
        if let Ok(value) = async_graphql::Value::from_json(value) {
            request.extensions.insert(key, value);
        }
    }

    let parsed = match request.parsed_query() {
        Ok(doc) => {
            if is_get
                && document::operation_type(doc, params.operation_name.as_deref())
                    .is_some_and(|ty| ty != OperationType::Query)
            {
                let mut response = request_error(
                    rt,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "METHOD_NOT_ALLOWED",
                    "mutations are only accepted over POST",
                );
                response
                    .headers_mut()
                    .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
                return response;
            }
            let aliases = document::alias_count(doc);
            if aliases > endpoint.limits.max_aliases {
                return request_error(
                    rt,
                    StatusCode::BAD_REQUEST,
                    "TOO_MANY_ALIASES",
                    &format!(
                        "the query uses {aliases} aliases; the limit is {}",
                        endpoint.limits.max_aliases
                    ),
                );
            }
            true
        }
        Err(_) => false,
    };

    if !endpoint.health.is_up() {
        return database_unavailable(rt, &request_id);
    }
    // The operation runs in a task of its own: a client that disconnects
    // mid-mutation drops this handler, not the transaction, so a change is
    // committed whole or not at all (never cut off between statements), and
    // a panic is contained there.
    let schema = endpoint.schema.clone();
    let task = tokio::spawn(
        async move { schema.execute(request).await }.instrument(tracing::Span::current()),
    );
    let response = match task.await {
        Ok(response) => response,
        Err(e) => {
            if e.is_panic() {
                tracing::error!(request_id, "panic while executing a GraphQL request");
            } else {
                tracing::warn!(
                    request_id,
                    "a GraphQL request was cancelled (server stopping)"
                );
            }
            return respond(
                rt,
                StatusCode::INTERNAL_SERVER_ERROR,
                &json!({ "errors": [{
                    "message": format!("internal error; quote request id {request_id} to support"),
                    "extensions": { "code": "INTERNAL_SERVER_ERROR", "requestId": request_id },
                }]}),
            );
        }
    };
    let executed = started.0.load(Ordering::SeqCst);
    let unauthenticated = response.errors.iter().any(|e| {
        e.extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .is_some_and(|c| *c == async_graphql::Value::from("UNAUTHENTICATED"))
    });

    let database_unavailable_error = response.errors.iter().any(|e| {
        e.extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .is_some_and(|c| *c == async_graphql::Value::from("DATABASE_UNAVAILABLE"))
    });

    let mut body = serde_json::to_value(&response).unwrap_or_else(|_| json!({}));
    if executed && database_unavailable_error {
        // Retryable: the client must not take any part of this answer as
        // confirmed, so the whole response is a 503.
        let mut http = respond(rt, StatusCode::SERVICE_UNAVAILABLE, &body);
        http.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from_static(RETRY_AFTER_SECONDS),
        );
        return http;
    }
    if executed {
        let status = if anonymous && unauthenticated {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::OK
        };
        let mut http = respond(rt, status, &body);
        if status == StatusCode::UNAUTHORIZED {
            http.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        return http;
    }

    // The request failed before execution: no `data`, a code on each error.
    let mut limit_exceeded = false;
    if let Some(map) = body.as_object_mut() {
        map.remove("data");
        if let Some(Value::Array(errors)) = map.get_mut("errors") {
            for error in errors.iter_mut() {
                let message = error
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let (code, is_limit) = pre_execution_code(message, parsed);
                limit_exceeded |= is_limit;
                if let Some(error) = error.as_object_mut() {
                    let extensions = error
                        .entry("extensions")
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Some(ext) = extensions.as_object_mut() {
                        ext.entry("code").or_insert_with(|| Value::from(code));
                    }
                }
            }
        }
    }
    let status = if limit_exceeded || rt == ResponseType::GraphqlResponseJson {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    respond(rt, status, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_negotiation_table() {
        use ResponseType::*;
        let cases: &[(Option<&str>, Option<ResponseType>)] = &[
            (None, Some(Json)),
            (Some(""), Some(Json)),
            (Some("*/*"), Some(Json)),
            (Some("application/json"), Some(Json)),
            (Some("application/*"), Some(Json)),
            (
                Some("application/graphql-response+json"),
                Some(GraphqlResponseJson),
            ),
            (
                Some("application/graphql-response+json, application/json;q=0.9"),
                Some(GraphqlResponseJson),
            ),
            (
                Some("application/json, application/graphql-response+json"),
                Some(Json),
            ),
            (
                Some("application/json;q=0.5, application/graphql-response+json"),
                Some(GraphqlResponseJson),
            ),
            (Some("application/json; charset=utf-8"), Some(Json)),
            (Some("application/json; charset=latin1"), None),
            (Some("text/html"), None),
            (Some("application/xml, text/plain"), None),
            (Some("application/json;q=0"), None),
        ];
        for (accept, expected) in cases {
            assert_eq!(negotiate(*accept), *expected, "{accept:?}");
        }
    }

    #[test]
    fn content_type_table() {
        let cases = [
            (Some("application/json"), true),
            (Some("application/json; charset=utf-8"), true),
            (Some("Application/JSON;charset=UTF-8"), true),
            (Some("application/json; charset=latin1"), false),
            (Some("text/plain;charset=UTF-8"), false),
            (Some("application/graphql"), false),
            (None, false),
        ];
        for (ct, ok) in cases {
            assert_eq!(is_json_content_type(ct), ok, "{ct:?}");
        }
    }

    #[test]
    fn params_table() {
        let ok = [
            json!({"query": "{ __typename }"}),
            json!({"query": "{ __typename }", "variables": null, "operationName": null, "extensions": null}),
            json!({"query": "{ __typename }", "variables": {"a": 1}, "extensions": {"x": "y"}}),
        ];
        for value in ok {
            assert!(params_from_json(value.clone()).is_ok(), "{value}");
        }
        let bad = [
            json!([{"query": "{ __typename }"}]),
            json!("query"),
            json!({}),
            json!({"notquery": "{ __typename }"}),
            json!({"query": 0}),
            json!({"query": ["array"]}),
            json!({"query": "{ __typename }", "operationName": 0}),
            json!({"query": "{ __typename }", "variables": "string"}),
            json!({"query": "{ __typename }", "variables": ["array"]}),
            json!({"query": "{ __typename }", "extensions": false}),
        ];
        for value in bad {
            assert!(params_from_json(value.clone()).is_err(), "{value}");
        }
    }

    #[test]
    fn get_params_decode_json_text() {
        let params = params_from_query_string(
            "query=query%20T(%24n%3A%20String!)%7B__type(name%3A%24n)%7Bname%7D%7D&variables=%7B%22n%22%3A%22x%22%7D",
        );
        assert!(
            params
                .as_ref()
                .is_ok_and(|p| p.variables.as_ref().is_some_and(|v| v["n"] == "x"))
        );
        assert!(params_from_query_string("query=%7B__typename%7D&variables=not-json").is_err());
        assert!(params_from_query_string("").is_err());
    }
}
