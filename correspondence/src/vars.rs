//! What a letter says, before it is put into words: the facts a template
//! fills in, taken from the complaint by the services. Which of them a kind
//! of letter needs is the template's business (`templates`); the services
//! fill in what the complaint holds.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{FacilityBlock, LetterFormat};

/// The kinds of letter (`LetterKind` in the API).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LetterKind {
    /// We received your complaint (A-0122's acknowledgement).
    Acknowledgement,
    /// Still being worked on, and the date by which the written response
    /// will come (the seven-day notice).
    ProgressNotice,
    /// The response will take longer, with the reason (where the policy
    /// allows an extension).
    Extension,
    /// The written response of A-0123.
    Resolution,
    /// Anything else, written by hand.
    Other,
}

/// The hospital contact person a letter names (A-0123 requires one).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactPerson {
    pub name: String,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// The Quality Improvement Organization a Medicare beneficiary may refer a
/// quality-of-care or premature-discharge grievance to (A-0120). Present
/// on a letter only when the notice is owed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QioNotice {
    /// The QIO's name, when the facility has configured it.
    pub organization: Option<String>,
    /// How to reach it (phone), when configured.
    pub phone: Option<String>,
}

/// Everything a template may use. Dates are calendar dates in the
/// facility's time zone; the template writes them out in the letter's
/// language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LetterVars {
    pub kind: LetterKind,
    /// The language asked for (BCP 47): the complainant's preferred one.
    pub language: String,
    pub format: LetterFormat,
    pub facility: FacilityBlock,
    /// The letter's date.
    pub date: NaiveDate,
    /// The complaint's reference (for example `G-2026-000123`).
    pub reference: String,
    /// Who the letter is addressed to, and their address lines.
    pub recipient_name: String,
    pub recipient_address: Vec<String>,
    /// When the complaint was received.
    pub received_on: NaiveDate,
    pub contact: ContactPerson,
    /// PROGRESS_NOTICE and EXTENSION: the date by which the written
    /// response will come.
    pub response_by: Option<NaiveDate>,
    /// EXTENSION: why more time is needed.
    pub extension_reason: Option<String>,
    /// RESOLUTION (A-0123): the steps taken to investigate.
    pub investigation_steps: Option<String>,
    /// RESOLUTION (A-0123): the results of the grievance process.
    pub results: Option<String>,
    /// RESOLUTION (A-0123): the date of completion.
    pub completed_on: Option<NaiveDate>,
    /// RESOLUTION, when A-0120's QIO notice is owed.
    pub qio: Option<QioNotice>,
    /// OTHER: the body, written by hand; for any other kind, an optional
    /// paragraph added after the template's body.
    pub body: Option<String>,
}
