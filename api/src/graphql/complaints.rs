//! The `Complaint` type and the complaint queries: `complaint`,
//! `complaintByReference`, `complaints` and `complaintAsOf`. Every read of
//! complaint content is recorded in the access log.

use std::sync::Arc;

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::accessibility::AccessibilityRequest;
use super::audit::{AuditEventConnection, history};
use super::context::ContextExt;
use super::enums::*;
use super::errors;
use super::facilities::Facility;
use super::interpreter::InterpreterSession;
use super::loaders::Loaders;
use super::node::{NodeKind, decode_id, encode_id};
use super::pagination::{DEFAULT_PAGE_SIZE, page_size};
use super::service_recovery::ServiceRecoveryAction;
use crate::domain::clocks as domain_clocks;
use crate::domain::complaint::{self as dc, ComplaintState, lifecycle};
use crate::domain::permissions::{Operation, permits};
use crate::services::audit::{RECORD_COMPLAINT, records_as_of};
use crate::services::complaints::{self as svc, ComplaintFilter, Cursor, Order, OrderField};
use crate::services::work::{WorkRecord, visible as work_visible};
use crate::services::{self, Caller};

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

#[derive(SimpleObject)]
pub struct UserRef {
    /// The user's id (token `sub`).
    pub subject: String,
    pub name: String,
}

impl From<&dc::UserRef> for UserRef {
    fn from(u: &dc::UserRef) -> Self {
        UserRef {
            subject: u.subject.clone(),
            name: u.name.clone(),
        }
    }
}

#[derive(SimpleObject)]
pub struct Complainant {
    pub name: String,
    pub relationship: ComplainantRelationship,
    pub contact: Option<String>,
    pub preferred_language: Option<String>,
    pub communication_needs: Option<String>,
}

#[derive(SimpleObject)]
pub struct Patient {
    /// Medical record number.
    pub mrn: Option<String>,
    pub name: String,
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
}

#[derive(SimpleObject)]
pub struct Resolution {
    pub at: DateTime<Utc>,
    pub by: UserRef,
    pub at_point_of_service: bool,
    pub summary: Option<String>,
    pub written_response: Option<WrittenResponse>,
}

#[derive(SimpleObject)]
pub struct ReasonedEvent {
    pub at: DateTime<Utc>,
    pub by: UserRef,
    pub reason: String,
}

/// A period: an amount of a unit.
#[derive(SimpleObject, Clone, Copy)]
pub struct Span {
    pub amount: i32,
    pub unit: TimeUnit,
}

impl From<domain_clocks::Span> for Span {
    fn from(s: domain_clocks::Span) -> Self {
        Span {
            amount: i32::try_from(s.amount).unwrap_or(i32::MAX),
            unit: s.unit.into(),
        }
    }
}

#[derive(InputObject, Clone, Copy)]
pub struct SpanInput {
    /// At least 1.
    pub amount: i32,
    pub unit: TimeUnit,
}

impl SpanInput {
    pub fn to_domain(self) -> domain_clocks::Span {
        domain_clocks::Span {
            amount: u32::try_from(self.amount).unwrap_or(0),
            unit: self.unit.into(),
        }
    }
}

#[derive(SimpleObject)]
pub struct DeadlineExtension {
    pub clock: ClockKind,
    pub by: Span,
    pub previous_due_at: DateTime<Utc>,
    pub new_due_at: DateTime<Utc>,
    pub reason: String,
    pub granted_by: UserRef,
    pub granted_at: DateTime<Utc>,
}

/// One clock of a complaint, started at receipt.
#[derive(SimpleObject)]
pub struct Clock {
    pub kind: ClockKind,
    pub started_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    /// The due time in the facility's time zone (RFC 3339 with its offset).
    pub due_at_local: String,
    pub met_at: Option<DateTime<Utc>>,
    /// Null while running.
    pub met_on_time: Option<bool>,
    pub status: ClockStatus,
    pub extensions: i32,
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
            direction: dc::ContactDirection::parse(&m.direction)?.into(),
            method: dc::ContactMethod::parse(&m.method)?.into(),
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

impl Complaint {
    /// Its linked records of one kind: now through the loader (one query
    /// for a page of complaints), or rebuilt from their events for
    /// `complaintAsOf`.
    async fn linked<R, L>(
        &self,
        ctx: &Context<'_>,
        loader: &DataLoader<L>,
    ) -> Result<Vec<(Uuid, R)>>
    where
        R: WorkRecord,
        L: Loader<Uuid, Value = Vec<(Uuid, R)>, Error = Arc<sea_orm::DbErr>>,
    {
        match self.as_of {
            Some(at) => records_as_of::<R>(ctx.db()?, self.uuid, at)
                .await
                .map_err(|e| ctx.internal(e)),
            None => Ok(loader
                .load_one(self.uuid)
                .await
                .map_err(|e| ctx.internal(e))?
                .unwrap_or_default()),
        }
    }

    /// Whether a linked service-recovery action or accessibility request
    /// is unfinished (whoever may see it: it blocks closing all the same).
    async fn has_unfinished_work(&self, ctx: &Context<'_>) -> Result<bool> {
        let loaders = loaders(ctx)?;
        let actions = self.linked(ctx, &loaders.service_recovery).await?;
        if actions.iter().any(|(_, a)| !a.status.is_finished()) {
            return Ok(true);
        }
        let requests = self.linked(ctx, &loaders.accessibility_requests).await?;
        Ok(requests.iter().any(|(_, r)| r.status.is_open()))
    }

    /// The linked records the caller may see (STAFF: what they created).
    fn visible_to<R: WorkRecord>(
        &self,
        ctx: &Context<'_>,
        rows: Vec<(Uuid, R)>,
    ) -> Result<Vec<(Uuid, R)>> {
        let actor = ctx.actor()?;
        Ok(rows
            .into_iter()
            .filter(|(_, r)| work_visible(actor, r.facility_code(), r.created_by()))
            .collect())
    }
}

fn loaders<'a>(ctx: &'a Context<'_>) -> Result<&'a Loaders> {
    ctx.data_opt::<Loaders>()
        .ok_or_else(|| ctx.internal(anyhow::anyhow!("schema built without loaders")))
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
            .await
            .map_err(|e| ctx.internal(e))?;
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
        self.state.channel.into()
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
            relationship: c.relationship.into(),
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
                domain: i.category.domain().into(),
                category: i.category.into(),
                severity: i32::from(i.severity),
                stage_of_care: i.stage_of_care.into(),
                summary: i.summary.clone(),
                finding: i.finding.clone(),
            })
            .collect()
    }
    async fn classification(&self) -> Classification {
        self.state.classification.into()
    }
    /// Which CMS triggers made it a grievance; empty for a complaint.
    async fn classification_reasons(&self) -> Vec<ClassificationReason> {
        self.state
            .classification_reasons
            .iter()
            .map(|r| (*r).into())
            .collect()
    }
    async fn escalation(&self) -> Option<Escalation> {
        self.state.escalation.as_ref().map(|e| Escalation {
            at: e.at,
            by: (&e.by).into(),
            reason: e.reason.clone(),
        })
    }
    async fn status(&self) -> ComplaintStatus {
        self.state.status.into()
    }
    /// What can be done next: the lifecycle's moves from this state that
    /// your roles permit (CLOSE only when no linked service-recovery action
    /// or accessibility request is unfinished).
    async fn allowed_actions(&self, ctx: &Context<'_>) -> Result<Vec<ComplaintAction>> {
        let actor = ctx.actor()?;
        let mut actions: Vec<lifecycle::Action> = lifecycle::allowed_actions(self.state.status)
            .into_iter()
            .filter(|a| permits(actor, action_operation(*a)))
            .filter(|a| {
                *a != lifecycle::Action::ResolveAtPointOfService
                    || self.state.classification == dc::Classification::Complaint
            })
            .collect();
        // Close only when no linked work is unfinished (through the
        // loaders: one query per kind for a whole page).
        if actions.contains(&lifecycle::Action::Close) && self.has_unfinished_work(ctx).await? {
            actions.retain(|a| *a != lifecycle::Action::Close);
        }
        Ok(actions.into_iter().map(Into::into).collect())
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
                method: a.method.into(),
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
                sent_by: w.sent_by.into(),
                language: w.language.clone(),
                format: w.format.into(),
                qio_notice_included: w.qio_notice_included,
            }),
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
        self.state.clocks.program.into()
    }
    async fn expedited(&self) -> bool {
        self.state.clocks.expedited
    }
    /// Acknowledgement and resolution clocks, from receipt.
    async fn clocks(&self, ctx: &Context<'_>) -> Result<Vec<Clock>> {
        let facility = loaders(ctx)?
            .facilities
            .load_one(self.state.facility_id)
            .await
            .map_err(|e| ctx.internal(e))?;
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
                kind: c.kind.into(),
                started_at: c.started_at,
                due_at: c.due_at,
                due_at_local: c.due_at.with_timezone(&tz).to_rfc3339(),
                met_at: c.met_at,
                met_on_time: c.met_on_time(),
                status: self.state.clock_status(&c, now).into(),
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
                clock: e.clock.into(),
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
            .await
            .map_err(|e| ctx.internal(e))?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .filter(|n| self.as_of.is_none_or(|at| n.created_at <= at))
            .map(ComplaintNote::from)
            .collect())
    }
    /// Contacts with the complainant, in the order they happened.
    async fn contacts(&self, ctx: &Context<'_>) -> Result<Vec<ComplaintContact>> {
        let rows = loaders(ctx)?
            .contacts
            .load_one(self.uuid)
            .await
            .map_err(|e| ctx.internal(e))?
            .unwrap_or_default();
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
        if !permits(ctx.actor()?, Operation::ReadServiceRecovery) {
            return Ok(Vec::new());
        }
        let rows = self.linked(ctx, &loaders(ctx)?.service_recovery).await?;
        Ok(self
            .visible_to(ctx, rows)?
            .into_iter()
            .map(ServiceRecoveryAction::new)
            .collect())
    }
    /// Interpreter sessions linked to it (STAFF: those they logged).
    async fn interpreter_sessions(&self, ctx: &Context<'_>) -> Result<Vec<InterpreterSession>> {
        let rows = self
            .linked(ctx, &loaders(ctx)?.interpreter_sessions)
            .await?;
        Ok(self
            .visible_to(ctx, rows)?
            .into_iter()
            .map(InterpreterSession::new)
            .collect())
    }
    /// Accessibility requests linked to it, including the one it was
    /// opened from (STAFF: those they filed).
    async fn accessibility_requests(&self, ctx: &Context<'_>) -> Result<Vec<AccessibilityRequest>> {
        let rows = self
            .linked(ctx, &loaders(ctx)?.accessibility_requests)
            .await?;
        let at = self.as_of.unwrap_or_else(Utc::now);
        Ok(self
            .visible_to(ctx, rows)?
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

/// The permission an action needs.
pub fn action_operation(action: lifecycle::Action) -> Operation {
    use lifecycle::Action::*;
    match action {
        Acknowledge => Operation::AcknowledgeComplaint,
        StartInvestigation => Operation::StartInvestigation,
        ResolveAtPointOfService => Operation::ResolveAtPointOfService,
        Resolve => Operation::ResolveComplaint,
        Close => Operation::CloseComplaint,
        Withdraw => Operation::WithdrawComplaint,
        Reopen => Operation::ReopenComplaint,
    }
}

/// Records the read, then hands the complaints out.
pub async fn logged(
    ctx: &Context<'_>,
    caller: &Caller<'_>,
    ids: &[Uuid],
    operation: &str,
) -> Result<()> {
    services::access_log::record(ctx.db()?, caller, RECORD_COMPLAINT, ids, operation)
        .await
        .map_err(|e| ctx.internal(e))
}

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
    /// A clock was met late, or is overdue now (or, with false, every
    /// clock so far met on time or still running on time).
    pub missed_deadline: Option<bool>,
}

impl ComplaintFilterInput {
    fn to_service(&self) -> Result<ComplaintFilter> {
        let severities = self.severities.clone().unwrap_or_default();
        if severities.iter().any(|s| !(1..=3).contains(s)) {
            return Err(errors::bad_input("severities are 1, 2 or 3"));
        }
        Ok(ComplaintFilter {
            facility_codes: self.facility_codes.clone().unwrap_or_default(),
            departments: self.departments.clone().unwrap_or_default(),
            classifications: self
                .classifications
                .iter()
                .flatten()
                .map(|c| (*c).into())
                .collect(),
            statuses: self
                .statuses
                .iter()
                .flatten()
                .map(|s| (*s).into())
                .collect(),
            hcat_categories: self
                .hcat_categories
                .iter()
                .flatten()
                .map(|c| (*c).into())
                .collect(),
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

fn encode_cursor(order: OrderField, record: &svc::Record) -> String {
    let raw = match order {
        OrderField::ReceivedAt => format!(
            "r:{}:{}",
            record.state.received_at.timestamp_micros(),
            record.id.simple()
        ),
        OrderField::Reference => format!("n:{}", record.state.reference),
    };
    URL_SAFE_NO_PAD.encode(raw)
}

fn decode_cursor(order: OrderField, cursor: &str) -> Result<Cursor> {
    let bad = || errors::bad_input("`after` is not a cursor from this connection and order");
    let raw = URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(bad)?;
    match (order, raw.split_once(':')) {
        (OrderField::ReceivedAt, Some(("r", rest))) => {
            let (micros, id) = rest.split_once(':').ok_or_else(bad)?;
            let at = micros
                .parse::<i64>()
                .ok()
                .and_then(DateTime::<Utc>::from_timestamp_micros)
                .ok_or_else(bad)?;
            let id = Uuid::try_parse(id).map_err(|_| bad())?;
            Ok(Cursor::ReceivedAt(at, id))
        }
        (OrderField::Reference, Some(("n", rest))) => Ok(Cursor::Reference(rest.to_owned())),
        _ => Err(bad()),
    }
}

/// `totalCount` runs its query only when asked for.
pub struct ComplaintConnectionFields {
    filter: ComplaintFilter,
    now: DateTime<Utc>,
}

#[Object]
impl ComplaintConnectionFields {
    /// How many complaints match, across all pages (a second query; ask
    /// only when needed).
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        let actor = ctx.actor()?;
        svc::count(ctx.db()?, actor, &self.filter, self.now)
            .await
            .map_err(|e| ctx.internal(e))
    }
}

pub type ComplaintConnection =
    Connection<String, Complaint, ComplaintConnectionFields, EmptyFields>;

#[derive(Default)]
pub struct ComplaintQuery;

#[Object]
impl ComplaintQuery {
    /// A complaint by id; null when it does not exist for you. Recorded in
    /// the access log.
    async fn complaint(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Complaint>> {
        ctx.authorize(Operation::ReadComplaints)?;
        let Some((NodeKind::Complaint, uuid)) = decode_id(&id) else {
            return Ok(None);
        };
        complaint_by_uuid(ctx, uuid, "complaint").await
    }

    /// A complaint by its reference (`GRV-2026-000123`); null when it does
    /// not exist for you. Recorded in the access log.
    async fn complaint_by_reference(
        &self,
        ctx: &Context<'_>,
        reference: String,
    ) -> Result<Option<Complaint>> {
        let caller = ctx.caller()?;
        ctx.authorize(Operation::ReadComplaints)?;
        let record = svc::by_reference(ctx.db()?, caller.actor, &reference)
            .await
            .map_err(|e| ctx.internal(e))?;
        if let Some(r) = &record {
            logged(ctx, &caller, &[r.id], "complaintByReference").await?;
        }
        Ok(record.map(Complaint::new))
    }

    /// Complaints you may see, filtered, newest received first unless
    /// `orderBy` says otherwise. Each complaint returned is recorded in the
    /// access log.
    #[graphql(
        complexity = "first.map_or(DEFAULT_PAGE_SIZE as usize, |n| n.max(0) as usize) * child_complexity + 1"
    )]
    async fn complaints(
        &self,
        ctx: &Context<'_>,
        filter: Option<ComplaintFilterInput>,
        order_by: Option<ComplaintOrder>,
        #[graphql(desc = "Page size: at most 100 (the configured limit), 20 when omitted.")]
        first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<ComplaintConnection> {
        let caller = ctx.caller()?;
        ctx.authorize(Operation::ReadComplaints)?;
        let limit = page_size(ctx, first)?;
        let filter = filter.unwrap_or_default().to_service()?;
        let order_by = order_by.unwrap_or_default();
        let order = Order {
            field: match order_by.field {
                ComplaintOrderField::ReceivedAt => OrderField::ReceivedAt,
                ComplaintOrderField::Reference => OrderField::Reference,
            },
            descending: order_by.direction == OrderDirection::Desc,
        };
        let cursor = after
            .as_deref()
            .map(|c| decode_cursor(order.field, c))
            .transpose()?;
        let now = Utc::now();
        let (records, has_next) = svc::list(
            ctx.db()?,
            caller.actor,
            &filter,
            order,
            cursor.as_ref(),
            limit,
            now,
        )
        .await
        .map_err(|e| ctx.internal(e))?;
        let ids: Vec<Uuid> = records.iter().map(|r| r.id).collect();
        logged(ctx, &caller, &ids, "complaints").await?;
        let mut connection = Connection::with_additional_fields(
            cursor.is_some(),
            has_next,
            ComplaintConnectionFields { filter, now },
        );
        connection.edges.extend(
            records
                .into_iter()
                .map(|r| Edge::new(encode_cursor(order.field, &r), Complaint::new(r))),
        );
        Ok(connection)
    }

    /// The complaint as it stood at `at`, rebuilt from its audit events;
    /// null when it did not exist then (or does not exist for you).
    async fn complaint_as_of(
        &self,
        ctx: &Context<'_>,
        id: ID,
        at: DateTime<Utc>,
    ) -> Result<Option<Complaint>> {
        let caller = ctx.caller()?;
        ctx.authorize(Operation::ReadComplaints)?;
        let Some((NodeKind::Complaint, uuid)) = decode_id(&id) else {
            return Ok(None);
        };
        let db = ctx.db()?;
        if !svc::is_visible(db, caller.actor, uuid)
            .await
            .map_err(|e| ctx.internal(e))?
        {
            return Ok(None);
        }
        let state = services::audit::complaint_as_of(db, uuid, at)
            .await
            .map_err(|e| ctx.internal(e))?;
        let Some(state) = state else { return Ok(None) };
        logged(ctx, &caller, &[uuid], "complaintAsOf").await?;
        Ok(Some(Complaint {
            uuid,
            state: Arc::new(state),
            as_of: Some(at),
        }))
    }
}

/// `complaint(id:)` and `node(id:)`: one visible complaint, logged.
pub async fn complaint_by_uuid(
    ctx: &Context<'_>,
    uuid: Uuid,
    operation: &str,
) -> Result<Option<Complaint>> {
    let caller = ctx.caller()?;
    let record = svc::by_id(ctx.db()?, caller.actor, uuid)
        .await
        .map_err(|e| ctx.internal(e))?;
    if let Some(r) = &record {
        logged(ctx, &caller, &[r.id], operation).await?;
    }
    Ok(record.map(Complaint::new))
}
