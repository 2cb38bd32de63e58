//! Services apply the domain rules to the database, one transaction per
//! business action. They take `&impl ConnectionTrait` where they only read.

pub mod facilities;

use crate::domain::FieldError;

/// Why a change was refused, in terms the caller can act on.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RefusalCode {
    Validation,
    NotFound,
    InvalidTransition,
    GuardFailed,
    Conflict,
    Forbidden,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub field: Vec<String>,
    pub message: String,
    pub code: RefusalCode,
}

impl Refusal {
    pub fn new(code: RefusalCode, message: impl Into<String>) -> Self {
        Refusal {
            field: Vec::new(),
            message: message.into(),
            code,
        }
    }

    pub fn on(mut self, field: &[&str]) -> Self {
        self.field = field.iter().map(|f| (*f).to_owned()).collect();
        self
    }
}

impl From<FieldError> for Refusal {
    fn from(e: FieldError) -> Self {
        Refusal {
            field: e.field,
            message: e.message,
            code: RefusalCode::Validation,
        }
    }
}

/// A failed service call: refused by a rule (nothing changed), or a fault.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("refused")]
    Refused(Vec<Refusal>),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

impl From<Refusal> for ServiceError {
    fn from(r: Refusal) -> Self {
        ServiceError::Refused(vec![r])
    }
}
