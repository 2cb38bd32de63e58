//! Attachments: documents on a complaint — the incoming letter or email,
//! photos, signed forms, sent letters. The bytes are kept by the services
//! under their SHA-256; the domain holds what they are, who added them and
//! when, and which documents a facility requires before resolution
//! ([`required`]). Attachments are never edited or deleted.

pub mod required;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::Violation;
use crate::actor::UserRef;
use crate::complaint::spelled_enum;
use crate::text::{Name, TextKind};

spelled_enum! {
    /// What a document on a complaint is.
    pub enum AttachmentKind {
        /// The complaint as it arrived: the letter, email or form.
        IncomingCorrespondence = "INCOMING_CORRESPONDENCE",
        Photo = "PHOTO",
        /// A signed form (consent, authorisation of a representative).
        SignedForm = "SIGNED_FORM",
        /// A letter the hospital sent.
        SentLetter = "SENT_LETTER",
        Other = "OTHER",
    }
}

impl AttachmentKind {
    /// The kind in words, for refusals.
    pub fn describe(self) -> &'static str {
        match self {
            AttachmentKind::IncomingCorrespondence => {
                "the incoming correspondence (the original letter or email)"
            }
            AttachmentKind::Photo => "a photo",
            AttachmentKind::SignedForm => "a signed form",
            AttachmentKind::SentLetter => "a copy of the letter sent",
            AttachmentKind::Other => "a document of kind OTHER",
        }
    }
}

/// An attachment as stored, with what makes it visible: its complaint's
/// facility and creator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentState {
    pub complaint_id: Uuid,
    pub facility_code: String,
    pub complaint_created_by: String,
    pub kind: AttachmentKind,
    pub filename: String,
    /// Detected from the content by the services, never the client's word.
    pub media_type: String,
    pub size_bytes: i64,
    /// Lower-case hex SHA-256 of the bytes.
    pub sha256: String,
    pub uploaded_by: UserRef,
    pub uploaded_at: DateTime<Utc>,
}

impl AttachmentState {
    /// The attachment as its creation event records it, hash included:
    /// what was attached can be proven later (`redress verify` replays it).
    pub fn document(&self) -> Value {
        attachment_document(
            self.kind.as_str(),
            &self.filename,
            &self.media_type,
            self.size_bytes,
            &self.sha256,
        )
    }
}

/// The audit document of an attachment.
pub fn attachment_document(
    kind: &str,
    filename: &str,
    media_type: &str,
    size_bytes: i64,
    sha256: &str,
) -> Value {
    json!({
        "kind": kind,
        "filename": filename,
        "mediaType": media_type,
        "sizeBytes": size_bytes,
        "sha256": sha256,
    })
}

/// A file name as the uploader gave it: one line of at most 200
/// characters, no control characters, and a name rather than a path.
pub fn filename(field: &[&str], value: &str) -> Result<String, Violation> {
    let name = Name::parse_named(field, value, "the file name")?.into_string();
    if name.contains(['/', '\\']) {
        return Err(Violation::validation(
            field,
            "the file name must be a name, not a path (no / or \\)",
        ));
    }
    Ok(name)
}

/// Whether a text is a lower-case hex SHA-256.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
