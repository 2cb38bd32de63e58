//! sea-orm entities: the shape of the tables and nothing else.
//!
//! GraphQL types live in `redress-api`; these models never reach the API directly.

pub mod access_log_entry;
pub mod accessibility_request;
pub mod attachment;
pub mod audit_checkpoint;
pub mod audit_event;
pub mod complaint;
pub mod complaint_contact;
pub mod complaint_issue;
pub mod complaint_note;
pub mod deadline_policy;
pub mod facility;
pub mod idempotency_key;
pub mod interpreter_session;
pub mod letter;
pub mod letter_rendition;
pub mod reference_counter;
pub mod service_recovery_action;
