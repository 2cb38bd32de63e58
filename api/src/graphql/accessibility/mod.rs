//! Accessibility requests: the request (`types`), its inputs, its query
//! and its seven mutations.

mod inputs;
mod mutations;
mod queries;
mod types;

pub use inputs::*;
pub use mutations::{
    AccessibilityMutation, AccessibilityRequestCreatePayload, AccessibilityRequestPayload,
};
pub use queries::{
    AccessibilityQuery, AccessibilityRequestConnection, AccessibilityRequestConnectionFields,
};
pub use types::*;
