//! The complaint's input objects, and their conversion to domain values:
//! those of the mutations here, the list's filter and order in `filter`.

mod filter;

pub use self::filter::{ComplaintFilterInput, ComplaintOrder, ComplaintOrderField, OrderDirection};

use async_graphql::{ID, InputObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::complaint as dc;
use crate::domain::complaint::intake::{DetailsPatch, IntakeDraft, IssueDraft};
use crate::domain::complaint::resolution::{Finding, ResolveInput};
use crate::graphql::common::{PatientInput, SpanInput, optional_uuid_of};
use crate::graphql::enums::*;
use crate::ids::NodeKind;
use crate::services::complaints::CreateDraft;
use crate::services::{Refusal, RefusalCode, ServiceError};

#[derive(InputObject, Clone)]
pub struct ComplainantInput {
    pub name: String,
    pub relationship: ComplainantRelationship,
    /// Phone, email or address, as the complainant gave it.
    pub contact: Option<String>,
    pub preferred_language: Option<String>,
    /// E.g. large print, sign language interpreter.
    pub communication_needs: Option<String>,
}

impl ComplainantInput {
    fn to_domain(&self) -> dc::Complainant {
        dc::Complainant {
            name: self.name.clone(),
            relationship: self.relationship,
            contact: self.contact.clone(),
            preferred_language: self.preferred_language.clone(),
            communication_needs: self.communication_needs.clone(),
        }
    }
}

#[derive(InputObject, Clone)]
pub struct PersonInvolvedInput {
    pub name: String,
    /// E.g. "charge nurse", "attending physician".
    pub role: Option<String>,
}

#[derive(InputObject, Clone)]
pub struct ComplaintIssueInput {
    /// On update: the id of an existing issue, to keep it and its finding.
    pub id: Option<ID>,
    pub category: HcatCategory,
    /// 1 (low), 2 (medium), 3 (high).
    pub severity: i32,
    pub stage_of_care: StageOfCare,
    pub summary: Option<String>,
}

fn people(input: &[PersonInvolvedInput]) -> Vec<dc::PersonInvolved> {
    input
        .iter()
        .map(|p| dc::PersonInvolved {
            name: p.name.clone(),
            role: p.role.clone(),
        })
        .collect()
}

fn issues(input: &[ComplaintIssueInput]) -> Result<Vec<IssueDraft>, ServiceError> {
    input
        .iter()
        .enumerate()
        .map(|(i, issue)| {
            let id = match &issue.id {
                None => None,
                Some(id) => Some(Uuid::try_parse(id).map_err(|_| {
                    ServiceError::from(
                        Refusal::new(RefusalCode::Validation, "not an issue id").on(&[
                            "input",
                            "issues",
                            &i.to_string(),
                            "id",
                        ]),
                    )
                })?),
            };
            Ok(IssueDraft {
                id,
                category: issue.category,
                severity: issue.severity,
                stage_of_care: issue.stage_of_care,
                summary: issue.summary.clone(),
            })
        })
        .collect()
}

#[derive(InputObject)]
pub struct ComplaintCreateInput {
    /// The facility's code; it must be one of your token's facilities.
    pub facility_code: String,
    /// Department or location.
    pub department: String,
    pub channel: Channel,
    /// When the hospital received it; every clock starts here.
    pub received_at: DateTime<Utc>,
    /// Who received it; your name when omitted.
    pub received_by: Option<String>,
    pub complainant: ComplainantInput,
    pub patient: PatientInput,
    #[graphql(default)]
    pub medicare_beneficiary: bool,
    #[graphql(default)]
    pub concerns_quality_of_care: bool,
    #[graphql(default)]
    pub concerns_premature_discharge: bool,
    /// The patient or representative asks for formal handling or a written response.
    #[graphql(default)]
    pub formal_handling_requested: bool,
    #[graphql(default)]
    pub alleges_abuse_neglect_or_harm: bool,
    #[graphql(default)]
    pub concerns_conditions_of_participation: bool,
    /// A Medicare beneficiary's billing complaint about rights and limitations.
    #[graphql(default)]
    pub medicare_billing_rights: bool,
    /// In the complainant's words.
    pub description: String,
    pub desired_outcome: Option<String>,
    #[graphql(default)]
    pub people_involved: Vec<PersonInvolvedInput>,
    /// At least one HCAT issue.
    pub issues: Vec<ComplaintIssueInput>,
    /// Which deadline policy of the facility the clocks follow.
    #[graphql(default_with = "Program::CmsHospital")]
    pub program: Program,
    /// Use the policy's expedited resolution time.
    #[graphql(default)]
    pub expedited: bool,
    /// The same key from you returns the first complaint instead of a second.
    /// Open it from this failed accessibility request (denied, met with an
    /// alternative, fulfilled late, or open past its needed-by time): the
    /// complaint is a grievance, and the two are linked both ways.
    pub accessibility_request_id: Option<ID>,
    pub idempotency_key: Option<String>,
}

impl ComplaintCreateInput {
    /// The service's draft; `received_by` when the input names nobody.
    pub fn into_draft(self, received_by: &str) -> Result<CreateDraft, ServiceError> {
        let issue_drafts = issues(&self.issues)?;
        let request_id = optional_uuid_of(
            self.accessibility_request_id.as_ref(),
            NodeKind::AccessibilityRequest,
            "accessibility request",
            "accessibilityRequestId",
        )?;
        Ok(CreateDraft {
            facility_code: self.facility_code,
            idempotency_key: self.idempotency_key,
            accessibility_request_id: request_id,
            intake: IntakeDraft {
                department: self.department,
                channel: self.channel,
                received_at: self.received_at,
                received_by: self.received_by.unwrap_or_else(|| received_by.to_owned()),
                complainant: self.complainant.to_domain(),
                patient: self.patient.to_domain(),
                medicare_beneficiary: self.medicare_beneficiary,
                concerns_quality_of_care: self.concerns_quality_of_care,
                concerns_premature_discharge: self.concerns_premature_discharge,
                facts: dc::GrievanceFacts {
                    formal_handling_requested: self.formal_handling_requested,
                    alleges_abuse_neglect_or_harm: self.alleges_abuse_neglect_or_harm,
                    concerns_conditions_of_participation: self.concerns_conditions_of_participation,
                    medicare_billing_rights: self.medicare_billing_rights,
                },
                description: self.description,
                desired_outcome: self.desired_outcome,
                people_involved: people(&self.people_involved),
                issues: issue_drafts,
                program: self.program,
                expedited: self.expedited,
            },
        })
    }
}

#[derive(InputObject)]
pub struct ComplaintUpdateInput {
    pub id: ID,
    pub expected_version: i32,
    pub department: Option<String>,
    pub complainant: Option<ComplainantInput>,
    pub patient: Option<PatientInput>,
    pub medicare_beneficiary: Option<bool>,
    pub concerns_quality_of_care: Option<bool>,
    pub concerns_premature_discharge: Option<bool>,
    pub formal_handling_requested: Option<bool>,
    pub alleges_abuse_neglect_or_harm: Option<bool>,
    pub concerns_conditions_of_participation: Option<bool>,
    pub medicare_billing_rights: Option<bool>,
    pub description: Option<String>,
    pub desired_outcome: Option<String>,
    /// Replaces the list.
    pub people_involved: Option<Vec<PersonInvolvedInput>>,
    /// Replaces the issues; give `id` to keep an existing one.
    pub issues: Option<Vec<ComplaintIssueInput>>,
}

impl ComplaintUpdateInput {
    /// The changes to apply; refused when an issue id is malformed.
    pub fn to_patch(&self) -> Result<DetailsPatch, ServiceError> {
        Ok(DetailsPatch {
            department: self.department.clone(),
            complainant: self.complainant.as_ref().map(ComplainantInput::to_domain),
            patient: self.patient.as_ref().map(PatientInput::to_domain),
            medicare_beneficiary: self.medicare_beneficiary,
            concerns_quality_of_care: self.concerns_quality_of_care,
            concerns_premature_discharge: self.concerns_premature_discharge,
            formal_handling_requested: self.formal_handling_requested,
            alleges_abuse_neglect_or_harm: self.alleges_abuse_neglect_or_harm,
            concerns_conditions_of_participation: self.concerns_conditions_of_participation,
            medicare_billing_rights: self.medicare_billing_rights,
            description: self.description.clone(),
            desired_outcome: self.desired_outcome.clone(),
            people_involved: self.people_involved.as_deref().map(people),
            issues: self.issues.as_deref().map(issues).transpose()?,
        })
    }
}

#[derive(InputObject)]
pub struct ComplaintAssignInput {
    pub id: ID,
    pub expected_version: i32,
    /// The new owner's user id. Changing an existing owner is a
    /// reassignment: PATIENT_RELATIONS_MANAGER only.
    pub owner_subject: String,
    pub owner_name: String,
}

#[derive(InputObject)]
pub struct ComplaintAcknowledgeInput {
    pub id: ID,
    pub expected_version: i32,
    /// How the complainant was told.
    pub method: ContactMethod,
    /// When; now when omitted.
    pub acknowledged_at: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct ComplaintStartInvestigationInput {
    pub id: ID,
    pub expected_version: i32,
}

#[derive(InputObject)]
pub struct ComplaintEscalateInput {
    pub id: ID,
    pub expected_version: i32,
    pub reason: String,
}

#[derive(InputObject)]
pub struct ComplaintResolveAtPointOfServiceInput {
    pub id: ID,
    pub expected_version: i32,
    /// What was done on the spot.
    pub resolution: String,
}

#[derive(InputObject)]
pub struct IssueFindingInput {
    pub issue_id: ID,
    pub finding: String,
}

/// Why written notice of the resolution went another lawful way than a
/// letter (for example, the complainant asked for it by email and the
/// email is on file). Audited with the resolution.
#[derive(InputObject)]
pub struct WrittenNoticeExceptionInput {
    pub reason: String,
}

#[derive(InputObject)]
pub struct ComplaintResolveInput {
    pub id: ID,
    pub expected_version: i32,
    /// A finding for every issue that has none yet.
    #[graphql(default)]
    pub findings: Vec<IssueFindingInput>,
    pub summary: Option<String>,
    /// The sent RESOLUTION letter that is the written response (A-0123);
    /// omit for the latest sent one no correction replaced. A grievance
    /// needs one, or `writtenNoticeException`.
    pub letter_id: Option<ID>,
    /// Instead of a letter: why written notice went another lawful way.
    pub written_notice_exception: Option<WrittenNoticeExceptionInput>,
}

impl ComplaintResolveInput {
    /// The findings, summary and written response; refused on every
    /// malformed issue id.
    pub fn to_domain(&self) -> Result<ResolveInput, ServiceError> {
        let mut findings = Vec::new();
        let mut bad = Vec::new();
        for (i, f) in self.findings.iter().enumerate() {
            match Uuid::try_parse(&f.issue_id) {
                Ok(issue_id) => findings.push(Finding {
                    issue_id,
                    finding: f.finding.clone(),
                }),
                Err(_) => bad.push(
                    Refusal::new(RefusalCode::Validation, "not an issue id").on(&[
                        "input",
                        "findings",
                        &i.to_string(),
                        "issueId",
                    ]),
                ),
            }
        }
        if !bad.is_empty() {
            return Err(ServiceError::Refused(bad));
        }
        Ok(ResolveInput {
            findings,
            summary: self.summary.clone(),
            letter_id: crate::graphql::common::optional_uuid_of(
                self.letter_id.as_ref(),
                crate::ids::NodeKind::Letter,
                "letter",
                "letterId",
            )?,
            written_notice_exception: self
                .written_notice_exception
                .as_ref()
                .map(|e| e.reason.clone()),
        })
    }
}

#[derive(InputObject)]
pub struct ComplaintCloseInput {
    pub id: ID,
    pub expected_version: i32,
}

#[derive(InputObject)]
pub struct ComplaintWithdrawInput {
    pub id: ID,
    pub expected_version: i32,
    pub reason: String,
}

#[derive(InputObject)]
pub struct ComplaintReopenInput {
    pub id: ID,
    pub expected_version: i32,
    pub reason: String,
}

#[derive(InputObject)]
pub struct ComplaintExtendDeadlineInput {
    pub id: ID,
    pub expected_version: i32,
    #[graphql(default_with = "ClockKind::Resolution")]
    pub clock: ClockKind,
    /// How much longer; within the policy's maximum.
    pub by: SpanInput,
    pub reason: String,
}

#[derive(InputObject)]
pub struct ComplaintAddNoteInput {
    pub complaint_id: ID,
    pub body: String,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct ComplaintLogContactInput {
    pub complaint_id: ID,
    pub direction: ContactDirection,
    pub method: ContactMethod,
    pub contacted_at: DateTime<Utc>,
    pub with_whom: Option<String>,
    pub summary: String,
    pub idempotency_key: Option<String>,
}
