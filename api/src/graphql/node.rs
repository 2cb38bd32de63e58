//! Relay `Node`: opaque global ids and `node(id:)`.

use async_graphql::{Context, ID, Interface, Object, Result};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use super::complaints::{Complaint, complaint_by_uuid};
use super::context::ContextExt;
use super::facilities::Facility;
use crate::domain::permissions::Operation;
use crate::services;

/// Every major record. `id` is opaque: clients must not parse it.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global id."))]
pub enum Node {
    Facility(Facility),
    Complaint(Complaint),
}

/// The kinds of record a global id can name.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum NodeKind {
    Facility,
    Complaint,
}

impl NodeKind {
    fn prefix(self) -> &'static str {
        match self {
            NodeKind::Facility => "Facility",
            NodeKind::Complaint => "Complaint",
        }
    }

    fn parse(s: &str) -> Option<NodeKind> {
        match s {
            "Facility" => Some(NodeKind::Facility),
            "Complaint" => Some(NodeKind::Complaint),
            _ => None,
        }
    }
}

pub fn encode_id(kind: NodeKind, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{}", kind.prefix(), id.simple())))
}

/// Decodes a global id; `None` for anything malformed.
pub fn decode_id(id: &str) -> Option<(NodeKind, Uuid)> {
    let raw = URL_SAFE_NO_PAD.decode(id.as_bytes()).ok()?;
    let text = std::str::from_utf8(&raw).ok()?;
    let (kind, uuid) = text.split_once(':')?;
    Some((NodeKind::parse(kind)?, Uuid::try_parse(uuid).ok()?))
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
                let row = services::facilities::by_id(ctx.db()?, &actor.facilities, uuid)
                    .await
                    .map_err(|e| ctx.internal(e))?;
                Ok(row.map(|m| Node::Facility(Facility::from(m))))
            }
            NodeKind::Complaint => {
                ctx.authorize(Operation::ReadComplaints)?;
                Ok(complaint_by_uuid(ctx, uuid, "node")
                    .await?
                    .map(Node::Complaint))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
