//! The rules of the trade in plain Rust: no database, no HTTP, no GraphQL.
//! Everything here is a pure function over plain types and is unit-tested as
//! a table.

pub mod actor;
pub mod facility;
pub mod money;
pub mod permissions;
