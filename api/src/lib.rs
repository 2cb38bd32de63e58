//! Redress: the complaints and grievances backend for hospital
//! patient-relations teams.
//!
//! - [`domain`]: the `redress-domain` crate, re-exported: the rules (roles
//!   and permissions, facilities, money, the complaint lifecycle,
//!   classification, clocks, the audit chain, service recovery, the
//!   interpreter log, accessibility requests), pure Rust with no database,
//!   HTTP or GraphQL dependency.
//! - [`services`]: the rules applied to the database in transactions.
//! - [`graphql`]: thin resolvers, the schema and its errors.
//! - [`http`]: GraphQL over HTTP, health checks, request tracing.
//! - [`auth`]: tokens in, actors out.
//! - [`checkpoint_key`]: the Ed25519 key that signs audit checkpoints.
//! - [`ids`]: opaque global ids.
//! - [`ops`]: operational commands: `backup`, `verify`.
//! - [`startup`], [`config`], [`cli`], [`db`], [`telemetry`]: running it;
//!   [`seed`]: the demo data set.

pub mod attachments;
pub mod auth;
pub mod checkpoint_key;
pub mod cli;
pub mod config;
pub mod db;
pub mod graphql;
pub mod http;
pub mod ids;
pub mod ops;
pub mod seed;
pub mod services;
pub mod startup;
pub mod telemetry;

pub use redress_correspondence as correspondence;
pub use redress_domain as domain;
