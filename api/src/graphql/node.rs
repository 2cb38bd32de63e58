//! Relay `Node`: the interface and `node(id:)`. The opaque global ids are
//! `crate::ids`, which every record module uses directly.

use async_graphql::{Context, ID, Interface, Object, Result};
use uuid::Uuid;

use super::accessibility::AccessibilityRequest;
use super::complaint::{Complaint, complaint_by_uuid};
use super::context::ContextExt;
use super::facilities::Facility;
use super::interpreter::InterpreterSession;
use super::letters::Letter;
use super::service_recovery::ServiceRecoveryAction;
use crate::domain::accessibility::AccessibilityRequestState;
use crate::domain::interpreter::InterpreterSessionState;
use crate::domain::permissions::Operation;
use crate::domain::service_recovery::ServiceRecoveryState;
use crate::ids::{NodeKind, decode_id};
use crate::services;
use crate::services::reads::ReadPermission;
use crate::services::stored::Stored;

/// Every major record. `id` is opaque: clients must not parse it.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global id."))]
pub enum Node {
    Facility(Facility),
    Complaint(Complaint),
    ServiceRecoveryAction(ServiceRecoveryAction),
    InterpreterSession(InterpreterSession),
    AccessibilityRequest(AccessibilityRequest),
    Letter(Letter),
}

/// A service-recovery action, interpreter session or accessibility request
/// the caller may see; the read is recorded.
async fn work_by_uuid<R>(ctx: &Context<'_>, uuid: Uuid) -> Result<Option<(Uuid, R)>>
where
    R: Stored + ReadPermission,
{
    Ok(ctx.reader()?.work::<R>(uuid, "node").await?)
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches any record by its global id; null when it does not exist or
    /// is outside your facilities.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        let actor = ctx.actor()?;
        let Some((kind, uuid)) = decode_id(&id) else {
            return Ok(None);
        };
        match kind {
            NodeKind::Facility => {
                ctx.authorize(Operation::ReadFacilities)?;
                let row = services::facilities::by_id(ctx.db()?, &actor.facilities, uuid).await?;
                Ok(row.map(|m| Node::Facility(Facility::from(m))))
            }
            NodeKind::Complaint => {
                ctx.authorize(Operation::ReadComplaints)?;
                Ok(complaint_by_uuid(ctx, uuid, "node")
                    .await?
                    .map(Node::Complaint))
            }
            NodeKind::ServiceRecoveryAction => {
                ctx.authorize(Operation::ReadServiceRecovery)?;
                Ok(work_by_uuid::<ServiceRecoveryState>(ctx, uuid)
                    .await?
                    .map(|r| Node::ServiceRecoveryAction(ServiceRecoveryAction::new(r))))
            }
            NodeKind::InterpreterSession => {
                ctx.authorize(Operation::ReadInterpreterSessions)?;
                Ok(work_by_uuid::<InterpreterSessionState>(ctx, uuid)
                    .await?
                    .map(|r| Node::InterpreterSession(InterpreterSession::new(r))))
            }
            NodeKind::AccessibilityRequest => {
                ctx.authorize(Operation::ReadAccessibilityRequests)?;
                Ok(work_by_uuid::<AccessibilityRequestState>(ctx, uuid)
                    .await?
                    .map(|r| Node::AccessibilityRequest(AccessibilityRequest::new(r))))
            }
            // A letter is read as part of its complaint.
            NodeKind::Letter => {
                ctx.authorize(Operation::ReadComplaints)?;
                Ok(ctx
                    .reader()?
                    .letter(uuid, "node")
                    .await?
                    .map(|r| Node::Letter(Letter::new(r))))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::encode_id;

    #[test]
    fn ids_round_trip_and_garbage_is_none() {
        let uuid = Uuid::now_v7();
        let id = encode_id(NodeKind::Facility, uuid);
        assert_eq!(decode_id(&id), Some((NodeKind::Facility, uuid)));
        for bad in ["", "!!!", "RmFjaWxpdHk", "Q29tcGxhaW50OjEyMw"] {
            assert_eq!(decode_id(bad), None, "{bad}");
        }
    }
}
