//! The `Complaint` object: a complaint as it stands, or as it stood at a
//! moment (`complaintAsOf`).

mod clocks;
mod linked;
mod parts;

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub use self::clocks::{Clock, DeadlineExtension};
use self::linked::loaders;
pub use self::parts::{
    Acknowledgement, Complainant, ComplaintContact, ComplaintIssue, ComplaintNote, Escalation,
    PersonInvolved, ReasonedEvent, Resolution, WrittenResponse,
};
use crate::domain::command::complaint as command;
use crate::domain::complaint::{ComplaintState, lifecycle};
use crate::graphql::accessibility::AccessibilityRequest;
use crate::graphql::audit::{AuditEventConnection, history};
use crate::graphql::common::{DEFAULT_PAGE_SIZE, Patient, UserRef};
use crate::graphql::context::ContextExt;
use crate::graphql::enums::*;
use crate::graphql::facilities::Facility;
use crate::graphql::interpreter::InterpreterSession;
use crate::graphql::service_recovery::ServiceRecoveryAction;
use crate::ids::{NodeKind, encode_id};
use crate::services::complaints as svc;

/// A complaint or grievance. When it came from `complaintAsOf`, every
/// field shows it as it stood at that moment.
#[derive(Clone, Debug)]
pub struct Complaint {
    pub uuid: Uuid,
    pub state: Arc<ComplaintState>,
    /// Set for a rebuilt past state: notes, contacts and history stop there.
    pub as_of: Option<DateTime<Utc>>,
}

impl Complaint {
    pub fn new(record: svc::Record) -> Self {
        Complaint {
            uuid: record.id,
            state: Arc::new(record.state),
            as_of: None,
        }
    }
}

#[Object]
impl Complaint {
    pub async fn id(&self) -> ID {
        encode_id(NodeKind::Complaint, self.uuid)
    }
    /// Human reference, unique across the system: `GRV-2026-000123`.
    async fn reference(&self) -> &str {
        &self.state.reference
    }
    /// Send it back as `expectedVersion` to change the complaint.
    async fn version(&self) -> i32 {
        self.state.version
    }
    async fn facility(&self, ctx: &Context<'_>) -> Result<Option<Facility>> {
        let row = loaders(ctx)?
            .facilities
            .load_one(self.state.facility_id)
            .await?;
        Ok(row.map(Facility::from))
    }
    async fn facility_code(&self) -> &str {
        &self.state.facility_code
    }
    /// Department or location.
    async fn department(&self) -> &str {
        &self.state.department
    }
    async fn channel(&self) -> Channel {
        self.state.channel
    }
    async fn received_at(&self) -> DateTime<Utc> {
        self.state.received_at
    }
    /// Who received it.
    async fn received_by(&self) -> &str {
        &self.state.received_by
    }
    async fn complainant(&self) -> Complainant {
        let c = &self.state.complainant;
        Complainant {
            name: c.name.clone(),
            relationship: c.relationship,
            contact: c.contact.clone(),
            preferred_language: c.preferred_language.clone(),
            communication_needs: c.communication_needs.clone(),
        }
    }
    async fn patient(&self) -> Patient {
        Patient {
            mrn: self.state.patient.mrn.clone(),
            name: self.state.patient.name.clone(),
        }
    }
    async fn medicare_beneficiary(&self) -> bool {
        self.state.medicare_beneficiary
    }
    async fn concerns_quality_of_care(&self) -> bool {
        self.state.concerns_quality_of_care
    }
    async fn concerns_premature_discharge(&self) -> bool {
        self.state.concerns_premature_discharge
    }
    async fn formal_handling_requested(&self) -> bool {
        self.state.facts.formal_handling_requested
    }
    async fn alleges_abuse_neglect_or_harm(&self) -> bool {
        self.state.facts.alleges_abuse_neglect_or_harm
    }
    async fn concerns_conditions_of_participation(&self) -> bool {
        self.state.facts.concerns_conditions_of_participation
    }
    async fn medicare_billing_rights(&self) -> bool {
        self.state.facts.medicare_billing_rights
    }
    /// In the complainant's words.
    async fn description(&self) -> &str {
        &self.state.description
    }
    async fn desired_outcome(&self) -> Option<&str> {
        self.state.desired_outcome.as_deref()
    }
    async fn people_involved(&self) -> Vec<PersonInvolved> {
        self.state
            .people_involved
            .iter()
            .map(|p| PersonInvolved {
                name: p.name.clone(),
                role: p.role.clone(),
            })
            .collect()
    }
    async fn issues(&self) -> Vec<ComplaintIssue> {
        self.state
            .issues
            .iter()
            .map(|i| ComplaintIssue {
                id: ID(i.id.to_string()),
                domain: i.category.domain(),
                category: i.category,
                severity: i32::from(i.severity),
                stage_of_care: i.stage_of_care,
                summary: i.summary.clone(),
                finding: i.finding.clone(),
            })
            .collect()
    }
    async fn classification(&self) -> Classification {
        self.state.classification
    }
    /// Which CMS triggers made it a grievance; empty for a complaint.
    async fn classification_reasons(&self) -> Vec<ClassificationReason> {
        self.state.classification_reasons.to_vec()
    }
    async fn escalation(&self) -> Option<Escalation> {
        self.state.escalation.as_ref().map(|e| Escalation {
            at: e.at,
            by: (&e.by).into(),
            reason: e.reason.clone(),
        })
    }
    async fn status(&self) -> ComplaintStatus {
        self.state.status
    }
    /// What can be done next: the lifecycle's moves from this state that
    /// your roles permit (CLOSE only when no linked service-recovery action
    /// or accessibility request is unfinished).
    async fn allowed_actions(&self, ctx: &Context<'_>) -> Result<Vec<ComplaintAction>> {
        let actor = ctx.actor()?;
        let mut actions = command::allowed_actions(&self.state, actor, false);
        // Linked work is loaded only when CLOSE is otherwise allowed
        // (through the loaders: one query per kind for a whole page).
        if actions.contains(&lifecycle::Action::Close) && self.has_unfinished_work(ctx).await? {
            actions = command::allowed_actions(&self.state, actor, true);
        }
        Ok(actions.into_iter().collect())
    }
    /// Whether the written response must carry the QIO notice (A-0120).
    async fn qio_notice_required(&self) -> bool {
        self.state.needs_qio_notice()
    }
    async fn owner(&self) -> Option<UserRef> {
        self.state.owner.as_ref().map(Into::into)
    }
    /// Who logged it.
    async fn created_by(&self) -> UserRef {
        (&self.state.created_by).into()
    }
    async fn acknowledgement(&self) -> Option<Acknowledgement> {
        self.state
            .acknowledgement
            .as_ref()
            .map(|a| Acknowledgement {
                at: a.at,
                method: a.method,
                by: (&a.by).into(),
            })
    }
    async fn investigation_started_at(&self) -> Option<DateTime<Utc>> {
        self.state.investigation_started_at
    }
    async fn resolution(&self) -> Option<Resolution> {
        self.state.resolution.as_ref().map(|r| Resolution {
            at: r.at,
            by: (&r.by).into(),
            at_point_of_service: r.at_point_of_service,
            summary: r.summary.clone(),
            written_response: r.written_response.as_ref().map(|w| WrittenResponse {
                contact_person: w.contact_person.clone(),
                investigation_steps: w.investigation_steps.clone(),
                results: w.results.clone(),
                completed_on: w.completed_on,
                sent_at: w.sent_at,
                sent_by: w.sent_by,
                language: w.language.clone(),
                format: w.format,
                qio_notice_included: w.qio_notice_included,
                letter_id: w.letter_id.map(|id| encode_id(NodeKind::Letter, id)),
            }),
            written_notice_exception: r.written_notice_exception.clone(),
        })
    }
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.state.closed_at
    }
    async fn withdrawal(&self) -> Option<ReasonedEvent> {
        self.state.withdrawal.as_ref().map(|w| ReasonedEvent {
            at: w.at,
            by: (&w.by).into(),
            reason: w.reason.clone(),
        })
    }
    async fn reopenings(&self) -> Vec<ReasonedEvent> {
        self.state
            .reopenings
            .iter()
            .map(|r| ReasonedEvent {
                at: r.at,
                by: (&r.by).into(),
                reason: r.reason.clone(),
            })
            .collect()
    }
    async fn reopen_count(&self) -> i32 {
        i32::try_from(self.state.reopenings.len()).unwrap_or(i32::MAX)
    }
    /// The deadline policy's program the clocks run on.
    async fn program(&self) -> Program {
        self.state.clocks.program
    }
    async fn expedited(&self) -> bool {
        self.state.clocks.expedited
    }
    /// Acknowledgement and resolution clocks, from receipt, and the
    /// `PROGRESS_NOTICE` clock where the complaint's policy has that duty
    /// (absent otherwise).
    async fn clocks(&self, ctx: &Context<'_>) -> Result<Vec<Clock>> {
        let facility = loaders(ctx)?
            .facilities
            .load_one(self.state.facility_id)
            .await?;
        let tz: chrono_tz::Tz = facility
            .and_then(|f| f.time_zone.parse().ok())
            .unwrap_or(chrono_tz::UTC);
        let now = self.as_of.unwrap_or_else(Utc::now);
        Ok(self
            .state
            .clocks
            .states(self.state.received_at)
            .into_iter()
            .map(|c| Clock {
                kind: c.kind,
                started_at: c.started_at,
                due_at: c.due_at,
                due_at_local: c.due_at.with_timezone(&tz).to_rfc3339(),
                met_at: c.met_at,
                met_on_time: c.met_on_time(),
                status: self.state.clock_status(&c, now),
                extensions: i32::try_from(self.state.clocks.extension_count(c.kind))
                    .unwrap_or(i32::MAX),
            })
            .collect())
    }
    /// Open with a clock past due and not met.
    async fn overdue(&self) -> bool {
        self.state.is_overdue(self.as_of.unwrap_or_else(Utc::now))
    }
    async fn extensions(&self) -> Vec<DeadlineExtension> {
        self.state
            .clocks
            .extensions
            .iter()
            .map(|e| DeadlineExtension {
                clock: e.clock,
                by: e.by_span.into(),
                previous_due_at: e.previous_due_at,
                new_due_at: e.new_due_at,
                reason: e.reason.clone(),
                granted_by: (&e.granted_by).into(),
                granted_at: e.granted_at,
            })
            .collect()
    }
    /// Working notes, oldest first. Append-only.
    async fn notes(&self, ctx: &Context<'_>) -> Result<Vec<ComplaintNote>> {
        let rows = loaders(ctx)?
            .notes
            .load_one(self.uuid)
            .await?
            .unwrap_or_default();
        let rows = ctx
            .reader()?
            .of_complaint(self.uuid, &self.state, rows, "Complaint.notes")
            .await?;
        Ok(rows
            .into_iter()
            .filter(|n| self.as_of.is_none_or(|at| n.created_at <= at))
            .map(ComplaintNote::from)
            .collect())
    }
    /// Documents on the complaint (metadata; bytes at each `downloadPath`),
    /// oldest first. Never deleted.
    async fn attachments(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<crate::graphql::attachments::Attachment>> {
        crate::graphql::attachments::of_complaint(ctx, self.uuid, &self.state, self.as_of).await
    }
    /// Letters to the complainant, oldest first, read as part of the
    /// complaint (now, even on a past state).
    async fn letters(&self, ctx: &Context<'_>) -> Result<Vec<crate::graphql::letters::Letter>> {
        let rows = ctx
            .reader()?
            .letters(self.uuid, &self.state, "Complaint.letters")
            .await?;
        Ok(rows
            .into_iter()
            .filter(|l| self.as_of.is_none_or(|at| l.state.created_at <= at))
            .map(crate::graphql::letters::Letter::new)
            .collect())
    }
    /// Contacts with the complainant, in the order they happened.
    async fn contacts(&self, ctx: &Context<'_>) -> Result<Vec<ComplaintContact>> {
        let rows = loaders(ctx)?
            .contacts
            .load_one(self.uuid)
            .await?
            .unwrap_or_default();
        let rows = ctx
            .reader()?
            .of_complaint(self.uuid, &self.state, rows, "Complaint.contacts")
            .await?;
        Ok(rows
            .into_iter()
            .filter(|c| self.as_of.is_none_or(|at| c.created_at <= at))
            .filter_map(ComplaintContact::from_model)
            .collect())
    }
    /// Service-recovery actions on it, in the order proposed; empty for
    /// roles that may not read service recovery (STAFF).
    async fn service_recovery_actions(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<ServiceRecoveryAction>> {
        let loader = &loaders(ctx)?.service_recovery;
        let rows = self
            .linked(ctx, loader, "Complaint.serviceRecoveryActions")
            .await?;
        Ok(rows.into_iter().map(ServiceRecoveryAction::new).collect())
    }
    /// Interpreter sessions linked to it (STAFF: those they logged).
    async fn interpreter_sessions(&self, ctx: &Context<'_>) -> Result<Vec<InterpreterSession>> {
        let loader = &loaders(ctx)?.interpreter_sessions;
        let rows = self
            .linked(ctx, loader, "Complaint.interpreterSessions")
            .await?;
        Ok(rows.into_iter().map(InterpreterSession::new).collect())
    }
    /// Accessibility requests linked to it, including the one it was
    /// opened from (STAFF: those they filed).
    async fn accessibility_requests(&self, ctx: &Context<'_>) -> Result<Vec<AccessibilityRequest>> {
        let loader = &loaders(ctx)?.accessibility_requests;
        let rows = self
            .linked(ctx, loader, "Complaint.accessibilityRequests")
            .await?;
        let at = self.as_of.unwrap_or_else(Utc::now);
        Ok(rows
            .into_iter()
            .map(|r| AccessibilityRequest {
                at,
                ..AccessibilityRequest::new(r)
            })
            .collect())
    }
    /// The failed accessibility request this complaint was opened from.
    async fn opened_from_accessibility_request_id(&self) -> Option<ID> {
        self.state
            .accessibility_request_id
            .map(|id| encode_id(NodeKind::AccessibilityRequest, id))
    }
    /// Its audit events, in order: every change to it and to its notes and
    /// contacts.
    #[graphql(
        complexity = "first.map_or(DEFAULT_PAGE_SIZE as usize, |n| n.max(0) as usize) * child_complexity + 1"
    )]
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<AuditEventConnection> {
        history(ctx, self.uuid, self.as_of, first, after).await
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.state.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.state.updated_at
    }
    /// For `complaintAsOf`: the moment this state is rebuilt at.
    async fn as_of(&self) -> Option<DateTime<Utc>> {
        self.as_of
    }
}
