//! Letters on a complaint: the letter (`types`), its inputs and its five
//! mutations. Letters are read as part of their complaint
//! (`Complaint.letters`, `node`).

mod inputs;
mod mutations;
mod types;

pub use inputs::*;
pub use mutations::{LetterDraftPayload, LetterMutation, LetterPayload};
pub use types::*;
