//! HTTP: the GraphQL-over-HTTP endpoint, health checks and request tracing.

pub mod exports;
pub mod graphql;
pub mod health;
pub mod tracing_span;
