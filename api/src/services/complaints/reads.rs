//! The complaint reads the API offers: by id, by reference, a filtered
//! page, a count, and the notes and contacts of a page (for loaders).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::complaint::{self, Entity as Complaint};
use entity::complaint_contact::{self, Entity as ComplaintContact};
use entity::complaint_issue::{self, Entity as ComplaintIssue};
use entity::complaint_note::{self, Entity as ComplaintNote};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

use super::{Record, record_of, visible};
use crate::domain::actor::{Actor, FacilityScope};
use crate::domain::complaint::{Classification, HcatCategory, Status};
use crate::domain::permissions::sees_only_own;
use crate::services::reads::Unread;

/// A complaint the caller may see, by id (unlogged: reads go through
/// `reads::Reader`).
pub(in crate::services) async fn by_id(
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
pub(in crate::services) async fn by_reference(
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
    /// The progress-notice clock is met (or, with false, owed and not yet
    /// met); complaints without the clock match neither.
    pub progress_notice_met: Option<bool>,
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

/// Overdue: open, and a clock past due and not met (the progress notice
/// only where it has a due time: NULL is no clock).
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
                )
                .add(progress_notice_overdue(now)),
        )
}

/// The progress-notice clock exists, is not met and is past due (the
/// caller adds "open"). Never SQL NULL: every comparison is guarded.
pub(in crate::services) fn progress_notice_overdue(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(complaint::Column::ProgressNoticeDueAt.is_not_null())
        .add(complaint::Column::ProgressNoticeMetAt.is_null())
        .add(complaint::Column::ProgressNoticeDueAt.lt(now))
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
        .add(
            Condition::all()
                .add(complaint::Column::ProgressNoticeDueAt.is_not_null())
                .add(complaint::Column::ProgressNoticeMetAt.is_not_null())
                .add(
                    Expr::col(complaint::Column::ProgressNoticeMetAt)
                        .gt(Expr::col(complaint::Column::ProgressNoticeDueAt)),
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
    if let Some(met) = filter.progress_notice_met {
        // Only complaints with the clock: "not met" is "owed and not sent".
        q = q.filter(complaint::Column::ProgressNoticeDueAt.is_not_null());
        let column = complaint::Column::ProgressNoticeMetAt;
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

/// One page of complaints the caller may see, in a stable order
/// (unlogged: `reads::Reader::complaints` pages them).
pub(in crate::services) async fn list(
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

/// Groups rows by their complaint, keeping their order, sealed until read.
fn by_complaint<T>(rows: Vec<T>, complaint: impl Fn(&T) -> Uuid) -> HashMap<Uuid, Unread<Vec<T>>> {
    let mut out: HashMap<Uuid, Vec<T>> = HashMap::new();
    for row in rows {
        out.entry(complaint(&row)).or_default().push(row);
    }
    out.into_iter().map(|(k, v)| (k, Unread::new(v))).collect()
}

/// Notes of these complaints, oldest first (for a DataLoader); read them
/// through `reads::Reader::of_complaint`.
pub async fn notes_for(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Unread<Vec<complaint_note::Model>>>, DbErr> {
    let rows = ComplaintNote::find()
        .filter(complaint_note::Column::ComplaintId.is_in(ids.iter().copied()))
        .order_by_asc(complaint_note::Column::CreatedAt)
        .order_by_asc(complaint_note::Column::Id)
        .all(db)
        .await?;
    Ok(by_complaint(rows, |n| n.complaint_id))
}

/// Contacts of these complaints, in the order they happened (for a
/// DataLoader); read them through `reads::Reader::of_complaint`.
pub async fn contacts_for(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Unread<Vec<complaint_contact::Model>>>, DbErr> {
    let rows = ComplaintContact::find()
        .filter(complaint_contact::Column::ComplaintId.is_in(ids.iter().copied()))
        .order_by_asc(complaint_contact::Column::ContactedAt)
        .order_by_asc(complaint_contact::Column::Id)
        .all(db)
        .await?;
    Ok(by_complaint(rows, |c| c.complaint_id))
}
