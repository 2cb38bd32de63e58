//! Complaints: intake, every change through one path (permission, scope,
//! version, domain rule, write, audit event, all in one transaction), and
//! the reads the API offers.

use chrono::{DateTime, SubsecRound, Utc};
use chrono_tz::Tz;
use entity::complaint::{self, Entity as Complaint};
use entity::complaint_contact::{self, Entity as ComplaintContact};
use entity::complaint_issue::{self, Entity as ComplaintIssue};
use entity::complaint_note::{self, Entity as ComplaintNote};
use entity::reference_counter::{self, Entity as ReferenceCounter};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
    Set,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::audit::{self, NewEvent, RECORD_COMPLAINT, RECORD_CONTACT, RECORD_NOTE};
use super::policies::{self, Policy};
use super::{Caller, Refusal, RefusalCode, ServiceError, finish, idempotency, refused};
use crate::db;
use crate::domain::actor::{Actor, FacilityScope};
use crate::domain::complaint::classification;
use crate::domain::complaint::intake::{self, IntakeDraft, Opening};
use crate::domain::complaint::lifecycle::UnfinishedWork;
use crate::domain::complaint::{
    Classification, ComplaintState, ContactDirection, ContactMethod, HcatCategory, Status, UserRef,
};
use crate::domain::permissions::{Operation, permits, sees_only_own};
use crate::domain::text::{LongText, Name, TextKind};
use crate::ids::{NodeKind, encode_id};

/// A complaint as stored: its id and its state.
#[derive(Clone, Debug)]
pub struct Record {
    pub id: Uuid,
    pub state: ComplaintState,
}

/// serde's message can quote the stored value (PHI): keep only where it
/// failed.
fn corrupt(id: Uuid, e: serde_json::Error) -> DbErr {
    DbErr::Custom(format!(
        "complaint {id} holds a record this server cannot read ({:?} error at line {}, column {})",
        e.classify(),
        e.line(),
        e.column()
    ))
}

pub fn record_of(m: &complaint::Model) -> Result<Record, DbErr> {
    Ok(Record {
        id: m.id,
        state: serde_json::from_str(&m.record).map_err(|e| corrupt(m.id, e))?,
    })
}

fn by_of(actor: &Actor) -> UserRef {
    UserRef {
        subject: actor.subject.clone(),
        name: actor.name.clone(),
    }
}

/// Whether the actor may see this complaint at all: in their facilities,
/// and for STAFF, logged by them. Anything else does not exist to them.
pub fn visible(actor: &Actor, m: &complaint::Model) -> bool {
    actor.facilities.contains(&m.facility_code)
        && (!sees_only_own(actor) || m.created_by_subject == actor.subject)
}

fn not_found() -> ServiceError {
    Refusal::new(RefusalCode::NotFound, "complaint not found")
        .on(&["input", "id"])
        .into()
}

fn forbidden(op: Operation) -> ServiceError {
    Refusal::new(
        RefusalCode::Forbidden,
        format!("your roles do not allow this ({op:?})"),
    )
    .into()
}

/// The row's columns, projected from the state (`redress verify` checks
/// stored rows against it).
pub fn row(id: Uuid, s: &ComplaintState) -> Result<complaint::Model, DbErr> {
    Ok(complaint::Model {
        id,
        reference: s.reference.clone(),
        facility_id: s.facility_id,
        facility_code: s.facility_code.clone(),
        department: s.department.clone(),
        channel: s.channel.as_str().to_owned(),
        classification: s.classification.as_str().to_owned(),
        status: s.status.as_str().to_owned(),
        received_at: s.received_at,
        medicare_beneficiary: s.medicare_beneficiary,
        owner_subject: s.owner.as_ref().map(|o| o.subject.clone()),
        created_by_subject: s.created_by.subject.clone(),
        reopen_count: i32::try_from(s.reopenings.len()).unwrap_or(i32::MAX),
        policy_id: s.clocks.policy_id,
        acknowledgement_due_at: s.clocks.acknowledgement_due_at,
        acknowledgement_met_at: s.clocks.acknowledgement_met_at,
        resolution_due_at: s.clocks.resolution_due_at,
        resolution_met_at: s.clocks.resolution_met_at,
        record: serde_json::to_string(s).map_err(|e| corrupt(id, e))?,
        version: s.version,
        created_at: s.created_at,
        updated_at: s.updated_at,
    })
}

fn document(s: &ComplaintState) -> Result<Value, DbErr> {
    serde_json::to_value(s).map_err(|e| DbErr::Custom(format!("encoding a complaint: {e}")))
}

async fn write_issues(
    txn: &impl ConnectionTrait,
    id: Uuid,
    s: &ComplaintState,
) -> Result<(), DbErr> {
    ComplaintIssue::delete_many()
        .filter(complaint_issue::Column::ComplaintId.eq(id))
        .exec(txn)
        .await?;
    if s.issues.is_empty() {
        return Ok(());
    }
    let rows = issue_rows(id, s)
        .into_iter()
        .map(|row| row.into_active_model().reset_all());
    ComplaintIssue::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// The `complaint_issue` rows of a complaint, projected from its issues in
/// order (`redress verify` checks the stored ones against them).
pub fn issue_rows(id: Uuid, s: &ComplaintState) -> Vec<complaint_issue::Model> {
    s.issues
        .iter()
        .enumerate()
        .map(|(i, issue)| complaint_issue::Model {
            id: issue.id,
            complaint_id: id,
            position: i32::try_from(i).unwrap_or(i32::MAX),
            category: issue.category.as_str().to_owned(),
            severity: i16::from(issue.severity),
            stage_of_care: issue.stage_of_care.as_str().to_owned(),
        })
        .collect()
}

/// The next reference number of a year. Runs inside a write transaction,
/// which serialises writers on both databases, so numbers never repeat.
async fn next_number(txn: &impl ConnectionTrait, year: i32) -> Result<i64, DbErr> {
    let current = ReferenceCounter::find_by_id(year).one(txn).await?;
    match current {
        Some(c) => {
            let next = c.last_value + 1;
            ReferenceCounter::update_many()
                .col_expr(reference_counter::Column::LastValue, Expr::value(next))
                .filter(reference_counter::Column::Year.eq(year))
                .exec(txn)
                .await?;
            Ok(next)
        }
        None => {
            reference_counter::ActiveModel {
                year: Set(year),
                last_value: Set(1),
            }
            .insert(txn)
            .await?;
            Ok(1)
        }
    }
}

fn time_zone(name: &str) -> Result<Tz, DbErr> {
    name.parse::<Tz>()
        .map_err(|_| DbErr::Custom(format!("stored time zone {name:?} is not an IANA zone")))
}

/// What `complaintCreate` asks for.
#[derive(Clone, Debug)]
pub struct CreateDraft {
    pub facility_code: String,
    pub intake: IntakeDraft,
    pub idempotency_key: Option<String>,
    /// Open the complaint from this failed accessibility request: it is a
    /// grievance, and the two are linked both ways.
    pub accessibility_request_id: Option<Uuid>,
}

pub const OP_CREATE: &str = "complaintCreate";

/// Logs a new complaint: validated, classified, numbered, clocks set, and
/// audited in one transaction. A repeated `idempotency_key` returns the
/// first complaint (`true` in the second place).
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    draft: &CreateDraft,
) -> Result<(Record, bool), ServiceError> {
    let actor = caller.actor;
    if !permits(actor, Operation::CreateComplaint) {
        return Err(forbidden(Operation::CreateComplaint));
    }
    let key = idempotency::clean(draft.idempotency_key.as_deref())?;
    let txn = db::begin_write(db).await?;
    let outcome = async {
        if let Some(key) = &key
            && let Some(id) = idempotency::find(&txn, &actor.subject, OP_CREATE, key).await?
        {
            // A replay is a read: the same visibility rules, and logged.
            let m = Complaint::find_by_id(id)
                .one(&txn)
                .await?
                .filter(|m| visible(actor, m))
                .ok_or_else(|| {
                    ServiceError::from(
                        Refusal::new(
                            RefusalCode::NotFound,
                            "this idempotency key created a complaint you cannot see",
                        )
                        .on(&["input", "idempotencyKey"]),
                    )
                })?;
            super::access_log::record(&txn, caller, &[m.id], "complaintCreate (replay)").await?;
            return Ok((record_of(&m)?, true));
        }
        let facility =
            super::facilities::for_input(&txn, &actor.facilities, &draft.facility_code).await?;
        let program = draft.intake.program;
        let Some(policy) =
            policies::for_program(&txn, facility.id, &facility.code, program).await?
        else {
            return Err(Refusal::new(
                RefusalCode::GuardFailed,
                format!(
                    "facility {} has no {} deadline policy; an administrator must create one first",
                    facility.code,
                    program.as_str()
                ),
            )
            .on(&["input", "program"])
            .into());
        };
        let tz = time_zone(&facility.time_zone)?;
        let now = Utc::now().trunc_subsecs(6);
        // Validate before taking a number, so refusals burn none.
        let mut state = intake::open(
            &draft.intake,
            Opening {
                facility_id: facility.id,
                facility_code: &facility.code,
                tz,
                policy_id: policy.model.id,
                rules: &policy.rules,
                by: by_of(actor),
                now,
            },
        )
        .map_err(refused)?;
        let failed_request = match draft.accessibility_request_id {
            None => None,
            Some(request_id) => {
                let request = super::accessibility::failed_request_for_complaint(
                    &txn,
                    actor,
                    request_id,
                    &facility.code,
                    now,
                )
                .await?;
                classification::opened_from_failed_accommodation(&mut state, request_id);
                Some((request_id, request))
            }
        };
        let year = intake::reference_year(state.received_at, tz);
        let number = next_number(&txn, year).await?;
        state.reference = intake::reference(state.classification, year, number);
        let id = Uuid::now_v7();
        row(id, &state)?
            .into_active_model()
            .reset_all()
            .insert(&txn)
            .await?;
        write_issues(&txn, id, &state).await?;
        audit::append(
            &txn,
            caller,
            NewEvent::change(
                "COMPLAINT_CREATE",
                RECORD_COMPLAINT,
                id,
                None,
                &document(&state)?,
            )
            .complaint(id)
            .facility(&facility.code),
            now,
        )
        .await?;
        if let Some((request_id, request)) = &failed_request {
            super::accessibility::link_complaint(&txn, caller, *request_id, request, id, now)
                .await?;
        }
        if let Some(key) = &key {
            idempotency::remember(&txn, &actor.subject, OP_CREATE, key, id, now).await?;
        }
        Ok((Record { id, state }, false))
    }
    .await;
    finish(txn, outcome).await
}

/// What a change sees besides the complaint.
pub struct Env {
    pub now: DateTime<Utc>,
    pub by: UserRef,
    pub tz: Tz,
    pub policy: Policy,
    /// Linked work not finished yet; loaded for `complaintClose` only.
    pub unfinished: Vec<UnfinishedWork>,
}

/// Which change, to which complaint, at which version.
#[derive(Clone, Copy, Debug)]
pub struct Change<'a> {
    /// The permission it needs.
    pub op: Operation,
    pub id: Uuid,
    /// The version the caller read; anything else is a conflict.
    pub expected_version: i32,
    /// The audit action, e.g. `COMPLAINT_RESOLVE`.
    pub action: &'static str,
    /// The reason recorded with the audit event.
    pub reason: Option<&'a str>,
}

/// The one path every change of an existing complaint takes: the role may
/// do `op`; the complaint exists for the caller; `expected_version` is
/// current; the domain function `f` accepts; then the row, the issue
/// projection and the audit event are written in one transaction. Any
/// refusal writes nothing.
pub async fn change<F>(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    change: Change<'_>,
    f: F,
) -> Result<Record, ServiceError>
where
    F: FnOnce(&mut ComplaintState, &Env) -> Result<(), ServiceError>,
{
    let Change {
        op,
        id,
        expected_version,
        action,
        reason,
    } = change;
    let actor = caller.actor;
    if !permits(actor, op) {
        return Err(forbidden(op));
    }
    let txn = db::begin_write(db).await?;
    let outcome = async {
        let Some(current) = Complaint::find_by_id(id).one(&txn).await? else {
            return Err(not_found());
        };
        if !visible(actor, &current) {
            return Err(not_found());
        }
        if current.version != expected_version {
            return Err(conflict(&current, expected_version));
        }
        let before = record_of(&current)?.state;
        let facility = super::facilities::by_id(&txn, &FacilityScope::All, current.facility_id)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(format!("facility {}", current.facility_id)))?;
        let policy_model = policies::by_id(&txn, current.policy_id)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(format!("policy {}", current.policy_id)))?;
        let rules = policies::rules_of(&policy_model)
            .ok_or_else(|| DbErr::Custom(format!("policy {} unreadable", policy_model.id)))?;
        let unfinished = if op == Operation::CloseComplaint {
            unfinished_work(&txn, id).await?
        } else {
            Vec::new()
        };
        let env = Env {
            now: Utc::now().trunc_subsecs(6),
            by: by_of(actor),
            unfinished,
            tz: time_zone(&facility.time_zone)?,
            policy: Policy {
                program: before.clocks.program,
                facility_code: facility.code.clone(),
                model: policy_model,
                rules,
            },
        };
        let mut state = before.clone();
        f(&mut state, &env)?;
        state.version = current.version + 1;
        state.updated_at = env.now;
        let mut active = row(id, &state)?.into_active_model().reset_all();
        active.id = sea_orm::ActiveValue::Unchanged(id);
        let result = Complaint::update_many()
            .set(active)
            .filter(complaint::Column::Id.eq(id))
            .filter(complaint::Column::Version.eq(expected_version))
            .exec(&txn)
            .await?;
        if result.rows_affected != 1 {
            return Err(conflict(&current, expected_version));
        }
        if state.issues != before.issues {
            write_issues(&txn, id, &state).await?;
        }
        audit::append(
            &txn,
            caller,
            NewEvent::change(
                action,
                RECORD_COMPLAINT,
                id,
                Some(&document(&before)?),
                &document(&state)?,
            )
            .complaint(id)
            .facility(&state.facility_code)
            .reason(reason.map(str::trim).filter(|r| !r.is_empty())),
            env.now,
        )
        .await?;
        Ok(Record { id, state })
    }
    .await;
    finish(txn, outcome).await
}

/// Service-recovery actions and accessibility requests of a complaint that
/// are not finished, named for the closure guard. Read inside the closing
/// transaction: writers are serialised, so nothing slips in between.
async fn unfinished_work(
    txn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Vec<UnfinishedWork>, DbErr> {
    let mut work = Vec::new();
    for m in super::service_recovery::unfinished(txn, id).await? {
        let label = match (&m.amount, &m.currency) {
            (Some(amount), Some(currency)) => format!("{} {currency} {amount}", m.kind),
            _ => m.kind.clone(),
        };
        work.push(UnfinishedWork {
            kind: "service-recovery action",
            label,
            id: encode_id(NodeKind::ServiceRecoveryAction, m.id).to_string(),
            status: m.status,
        });
    }
    for m in super::accessibility::unfinished(txn, id).await? {
        work.push(UnfinishedWork {
            kind: "accessibility request",
            label: m.need_type,
            id: encode_id(NodeKind::AccessibilityRequest, m.id).to_string(),
            status: m.status,
        });
    }
    Ok(work)
}

fn conflict(current: &complaint::Model, expected: i32) -> ServiceError {
    Refusal::new(
        RefusalCode::Conflict,
        format!(
            "complaint {} is at version {}, not {expected}; someone changed it since you read it",
            current.reference, current.version
        ),
    )
    .on(&["input", "expectedVersion"])
    .into()
}

/// A complaint the caller may see, by id.
pub async fn by_id(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<Option<Record>, DbErr> {
    match Complaint::find_by_id(id).one(db).await? {
        Some(m) if visible(actor, &m) => Ok(Some(record_of(&m)?)),
        _ => Ok(None),
    }
}

/// A complaint the caller may see, by reference (case-insensitive).
pub async fn by_reference(
    db: &impl ConnectionTrait,
    actor: &Actor,
    reference: &str,
) -> Result<Option<Record>, DbErr> {
    let reference = reference.trim().to_ascii_uppercase();
    match Complaint::find()
        .filter(complaint::Column::Reference.eq(reference))
        .one(db)
        .await?
    {
        Some(m) if visible(actor, &m) => Ok(Some(record_of(&m)?)),
        _ => Ok(None),
    }
}

/// Whether the complaint exists for the caller (for reads that only need
/// the id, such as the access log and `complaintAsOf`).
pub async fn is_visible(db: &impl ConnectionTrait, actor: &Actor, id: Uuid) -> Result<bool, DbErr> {
    Ok(Complaint::find_by_id(id)
        .one(db)
        .await?
        .is_some_and(|m| visible(actor, &m)))
}

/// The filters of `complaints`.
#[derive(Clone, Debug, Default)]
pub struct ComplaintFilter {
    pub facility_codes: Vec<String>,
    pub departments: Vec<String>,
    pub classifications: Vec<Classification>,
    pub statuses: Vec<Status>,
    pub hcat_categories: Vec<HcatCategory>,
    pub severities: Vec<i16>,
    pub owner_subject: Option<String>,
    pub received_from: Option<DateTime<Utc>>,
    pub received_to: Option<DateTime<Utc>>,
    pub overdue: Option<bool>,
    pub medicare_beneficiary: Option<bool>,
    pub reopened: Option<bool>,
    /// The acknowledgement clock is met (or, with false, not yet).
    pub acknowledgement_met: Option<bool>,
    /// The resolution clock is met (or, with false, not yet).
    pub resolution_met: Option<bool>,
    /// A clock was met late, or is past due and unmet on an open complaint
    /// (or, with false, neither).
    pub missed_deadline: Option<bool>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum OrderField {
    ReceivedAt,
    Reference,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Order {
    pub field: OrderField,
    pub descending: bool,
}

/// Where the previous page ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cursor {
    ReceivedAt(DateTime<Utc>, Uuid),
    Reference(String),
}

fn open_statuses() -> Vec<&'static str> {
    Status::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect()
}

/// Overdue: open, and a clock past due and not met.
fn overdue_condition(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(complaint::Column::Status.is_in(open_statuses()))
        .add(
            Condition::any()
                .add(
                    Condition::all()
                        .add(complaint::Column::AcknowledgementMetAt.is_null())
                        .add(complaint::Column::AcknowledgementDueAt.lt(now)),
                )
                .add(
                    Condition::all()
                        .add(complaint::Column::ResolutionMetAt.is_null())
                        .add(complaint::Column::ResolutionDueAt.lt(now)),
                ),
        )
}

/// A clock met after its due time, or overdue now. Each comparison is
/// guarded by `IS NOT NULL`, so the condition is never SQL NULL and its
/// negation ("no deadline missed") keeps the complaints still on time.
fn missed_condition(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(complaint::Column::AcknowledgementMetAt.is_not_null())
                .add(
                    Expr::col(complaint::Column::AcknowledgementMetAt)
                        .gt(Expr::col(complaint::Column::AcknowledgementDueAt)),
                ),
        )
        .add(
            Condition::all()
                .add(complaint::Column::ResolutionMetAt.is_not_null())
                .add(
                    Expr::col(complaint::Column::ResolutionMetAt)
                        .gt(Expr::col(complaint::Column::ResolutionDueAt)),
                ),
        )
        .add(overdue_condition(now))
}

fn filtered(actor: &Actor, filter: &ComplaintFilter, now: DateTime<Utc>) -> Select<Complaint> {
    let mut q = Complaint::find();
    if let FacilityScope::Only(codes) = &actor.facilities {
        q = q.filter(complaint::Column::FacilityCode.is_in(codes.iter().cloned()));
    }
    if sees_only_own(actor) {
        q = q.filter(complaint::Column::CreatedBySubject.eq(actor.subject.clone()));
    }
    if !filter.facility_codes.is_empty() {
        q = q.filter(
            complaint::Column::FacilityCode.is_in(
                filter
                    .facility_codes
                    .iter()
                    .map(|c| c.trim().to_ascii_uppercase()),
            ),
        );
    }
    if !filter.departments.is_empty() {
        q = q.filter(complaint::Column::Department.is_in(filter.departments.clone()));
    }
    if !filter.classifications.is_empty() {
        q = q.filter(
            complaint::Column::Classification
                .is_in(filter.classifications.iter().map(|c| c.as_str())),
        );
    }
    if !filter.statuses.is_empty() {
        q = q.filter(complaint::Column::Status.is_in(filter.statuses.iter().map(|s| s.as_str())));
    }
    if !filter.hcat_categories.is_empty() || !filter.severities.is_empty() {
        // Category and severity apply to the same issue.
        let mut issues = Query::select();
        issues
            .column(complaint_issue::Column::ComplaintId)
            .from(ComplaintIssue);
        if !filter.hcat_categories.is_empty() {
            issues.and_where(
                complaint_issue::Column::Category
                    .is_in(filter.hcat_categories.iter().map(|c| c.as_str())),
            );
        }
        if !filter.severities.is_empty() {
            issues.and_where(complaint_issue::Column::Severity.is_in(filter.severities.clone()));
        }
        q = q.filter(complaint::Column::Id.in_subquery(issues.to_owned()));
    }
    if let Some(owner) = &filter.owner_subject {
        q = q.filter(complaint::Column::OwnerSubject.eq(owner.clone()));
    }
    if let Some(from) = filter.received_from {
        q = q.filter(complaint::Column::ReceivedAt.gte(from));
    }
    if let Some(to) = filter.received_to {
        q = q.filter(complaint::Column::ReceivedAt.lte(to));
    }
    match filter.overdue {
        Some(true) => q = q.filter(overdue_condition(now)),
        Some(false) => q = q.filter(overdue_condition(now).not()),
        None => {}
    }
    if let Some(medicare) = filter.medicare_beneficiary {
        q = q.filter(complaint::Column::MedicareBeneficiary.eq(medicare));
    }
    match filter.reopened {
        Some(true) => q = q.filter(complaint::Column::ReopenCount.gt(0)),
        Some(false) => q = q.filter(complaint::Column::ReopenCount.eq(0)),
        None => {}
    }
    if let Some(met) = filter.acknowledgement_met {
        let column = complaint::Column::AcknowledgementMetAt;
        q = q.filter(if met {
            column.is_not_null()
        } else {
            column.is_null()
        });
    }
    if let Some(met) = filter.resolution_met {
        let column = complaint::Column::ResolutionMetAt;
        q = q.filter(if met {
            column.is_not_null()
        } else {
            column.is_null()
        });
    }
    match filter.missed_deadline {
        Some(true) => q = q.filter(missed_condition(now)),
        Some(false) => q = q.filter(missed_condition(now).not()),
        None => {}
    }
    q
}

/// One page of complaints the caller may see, in a stable order.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &ComplaintFilter,
    order: Order,
    after: Option<&Cursor>,
    limit: u64,
    now: DateTime<Utc>,
) -> Result<(Vec<Record>, bool), DbErr> {
    let mut q = filtered(actor, filter, now);
    match (order.field, after) {
        (OrderField::ReceivedAt, Some(Cursor::ReceivedAt(at, id))) => {
            let (at, id) = (*at, *id);
            let c = if order.descending {
                Condition::any()
                    .add(complaint::Column::ReceivedAt.lt(at))
                    .add(
                        Condition::all()
                            .add(complaint::Column::ReceivedAt.eq(at))
                            .add(complaint::Column::Id.lt(id)),
                    )
            } else {
                Condition::any()
                    .add(complaint::Column::ReceivedAt.gt(at))
                    .add(
                        Condition::all()
                            .add(complaint::Column::ReceivedAt.eq(at))
                            .add(complaint::Column::Id.gt(id)),
                    )
            };
            q = q.filter(c);
        }
        (OrderField::Reference, Some(Cursor::Reference(r))) => {
            q = q.filter(if order.descending {
                complaint::Column::Reference.lt(r.clone())
            } else {
                complaint::Column::Reference.gt(r.clone())
            });
        }
        _ => {}
    }
    q = match (order.field, order.descending) {
        (OrderField::ReceivedAt, true) => q
            .order_by_desc(complaint::Column::ReceivedAt)
            .order_by_desc(complaint::Column::Id),
        (OrderField::ReceivedAt, false) => q
            .order_by_asc(complaint::Column::ReceivedAt)
            .order_by_asc(complaint::Column::Id),
        (OrderField::Reference, true) => q.order_by_desc(complaint::Column::Reference),
        (OrderField::Reference, false) => q.order_by_asc(complaint::Column::Reference),
    };
    let mut rows = q.limit(limit + 1).all(db).await?;
    let has_next = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let records = rows.iter().map(record_of).collect::<Result<Vec<_>, _>>()?;
    Ok((records, has_next))
}

pub async fn count(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &ComplaintFilter,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    filtered(actor, filter, now).count(db).await
}

/// Notes of these complaints, oldest first (for a DataLoader).
pub async fn notes_for(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<complaint_note::Model>, DbErr> {
    ComplaintNote::find()
        .filter(complaint_note::Column::ComplaintId.is_in(ids.iter().copied()))
        .order_by_asc(complaint_note::Column::CreatedAt)
        .order_by_asc(complaint_note::Column::Id)
        .all(db)
        .await
}

/// Contacts of these complaints, in the order they happened.
pub async fn contacts_for(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<complaint_contact::Model>, DbErr> {
    ComplaintContact::find()
        .filter(complaint_contact::Column::ComplaintId.is_in(ids.iter().copied()))
        .order_by_asc(complaint_contact::Column::ContactedAt)
        .order_by_asc(complaint_contact::Column::Id)
        .all(db)
        .await
}

/// Loads a complaint the caller may add to, inside the transaction.
async fn target(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    complaint_id: Uuid,
) -> Result<complaint::Model, ServiceError> {
    match Complaint::find_by_id(complaint_id).one(txn).await? {
        Some(m) if visible(actor, &m) => Ok(m),
        _ => Err(Refusal::new(RefusalCode::NotFound, "complaint not found")
            .on(&["input", "complaintId"])
            .into()),
    }
}

/// A text of kind `K` for a note or contact (see `domain::text`).
fn body_text<K: TextKind>(value: &str, field: &[&str]) -> Result<String, ServiceError> {
    K::parse(field, value)
        .map(K::into_string)
        .map_err(|v| Refusal::from(v).into())
}

pub const OP_NOTE: &str = "complaintAddNote";
pub const OP_CONTACT: &str = "complaintLogContact";

/// Appends a note. Notes are never edited or deleted.
pub async fn add_note(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    complaint_id: Uuid,
    body: &str,
    idempotency_key: Option<&str>,
) -> Result<complaint_note::Model, ServiceError> {
    let actor = caller.actor;
    if !permits(actor, Operation::AddNote) {
        return Err(forbidden(Operation::AddNote));
    }
    let key = idempotency::clean(idempotency_key)?;
    let body = body_text::<LongText>(body, &["input", "body"])?;
    let txn = db::begin_write(db).await?;
    let outcome = async {
        if let Some(key) = &key
            && let Some(id) = idempotency::find(&txn, &actor.subject, OP_NOTE, key).await?
            && let Some(existing) = ComplaintNote::find_by_id(id).one(&txn).await?
        {
            target(&txn, actor, existing.complaint_id).await?;
            return Ok(existing);
        }
        let complaint = target(&txn, actor, complaint_id).await?;
        let now = Utc::now().trunc_subsecs(6);
        let note = complaint_note::Model {
            id: Uuid::now_v7(),
            complaint_id,
            body,
            author_subject: actor.subject.clone(),
            author_name: actor.name.clone(),
            created_at: now,
        };
        note.clone()
            .into_active_model()
            .reset_all()
            .insert(&txn)
            .await?;
        audit::append(
            &txn,
            caller,
            NewEvent::change(
                "COMPLAINT_NOTE_ADD",
                RECORD_NOTE,
                note.id,
                None,
                &note_document(&note),
            )
            .complaint(complaint_id)
            .facility(&complaint.facility_code),
            now,
        )
        .await?;
        if let Some(key) = &key {
            idempotency::remember(&txn, &actor.subject, OP_NOTE, key, note.id, now).await?;
        }
        Ok(note)
    }
    .await;
    finish(txn, outcome).await
}

/// A note as its creation event records it (`redress verify` replays it).
pub fn note_document(note: &complaint_note::Model) -> Value {
    json!({ "body": note.body })
}

/// A contact as its creation event records it (`redress verify` replays it).
pub fn contact_document(contact: &complaint_contact::Model) -> Value {
    json!({
        "direction": contact.direction,
        "method": contact.method,
        "contactedAt": contact.contacted_at,
        "withWhom": contact.with_whom,
        "summary": contact.summary,
    })
}

/// A contact with the complainant, as logged.
#[derive(Clone, Debug)]
pub struct ContactDraft {
    pub complaint_id: Uuid,
    pub direction: ContactDirection,
    pub method: ContactMethod,
    pub contacted_at: DateTime<Utc>,
    pub with_whom: Option<String>,
    pub summary: String,
    pub idempotency_key: Option<String>,
}

/// Appends a contact record. Contacts are never edited or deleted.
pub async fn log_contact(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    draft: &ContactDraft,
) -> Result<complaint_contact::Model, ServiceError> {
    let actor = caller.actor;
    if !permits(actor, Operation::LogContact) {
        return Err(forbidden(Operation::LogContact));
    }
    let key = idempotency::clean(draft.idempotency_key.as_deref())?;
    let summary = body_text::<LongText>(&draft.summary, &["input", "summary"])?;
    let with_whom = match draft.with_whom.as_deref().map(str::trim) {
        Some(w) if !w.is_empty() => Some(body_text::<Name>(w, &["input", "withWhom"])?),
        _ => None,
    };
    let txn = db::begin_write(db).await?;
    let outcome = async {
        if let Some(key) = &key
            && let Some(id) = idempotency::find(&txn, &actor.subject, OP_CONTACT, key).await?
            && let Some(existing) = ComplaintContact::find_by_id(id).one(&txn).await?
        {
            target(&txn, actor, existing.complaint_id).await?;
            return Ok(existing);
        }
        let complaint = target(&txn, actor, draft.complaint_id).await?;
        let now = Utc::now().trunc_subsecs(6);
        let contacted_at = draft.contacted_at.trunc_subsecs(6);
        if contacted_at < complaint.received_at || contacted_at > now + chrono::Duration::minutes(5)
        {
            return Err(Refusal::new(
                RefusalCode::Validation,
                "must be between the complaint's receipt and now",
            )
            .on(&["input", "contactedAt"])
            .into());
        }
        let contact = complaint_contact::Model {
            id: Uuid::now_v7(),
            complaint_id: draft.complaint_id,
            direction: draft.direction.as_str().to_owned(),
            method: draft.method.as_str().to_owned(),
            contacted_at,
            with_whom,
            summary,
            author_subject: actor.subject.clone(),
            author_name: actor.name.clone(),
            created_at: now,
        };
        contact
            .clone()
            .into_active_model()
            .reset_all()
            .insert(&txn)
            .await?;
        audit::append(
            &txn,
            caller,
            NewEvent::change(
                "COMPLAINT_CONTACT_LOG",
                RECORD_CONTACT,
                contact.id,
                None,
                &contact_document(&contact),
            )
            .complaint(draft.complaint_id)
            .facility(&complaint.facility_code),
            now,
        )
        .await?;
        if let Some(key) = &key {
            idempotency::remember(&txn, &actor.subject, OP_CONTACT, key, contact.id, now).await?;
        }
        Ok(contact)
    }
    .await;
    finish(txn, outcome).await
}
