//! The audit trail's integrity rules: the canonical encoding of an event,
//! the SHA-256 chain over it, verification that names the first broken
//! link, and the field-level diffs that let a complaint be rebuilt from its
//! events.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The `previous_hash` of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Everything an event's hash covers, in a fixed order.
#[derive(Clone, Debug)]
pub struct EventContent<'a> {
    pub sequence: i64,
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub actor_subject: &'a str,
    pub actor_name: &'a str,
    pub actor_roles: &'a str,
    pub request_id: &'a str,
    pub action: &'a str,
    pub record_type: &'a str,
    pub record_id: Uuid,
    pub complaint_id: Option<Uuid>,
    pub facility_code: Option<&'a str>,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
    pub reason: Option<&'a str>,
}

/// The canonical encoding: one `name=<byte length>:<value>` line per field
/// in a fixed order, `name=-` for an absent one. Lengths make it
/// unambiguous whatever the values hold; times are RFC 3339 in UTC with
/// microseconds, ids are hyphenated lower-case UUIDs.
pub fn canonical(e: &EventContent<'_>) -> Vec<u8> {
    fn field(out: &mut Vec<u8>, name: &str, value: Option<&str>) {
        out.extend_from_slice(name.as_bytes());
        out.push(b'=');
        match value {
            Some(v) => {
                out.extend_from_slice(v.len().to_string().as_bytes());
                out.push(b':');
                out.extend_from_slice(v.as_bytes());
            }
            None => out.push(b'-'),
        }
        out.push(b'\n');
    }
    let mut out = Vec::with_capacity(512);
    field(&mut out, "v", Some("1"));
    field(&mut out, "sequence", Some(&e.sequence.to_string()));
    field(&mut out, "id", Some(&e.id.hyphenated().to_string()));
    field(
        &mut out,
        "occurred_at",
        Some(&e.occurred_at.to_rfc3339_opts(SecondsFormat::Micros, true)),
    );
    field(&mut out, "actor_subject", Some(e.actor_subject));
    field(&mut out, "actor_name", Some(e.actor_name));
    field(&mut out, "actor_roles", Some(e.actor_roles));
    field(&mut out, "request_id", Some(e.request_id));
    field(&mut out, "action", Some(e.action));
    field(&mut out, "record_type", Some(e.record_type));
    field(
        &mut out,
        "record_id",
        Some(&e.record_id.hyphenated().to_string()),
    );
    field(
        &mut out,
        "complaint_id",
        e.complaint_id
            .map(|c| c.hyphenated().to_string())
            .as_deref(),
    );
    field(&mut out, "facility_code", e.facility_code);
    field(&mut out, "before", e.before);
    field(&mut out, "after", e.after);
    field(&mut out, "reason", e.reason);
    out
}

/// SHA-256 over the previous event's hash and this event's encoding, hex.
pub fn chain_hash(previous_hash: &str, e: &EventContent<'_>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(previous_hash.as_bytes());
    hasher.update(b"\n");
    hasher.update(canonical(e));
    hex::encode(hasher.finalize())
}

/// What is wrong with a link: where the chain breaks.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::Enum),
    graphql(name = "AuditLinkProblem")
)]
pub enum LinkProblem {
    /// The event's content no longer matches its hash: it was edited.
    ContentAltered,
    /// The event does not point at the hash of the one before it.
    PreviousHashMismatch,
    /// Events are missing before this one (a sequence gap): deleted.
    MissingEvents,
}

/// A stored event as verification sees it.
pub struct StoredLink<'a> {
    pub content: EventContent<'a>,
    pub previous_hash: &'a str,
    pub hash: &'a str,
}

/// Verifies one link against the one before it (`None` for the first
/// event of the trail).
pub fn check_link(previous: Option<(i64, &str)>, link: &StoredLink<'_>) -> Option<LinkProblem> {
    let (expected_sequence, expected_previous) = match previous {
        Some((sequence, hash)) => (sequence + 1, hash),
        None => (1, GENESIS_HASH),
    };
    if link.content.sequence != expected_sequence {
        return Some(LinkProblem::MissingEvents);
    }
    if link.previous_hash != expected_previous {
        return Some(LinkProblem::PreviousHashMismatch);
    }
    if chain_hash(link.previous_hash, &link.content) != link.hash {
        return Some(LinkProblem::ContentAltered);
    }
    None
}

/// The top-level fields whose values differ: (before, after) maps holding
/// just those fields. Non-object values are compared whole.
pub fn diff(before: &Value, after: &Value) -> (Map<String, Value>, Map<String, Value>) {
    let mut old = Map::new();
    let mut new = Map::new();
    let empty = Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    for (key, value) in a {
        match b.get(key) {
            Some(previous) if previous == value => {}
            Some(previous) => {
                old.insert(key.clone(), previous.clone());
                new.insert(key.clone(), value.clone());
            }
            None => {
                old.insert(key.clone(), Value::Null);
                new.insert(key.clone(), value.clone());
            }
        }
    }
    for (key, previous) in b {
        if !a.contains_key(key) {
            old.insert(key.clone(), previous.clone());
            new.insert(key.clone(), Value::Null);
        }
    }
    (old, new)
}

/// Applies an event's `after` fields to a rebuilt document.
pub fn apply(document: &mut Map<String, Value>, after: &Map<String, Value>) {
    for (key, value) in after {
        document.insert(key.clone(), value.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn content(sequence: i64, after: Option<&str>) -> EventContent<'_> {
        EventContent {
            sequence,
            id: Uuid::from_u128(sequence as u128),
            occurred_at: DateTime::<Utc>::from_timestamp(1_800_000_000, 123_456_000)
                .unwrap_or_default(),
            actor_subject: "pr-1",
            actor_name: "Pat",
            actor_roles: "PATIENT_RELATIONS",
            request_id: "req-1",
            action: "COMPLAINT_CREATE",
            record_type: "Complaint",
            record_id: Uuid::from_u128(7),
            complaint_id: Some(Uuid::from_u128(7)),
            facility_code: Some("MAIN"),
            before: None,
            after,
            reason: None,
        }
    }

    #[test]
    fn encoding_is_unambiguous() {
        // Moving text between adjacent fields changes the encoding.
        let mut a = content(1, Some("ab"));
        a.reason = Some("c");
        let mut b = content(1, Some("a"));
        b.reason = Some("bc");
        assert_ne!(canonical(&a), canonical(&b));
        // Absent and empty differ.
        let mut c = content(1, None);
        c.reason = Some("");
        assert_ne!(canonical(&c), canonical(&content(1, None)));
    }

    #[test]
    fn chain_verifies_and_names_each_kind_of_break() {
        let e1 = content(1, Some("{\"a\":1}"));
        let h1 = chain_hash(GENESIS_HASH, &e1);
        let e2 = content(2, Some("{\"a\":2}"));
        let h2 = chain_hash(&h1, &e2);
        let link1 = StoredLink {
            content: e1.clone(),
            previous_hash: GENESIS_HASH,
            hash: &h1,
        };
        let link2 = StoredLink {
            content: e2.clone(),
            previous_hash: &h1,
            hash: &h2,
        };
        assert_eq!(check_link(None, &link1), None);
        assert_eq!(check_link(Some((1, &h1)), &link2), None);

        // Edited content.
        let edited = StoredLink {
            content: content(2, Some("{\"a\":3}")),
            previous_hash: &h1,
            hash: &h2,
        };
        assert_eq!(
            check_link(Some((1, &h1)), &edited),
            Some(LinkProblem::ContentAltered)
        );
        // Re-hashed after an edit: the next link's pointer no longer matches.
        let forged = chain_hash(GENESIS_HASH, &content(1, Some("{\"a\":9}")));
        assert_eq!(
            check_link(Some((1, &forged)), &link2),
            Some(LinkProblem::PreviousHashMismatch)
        );
        // Deleted predecessor.
        assert_eq!(check_link(None, &link2), Some(LinkProblem::MissingEvents));
    }

    #[test]
    fn diff_then_apply_rebuilds() {
        let v1 = json!({"status": "RECEIVED", "owner": null, "issues": [1]});
        let v2 = json!({"status": "INVESTIGATING", "owner": {"subject": "x"}, "issues": [1]});
        let (old, new) = diff(&v1, &v2);
        assert_eq!(
            Value::Object(old),
            json!({"status": "RECEIVED", "owner": null})
        );
        assert_eq!(
            Value::Object(new.clone()),
            json!({"status": "INVESTIGATING", "owner": {"subject": "x"}})
        );
        let mut doc = v1.as_object().cloned().unwrap_or_default();
        apply(&mut doc, &new);
        assert_eq!(Value::Object(doc), v2);
    }
}
