//! What arrives: the bearer token, the request's media type and its
//! GraphQL parameters (a JSON body, or a GET query string).

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use serde_json::{Map, Value};

use super::response::{ResponseType, request_error, unauthorized};
use super::trusted_documents::DocumentRef;
use crate::auth::jwks::KEYS_RETRY_AFTER_SECONDS;
use crate::auth::{AuthError, TokenVerifier};
use crate::domain::actor::Actor;

/// The answer to a refused token: 401, or 503 `AUTH_KEYS_UNAVAILABLE` when
/// no key set could be fetched from the identity provider yet.
pub(super) fn refused(rt: ResponseType, error: &AuthError) -> HttpResponse {
    if !error.is_unavailable() {
        return unauthorized(rt, &error.to_string());
    }
    let mut response = request_error(
        rt,
        StatusCode::SERVICE_UNAVAILABLE,
        "AUTH_KEYS_UNAVAILABLE",
        &error.to_string(),
    );
    response.headers_mut().insert(
        header::RETRY_AFTER,
        header::HeaderValue::from_static(KEYS_RETRY_AFTER_SECONDS),
    );
    response
}

/// Verifies the `Authorization` header, if any. `Ok(None)`: no header.
pub(super) async fn authenticate(
    headers: &HeaderMap,
    verifier: &TokenVerifier,
) -> Result<Option<Actor>, AuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| AuthError::MalformedHeader)?;
    match verifier.verify_header(value).await {
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
    /// The document's text; `None` when the request names a trusted
    /// document by id instead.
    pub query: Option<String>,
    /// `documentId` or `extensions.persistedQuery.sha256Hash`.
    pub document: Option<DocumentRef>,
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
        Some(Value::String(q)) => Some(q),
        None | Some(Value::Null) => None,
        Some(_) => return Err("`query` must be a string"),
    };
    let document_id = match object.remove("documentId") {
        Some(Value::String(id)) => Some(DocumentRef::DocumentId(id)),
        None | Some(Value::Null) => None,
        Some(_) => return Err("`documentId` must be a string"),
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
    let mut extensions = match object.remove("extensions") {
        None | Some(Value::Null) => None,
        Some(Value::Object(e)) => Some(e),
        Some(_) => return Err("`extensions` must be an object or null"),
    };
    let persisted = match extensions.as_mut().and_then(|e| e.remove("persistedQuery")) {
        None | Some(Value::Null) => None,
        Some(value) => Some(persisted_query(value)?),
    };
    let document = match (document_id, persisted) {
        (Some(_), Some(_)) => {
            return Err("send `documentId` or `extensions.persistedQuery`, not both");
        }
        (Some(id), None) | (None, Some(id)) => Some(id),
        (None, None) => None,
    };
    if query.is_none() && document.is_none() {
        return Err("`query` is required");
    }
    Ok(Params {
        query,
        document,
        operation_name,
        variables,
        extensions,
    })
}

/// `extensions.persistedQuery`: `{"version": 1, "sha256Hash": "<hex>"}`.
fn persisted_query(value: Value) -> Result<DocumentRef, &'static str> {
    let Value::Object(mut object) = value else {
        return Err("`extensions.persistedQuery` must be an object");
    };
    if object.remove("version") != Some(Value::from(1)) {
        return Err("`extensions.persistedQuery.version` must be 1");
    }
    match object.remove("sha256Hash") {
        Some(Value::String(hash)) => Ok(DocumentRef::Sha256(hash)),
        _ => Err("`extensions.persistedQuery.sha256Hash` must be a string"),
    }
}

/// GET parameters: `variables` and `extensions` are JSON text.
pub(super) fn params_from_query_string(qs: &str) -> Result<Params, &'static str> {
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

pub(super) fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

pub(super) fn is_json_content_type(value: Option<&str>) -> bool {
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

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
            json!({"documentId": "sha256:00"}),
            json!({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "00"}}}),
            json!({"query": "{ __typename }", "documentId": "x"}),
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
            json!({"query": null}),
            json!({"documentId": 1}),
            json!({"extensions": {"persistedQuery": {"sha256Hash": "00"}}}),
            json!({"extensions": {"persistedQuery": {"version": 2, "sha256Hash": "00"}}}),
            json!({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": 0}}}),
            json!({"extensions": {"persistedQuery": "00"}}),
            json!({"documentId": "a", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "00"}}}),
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
