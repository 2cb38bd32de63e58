//! `Complaint.attachments`: the documents on a complaint, metadata only.
//! Their bytes are downloaded from `downloadPath` (`GET /attachments/{id}`)
//! with the same token; uploads are `POST /complaints/{id}/attachments`
//! (`http::attachments`).

use async_graphql::{Context, ID, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::common::people::UserRef;
use super::context::ContextExt;
use crate::domain::attachment::AttachmentKind;
use crate::domain::complaint::ComplaintState;
use crate::services::attachments;

/// A document on a complaint: the incoming letter or email, a photo, a
/// signed form, a sent letter. Never edited or deleted.
#[derive(SimpleObject)]
pub struct Attachment {
    pub id: ID,
    pub kind: AttachmentKind,
    /// As the uploader named it.
    pub filename: String,
    /// Detected from the content when it was uploaded.
    pub media_type: String,
    pub size_bytes: i64,
    /// Lower-case hex SHA-256 of the bytes (also on the audit trail).
    pub sha256: String,
    pub uploaded_by: UserRef,
    pub uploaded_at: DateTime<Utc>,
    /// Where the bytes are downloaded with the same token (logged).
    pub download_path: String,
}

impl From<entity::attachment::Model> for Attachment {
    fn from(m: entity::attachment::Model) -> Self {
        Attachment {
            id: ID(m.id.to_string()),
            kind: AttachmentKind::parse(&m.kind).unwrap_or(AttachmentKind::Other),
            download_path: format!("/attachments/{}", m.id),
            filename: m.filename,
            media_type: m.media_type,
            size_bytes: m.size_bytes,
            sha256: m.sha256,
            uploaded_by: UserRef {
                subject: m.uploaded_by_subject,
                name: m.uploaded_by_name,
            },
            uploaded_at: m.uploaded_at,
        }
    }
}

/// The complaint's attachments, oldest first, read as part of it (logged
/// as a read of the complaint); up to `as_of` for a rebuilt past state.
pub async fn of_complaint(
    ctx: &Context<'_>,
    complaint_id: Uuid,
    state: &ComplaintState,
    as_of: Option<DateTime<Utc>>,
) -> Result<Vec<Attachment>> {
    let rows = attachments::of_complaint(ctx.db()?, complaint_id).await?;
    let rows = ctx
        .reader()?
        .of_complaint(complaint_id, state, rows, "Complaint.attachments")
        .await?;
    Ok(rows
        .into_iter()
        .filter(|a| as_of.is_none_or(|at| a.uploaded_at <= at))
        .map(Attachment::from)
        .collect())
}
