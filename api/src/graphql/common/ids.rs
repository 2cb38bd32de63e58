//! Global ids in inputs: the UUID behind an id of the expected kind.

use async_graphql::ID;
use uuid::Uuid;

use crate::graphql::node::{NodeKind, decode_id};
use crate::services::{Refusal, RefusalCode, ServiceError};

/// The UUID behind a global id of the expected kind; anything else is
/// "not found" on `field`.
pub fn uuid_of(id: &ID, kind: NodeKind, noun: &str, field: &str) -> Result<Uuid, ServiceError> {
    match decode_id(id) {
        Some((k, uuid)) if k == kind => Ok(uuid),
        _ => Err(
            Refusal::new(RefusalCode::NotFound, format!("{noun} not found"))
                .on(&["input", field])
                .into(),
        ),
    }
}

/// Like `uuid_of`, for an optional link.
pub fn optional_uuid_of(
    id: Option<&ID>,
    kind: NodeKind,
    noun: &str,
    field: &str,
) -> Result<Option<Uuid>, ServiceError> {
    id.map(|id| uuid_of(id, kind, noun, field)).transpose()
}

/// A complaint id in a list filter; a malformed or foreign id matches
/// nothing.
pub fn complaint_filter(id: Option<&ID>) -> Option<Uuid> {
    id.map(|id| uuid_of(id, NodeKind::Complaint, "complaint", "complaintId").unwrap_or(Uuid::nil()))
}
