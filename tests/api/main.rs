//! End-to-end tests: the real application on a random port, real HTTP, real
//! tokens, one fresh database per test. `DATABASE_URL=postgres://…` runs
//! them on PostgreSQL; without it they run on SQLite files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access_log_migration;
mod access_log_writer;
mod access_review;
mod accessibility;
mod attachments;
mod attachments_s3;
mod audit_head;
mod audit_trail;
mod auth;
mod authz_walk;
mod backup;
mod checkpoints;
mod cli;
mod complaint_clocks;
mod complaint_concurrency;
mod complaint_intake;
mod complaint_lifecycle;
mod complaint_permissions;
#[cfg(target_os = "linux")]
mod db_nodelay;
mod durability;
mod exports;
mod exports_reports;
mod extension_count;
mod facilities;
mod fuzz_findings;
mod graphiql;
mod grievance_log;
mod helpers;
mod http;
mod interpreter_log;
mod jwks;
mod layout;
mod letters;
mod letters_email;
mod letters_pdf;
mod limits;
mod linked_work;
mod progress_notice;
mod properties;
mod queries;
mod rate_limits;
mod reads;
mod report_linked;
mod report_support;
mod report_timeliness;
mod report_trends;
mod schema;
mod seed;
mod seed_scale;
mod service_recovery;
mod survey_readiness;
mod text_inputs;
mod trusted_documents;
mod validated_values;
