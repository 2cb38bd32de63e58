//! Fault injection against the real `redress` binary: SIGKILL under write
//! load and under read load (every answered read logged), SQLite disk
//! full, PostgreSQL stopped and started, clients that hang up mid-mutation.
//! Each test counts the writes (or reads) the server acknowledged and checks
//! every one of them is there afterwards, and prints its figures.
//!
//! They need root (tmpfs, a private PostgreSQL cluster run as `postgres`)
//! and a PostgreSQL server (`PG_ADMIN_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`), so they are ignored by
//! `cargo test --workspace`; `.ci/run` runs them:
//! `cargo test --test faults -- --ignored --test-threads=1 --nocapture`.
//! What each asserts: `docs/fault-tests.md`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod check;
mod disconnect;
mod disk_full;
mod harness;
mod load;
mod pg_restart;
mod read_sigkill;
mod sigkill;
