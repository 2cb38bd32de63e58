//! What goes back: the negotiated media type, request-level errors, and
//! the HTTP status of an operation's result.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;
use serde_json::{Map, Value, json};

/// The response media types we speak.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ResponseType {
    GraphqlResponseJson,
    Json,
}

impl ResponseType {
    pub(super) fn content_type(self) -> &'static str {
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
pub(super) fn error_body(code: &str, message: &str) -> Value {
    json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })
}

pub(super) fn respond(rt: ResponseType, status: StatusCode, body: &Value) -> HttpResponse {
    with_body(rt, status, body.to_string())
}

fn with_body(
    rt: ResponseType,
    status: StatusCode,
    body: impl actix_web::body::MessageBody + 'static,
) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, rt.content_type()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// An executed operation's response, serialised straight into the body
/// (not through a `serde_json::Value`: a page of 50 complaints is thousands
/// of values).
fn respond_with(
    rt: ResponseType,
    status: StatusCode,
    response: &async_graphql::Response,
) -> HttpResponse {
    match serde_json::to_vec(response) {
        Ok(body) => with_body(rt, status, body),
        Err(_) => request_error(
            rt,
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_SERVER_ERROR",
            "internal error: the response could not be written",
        ),
    }
}

/// 429 `RATE_LIMITED` with `Retry-After` (http/rate_limit.rs).
pub(super) fn too_many_requests(
    rt: ResponseType,
    limited: &crate::http::rate_limit::Limited,
) -> HttpResponse {
    limited.with_retry_after(respond(rt, StatusCode::TOO_MANY_REQUESTS, &limited.body()))
}

pub(super) fn request_error(
    rt: ResponseType,
    status: StatusCode,
    code: &str,
    message: &str,
) -> HttpResponse {
    respond(rt, status, &error_body(code, message))
}

pub(super) fn not_acceptable() -> HttpResponse {
    request_error(
        ResponseType::Json,
        StatusCode::NOT_ACCEPTABLE,
        "NOT_ACCEPTABLE",
        "Accept must allow application/graphql-response+json or application/json",
    )
}

pub(super) fn unauthorized(rt: ResponseType, message: &str) -> HttpResponse {
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

/// What `Retry-After` says while the database is unavailable.
const RETRY_AFTER_SECONDS: &str = "1";

/// 503 before execution: the database is known to be down.
pub(super) fn database_unavailable(rt: ResponseType, request_id: &str) -> HttpResponse {
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

/// The HTTP answer to an operation's result: 200 with the body; 401 for
/// an anonymous request refused as UNAUTHENTICATED; a whole 503 when the
/// database could not serve it; and, for a request that failed before
/// execution (`executed` false), the errors alone with a code on each and
/// 400 where the limits or the media type call for it.
pub(super) fn answer(
    rt: ResponseType,
    response: async_graphql::Response,
    executed: bool,
    parsed: bool,
    anonymous: bool,
) -> HttpResponse {
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

    if executed && database_unavailable_error {
        // Retryable: the client must not take any part of this answer as
        // confirmed, so the whole response is a 503.
        let mut http = respond_with(rt, StatusCode::SERVICE_UNAVAILABLE, &response);
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
        let mut http = respond_with(rt, status, &response);
        if status == StatusCode::UNAUTHORIZED {
            http.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        return http;
    }

    // The request failed before execution: no `data`, a code on each error.
    let mut body = serde_json::to_value(&response).unwrap_or_else(|_| json!({}));
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
}
