//! What the complaint mutations return: the record, or `userErrors`.

use async_graphql::{Result, SimpleObject};

use super::types::{Complaint, ComplaintContact, ComplaintNote};
use crate::graphql::common::{Payload, UserError, payload};
use crate::services::ServiceError;
use crate::services::complaints::Record;

#[derive(SimpleObject)]
pub struct ComplaintCreatePayload {
    pub complaint: Option<Complaint>,
    /// True when `idempotencyKey` matched an earlier create: nothing new
    /// was written.
    pub replayed: bool,
    pub user_errors: Vec<UserError>,
}

/// The result of a change to a complaint.
#[derive(SimpleObject)]
pub struct ComplaintPayload {
    /// The complaint after the change; null when refused.
    pub complaint: Option<Complaint>,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct ComplaintAddNotePayload {
    pub note: Option<ComplaintNote>,
    /// True when `idempotencyKey` matched an earlier note: nothing new was
    /// written.
    pub replayed: bool,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct ComplaintLogContactPayload {
    pub contact: Option<ComplaintContact>,
    /// True when `idempotencyKey` matched an earlier contact: nothing new
    /// was written.
    pub replayed: bool,
    pub user_errors: Vec<UserError>,
}

impl Payload for ComplaintCreatePayload {
    fn refused(user_errors: Vec<UserError>) -> Self {
        ComplaintCreatePayload {
            complaint: None,
            replayed: false,
            user_errors,
        }
    }
}

impl Payload for ComplaintPayload {
    fn refused(user_errors: Vec<UserError>) -> Self {
        ComplaintPayload {
            complaint: None,
            user_errors,
        }
    }
}

impl Payload for ComplaintAddNotePayload {
    fn refused(user_errors: Vec<UserError>) -> Self {
        ComplaintAddNotePayload {
            note: None,
            replayed: false,
            user_errors,
        }
    }
}

impl Payload for ComplaintLogContactPayload {
    fn refused(user_errors: Vec<UserError>) -> Self {
        ComplaintLogContactPayload {
            contact: None,
            replayed: false,
            user_errors,
        }
    }
}

/// The payload of a change to a complaint, logged by its audit action.
pub(super) fn changed(
    action: &str,
    result: Result<Record, ServiceError>,
) -> Result<ComplaintPayload> {
    payload(result, |record| {
        tracing::info!(
            complaint_id = %record.id,
            version = record.state.version,
            action,
            "complaint changed"
        );
        ComplaintPayload {
            complaint: Some(Complaint::new(record)),
            user_errors: Vec::new(),
        }
    })
}
