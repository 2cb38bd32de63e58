//! Accessibility requests' input objects.

use async_graphql::{ID, InputObject};
use chrono::{DateTime, Utc};

use super::types::{AccessibilityDenialGround, AccessibilityNeedType, AccessibilityRequestStatus};
use crate::graphql::common::PatientInput;

#[derive(InputObject, Default)]
pub struct AccessibilityRequestFilterInput {
    pub complaint_id: Option<ID>,
    pub facility_codes: Option<Vec<String>>,
    pub departments: Option<Vec<String>>,
    pub statuses: Option<Vec<AccessibilityRequestStatus>>,
    pub need_types: Option<Vec<AccessibilityNeedType>>,
    /// Open past the needed-by time (or, with false, not).
    pub overdue: Option<bool>,
    pub needed_from: Option<DateTime<Utc>>,
    pub needed_to: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct AccessibilityRequestCreateInput {
    pub facility_code: String,
    /// A complaint in the same facility the request belongs to; it then
    /// must be finished before the complaint closes.
    pub complaint_id: Option<ID>,
    pub patient: PatientInput,
    pub department: String,
    pub need_type: AccessibilityNeedType,
    pub details: String,
    /// The aid the patient asked for; it gets primary consideration.
    pub requested_aid: String,
    /// When it is needed; open past this time it is overdue.
    pub needed_by: DateTime<Utc>,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct AccessibilityRequestAcknowledgeInput {
    pub id: ID,
    pub expected_version: i32,
}

#[derive(InputObject)]
pub struct AccessibilityRequestScheduleInput {
    pub id: ID,
    pub expected_version: i32,
    pub scheduled_for: DateTime<Utc>,
    /// Who or what provides it (vendor, interpreter, equipment).
    pub provider: Option<String>,
}

#[derive(InputObject)]
pub struct AccessibilityRequestFulfillInput {
    pub id: ID,
    pub expected_version: i32,
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct AccessibilityRequestProvideAlternativeInput {
    pub id: ID,
    pub expected_version: i32,
    /// What was provided instead.
    pub alternative: String,
    /// Why the requested aid was not used.
    pub reason: String,
}

#[derive(InputObject)]
pub struct AccessibilityRequestDenyInput {
    pub id: ID,
    pub expected_version: i32,
    pub ground: AccessibilityDenialGround,
    pub reason: String,
}

#[derive(InputObject)]
pub struct AccessibilityRequestCancelInput {
    pub id: ID,
    pub expected_version: i32,
    pub reason: String,
}
