//! The filter and order of the `complaints` list.

use async_graphql::{Enum, InputObject, Result};
use chrono::{DateTime, Utc};

use crate::graphql::enums::*;
use crate::graphql::errors;
use crate::services::complaints::ComplaintFilter;

#[derive(InputObject, Default)]
pub struct ComplaintFilterInput {
    pub facility_codes: Option<Vec<String>>,
    pub departments: Option<Vec<String>>,
    pub classifications: Option<Vec<Classification>>,
    pub statuses: Option<Vec<ComplaintStatus>>,
    /// Complaints with an issue of one of these categories (and, with
    /// `severities`, of one of those severities on the same issue).
    pub hcat_categories: Option<Vec<HcatCategory>>,
    pub severities: Option<Vec<i32>>,
    /// The owner's user id.
    pub owner: Option<String>,
    pub received_from: Option<DateTime<Utc>>,
    pub received_to: Option<DateTime<Utc>>,
    /// Open with a clock past due and not met (or, with false, not).
    pub overdue: Option<bool>,
    pub medicare_beneficiary: Option<bool>,
    /// Reopened at least once (or, with false, never).
    pub reopened: Option<bool>,
    /// The acknowledgement clock is met (or, with false, not yet).
    pub acknowledgement_met: Option<bool>,
    /// The resolution clock is met (or, with false, not yet).
    pub resolution_met: Option<bool>,
    /// The progress-notice clock is met (or, with false, owed and not yet
    /// met); complaints whose policy has no progress notice match neither.
    pub progress_notice_met: Option<bool>,
    /// A clock was met late, or is overdue now (or, with false, every
    /// clock so far met on time or still running on time).
    pub missed_deadline: Option<bool>,
}

impl ComplaintFilterInput {
    pub fn to_service(&self) -> Result<ComplaintFilter> {
        let severities = self.severities.clone().unwrap_or_default();
        if severities.iter().any(|s| !(1..=3).contains(s)) {
            return Err(errors::bad_input("severities are 1, 2 or 3"));
        }
        Ok(ComplaintFilter {
            facility_codes: self.facility_codes.clone().unwrap_or_default(),
            departments: self.departments.clone().unwrap_or_default(),
            classifications: self.classifications.iter().flatten().copied().collect(),
            statuses: self.statuses.iter().flatten().copied().collect(),
            hcat_categories: self.hcat_categories.iter().flatten().copied().collect(),
            severities: severities
                .into_iter()
                .map(|s| i16::try_from(s).unwrap_or(0))
                .collect(),
            owner_subject: self.owner.clone(),
            received_from: self.received_from,
            received_to: self.received_to,
            overdue: self.overdue,
            medicare_beneficiary: self.medicare_beneficiary,
            reopened: self.reopened,
            acknowledgement_met: self.acknowledgement_met,
            resolution_met: self.resolution_met,
            progress_notice_met: self.progress_notice_met,
            missed_deadline: self.missed_deadline,
        })
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq, Default)]
pub enum ComplaintOrderField {
    #[default]
    ReceivedAt,
    Reference,
}

#[derive(Enum, Copy, Clone, PartialEq, Eq, Default)]
pub enum OrderDirection {
    Asc,
    #[default]
    Desc,
}

#[derive(InputObject, Default, Clone, Copy)]
pub struct ComplaintOrder {
    #[graphql(default)]
    pub field: ComplaintOrderField,
    #[graphql(default)]
    pub direction: OrderDirection,
}
