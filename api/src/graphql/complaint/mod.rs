//! The complaint's GraphQL face: the `Complaint` object and its parts
//! (`types`), its input objects (`inputs`), its queries (`queries`) and its
//! mutations with their payloads (`mutations`, `payloads`).

mod inputs;
mod mutations;
mod payloads;
mod queries;
mod types;

pub use inputs::*;
pub use mutations::ComplaintMutation;
pub use payloads::{
    ComplaintAddNotePayload, ComplaintCreatePayload, ComplaintLogContactPayload, ComplaintPayload,
};
pub use queries::{
    ComplaintConnection, ComplaintConnectionFields, ComplaintQuery, complaint_by_uuid,
};
pub use types::*;
