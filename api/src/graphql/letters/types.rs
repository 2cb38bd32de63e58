//! The letter, its parts and its enums.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::domain::command::letter as command;
use crate::domain::letter::LetterState;
pub use crate::domain::letter::{
    Delivery as LetterDeliveryStatus, LetterAction, LetterFormat, LetterKind, LetterStatus,
    SendMethod as LetterSendMethod,
};
use crate::graphql::common::UserRef;
use crate::graphql::context::ContextExt;
use crate::ids::{NodeKind, encode_id};
use crate::services::letters::{LetterRecord, compose};

/// The hospital contact person a letter names (A-0123).
#[derive(SimpleObject)]
pub struct LetterContact {
    pub name: String,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// How and when a letter went out, and the proof of what was sent.
#[derive(SimpleObject)]
pub struct LetterSending {
    pub by: UserRef,
    /// When it went out.
    pub sent_at: DateTime<Utc>,
    /// When that was recorded.
    pub recorded_at: DateTime<Utc>,
    pub method: LetterSendMethod,
    /// The media type of the stored rendition whose hash this is.
    pub media_type: String,
    /// SHA-256 (hex) of the bytes sent, as on the audit trail.
    pub sha256: String,
    pub bytes: u64,
    /// The Message-ID the mail relay accepted the letter under, when the
    /// server emailed it (EMAIL with SMTP configured).
    pub relay_message_id: Option<String>,
}

/// What became of a sent letter, as recorded.
#[derive(SimpleObject)]
pub struct LetterDeliveryRecord {
    pub outcome: LetterDeliveryStatus,
    pub by: UserRef,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

/// Who approved a letter, and when.
#[derive(SimpleObject)]
pub struct LetterApproval {
    pub by: UserRef,
    pub at: DateTime<Utc>,
}

/// A letter to the complainant: drafted from the complaint, approved where
/// the facility requires it, sent, then delivered, returned or failed. A
/// sent letter is never edited; a correction supersedes it.
#[derive(Clone, Debug)]
pub struct Letter {
    pub uuid: Uuid,
    pub state: Arc<LetterState>,
}

impl Letter {
    pub fn new(r: LetterRecord) -> Self {
        Letter {
            uuid: r.id,
            state: Arc::new(r.state),
        }
    }
}

#[Object]
impl Letter {
    pub async fn id(&self) -> ID {
        encode_id(NodeKind::Letter, self.uuid)
    }
    /// Send it back as `expectedVersion` to change the letter.
    async fn version(&self) -> i32 {
        self.state.version
    }
    async fn complaint_id(&self) -> ID {
        encode_id(NodeKind::Complaint, self.state.complaint_id)
    }
    async fn complaint_reference(&self) -> &str {
        &self.state.complaint_reference
    }
    async fn facility_code(&self) -> &str {
        &self.state.facility_code
    }
    async fn kind(&self) -> LetterKind {
        self.state.kind
    }
    async fn status(&self) -> LetterStatus {
        self.state.status
    }
    /// Null until sent.
    async fn delivery(&self) -> Option<LetterDeliveryStatus> {
        self.state.delivery
    }
    /// BCP 47 tag of the letter's language.
    async fn language(&self) -> &str {
        &self.state.language
    }
    /// Why it is not in the complainant's preferred language.
    async fn language_reason(&self) -> Option<&str> {
        self.state.language_reason.as_deref()
    }
    /// No template exists in the letter's language: it is sent only once
    /// its text is given in that language (`letterUpdate` with `text`) or
    /// its language is changed with a reason.
    async fn language_gap(&self) -> bool {
        self.state.composition.language_gap
    }
    /// The language gap is still open: the letter cannot be sent yet.
    async fn needs_translation(&self) -> bool {
        self.state.composition.language_gap && self.state.content.text.is_none()
    }
    /// Why the template cannot write the letter yet (a fact its kind needs
    /// is missing); null when it can.
    async fn composition_problem(&self) -> Option<&str> {
        self.state.composition.problem.as_deref()
    }
    async fn format(&self) -> LetterFormat {
        self.state.format
    }
    async fn contact(&self) -> Option<LetterContact> {
        self.state.content.contact.as_ref().map(|c| LetterContact {
            name: c.name.clone(),
            title: c.title.clone(),
            phone: c.phone.clone(),
            email: c.email.clone(),
        })
    }
    async fn response_by(&self) -> Option<NaiveDate> {
        self.state.content.response_by
    }
    async fn extension_reason(&self) -> Option<&str> {
        self.state.content.extension_reason.as_deref()
    }
    async fn investigation_steps(&self) -> Option<&str> {
        self.state.content.investigation_steps.as_deref()
    }
    async fn results(&self) -> Option<&str> {
        self.state.content.results.as_deref()
    }
    async fn completed_on(&self) -> Option<NaiveDate> {
        self.state.content.completed_on
    }
    /// It tells of the right to refer the grievance to the QIO (A-0120).
    async fn qio_notice(&self) -> bool {
        self.state.content.qio_notice
    }
    async fn body(&self) -> Option<&str> {
        self.state.content.body.as_deref()
    }
    /// The plain-text rendering: once sent, the bytes that were sent;
    /// before, the letter as it would go out now. Null while a language
    /// gap leaves it without text.
    async fn text(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        if self.state.sent.is_some() {
            return Ok(ctx.reader()?.sent_text(self.uuid).await?);
        }
        Ok(compose::document(&self.state.composition)
            .map(|d| redress_correspondence::render_text(&d)))
    }
    /// Where to download the letter as a PDF (tagged PDF/UA, fonts
    /// embedded), with the same bearer token: the bytes stored when it was
    /// sent, or the draft as it stands. The download is recorded in the
    /// complaint's access log.
    async fn pdf_path(&self) -> String {
        format!("/letters/{}/pdf", &*encode_id(NodeKind::Letter, self.uuid))
    }
    /// The sent letter this one corrects.
    async fn supersedes(&self) -> Option<ID> {
        self.state
            .supersedes
            .map(|id| encode_id(NodeKind::Letter, id))
    }
    /// The sent correction that replaced this one.
    async fn superseded_by(&self) -> Option<ID> {
        self.state
            .superseded_by
            .map(|id| encode_id(NodeKind::Letter, id))
    }
    async fn drafted_by(&self) -> UserRef {
        (&self.state.drafted.by).into()
    }
    async fn drafted_at(&self) -> DateTime<Utc> {
        self.state.drafted.at
    }
    async fn approval(&self) -> Option<LetterApproval> {
        self.state.approved.as_ref().map(|a| LetterApproval {
            by: (&a.by).into(),
            at: a.at,
        })
    }
    async fn sending(&self) -> Option<LetterSending> {
        self.state.sent.as_ref().map(|s| LetterSending {
            by: (&s.by).into(),
            sent_at: s.sent_at,
            recorded_at: s.recorded_at,
            method: s.method,
            media_type: s.media_type.clone(),
            sha256: s.sha256.clone(),
            bytes: s.bytes,
            relay_message_id: s.relay_message_id.clone(),
        })
    }
    async fn delivery_record(&self) -> Option<LetterDeliveryRecord> {
        self.state
            .delivery_record
            .as_ref()
            .map(|d| LetterDeliveryRecord {
                outcome: d.outcome,
                by: (&d.by).into(),
                at: d.at,
                note: d.note.clone(),
            })
    }
    /// What you may do to it now: its status, the facility's approval
    /// rule and your roles allow these.
    async fn allowed_actions(&self, ctx: &Context<'_>) -> Result<Vec<LetterAction>> {
        let actor = ctx.actor()?;
        let required = ctx
            .reader()?
            .approval_required(self.state.facility_id)
            .await?;
        Ok(command::allowed_actions(&self.state, actor, required))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.state.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.state.updated_at
    }
}
