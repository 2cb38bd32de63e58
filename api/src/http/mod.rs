//! HTTP: the GraphQL-over-HTTP endpoint, GraphiQL, health checks and request
//! tracing.

mod answers;
pub mod attachments;
pub mod exports;
pub mod graphiql;
pub mod graphql;
pub mod health;
pub mod letters;
pub mod rate_limit;
pub mod tracing_span;

/// 404, for any path that is not served.
pub fn not_found() -> actix_web::HttpResponse {
    actix_web::HttpResponse::NotFound().json(serde_json::json!({
        "errors": [{ "message": "not found; GraphQL is served at /graphql", "extensions": { "code": "NOT_FOUND" } }]
    }))
}
