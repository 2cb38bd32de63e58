//! Complaint mutations: one per business action, each taking `input` and
//! returning a payload with the complaint and `userErrors`.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::complaints::{Complaint, ComplaintContact, ComplaintNote, SpanInput};
use super::context::ContextExt;
use super::enums::*;
use super::node::{NodeKind, decode_id};
use super::user_error::UserError;
use super::work::user_errors;
use crate::domain::command::Command;
use crate::domain::command::complaint::ComplaintCommand;
use crate::domain::complaint::intake::{DetailsPatch, IntakeDraft, IssueDraft};
use crate::domain::complaint::resolution::{Finding, ResolveInput};
use crate::domain::complaint::{self as dc};
use crate::services::change;
use crate::services::complaints::{self as svc, ContactDraft, CreateDraft, Record};
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
            relationship: self.relationship.into(),
            contact: self.contact.clone(),
            preferred_language: self.preferred_language.clone(),
            communication_needs: self.communication_needs.clone(),
        }
    }
}

#[derive(InputObject, Clone)]
pub struct PatientInput {
    /// Medical record number, when known.
    pub mrn: Option<String>,
    pub name: String,
}

impl PatientInput {
    fn to_domain(&self) -> dc::Patient {
        dc::Patient {
            mrn: self.mrn.clone(),
            name: self.name.clone(),
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
                category: issue.category.into(),
                severity: issue.severity,
                stage_of_care: issue.stage_of_care.into(),
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

#[derive(SimpleObject)]
pub struct ComplaintCreatePayload {
    pub complaint: Option<Complaint>,
    /// True when `idempotencyKey` matched an earlier create: nothing new
    /// was written.
    pub replayed: bool,
    pub user_errors: Vec<UserError>,
}

/// The result of a change to a complaint.
#[derive(SimpleObject)]
pub struct ComplaintPayload {
    /// The complaint after the change; null when refused.
    pub complaint: Option<Complaint>,
    pub user_errors: Vec<UserError>,
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

/// A-0123's elements, how it was sent, and A-0120's QIO notice.
#[derive(InputObject)]
pub struct WrittenResponseInput {
    /// The name of the hospital contact person.
    pub contact_person: String,
    pub investigation_steps: String,
    /// The results of the grievance process.
    pub results: String,
    /// The date of completion.
    pub completed_on: NaiveDate,
    pub sent_at: DateTime<Utc>,
    pub sent_by: ContactMethod,
    /// The language it is written in (the patient's preferred language).
    pub language: String,
    #[graphql(default_with = "ResponseFormat::Standard")]
    pub format: ResponseFormat,
    /// It told a Medicare beneficiary of their right to refer the concern to the QIO.
    #[graphql(default)]
    pub qio_notice_included: bool,
}

#[derive(InputObject)]
pub struct ComplaintResolveInput {
    pub id: ID,
    pub expected_version: i32,
    /// A finding for every issue that has none yet.
    #[graphql(default)]
    pub findings: Vec<IssueFindingInput>,
    pub summary: Option<String>,
    /// Required for a grievance.
    pub written_response: Option<WrittenResponseInput>,
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

#[derive(SimpleObject)]
pub struct ComplaintAddNotePayload {
    pub note: Option<ComplaintNote>,
    pub user_errors: Vec<UserError>,
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

#[derive(SimpleObject)]
pub struct ComplaintLogContactPayload {
    pub contact: Option<ComplaintContact>,
    pub user_errors: Vec<UserError>,
}

fn complaint_uuid(id: &ID, field: &str) -> Result<Uuid, ServiceError> {
    match decode_id(id) {
        Some((NodeKind::Complaint, uuid)) => Ok(uuid),
        _ => Err(Refusal::new(RefusalCode::NotFound, "complaint not found")
            .on(&["input", field])
            .into()),
    }
}

fn payload(
    ctx: &Context<'_>,
    action: &str,
    result: Result<Record, ServiceError>,
) -> Result<ComplaintPayload> {
    match result {
        Ok(record) => {
            tracing::info!(
                complaint_id = %record.id,
                version = record.state.version,
                action,
                "complaint changed"
            );
            Ok(ComplaintPayload {
                complaint: Some(Complaint::new(record)),
                user_errors: Vec::new(),
            })
        }
        Err(ServiceError::Refused(refusals)) => Ok(ComplaintPayload {
            complaint: None,
            user_errors: user_errors(refusals),
        }),
        Err(ServiceError::Db(e)) => Err(ctx.internal(e)),
    }
}

/// Runs one command through the one change path.
async fn apply(
    ctx: &Context<'_>,
    id: &ID,
    expected_version: i32,
    command: ComplaintCommand,
) -> Result<ComplaintPayload> {
    let caller = ctx.caller()?;
    let action = command.audit_action();
    let result = match complaint_uuid(id, "id") {
        Ok(uuid) => change::change(ctx.db()?, &caller, uuid, expected_version, command)
            .await
            .map(|state| Record { id: uuid, state }),
        Err(e) => Err(e),
    };
    payload(ctx, action.as_str(), result)
}

#[derive(Default)]
pub struct ComplaintMutation;

#[Object]
impl ComplaintMutation {
    /// Logs a new complaint: classified from the CMS triggers, numbered,
    /// clocks started at `receivedAt`.
    async fn complaint_create(
        &self,
        ctx: &Context<'_>,
        input: ComplaintCreateInput,
    ) -> Result<ComplaintCreatePayload> {
        let caller = ctx.caller()?;
        let issue_drafts = match issues(&input.issues) {
            Ok(i) => i,
            Err(ServiceError::Refused(r)) => {
                return Ok(ComplaintCreatePayload {
                    complaint: None,
                    replayed: false,
                    user_errors: user_errors(r),
                });
            }
            Err(ServiceError::Db(e)) => return Err(ctx.internal(e)),
        };
        let request_id = match super::work::optional_uuid_of(
            input.accessibility_request_id.as_ref(),
            NodeKind::AccessibilityRequest,
            "accessibility request",
            "accessibilityRequestId",
        ) {
            Ok(id) => id,
            Err(ServiceError::Refused(r)) => {
                return Ok(ComplaintCreatePayload {
                    complaint: None,
                    replayed: false,
                    user_errors: user_errors(r),
                });
            }
            Err(ServiceError::Db(e)) => return Err(ctx.internal(e)),
        };
        let draft = CreateDraft {
            facility_code: input.facility_code,
            idempotency_key: input.idempotency_key,
            accessibility_request_id: request_id,
            intake: IntakeDraft {
                department: input.department,
                channel: input.channel.into(),
                received_at: input.received_at,
                received_by: input
                    .received_by
                    .unwrap_or_else(|| caller.actor.name.clone()),
                complainant: input.complainant.to_domain(),
                patient: input.patient.to_domain(),
                medicare_beneficiary: input.medicare_beneficiary,
                concerns_quality_of_care: input.concerns_quality_of_care,
                concerns_premature_discharge: input.concerns_premature_discharge,
                facts: dc::GrievanceFacts {
                    formal_handling_requested: input.formal_handling_requested,
                    alleges_abuse_neglect_or_harm: input.alleges_abuse_neglect_or_harm,
                    concerns_conditions_of_participation: input
                        .concerns_conditions_of_participation,
                    medicare_billing_rights: input.medicare_billing_rights,
                },
                description: input.description,
                desired_outcome: input.desired_outcome,
                people_involved: people(&input.people_involved),
                issues: issue_drafts,
                program: input.program.into(),
                expedited: input.expedited,
            },
        };
        match svc::create(ctx.db()?, &caller, &draft).await {
            Ok((record, replayed)) => {
                tracing::info!(complaint_id = %record.id, replayed, "complaint created");
                Ok(ComplaintCreatePayload {
                    complaint: Some(Complaint::new(record)),
                    replayed,
                    user_errors: Vec::new(),
                })
            }
            Err(ServiceError::Refused(r)) => Ok(ComplaintCreatePayload {
                complaint: None,
                replayed: false,
                user_errors: user_errors(r),
            }),
            Err(ServiceError::Db(e)) => Err(ctx.internal(e)),
        }
    }

    /// Changes details and HCAT issues of an open complaint; reclassifies
    /// (a grievance stays a grievance).
    async fn complaint_update(
        &self,
        ctx: &Context<'_>,
        input: ComplaintUpdateInput,
    ) -> Result<ComplaintPayload> {
        let issue_drafts = match input.issues.as_deref().map(issues).transpose() {
            Ok(i) => i,
            Err(ServiceError::Refused(r)) => {
                return Ok(ComplaintPayload {
                    complaint: None,
                    user_errors: user_errors(r),
                });
            }
            Err(ServiceError::Db(e)) => return Err(ctx.internal(e)),
        };
        let patch = DetailsPatch {
            department: input.department,
            complainant: input.complainant.as_ref().map(ComplainantInput::to_domain),
            patient: input.patient.as_ref().map(PatientInput::to_domain),
            medicare_beneficiary: input.medicare_beneficiary,
            concerns_quality_of_care: input.concerns_quality_of_care,
            concerns_premature_discharge: input.concerns_premature_discharge,
            formal_handling_requested: input.formal_handling_requested,
            alleges_abuse_neglect_or_harm: input.alleges_abuse_neglect_or_harm,
            concerns_conditions_of_participation: input.concerns_conditions_of_participation,
            medicare_billing_rights: input.medicare_billing_rights,
            description: input.description,
            desired_outcome: input.desired_outcome,
            people_involved: input.people_involved.as_deref().map(people),
            issues: issue_drafts,
        };
        apply(
            ctx,
            &input.id,
            input.expected_version,
            ComplaintCommand::Update(patch),
        )
        .await
    }

    /// Gives the complaint its owner. Replacing an existing owner is a
    /// reassignment, for a PATIENT_RELATIONS_MANAGER.
    async fn complaint_assign(
        &self,
        ctx: &Context<'_>,
        input: ComplaintAssignInput,
    ) -> Result<ComplaintPayload> {
        let owner = dc::UserRef {
            subject: input.owner_subject,
            name: input.owner_name,
        };
        apply(
            ctx,
            &input.id,
            input.expected_version,
            ComplaintCommand::Assign { owner },
        )
        .await
    }

    /// RECEIVED → ACKNOWLEDGED: records how and when the complainant was told.
    async fn complaint_acknowledge(
        &self,
        ctx: &Context<'_>,
        input: ComplaintAcknowledgeInput,
    ) -> Result<ComplaintPayload> {
        apply(
            ctx,
            &input.id,
            input.expected_version,
            ComplaintCommand::Acknowledge {
                method: input.method.into(),
                at: input.acknowledged_at,
            },
        )
        .await
    }

    /// → INVESTIGATING; needs an owner. A plain complaint becomes a
    /// grievance (not resolved at the time).
    async fn complaint_start_investigation(
        &self,
        ctx: &Context<'_>,
        input: ComplaintStartInvestigationInput,
    ) -> Result<ComplaintPayload> {
        apply(
            ctx,
            &input.id,
            input.expected_version,
            ComplaintCommand::StartInvestigation,
        )
        .await
    }

    /// Makes an open complaint a grievance, with a reason. There is no way back.
    async fn complaint_escalate(
        &self,
        ctx: &Context<'_>,
        input: ComplaintEscalateInput,
    ) -> Result<ComplaintPayload> {
        apply(
            ctx,
            &input.id,
            input.expected_version,
            ComplaintCommand::Escalate {
                reason: input.reason,
            },
        )
        .await
    }

    /// RECEIVED → RESOLVED for a complaint (not a grievance) settled on the
    /// spot. STAFF may do this for complaints they logged.
    async fn complaint_resolve_at_point_of_service(
        &self,
        ctx: &Context<'_>,
        input: ComplaintResolveAtPointOfServiceInput,
    ) -> Result<ComplaintPayload> {
        apply(
            ctx,
            &input.id,
            input.expected_version,
            ComplaintCommand::ResolveAtPointOfService {
                resolution: input.resolution,
            },
        )
        .await
    }

    /// → RESOLVED: a finding for every issue; a grievance needs its written
    /// response (A-0123, and the QIO notice of A-0120 where owed).
    async fn complaint_resolve(
        &self,
        ctx: &Context<'_>,
        input: ComplaintResolveInput,
    ) -> Result<ComplaintPayload> {
        let mut findings = Vec::new();
        let mut bad = Vec::new();
        for (i, f) in input.findings.iter().enumerate() {
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
            return Ok(ComplaintPayload {
                complaint: None,
                user_errors: user_errors(bad),
            });
        }
        let resolve = ResolveInput {
            findings,
            summary: input.summary.clone(),
            written_response: input
                .written_response
                .as_ref()
                .map(|w| dc::WrittenResponse {
                    contact_person: w.contact_person.clone(),
                    investigation_steps: w.investigation_steps.clone(),
                    results: w.results.clone(),
                    completed_on: w.completed_on,
                    sent_at: w.sent_at,
                    sent_by: w.sent_by.into(),
                    language: w.language.clone(),
                    format: w.format.into(),
                    qio_notice_included: w.qio_notice_included,
                }),
        };
        apply(
            ctx,
            &input.id,
            input.expected_version,
            ComplaintCommand::Resolve(resolve),
        )
        .await
    }

    /// RESOLVED → CLOSED, once all linked work is finished.
    async fn complaint_close(
        &self,
        ctx: &Context<'_>,
        input: ComplaintCloseInput,
    ) -> Result<ComplaintPayload> {
        apply(
            ctx,
            &input.id,
            input.expected_version,
            ComplaintCommand::Close,
        )
        .await
    }

    /// → WITHDRAWN, with a reason.
    async fn complaint_withdraw(
        &self,
        ctx: &Context<'_>,
        input: ComplaintWithdrawInput,
    ) -> Result<ComplaintPayload> {
        apply(
            ctx,
            &input.id,
            input.expected_version,
            ComplaintCommand::Withdraw {
                reason: input.reason,
            },
        )
        .await
    }

    /// RESOLVED/CLOSED/WITHDRAWN → INVESTIGATING, with a reason; counts as reopened.
    async fn complaint_reopen(
        &self,
        ctx: &Context<'_>,
        input: ComplaintReopenInput,
    ) -> Result<ComplaintPayload> {
        apply(
            ctx,
            &input.id,
            input.expected_version,
            ComplaintCommand::Reopen {
                reason: input.reason,
            },
        )
        .await
    }

    /// Extends a running clock within the policy's limits
    /// (PATIENT_RELATIONS_MANAGER).
    async fn complaint_extend_deadline(
        &self,
        ctx: &Context<'_>,
        input: ComplaintExtendDeadlineInput,
    ) -> Result<ComplaintPayload> {
        apply(
            ctx,
            &input.id,
            input.expected_version,
            ComplaintCommand::ExtendDeadline {
                clock: input.clock.into(),
                by: input.by.to_domain(),
                reason: input.reason,
            },
        )
        .await
    }

    /// Appends a working note. Notes are never edited or deleted.
    async fn complaint_add_note(
        &self,
        ctx: &Context<'_>,
        input: ComplaintAddNoteInput,
    ) -> Result<ComplaintAddNotePayload> {
        let caller = ctx.caller()?;
        let result = match complaint_uuid(&input.complaint_id, "complaintId") {
            Ok(uuid) => {
                svc::add_note(
                    ctx.db()?,
                    &caller,
                    uuid,
                    &input.body,
                    input.idempotency_key.as_deref(),
                )
                .await
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(note) => Ok(ComplaintAddNotePayload {
                note: Some(note.into()),
                user_errors: Vec::new(),
            }),
            Err(ServiceError::Refused(r)) => Ok(ComplaintAddNotePayload {
                note: None,
                user_errors: user_errors(r),
            }),
            Err(ServiceError::Db(e)) => Err(ctx.internal(e)),
        }
    }

    /// Records a contact with the complainant. Contacts are never edited
    /// or deleted.
    async fn complaint_log_contact(
        &self,
        ctx: &Context<'_>,
        input: ComplaintLogContactInput,
    ) -> Result<ComplaintLogContactPayload> {
        let caller = ctx.caller()?;
        let result = match complaint_uuid(&input.complaint_id, "complaintId") {
            Ok(uuid) => {
                let draft = ContactDraft {
                    complaint_id: uuid,
                    direction: input.direction.into(),
                    method: input.method.into(),
                    contacted_at: input.contacted_at,
                    with_whom: input.with_whom,
                    summary: input.summary,
                    idempotency_key: input.idempotency_key,
                };
                svc::log_contact(ctx.db()?, &caller, &draft).await
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(contact) => Ok(ComplaintLogContactPayload {
                contact: ComplaintContact::from_model(contact),
                user_errors: Vec::new(),
            }),
            Err(ServiceError::Refused(r)) => Ok(ComplaintLogContactPayload {
                contact: None,
                user_errors: user_errors(r),
            }),
            Err(ServiceError::Db(e)) => Err(ctx.internal(e)),
        }
    }
}
