//! Running an operation: the limits checked on the parsed document, the
//! database's health, and the operation in a task of its own; its result
//! goes to `response::answer` for its HTTP status.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;
use async_graphql::parser::types::OperationType;
use async_graphql::{Response, Variables};
use serde_json::{Value, json};
use tracing::Instrument;
use tracing_actix_web::RequestId;

use super::GraphqlEndpoint;
use super::request::Params;
use super::response::{
    ResponseType, answer, database_unavailable, request_error, respond, too_many_requests,
};
use super::trusted_documents;
use crate::domain::actor::Actor;
use crate::graphql::context::RequestContext;
use crate::graphql::{document, errors};
use crate::http::rate_limit::{Class, Gate};

/// Whether the operation began to execute. async-graphql answers a request
/// it refuses before execution (validation, variables, the depth and
/// complexity limits) with errors that carry no path; an operation that ran
/// has no errors or field errors, each with its field's path (a root
/// field's included).
fn began_executing(response: &Response) -> bool {
    response.errors.is_empty() || response.errors.iter().any(|e| !e.path.is_empty())
}

pub(super) async fn execute(
    endpoint: &GraphqlEndpoint,
    rt: ResponseType,
    params: Params,
    actor: Option<Actor>,
    is_get: bool,
    request_id: RequestId,
    gate: Gate<'_>,
) -> HttpResponse {
    let query = match trusted_documents::resolve(
        endpoint.trusted_documents.as_deref(),
        params.query,
        params.document.as_ref(),
    ) {
        Ok(query) => query,
        Err(refusal) => {
            return request_error(rt, StatusCode::BAD_REQUEST, refusal.code, refusal.message);
        }
    };
    let variables_hold_nul = params
        .variables
        .as_ref()
        .is_some_and(|v| v.values().any(document::json_has_nul));
    let request_id = request_id.to_string();
    let anonymous = actor.is_none();
    let mut request = async_graphql::Request::new(query)
        .variables(Variables::from_json(Value::Object(
            params.variables.unwrap_or_default(),
        )))
        .data(RequestContext {
            actor,
            request_id: request_id.clone(),
        })
        // What this request has recorded in the access log: each record once.
        .data(crate::services::reads::ReadLog::default());
    if let Some(name) = &params.operation_name {
        request = request.operation_name(name.clone());
    }
    for (key, value) in params.extensions.unwrap_or_default() {
        if let Ok(value) = async_graphql::Value::from_json(value) {
            request.extensions.insert(key, value);
        }
    }

    // `Some(the operation that will run)` once the document parses (the
    // parsed document is cached for execution).
    let parsed_operation = match request.parsed_query() {
        Ok(doc) => {
            let operation = document::operation_type(doc, params.operation_name.as_deref());
            if is_get && operation.is_some_and(|ty| ty != OperationType::Query) {
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
            // A read's arguments are lookups and filters, not validated
            // text: a NUL in one can match no record, and PostgreSQL would
            // refuse it as a fault. (A mutation's text inputs are validated
            // types, which answer a NUL with a VALIDATION user error on its
            // field.)
            if operation == Some(OperationType::Query)
                && (variables_hold_nul || document::has_nul(doc))
            {
                return request_error(
                    rt,
                    StatusCode::BAD_REQUEST,
                    "BAD_USER_INPUT",
                    "an argument holds a NUL character (U+0000), which no record contains",
                );
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
            Some(operation)
        }
        Err(_) => None,
    };
    let parsed = parsed_operation.is_some();
    let operation = parsed_operation.flatten();

    // Rate limits (http/rate_limit.rs): the operation is chosen and nothing
    // has run yet.
    if let Err(limited) = gate.check(Class::of_operation(operation)) {
        return too_many_requests(rt, &limited);
    }

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
    let mut response = match task.await {
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
    let executed = began_executing(&response);
    if executed && errors::answer_faults(&mut response, &request_id) {
        endpoint.health.report_trouble();
    }
    answer(rt, response, executed, parsed, anonymous)
}
