//! The GraphQL faces of the domain's enums; `remote` generates the
//! conversions, so a variant added in the domain fails to compile here
//! until it is named.

use async_graphql::Enum;

#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::complaint::Status")]
pub enum ComplaintStatus {
    Received,
    Acknowledged,
    Investigating,
    Resolved,
    Closed,
    Withdrawn,
}

/// 42 CFR 482.13(a)(2): a grievance is a complaint the CoP makes formal.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::complaint::Classification")]
pub enum Classification {
    Complaint,
    Grievance,
}

/// Why a complaint is a grievance.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::complaint::ClassificationReason")]
pub enum ClassificationReason {
    /// Letter, email, fax or web portal: written is always a grievance.
    Written,
    /// The patient or representative asked for formal handling or a written response.
    FormalHandlingRequested,
    /// Alleges abuse, neglect or patient harm.
    AbuseNeglectOrHarm,
    /// Concerns compliance with the CMS Conditions of Participation.
    ConditionsOfParticipation,
    /// A Medicare beneficiary's billing complaint about rights and limitations (42 CFR 489).
    MedicareBillingRights,
    /// Not resolved at the time by staff present (escalated, or investigated).
    NotResolvedAtTime,
    /// Opened from a failed accessibility request (Section 504, 45 CFR 84.7;
    /// Section 1557, 45 CFR 92.7: such complaints go through the grievance procedure).
    AccessibilityFailure,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::complaint::Channel")]
pub enum Channel {
    InPerson,
    Phone,
    /// Written: always a grievance.
    Letter,
    /// Written: always a grievance.
    Email,
    /// Written: always a grievance.
    Fax,
    /// Written: always a grievance.
    Portal,
    /// Not a grievance by itself (CMS: satisfaction surveys usually are not).
    SurveyComment,
    AgencyReferral,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::complaint::Relationship")]
pub enum ComplainantRelationship {
    /// The complainant is the patient.
    #[graphql(name = "SELF")]
    SelfPatient,
    SpouseOrPartner,
    Parent,
    Child,
    OtherFamily,
    LegalRepresentative,
    Friend,
    Other,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::complaint::HcatDomain")]
pub enum HcatDomain {
    Clinical,
    Management,
    Relationships,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::complaint::HcatCategory")]
pub enum HcatCategory {
    Quality,
    Safety,
    Environment,
    InstitutionalProcesses,
    Listening,
    Communication,
    RespectAndPatientRights,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::complaint::StageOfCare")]
pub enum StageOfCare {
    Admission,
    ExaminationDiagnosis,
    CareOnWard,
    OperationProcedure,
    DischargeTransfer,
    Other,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::complaint::ContactMethod")]
pub enum ContactMethod {
    InPerson,
    Phone,
    Letter,
    Email,
    Fax,
    Portal,
    Video,
    TextMessage,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::complaint::ContactDirection")]
pub enum ContactDirection {
    Inbound,
    Outbound,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::complaint::ResponseFormat")]
pub enum ResponseFormat {
    Standard,
    LargePrint,
    Braille,
    Audio,
    AccessibleElectronic,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::complaint::lifecycle::Action")]
pub enum ComplaintAction {
    Acknowledge,
    StartInvestigation,
    ResolveAtPointOfService,
    Resolve,
    Close,
    Withdraw,
    Reopen,
}

/// The program a deadline policy serves.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::clocks::Program")]
pub enum Program {
    /// Hospital CoP (42 CFR 482.13).
    CmsHospital,
    /// 42 CFR 422.564.
    MedicareAdvantage,
    /// 42 CFR 438.408.
    MedicaidManagedCare,
    Commercial,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::clocks::TimeUnit")]
pub enum TimeUnit {
    CalendarDays,
    /// Monday to Friday in the facility's time zone (no holiday calendar).
    BusinessDays,
    Hours,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::clocks::ClockKind")]
pub enum ClockKind {
    /// Acknowledge (or resolve) within the policy's time.
    Acknowledgement,
    /// Resolve (written response for a grievance) within the policy's time.
    Resolution,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::domain::clocks::ClockStatus")]
pub enum ClockStatus {
    Running,
    Overdue,
    MetOnTime,
    MetLate,
    /// Never met: the complaint was withdrawn first.
    Stopped,
}
