//! Opaque global ids (Relay `Node`): the record's kind and its UUID,
//! base64url-encoded. Clients must not parse them; the server names records
//! by them in messages too.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

/// The kinds of record a global id can name.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum NodeKind {
    Facility,
    Complaint,
    ServiceRecoveryAction,
    InterpreterSession,
    AccessibilityRequest,
    Letter,
}

impl NodeKind {
    fn prefix(self) -> &'static str {
        match self {
            NodeKind::Facility => "Facility",
            NodeKind::Complaint => "Complaint",
            NodeKind::ServiceRecoveryAction => "ServiceRecoveryAction",
            NodeKind::InterpreterSession => "InterpreterSession",
            NodeKind::AccessibilityRequest => "AccessibilityRequest",
            NodeKind::Letter => "Letter",
        }
    }

    fn parse(s: &str) -> Option<NodeKind> {
        match s {
            "Facility" => Some(NodeKind::Facility),
            "Complaint" => Some(NodeKind::Complaint),
            "ServiceRecoveryAction" => Some(NodeKind::ServiceRecoveryAction),
            "InterpreterSession" => Some(NodeKind::InterpreterSession),
            "AccessibilityRequest" => Some(NodeKind::AccessibilityRequest),
            "Letter" => Some(NodeKind::Letter),
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
