//! Letters' input objects.

use async_graphql::{ID, InputObject};
use chrono::{DateTime, NaiveDate, Utc};

use super::types::{LetterDeliveryStatus, LetterFormat, LetterKind, LetterSendMethod};
use crate::domain::letter::ContentInput;

/// The hospital contact person the letter names (A-0123 requires one on a
/// RESOLUTION letter).
#[derive(InputObject, Default)]
pub struct LetterContactInput {
    pub name: String,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// What the writer puts into the letter; the rest comes from the
/// complaint and the facility.
#[derive(InputObject, Default)]
pub struct LetterContentInput {
    pub contact: Option<LetterContactInput>,
    /// PROGRESS_NOTICE, EXTENSION: by when the written response comes.
    pub response_by: Option<NaiveDate>,
    /// EXTENSION: why more time is needed.
    pub extension_reason: Option<String>,
    /// RESOLUTION: the steps taken to investigate.
    pub investigation_steps: Option<String>,
    /// RESOLUTION: the results of the grievance process.
    pub results: Option<String>,
    /// RESOLUTION: the date of completion.
    pub completed_on: Option<NaiveDate>,
    /// RESOLUTION: tell a Medicare beneficiary of their right to refer a
    /// quality-of-care or premature-discharge grievance to the QIO (A-0120).
    #[graphql(default)]
    pub qio_notice: bool,
    /// OTHER: the body; any other kind: a paragraph after the template's.
    pub body: Option<String>,
    /// The whole letter, written in its language, when no template exists
    /// in that language (`languageGap`).
    pub text: Option<String>,
}

impl LetterContentInput {
    pub fn to_domain(&self) -> ContentInput {
        let contact = self.contact.as_ref();
        ContentInput {
            contact_name: contact.map(|c| c.name.clone()),
            contact_title: contact.and_then(|c| c.title.clone()),
            contact_phone: contact.and_then(|c| c.phone.clone()),
            contact_email: contact.and_then(|c| c.email.clone()),
            response_by: self.response_by,
            extension_reason: self.extension_reason.clone(),
            investigation_steps: self.investigation_steps.clone(),
            results: self.results.clone(),
            completed_on: self.completed_on,
            qio_notice: self.qio_notice,
            body: self.body.clone(),
            text: self.text.clone(),
        }
    }
}

#[derive(InputObject)]
pub struct LetterDraftInput {
    pub complaint_id: ID,
    pub kind: LetterKind,
    /// BCP 47 tag; omit for the complainant's preferred language. Another
    /// language needs `languageReason`.
    pub language: Option<String>,
    pub language_reason: Option<String>,
    /// Omit for LARGE_PRINT when the complainant's communication needs ask
    /// for large print, STANDARD otherwise.
    pub format: Option<LetterFormat>,
    /// A sent letter of the same kind this one corrects; it is superseded
    /// when this one is sent.
    pub supersedes: Option<ID>,
    #[graphql(default)]
    pub content: LetterContentInput,
    pub idempotency_key: Option<String>,
}

/// Replaces a draft's content (and, optionally, its language or format);
/// an approved letter goes back to DRAFT.
#[derive(InputObject)]
pub struct LetterUpdateInput {
    pub id: ID,
    pub expected_version: i32,
    pub language: Option<String>,
    pub language_reason: Option<String>,
    pub format: Option<LetterFormat>,
    pub content: LetterContentInput,
}

#[derive(InputObject)]
pub struct LetterApproveInput {
    pub id: ID,
    pub expected_version: i32,
}

#[derive(InputObject)]
pub struct LetterMarkSentInput {
    pub id: ID,
    pub expected_version: i32,
    pub method: LetterSendMethod,
    /// When it went out; now when omitted.
    pub sent_at: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct LetterRecordDeliveryInput {
    pub id: ID,
    pub expected_version: i32,
    /// DELIVERED, RETURNED or FAILED.
    pub outcome: LetterDeliveryStatus,
    pub note: Option<String>,
}
