//! The interpreter log: sessions (`types`), their inputs, their query,
//! logging and amending.

mod inputs;
mod mutations;
mod queries;
mod types;

pub use inputs::*;
pub use mutations::{
    InterpreterMutation, InterpreterSessionAmendPayload, InterpreterSessionLogPayload,
};
pub use queries::{
    InterpreterQuery, InterpreterSessionConnection, InterpreterSessionConnectionFields,
};
pub use types::*;
