//! End-to-end tests: the real application on a random port, real HTTP, real
//! tokens, one fresh database per test. `DATABASE_URL=postgres://…` runs
//! them on PostgreSQL; without it they run on SQLite files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod cli;
mod facilities;
mod helpers;
mod http;
mod limits;
mod schema;
