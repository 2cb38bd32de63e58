//! Notes and contacts: child records added to a complaint, never edited
//! or deleted. Their setting is the complaint they belong to, found in the
//! caller's scope; each is visible with its complaint.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{AuditAction, Context, CreateCommand};
use crate::Violation;
use crate::actor::UserRef;
use crate::complaint::{ContactDirection, ContactMethod};
use crate::permissions::Operation;
use crate::text::{LongText, Name, TextKind};

/// The complaint a note or contact is added to, as the services found it
/// in the caller's scope.
#[derive(Clone, Debug)]
pub struct ComplaintOf {
    pub complaint_id: Uuid,
    pub facility_code: String,
    /// Who logged the complaint (STAFF see only their own complaints, and
    /// so only their notes and contacts).
    pub created_by: String,
    pub received_at: DateTime<Utc>,
}

/// A working note on a complaint, with what makes it visible: its
/// complaint's facility and creator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoteState {
    pub complaint_id: Uuid,
    pub facility_code: String,
    pub complaint_created_by: String,
    pub body: String,
    pub author: UserRef,
    pub created_at: DateTime<Utc>,
}

/// A contact with the complainant, with what makes it visible: its
/// complaint's facility and creator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactState {
    pub complaint_id: Uuid,
    pub facility_code: String,
    pub complaint_created_by: String,
    pub direction: ContactDirection,
    pub method: ContactMethod,
    pub contacted_at: DateTime<Utc>,
    pub with_whom: Option<String>,
    pub summary: String,
    pub author: UserRef,
    pub created_at: DateTime<Utc>,
}

/// A note as its creation event records it (`redress verify` replays it).
pub fn note_document(body: &str) -> Value {
    json!({ "body": body })
}

/// A contact as its creation event records it (`redress verify` replays
/// it).
pub fn contact_document(
    direction: &str,
    method: &str,
    contacted_at: DateTime<Utc>,
    with_whom: Option<&str>,
    summary: &str,
) -> Value {
    json!({
        "direction": direction,
        "method": method,
        "contactedAt": contacted_at,
        "withWhom": with_whom,
        "summary": summary,
    })
}

impl NoteState {
    pub fn document(&self) -> Value {
        note_document(&self.body)
    }
}

impl ContactState {
    pub fn document(&self) -> Value {
        contact_document(
            self.direction.as_str(),
            self.method.as_str(),
            self.contacted_at,
            self.with_whom.as_deref(),
            &self.summary,
        )
    }
}

/// `complaintAddNote`: appends a working note.
#[derive(Clone, Debug)]
pub struct AddNote {
    pub complaint_id: Uuid,
    pub body: String,
}

impl AddNote {
    fn body(&self) -> Result<LongText, Violation> {
        LongText::parse(&["input", "body"], &self.body)
    }
}

impl CreateCommand for AddNote {
    type State = NoteState;
    type Setting = ComplaintOf;

    fn operation(&self) -> Operation {
        Operation::AddNote
    }

    fn audit_action(&self) -> AuditAction {
        AuditAction::ComplaintNoteAdd
    }

    fn check(&self) -> Result<(), Vec<Violation>> {
        self.body().map(drop).map_err(|v| vec![v])
    }

    fn handle(self, setting: &ComplaintOf, cx: &Context<'_>) -> Result<NoteState, Vec<Violation>> {
        let body = self.body().map_err(|v| vec![v])?.into_string();
        Ok(NoteState {
            complaint_id: setting.complaint_id,
            facility_code: setting.facility_code.clone(),
            complaint_created_by: setting.created_by.clone(),
            body,
            author: cx.by.clone(),
            created_at: cx.now,
        })
    }
}

/// `complaintLogContact`: records a contact with the complainant.
#[derive(Clone, Debug)]
pub struct LogContact {
    pub complaint_id: Uuid,
    pub direction: ContactDirection,
    pub method: ContactMethod,
    pub contacted_at: DateTime<Utc>,
    pub with_whom: Option<String>,
    pub summary: String,
}

/// How far ahead of the server's clock a contact may be dated (clock skew).
const CONTACT_SKEW_MINUTES: i64 = 5;

impl LogContact {
    /// The summary and the person contacted (blank is none).
    fn texts(&self) -> Result<(String, Option<String>), Vec<Violation>> {
        let summary = LongText::parse(&["input", "summary"], &self.summary).map_err(|v| vec![v])?;
        let with_whom = match self.with_whom.as_deref().map(str::trim) {
            Some(w) if !w.is_empty() => Some(
                Name::parse(&["input", "withWhom"], w)
                    .map_err(|v| vec![v])?
                    .into_string(),
            ),
            _ => None,
        };
        Ok((summary.into_string(), with_whom))
    }
}

impl CreateCommand for LogContact {
    type State = ContactState;
    type Setting = ComplaintOf;

    fn operation(&self) -> Operation {
        Operation::LogContact
    }

    fn audit_action(&self) -> AuditAction {
        AuditAction::ComplaintContactLog
    }

    fn check(&self) -> Result<(), Vec<Violation>> {
        self.texts().map(drop)
    }

    /// The contact happened between the complaint's receipt and now.
    fn handle(
        self,
        setting: &ComplaintOf,
        cx: &Context<'_>,
    ) -> Result<ContactState, Vec<Violation>> {
        let (summary, with_whom) = self.texts()?;
        let contacted_at = self.contacted_at.trunc_subsecs(6);
        if contacted_at < setting.received_at
            || contacted_at > cx.now + Duration::minutes(CONTACT_SKEW_MINUTES)
        {
            return Err(vec![Violation::validation(
                &["input", "contactedAt"],
                "must be between the complaint's receipt and now",
            )]);
        }
        Ok(ContactState {
            complaint_id: setting.complaint_id,
            facility_code: setting.facility_code.clone(),
            complaint_created_by: setting.created_by.clone(),
            direction: self.direction,
            method: self.method,
            contacted_at,
            with_whom,
            summary,
            author: cx.by.clone(),
            created_at: cx.now,
        })
    }
}
