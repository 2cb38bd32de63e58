//! Services apply the domain rules to the database, one transaction per
//! business action. They take `&impl ConnectionTrait` where they only read.

pub mod access_log;
pub mod accessibility;
pub mod attachments;
pub mod audit;
mod audit_head;
pub mod change;
pub mod checkpoints;
pub mod complaints;
pub mod create;
pub mod facilities;
pub mod facility_lookup;
pub mod idempotency;
pub mod interpreter;
pub mod letters;
pub mod links;
pub mod policies;
pub mod progress_notice;
pub mod reads;
pub mod reports;
pub mod scope;
pub mod service_recovery;
pub mod stored;

use crate::domain::actor::Actor;
use crate::domain::{FieldError, Violation, ViolationKind};

/// Who is acting, for attribution: the verified actor and the request id
/// every audit event and access-log entry carries.
#[derive(Copy, Clone, Debug)]
pub struct Caller<'a> {
    pub actor: &'a Actor,
    pub request_id: &'a str,
}

impl Caller<'_> {
    /// The actor's roles as stored: space-separated claim spellings.
    pub fn roles(&self) -> String {
        self.actor
            .roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

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

impl From<Violation> for Refusal {
    fn from(v: Violation) -> Self {
        Refusal {
            field: v.field,
            message: v.message,
            code: match v.kind {
                ViolationKind::Validation => RefusalCode::Validation,
                ViolationKind::InvalidTransition => RefusalCode::InvalidTransition,
                ViolationKind::GuardFailed => RefusalCode::GuardFailed,
            },
        }
    }
}

/// Turns the domain's violations into refusals.
pub fn refused(violations: Vec<Violation>) -> ServiceError {
    ServiceError::Refused(violations.into_iter().map(Refusal::from).collect())
}

/// Commits on success, rolls back on any refusal or fault: a failed
/// change writes nothing, audit event included.
pub async fn finish<T>(
    txn: sea_orm::DatabaseTransaction,
    outcome: Result<T, ServiceError>,
) -> Result<T, ServiceError> {
    match outcome {
        Ok(value) => {
            txn.commit().await?;
            Ok(value)
        }
        Err(e) => {
            txn.rollback().await?;
            Err(e)
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
