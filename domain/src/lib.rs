//! The rules of the trade in plain Rust: no database, no HTTP, no GraphQL.
//! Everything here is a pure function over plain types and is unit-tested as
//! a table.

pub mod accessibility;
pub mod actor;
pub mod attachment;
pub mod audit;
pub mod checkpoint;
pub mod clocks;
pub mod command;
pub mod complaint;
pub mod facility;
pub mod interpreter;
pub mod letter;
pub mod money;
pub mod permissions;
pub mod report;
pub mod service_recovery;
mod spelled;
pub mod survey;
pub mod text;
pub mod work;

/// One refused field: the input path and a message for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: Vec<String>,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &[&str], message: impl Into<String>) -> Self {
        FieldError {
            field: field.iter().map(|f| (*f).to_owned()).collect(),
            message: message.into(),
        }
    }
}

/// Why a rule refused an action, in the domain's own terms.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ViolationKind {
    /// An input value is missing, malformed or out of range.
    Validation,
    /// The record's state does not allow the action.
    InvalidTransition,
    /// A condition guarding the action is not met yet.
    GuardFailed,
}

/// A refused action: what kind of refusal, where, and why, for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub kind: ViolationKind,
    pub field: Vec<String>,
    pub message: String,
}

impl Violation {
    pub fn new(kind: ViolationKind, field: &[&str], message: impl Into<String>) -> Self {
        Violation {
            kind,
            field: field.iter().map(|f| (*f).to_owned()).collect(),
            message: message.into(),
        }
    }

    pub fn validation(field: &[&str], message: impl Into<String>) -> Self {
        Violation::new(ViolationKind::Validation, field, message)
    }

    pub fn guard(field: &[&str], message: impl Into<String>) -> Self {
        Violation::new(ViolationKind::GuardFailed, field, message)
    }
}

impl From<FieldError> for Violation {
    fn from(e: FieldError) -> Self {
        Violation {
            kind: ViolationKind::Validation,
            field: e.field,
            message: e.message,
        }
    }
}
