//! Complaints and grievances: the record, how it is classified, its
//! lifecycle and the guards on each move (`domain.md`).
//!
//! `ComplaintState` is the whole complaint as one value. The database stores
//! it as a JSON document, the audit trail records what each change did to
//! it, and `complaintAsOf` rebuilds it from those changes.

pub mod classification;
pub mod intake;
pub mod lifecycle;
#[cfg(test)]
mod progress_notice_tests;
pub mod resolution;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::clocks::{ClockKind, ClockState, ClockStatus, Program, Span};

pub(crate) use crate::spelled::spelled_enum;

spelled_enum! {
    /// Where the complaint is in its lifecycle.
    #[cfg_attr(feature = "graphql", graphql(name = "ComplaintStatus"))]
    pub enum Status {
        Received = "RECEIVED",
        Acknowledged = "ACKNOWLEDGED",
        Investigating = "INVESTIGATING",
        Resolved = "RESOLVED",
        Closed = "CLOSED",
        Withdrawn = "WITHDRAWN",
    }
}

impl Status {
    /// Still being worked: details may change, clocks run.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Received | Status::Acknowledged | Status::Investigating
        )
    }
}

spelled_enum! {
    /// 42 CFR 482.13(a)(2): a grievance is a complaint the CoP makes formal.
    pub enum Classification {
        Complaint = "COMPLAINT",
        Grievance = "GRIEVANCE",
    }
}

spelled_enum! {
    /// Why a complaint is a grievance (the CMS triggers, `domain.md`).
    pub enum ClassificationReason {
        /// Letter, email, fax or web portal: written is always a grievance.
        Written = "WRITTEN",
        /// The patient or representative asked for formal handling or a written response.
        FormalHandlingRequested = "FORMAL_HANDLING_REQUESTED",
        /// Alleges abuse, neglect or patient harm.
        AbuseNeglectOrHarm = "ABUSE_NEGLECT_OR_HARM",
        /// Concerns compliance with the CMS Conditions of Participation.
        ConditionsOfParticipation = "CONDITIONS_OF_PARTICIPATION",
        /// A Medicare beneficiary's billing complaint about rights and limitations (42 CFR 489).
        MedicareBillingRights = "MEDICARE_BILLING_RIGHTS",
        /// Not resolved at the time by staff present (escalated, or investigated).
        NotResolvedAtTime = "NOT_RESOLVED_AT_TIME",
        /// Opened from a failed accessibility request: an alleged failure of
        /// effective communication or reasonable modification, which Section
        /// 504 (45 CFR 84.7) and Section 1557 (45 CFR 92.7) require to go
        /// through the grievance procedure.
        AccessibilityFailure = "ACCESSIBILITY_FAILURE",
    }
}

spelled_enum! {
    /// How the complaint reached the hospital.
    pub enum Channel {
        InPerson = "IN_PERSON",
        Phone = "PHONE",
        /// Written: always a grievance.
        Letter = "LETTER",
        /// Written: always a grievance.
        Email = "EMAIL",
        /// Written: always a grievance.
        Fax = "FAX",
        /// Written: always a grievance.
        Portal = "PORTAL",
        /// Not a grievance by itself (CMS: satisfaction surveys usually are not).
        SurveyComment = "SURVEY_COMMENT",
        AgencyReferral = "AGENCY_REFERRAL",
    }
}

impl Channel {
    /// Written channels make a grievance by themselves (A-0118). A survey
    /// comment does not, unless it asks for resolution (CMS: satisfaction
    /// surveys are usually not grievances); an agency referral is judged on
    /// its facts.
    pub fn is_written(self) -> bool {
        matches!(
            self,
            Channel::Letter | Channel::Email | Channel::Fax | Channel::Portal
        )
    }
}

spelled_enum! {
    /// The complainant's relationship to the patient.
    #[cfg_attr(feature = "graphql", graphql(name = "ComplainantRelationship"))]
    pub enum Relationship {
        /// The complainant is the patient.
        SelfPatient = "SELF",
        SpouseOrPartner = "SPOUSE_OR_PARTNER",
        Parent = "PARENT",
        Child = "CHILD",
        OtherFamily = "OTHER_FAMILY",
        LegalRepresentative = "LEGAL_REPRESENTATIVE",
        Friend = "FRIEND",
        Other = "OTHER",
    }
}

spelled_enum! {
    /// HCAT domains (Reader, Gillespie & Roberts 2014).
    pub enum HcatDomain {
        Clinical = "CLINICAL",
        Management = "MANAGEMENT",
        Relationships = "RELATIONSHIPS",
    }
}

spelled_enum! {
    /// HCAT categories.
    pub enum HcatCategory {
        Quality = "QUALITY",
        Safety = "SAFETY",
        Environment = "ENVIRONMENT",
        InstitutionalProcesses = "INSTITUTIONAL_PROCESSES",
        Listening = "LISTENING",
        Communication = "COMMUNICATION",
        RespectAndPatientRights = "RESPECT_AND_PATIENT_RIGHTS",
    }
}

impl HcatCategory {
    pub fn domain(self) -> HcatDomain {
        match self {
            HcatCategory::Quality | HcatCategory::Safety => HcatDomain::Clinical,
            HcatCategory::Environment | HcatCategory::InstitutionalProcesses => {
                HcatDomain::Management
            }
            HcatCategory::Listening
            | HcatCategory::Communication
            | HcatCategory::RespectAndPatientRights => HcatDomain::Relationships,
        }
    }
}

spelled_enum! {
    /// HCAT stage of care.
    pub enum StageOfCare {
        Admission = "ADMISSION",
        ExaminationDiagnosis = "EXAMINATION_DIAGNOSIS",
        CareOnWard = "CARE_ON_WARD",
        OperationProcedure = "OPERATION_PROCEDURE",
        DischargeTransfer = "DISCHARGE_TRANSFER",
        Other = "OTHER",
    }
}

spelled_enum! {
    /// How someone was reached, or reached us.
    pub enum ContactMethod {
        InPerson = "IN_PERSON",
        Phone = "PHONE",
        Letter = "LETTER",
        Email = "EMAIL",
        Fax = "FAX",
        Portal = "PORTAL",
        Video = "VIDEO",
        TextMessage = "TEXT_MESSAGE",
    }
}

spelled_enum! {
    /// Who started a contact.
    pub enum ContactDirection {
        Inbound = "INBOUND",
        Outbound = "OUTBOUND",
    }
}

spelled_enum! {
    /// The format the written response was sent in.
    pub enum ResponseFormat {
        Standard = "STANDARD",
        LargePrint = "LARGE_PRINT",
        Braille = "BRAILLE",
        Audio = "AUDIO",
        AccessibleElectronic = "ACCESSIBLE_ELECTRONIC",
    }
}

pub use crate::actor::UserRef;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Complainant {
    pub name: String,
    pub relationship: Relationship,
    pub contact: Option<String>,
    /// BCP 47 tag or plain language name, as the complainant said it.
    pub preferred_language: Option<String>,
    pub communication_needs: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    pub mrn: Option<String>,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonInvolved {
    pub name: String,
    pub role: Option<String>,
}

/// One HCAT-coded issue and, once investigated, its finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Issue {
    pub id: Uuid,
    pub category: HcatCategory,
    /// 1 (low), 2 (medium), 3 (high).
    pub severity: u8,
    pub stage_of_care: StageOfCare,
    pub summary: Option<String>,
    pub finding: Option<String>,
}

/// The facts intake classifies on.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrievanceFacts {
    pub formal_handling_requested: bool,
    pub alleges_abuse_neglect_or_harm: bool,
    pub concerns_conditions_of_participation: bool,
    pub medicare_billing_rights: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Escalation {
    pub at: DateTime<Utc>,
    pub by: UserRef,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Acknowledgement {
    pub at: DateTime<Utc>,
    pub method: ContactMethod,
    pub by: UserRef,
}

/// The written response to a grievance (A-0123), plus the QIO notice (A-0120).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
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
    /// The sent RESOLUTION letter this response was copied from (absent
    /// on responses recorded before letters were records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub letter_id: Option<Uuid>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resolution {
    pub at: DateTime<Utc>,
    pub by: UserRef,
    pub at_point_of_service: bool,
    /// What was done, for a resolution at the point of service.
    pub summary: Option<String>,
    /// A snapshot of the sent RESOLUTION letter (with its id): kept for
    /// reports and for records made before letters were records.
    pub written_response: Option<WrittenResponse>,
    /// Why written notice went another lawful way, when no letter was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written_notice_exception: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Withdrawal {
    pub at: DateTime<Utc>,
    pub by: UserRef,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reopening {
    pub at: DateTime<Utc>,
    pub by: UserRef,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    pub clock: ClockKind,
    pub by_span: Span,
    pub previous_due_at: DateTime<Utc>,
    pub new_due_at: DateTime<Utc>,
    pub reason: String,
    pub granted_by: UserRef,
    pub granted_at: DateTime<Utc>,
}

/// The clocks' state on the complaint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Clocks {
    pub policy_id: Uuid,
    pub program: Program,
    pub expedited: bool,
    pub acknowledgement_due_at: DateTime<Utc>,
    pub acknowledgement_met_at: Option<DateTime<Utc>>,
    pub resolution_due_at: DateTime<Utc>,
    pub resolution_met_at: Option<DateTime<Utc>>,
    pub extensions: Vec<Extension>,
    /// When the progress notice is due; `None` when the complaint's policy
    /// has no such duty (or the complaint was stored before the clock
    /// existed): no clock. Left out of the document when `None`, so records
    /// written before it read and replay unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_notice_due_at: Option<DateTime<Utc>>,
    /// When the progress-notice duty was met: a progress notice sent, or
    /// the complaint resolved (see [`ComplaintState::progress_notice_sent`]
    /// and [`Clocks::meet_on_resolution`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_notice_met_at: Option<DateTime<Utc>>,
}

impl Clocks {
    /// The complaint's clocks, started at receipt (escalation keeps that
    /// start): acknowledgement, resolution, and the progress notice where
    /// the policy has that duty.
    pub fn states(&self, received_at: DateTime<Utc>) -> Vec<ClockState> {
        let notice = self.progress_notice_due_at.map(|due_at| ClockState {
            kind: ClockKind::ProgressNotice,
            started_at: received_at,
            due_at,
            met_at: self.progress_notice_met_at,
        });
        [
            ClockState {
                kind: ClockKind::Acknowledgement,
                started_at: received_at,
                due_at: self.acknowledgement_due_at,
                met_at: self.acknowledgement_met_at,
            },
            ClockState {
                kind: ClockKind::Resolution,
                started_at: received_at,
                due_at: self.resolution_due_at,
                met_at: self.resolution_met_at,
            },
        ]
        .into_iter()
        .chain(notice)
        .collect()
    }

    /// Resolution ends every clock still running, at the resolution's
    /// time. For the progress notice this means: resolved by its due time,
    /// the duty is met on time (the written response came within the
    /// period, no notice was owed); resolved after it with no notice sent,
    /// it is met *late* at the resolution, which every report counts as
    /// missed. A clock already met keeps its time.
    pub fn meet_on_resolution(&mut self, at: DateTime<Utc>) {
        self.acknowledgement_met_at.get_or_insert(at);
        self.resolution_met_at.get_or_insert(at);
        if self.progress_notice_due_at.is_some() {
            self.progress_notice_met_at.get_or_insert(at);
        }
    }

    pub fn extension_count(&self, clock: ClockKind) -> u32 {
        let n = self.extensions.iter().filter(|e| e.clock == clock).count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }
}

/// The whole complaint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComplaintState {
    pub reference: String,
    pub facility_id: Uuid,
    pub facility_code: String,
    pub department: String,
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    pub received_by: String,
    pub complainant: Complainant,
    pub patient: Patient,
    pub medicare_beneficiary: bool,
    pub concerns_quality_of_care: bool,
    pub concerns_premature_discharge: bool,
    pub facts: GrievanceFacts,
    pub description: String,
    pub desired_outcome: Option<String>,
    pub people_involved: Vec<PersonInvolved>,
    pub issues: Vec<Issue>,
    pub classification: Classification,
    pub classification_reasons: Vec<ClassificationReason>,
    pub escalation: Option<Escalation>,
    pub status: Status,
    pub owner: Option<UserRef>,
    pub created_by: UserRef,
    pub acknowledgement: Option<Acknowledgement>,
    pub investigation_started_at: Option<DateTime<Utc>>,
    pub resolution: Option<Resolution>,
    pub closed_at: Option<DateTime<Utc>>,
    pub withdrawal: Option<Withdrawal>,
    pub reopenings: Vec<Reopening>,
    pub clocks: Clocks,
    /// The failed accessibility request this complaint was opened from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accessibility_request_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ComplaintState {
    /// A QIO notice is owed: a Medicare beneficiary's grievance about quality
    /// of care or a premature discharge (A-0120).
    pub fn needs_qio_notice(&self) -> bool {
        self.classification == Classification::Grievance
            && self.medicare_beneficiary
            && (self.concerns_quality_of_care || self.concerns_premature_discharge)
    }

    /// A clock's status on this complaint: an unmet clock stops when the
    /// complaint is no longer open (withdrawn), rather than going overdue.
    pub fn clock_status(&self, clock: &ClockState, now: DateTime<Utc>) -> ClockStatus {
        if clock.met_at.is_none() && !self.status.is_open() {
            ClockStatus::Stopped
        } else {
            clock.status(now)
        }
    }

    /// A progress notice was sent to the complainant at `at`: meets the
    /// progress-notice clock (on time or late, by `at` against its due
    /// time). Returns whether anything changed: nothing does when the
    /// policy has no such duty, when the clock is already met (by an
    /// earlier notice or by resolution), or when the complaint is not open
    /// (a withdrawn complaint's clock stays stopped; a resolved one's is
    /// already met).
    pub fn progress_notice_sent(&mut self, at: DateTime<Utc>) -> bool {
        if self.clocks.progress_notice_due_at.is_none()
            || self.clocks.progress_notice_met_at.is_some()
            || !self.status.is_open()
        {
            return false;
        }
        self.clocks.progress_notice_met_at = Some(at);
        true
    }

    /// Any clock past due and not met, while the complaint is open.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.status.is_open()
            && self
                .clocks
                .states(self.received_at)
                .iter()
                .any(|c| c.is_overdue(now))
    }
}

/// Fixtures for the domain's unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::resolution::{Finding, ResolveInput};
    use super::*;

    pub fn user(subject: &str) -> UserRef {
        UserRef {
            subject: subject.to_owned(),
            name: format!("User {subject}"),
        }
    }

    pub fn sample(classification: Classification) -> ComplaintState {
        let received_at = "2026-11-02T15:00:00Z"
            .parse::<DateTime<Utc>>()
            .unwrap_or_default();
        ComplaintState {
            reference: "CMP-2026-000001".into(),
            facility_id: Uuid::nil(),
            facility_code: "MAIN".into(),
            department: "Emergency".into(),
            channel: Channel::Phone,
            received_at,
            received_by: "Front desk".into(),
            complainant: Complainant {
                name: "A. Patient".into(),
                relationship: Relationship::SelfPatient,
                contact: None,
                preferred_language: Some("es".into()),
                communication_needs: None,
            },
            patient: Patient {
                mrn: Some("MRN1".into()),
                name: "A. Patient".into(),
            },
            medicare_beneficiary: false,
            concerns_quality_of_care: false,
            concerns_premature_discharge: false,
            facts: GrievanceFacts::default(),
            description: "Waited four hours".into(),
            desired_outcome: None,
            people_involved: Vec::new(),
            issues: vec![Issue {
                id: Uuid::from_u128(1),
                category: HcatCategory::InstitutionalProcesses,
                severity: 2,
                stage_of_care: StageOfCare::Admission,
                summary: None,
                finding: None,
            }],
            classification,
            classification_reasons: if classification == Classification::Grievance {
                vec![ClassificationReason::FormalHandlingRequested]
            } else {
                Vec::new()
            },
            escalation: None,
            status: Status::Received,
            owner: None,
            created_by: user("staff-1"),
            acknowledgement: None,
            investigation_started_at: None,
            resolution: None,
            closed_at: None,
            withdrawal: None,
            reopenings: Vec::new(),
            accessibility_request_id: None,
            clocks: Clocks {
                policy_id: Uuid::nil(),
                program: Program::CmsHospital,
                expedited: false,
                acknowledgement_due_at: received_at + chrono::Duration::days(7),
                acknowledgement_met_at: None,
                resolution_due_at: received_at + chrono::Duration::days(30),
                resolution_met_at: None,
                progress_notice_due_at: Some(received_at + chrono::Duration::days(7)),
                progress_notice_met_at: None,
                extensions: Vec::new(),
            },
            version: 1,
            created_at: received_at,
            updated_at: received_at,
        }
    }

    #[test]
    fn unmet_clocks_stop_when_the_complaint_is_withdrawn() {
        let mut state = sample(Classification::Complaint);
        let late = state.received_at + chrono::Duration::days(60);
        let ack = state.clocks.states(state.received_at)[0].clone();
        assert_eq!(state.clock_status(&ack, late), ClockStatus::Overdue);
        state.status = Status::Withdrawn;
        assert_eq!(state.clock_status(&ack, late), ClockStatus::Stopped);
        assert!(!state.is_overdue(late));
        state.clocks.acknowledgement_met_at = Some(state.received_at);
        let ack = state.clocks.states(state.received_at)[0].clone();
        assert_eq!(state.clock_status(&ack, late), ClockStatus::MetOnTime);
    }

    /// A resolve input that satisfies every guard for `state`.
    pub fn response_input(state: &ComplaintState) -> ResolveInput {
        ResolveInput {
            findings: state
                .issues
                .iter()
                .map(|i| Finding {
                    issue_id: i.id,
                    finding: "Triage delay confirmed".into(),
                })
                .collect(),
            summary: None,
            letter_id: None,
            written_notice_exception: None,
        }
    }
}
