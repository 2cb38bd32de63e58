//! HTTP: the GraphQL-over-HTTP endpoint, health checks, rate limits and
//! request tracing.

pub mod exports;
pub mod graphql;
pub mod health;
pub mod rate_limit;
pub mod tracing_span;
