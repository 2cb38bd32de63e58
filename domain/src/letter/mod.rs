//! Letters on a complaint (`domain.md`, "The written response"): records
//! of their own, drafted from the complaint, approved where the facility
//! requires it, sent, and then delivered, returned or failed. A sent letter
//! is never edited: a correction is a new letter that supersedes it.
//!
//! `LetterKind` is defined here rather than taken from the correspondence
//! crate: the domain holds no rendering code (its crate has no renderer as
//! a dependency), and the API's enum is this one; the services map it to
//! the correspondence crate's kind when they compose a letter.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::actor::UserRef;
use crate::spelled::spelled_enum;
use crate::work::{Machine, Stamp};

mod content;
mod send;

pub use content::*;
pub use send::*;

spelled_enum! {
    /// What a letter is for.
    pub enum LetterKind {
        /// We received your complaint (A-0122).
        Acknowledgement = "ACKNOWLEDGEMENT",
        /// Still being worked on, and by when the written response comes.
        ProgressNotice = "PROGRESS_NOTICE",
        /// The response will take longer, with the reason.
        Extension = "EXTENSION",
        /// The written response of A-0123 (with A-0120's QIO notice where owed).
        Resolution = "RESOLUTION",
        /// Anything else, written by hand.
        Other = "OTHER",
    }
}

spelled_enum! {
    /// Where a letter is before and after it goes out.
    pub enum LetterStatus {
        /// Being written; may change.
        Draft = "DRAFT",
        /// Approved by a manager (where the facility requires it); a change
        /// takes it back to DRAFT.
        Approved = "APPROVED",
        /// Sent; never edited again.
        Sent = "SENT",
        /// Sent, then replaced by a correction that was sent.
        Superseded = "SUPERSEDED",
    }
}

spelled_enum! {
    /// What became of a sent letter.
    #[cfg_attr(feature = "graphql", graphql(name = "LetterDeliveryStatus"))]
    pub enum Delivery {
        /// On its way; no outcome recorded yet.
        Sent = "SENT",
        Delivered = "DELIVERED",
        /// Came back (wrong address, refused).
        Returned = "RETURNED",
        /// Could not be delivered (email bounced, fax failed).
        Failed = "FAILED",
    }
}

spelled_enum! {
    /// How a letter went out.
    #[cfg_attr(feature = "graphql", graphql(name = "LetterSendMethod"))]
    pub enum SendMethod {
        Mail = "MAIL",
        Email = "EMAIL",
        Portal = "PORTAL",
        Fax = "FAX",
        HandDelivered = "HAND_DELIVERED",
    }
}

spelled_enum! {
    /// The layout a letter is printed in.
    pub enum LetterFormat {
        Standard = "STANDARD",
        /// For a complainant who asked for large print.
        LargePrint = "LARGE_PRINT",
    }
}

spelled_enum! {
    /// What may be done to a letter.
    pub enum LetterAction {
        Update = "UPDATE",
        Approve = "APPROVE",
        MarkSent = "MARK_SENT",
        RecordDelivery = "RECORD_DELIVERY",
        /// Done by sending a correction, not by itself.
        Supersede = "SUPERSEDE",
    }
}

/// The status machine.
pub const MACHINE: Machine<LetterStatus, LetterAction> = Machine {
    noun: "letter",
    table: {
        use LetterAction::*;
        use LetterStatus::*;
        &[
            (Draft, Update, Draft),
            (Approved, Update, Draft),
            (Draft, Approve, Approved),
            (Draft, MarkSent, Sent),
            (Approved, MarkSent, Sent),
            (Sent, RecordDelivery, Sent),
            (Superseded, RecordDelivery, Superseded),
            (Sent, Supersede, Superseded),
        ]
    },
};

/// The hospital contact person a letter names (A-0123).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactPerson {
    pub name: String,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// What the writer puts into a letter besides what the complaint holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LetterContent {
    pub contact: Option<ContactPerson>,
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
    /// RESOLUTION: the letter tells of the right to refer to the QIO.
    pub qio_notice: bool,
    /// OTHER: the body; otherwise a paragraph after the template's body.
    pub body: Option<String>,
    /// The whole text, written by hand in the letter's language, when no
    /// template exists in it.
    pub text: Option<String>,
}

/// The letter as composed for sending, and whether a template existed in
/// its language (the services compose it; the domain keeps it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Composition {
    /// The composed document (the correspondence crate's `LetterDocument`).
    pub document: Value,
    /// No template exists in the letter's language: the text must be given
    /// by hand in that language, or the language changed with a reason.
    pub language_gap: bool,
    /// Why the template could not write the letter yet (a fact its kind
    /// needs is missing); no document then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// Sending: how, when, and the hash of the bytes that went out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sending {
    pub by: UserRef,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// When it went out.
    pub sent_at: DateTime<Utc>,
    pub method: SendMethod,
    /// The rendition stored at send: its media type, SHA-256 (hex) and size.
    pub media_type: String,
    pub sha256: String,
    pub bytes: u64,
    /// The Message-ID the mail relay accepted the letter under, when it
    /// was emailed by the server (`letterMarkSent` with EMAIL and SMTP
    /// configured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relay_message_id: Option<String>,
}

/// An outcome of delivery, recorded by hand (or by the mail gateway).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryRecord {
    pub outcome: Delivery,
    pub by: UserRef,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

/// The whole letter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LetterState {
    pub facility_id: Uuid,
    pub facility_code: String,
    pub complaint_id: Uuid,
    pub complaint_reference: String,
    /// Who logged the complaint (STAFF see the letters of their own).
    pub complaint_created_by: String,
    pub kind: LetterKind,
    pub status: LetterStatus,
    /// Set when sent.
    pub delivery: Option<Delivery>,
    /// BCP 47 tag.
    pub language: String,
    /// Why the language differs from the complainant's preferred one.
    pub language_reason: Option<String>,
    pub format: LetterFormat,
    pub content: LetterContent,
    pub composition: Composition,
    /// The sent letter this one corrects.
    pub supersedes: Option<Uuid>,
    /// The sent correction that replaced this one.
    pub superseded_by: Option<Uuid>,
    pub drafted: Stamp,
    pub approved: Option<Stamp>,
    pub sent: Option<Sending>,
    pub delivery_record: Option<DeliveryRecord>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl LetterState {
    /// Sent, delivered or not, and not replaced by a correction.
    pub fn is_current_sent(&self) -> bool {
        self.status == LetterStatus::Sent
    }
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests;
