//! What the complaint mutations return: the record, or `userErrors`.

use async_graphql::{Context, Result, SimpleObject};

use super::types::{Complaint, ComplaintContact, ComplaintNote};
use crate::graphql::common::{UserError, user_errors};
use crate::graphql::context::ContextExt;
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
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct ComplaintLogContactPayload {
    pub contact: Option<ComplaintContact>,
    pub user_errors: Vec<UserError>,
}

pub(super) fn payload(
    ctx: &Context<'_>,
    action: &str,
    result: Result<Record, ServiceError>,
) -> Result<ComplaintPayload> {
    match result {
        Ok(record) => {
            tracing::info!(
                complaint_id = %record.id,
                version = record.state.version,
                action,
                "complaint changed"
            );
            Ok(ComplaintPayload {
                complaint: Some(Complaint::new(record)),
                user_errors: Vec::new(),
            })
        }
        Err(ServiceError::Refused(refusals)) => Ok(ComplaintPayload {
            complaint: None,
            user_errors: user_errors(refusals),
        }),
        Err(ServiceError::Db(e)) => Err(ctx.internal(e)),
    }
}
