//! Documents a facility requires before a complaint is resolved, by the
//! channel it came through (e.g. the original letter, kind
//! `INCOMING_CORRESPONDENCE`, for a `LETTER` complaint). A guard of its
//! own, checked at resolve beside the lifecycle's: its refusal names what
//! is missing.

use serde::{Deserialize, Serialize};

use super::AttachmentKind;
use crate::Violation;
use crate::complaint::Channel;

/// For complaints that came through `channel`, a document of each of
/// `kinds` must be attached before resolution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRequirement {
    pub channel: Channel,
    pub kinds: Vec<AttachmentKind>,
}

/// What the resolve guard sees: the facility's requirements and the kinds
/// of the complaint's attachments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocumentsOnFile {
    pub required: Vec<DocumentRequirement>,
    pub attached: Vec<AttachmentKind>,
}

/// A facility's requirements as the caller sent them: each channel at most
/// once, each with at least one kind; kinds de-duplicated and sorted,
/// channels sorted (so the stored setting has one spelling).
pub fn validate(
    field: &[&str],
    requirements: &[DocumentRequirement],
) -> Result<Vec<DocumentRequirement>, Violation> {
    let mut out: Vec<DocumentRequirement> = Vec::new();
    for r in requirements {
        if out.iter().any(|o| o.channel == r.channel) {
            return Err(Violation::validation(
                field,
                format!("channel {} is listed twice", r.channel.as_str()),
            ));
        }
        let mut kinds = r.kinds.clone();
        kinds.sort();
        kinds.dedup();
        if kinds.is_empty() {
            return Err(Violation::validation(
                field,
                format!(
                    "channel {} needs at least one document kind (or leave it out)",
                    r.channel.as_str()
                ),
            ));
        }
        out.push(DocumentRequirement {
            channel: r.channel,
            kinds,
        });
    }
    out.sort_by_key(|r| r.channel);
    Ok(out)
}

/// The kinds required for `channel` that no attachment has yet.
pub fn missing(channel: Channel, on_file: &DocumentsOnFile) -> Vec<AttachmentKind> {
    on_file
        .required
        .iter()
        .filter(|r| r.channel == channel)
        .flat_map(|r| r.kinds.iter().copied())
        .filter(|k| !on_file.attached.contains(k))
        .collect()
}

/// Refuses resolution while a required document is missing, naming each.
pub fn check(channel: Channel, on_file: &DocumentsOnFile) -> Result<(), Vec<Violation>> {
    let missing = missing(channel, on_file);
    if missing.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = missing
        .iter()
        .map(|k| format!("{} ({})", k.describe(), k.as_str()))
        .collect();
    Err(vec![Violation::guard(
        &["input", "id"],
        format!(
            "this facility requires these documents on a {} complaint before it is resolved; attach them first: {}",
            channel.as_str(),
            names.join(", ")
        ),
    )])
}
