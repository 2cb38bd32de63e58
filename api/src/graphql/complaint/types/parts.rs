//! The parts of a complaint: the complainant, the people involved, its
//! issues, acknowledgement, escalation, resolution, notes and contacts.

use async_graphql::{ID, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::complaint as dc;
use crate::graphql::common::UserRef;
use crate::graphql::enums::*;

#[derive(SimpleObject)]
pub struct Complainant {
    pub name: String,
    pub relationship: ComplainantRelationship,
    pub contact: Option<String>,
    pub preferred_language: Option<String>,
    pub communication_needs: Option<String>,
}

#[derive(SimpleObject)]
pub struct PersonInvolved {
    pub name: String,
    pub role: Option<String>,
}

/// One HCAT-coded issue.
#[derive(SimpleObject)]
pub struct ComplaintIssue {
    /// Send it back in `issues[].id` to keep the issue (and its finding).
    pub id: ID,
    pub domain: HcatDomain,
    pub category: HcatCategory,
    /// 1 (low), 2 (medium), 3 (high).
    pub severity: i32,
    pub stage_of_care: StageOfCare,
    pub summary: Option<String>,
    /// What the investigation found; every issue needs one to resolve.
    pub finding: Option<String>,
}

#[derive(SimpleObject)]
pub struct Escalation {
    pub at: DateTime<Utc>,
    pub by: UserRef,
    pub reason: String,
}

#[derive(SimpleObject)]
pub struct Acknowledgement {
    pub at: DateTime<Utc>,
    pub method: ContactMethod,
    pub by: UserRef,
}

/// The written response to a grievance (A-0123; QIO notice A-0120).
#[derive(SimpleObject)]
pub struct WrittenResponse {
    pub contact_person: String,
    pub investigation_steps: String,
    pub results: String,
    pub completed_on: NaiveDate,
    pub sent_at: DateTime<Utc>,
    pub sent_by: ContactMethod,
    pub language: String,
    pub format: ResponseFormat,
    pub qio_notice_included: bool,
    /// The sent RESOLUTION letter it was copied from (null on responses
    /// recorded before letters were records).
    pub letter_id: Option<ID>,
}

#[derive(SimpleObject)]
pub struct Resolution {
    pub at: DateTime<Utc>,
    pub by: UserRef,
    pub at_point_of_service: bool,
    pub summary: Option<String>,
    /// A snapshot of the sent RESOLUTION letter, taken at resolution.
    pub written_response: Option<WrittenResponse>,
    /// Why written notice went another lawful way, when no letter was sent.
    pub written_notice_exception: Option<String>,
}

#[derive(SimpleObject)]
pub struct ReasonedEvent {
    pub at: DateTime<Utc>,
    pub by: UserRef,
    pub reason: String,
}

#[derive(SimpleObject)]
pub struct ComplaintNote {
    pub id: ID,
    pub body: String,
    pub author: UserRef,
    pub created_at: DateTime<Utc>,
}

impl From<entity::complaint_note::Model> for ComplaintNote {
    fn from(m: entity::complaint_note::Model) -> Self {
        ComplaintNote {
            id: ID(m.id.to_string()),
            body: m.body,
            author: UserRef {
                subject: m.author_subject,
                name: m.author_name,
            },
            created_at: m.created_at,
        }
    }
}

#[derive(SimpleObject)]
pub struct ComplaintContact {
    pub id: ID,
    pub direction: ContactDirection,
    pub method: ContactMethod,
    pub contacted_at: DateTime<Utc>,
    pub with_whom: Option<String>,
    pub summary: String,
    pub logged_by: UserRef,
    pub created_at: DateTime<Utc>,
}

impl ComplaintContact {
    pub fn from_model(m: entity::complaint_contact::Model) -> Option<Self> {
        Some(ComplaintContact {
            id: ID(m.id.to_string()),
            direction: dc::ContactDirection::parse(&m.direction)?,
            method: dc::ContactMethod::parse(&m.method)?,
            contacted_at: m.contacted_at,
            with_whom: m.with_whom,
            summary: m.summary,
            logged_by: UserRef {
                subject: m.author_subject,
                name: m.author_name,
            },
            created_at: m.created_at,
        })
    }
}
