//! `AddAttachment`: a document added to a complaint (the upload endpoint
//! builds it once the bytes are stored and their type detected). Its
//! setting is the complaint, found in the caller's scope; it is visible
//! with its complaint and never edited or deleted.

use uuid::Uuid;

use super::notes::ComplaintOf;
use super::{AuditAction, Context, CreateCommand};
use crate::Violation;
use crate::attachment::{self as da, AttachmentKind, AttachmentState};
use crate::permissions::Operation;

/// The largest attachment the domain accepts, whatever the server's limit
/// (a sanity bound on the stored size).
pub const MAX_SIZE_BYTES: i64 = 1 << 40;

#[derive(Clone, Debug)]
pub struct AddAttachment {
    pub complaint_id: Uuid,
    pub kind: AttachmentKind,
    pub filename: String,
    /// Detected from the content.
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
}

impl AddAttachment {
    fn checked(&self) -> Result<String, Vec<Violation>> {
        let mut errors = Vec::new();
        let name = da::filename(&["filename"], &self.filename).map_err(|v| errors.push(v));
        if !da::is_sha256_hex(&self.sha256) {
            errors.push(Violation::validation(
                &["sha256"],
                "must be a lower-case hex SHA-256",
            ));
        }
        if !(1..=MAX_SIZE_BYTES).contains(&self.size_bytes) {
            errors.push(Violation::validation(
                &["body"],
                "an attachment must hold at least one byte",
            ));
        }
        if self.media_type.trim().is_empty() {
            errors.push(Violation::validation(&["body"], "no media type detected"));
        }
        match name {
            Ok(name) if errors.is_empty() => Ok(name),
            _ => Err(errors),
        }
    }
}

impl CreateCommand for AddAttachment {
    type State = AttachmentState;
    type Setting = ComplaintOf;

    fn operation(&self) -> Operation {
        Operation::AddAttachment
    }

    fn audit_action(&self) -> AuditAction {
        AuditAction::AttachmentAdd
    }

    fn check(&self) -> Result<(), Vec<Violation>> {
        self.checked().map(drop)
    }

    fn handle(
        self,
        setting: &ComplaintOf,
        cx: &Context<'_>,
    ) -> Result<AttachmentState, Vec<Violation>> {
        let filename = self.checked()?;
        Ok(AttachmentState {
            complaint_id: setting.complaint_id,
            facility_code: setting.facility_code.clone(),
            complaint_created_by: setting.created_by.clone(),
            kind: self.kind,
            filename,
            media_type: self.media_type,
            size_bytes: self.size_bytes,
            sha256: self.sha256,
            uploaded_by: cx.by.clone(),
            uploaded_at: cx.now,
        })
    }
}
