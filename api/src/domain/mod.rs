//! The rules of the trade in plain Rust: no database, no HTTP, no GraphQL.
//! Everything here is a pure function over plain types and is unit-tested as
//! a table.

pub mod actor;
pub mod facility;
pub mod money;
pub mod permissions;

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
