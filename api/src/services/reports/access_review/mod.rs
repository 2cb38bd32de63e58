//! The information-system activity review (45 CFR 164.308(a)(1)(ii)(D))
//! over the access log: who read which complaints in the period, which
//! reads stand out, and who ran reports.
//!
//! Scope: entries about complaints (`record_type` `Complaint`) of the
//! covered facilities, each in the period at its complaint's facility
//! (local days in that facility's zone), in the department when one is
//! asked for. Report runs name no complaint: they are counted per user
//! over the widest instants the period covers at the covered facilities
//! (from the earliest local midnight to the latest), whoever ran them.
//!
//! A read is flagged when its reader is neither the complaint's owner
//! (its assignee) nor its creator, as they stand now; or when it is
//! outside the reader's usual department: the department most of their
//! reads in scope and period fall in (ties: the first name in order),
//! counted over every department whatever the filter.
//!
//! Every list is keyset-paged: subject, complaint id or entry id after the
//! cursor, `first` at a time. All counting is GROUP BY in SQL over the
//! entry's indexed columns joined to the complaint's projection.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use entity::access_log_entry::{Column as E, Entity as Entries};
use entity::complaint::{Column as Cc, Entity as Complaints};
use sea_orm::sea_query::{
    Alias, Condition, Expr, ExprTrait, Func, JoinType, Order, Query, SelectStatement,
};
use sea_orm::{ConnectionTrait, DbErr, EntityName, QueryResult};
use serde_json::json;
use uuid::Uuid;

use super::linked_sql::count;
use super::{RECORD_REPORT, ReportFilter, ReportScope};
use crate::domain::permissions::Operation;
use crate::services::audit::RECORD_COMPLAINT;
use crate::services::reads::Reader;
use crate::services::{Refusal, RefusalCode, ServiceError};

mod export;

pub use export::table;

pub const REPORT: &str = "accessReview";

/// Where each list starts: the cursor a previous page ended with.
#[derive(Clone, Debug, Default)]
pub struct ReviewPaging {
    pub first: u64,
    pub users_after: Option<String>,
    pub complaints_after: Option<String>,
    pub flagged_after: Option<String>,
    pub runs_after: Option<String>,
}

/// One page of a list and the cursor of its last item.
#[derive(Clone, Debug)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub end_cursor: Option<String>,
    pub has_next_page: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserReads {
    pub subject: String,
    pub name: String,
    pub reads: u64,
    pub complaints: u64,
    pub flagged: u64,
    pub usual_department: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComplaintReads {
    pub complaint_id: Uuid,
    pub reference: String,
    pub facility_code: String,
    pub reads: u64,
    pub readers: u64,
    pub flagged: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlaggedRead {
    pub entry_id: Uuid,
    pub accessed_at: DateTime<Utc>,
    pub subject: String,
    pub name: String,
    pub complaint_id: Uuid,
    pub reference: String,
    pub facility_code: String,
    pub department: String,
    /// Neither owner nor creator of the complaint.
    pub not_involved: bool,
    /// In a department other than the reader's usual one.
    pub outside_usual_department: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRuns {
    pub subject: String,
    pub name: String,
    pub runs: u64,
}

#[derive(Clone, Debug)]
pub struct AccessReview {
    pub users: Paged<UserReads>,
    pub complaints: Paged<ComplaintReads>,
    pub flagged: Paged<FlaggedRead>,
    pub report_runs: Paged<ReportRuns>,
}

pub fn cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key)
}

fn uncursor(field: &'static str, cursor: Option<&str>) -> Result<Option<String>, ServiceError> {
    let Some(c) = cursor else { return Ok(None) };
    URL_SAFE_NO_PAD
        .decode(c.as_bytes())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .map(Some)
        .ok_or_else(|| {
            Refusal::new(RefusalCode::Validation, "not a cursor this review gave")
                .on(&[field])
                .into()
        })
}

fn uuid_cursor(field: &'static str, cursor: Option<&str>) -> Result<Option<Uuid>, ServiceError> {
    match uncursor(field, cursor)? {
        None => Ok(None),
        Some(s) => Uuid::try_parse(&s).map(Some).map_err(|_| {
            Refusal::new(RefusalCode::Validation, "not a cursor this review gave")
                .on(&[field])
                .into()
        }),
    }
}

/// Runs the review (logged once, `COMPLIANCE` only).
pub async fn review(
    reader: &Reader<'_>,
    filter: &ReportFilter,
    paging: &ReviewPaging,
) -> Result<AccessReview, ServiceError> {
    let users_after = uncursor("usersAfter", paging.users_after.as_deref())?;
    let complaints_after = uuid_cursor("complaintsAfter", paging.complaints_after.as_deref())?;
    let flagged_after = uuid_cursor("flaggedAfter", paging.flagged_after.as_deref())?;
    let runs_after = uncursor("runsAfter", paging.runs_after.as_deref())?;
    let scope = reader
        .report(
            Operation::ReviewAccess,
            REPORT,
            filter,
            json!({ "first": paging.first }),
        )
        .await?;
    let db = reader.db();
    let q = Review::new(db, &scope).await?;
    Ok(AccessReview {
        users: q.users(db, paging.first, users_after).await?,
        complaints: q.complaints(db, paging.first, complaints_after).await?,
        flagged: q.flagged(db, paging.first, flagged_after).await?,
        report_runs: runs(db, &scope, paging.first, runs_after).await?,
    })
}

fn e(col: E) -> Expr {
    Expr::col((Entries, col))
}

fn c(col: Cc) -> Expr {
    Expr::col((Complaints, col))
}

/// Entries about complaints of the covered facilities, each in the period
/// at its facility; the department applied when `department`.
fn in_scope(scope: &ReportScope, department: bool) -> Condition {
    let mut any = Condition::any();
    for f in scope.facilities() {
        let (start, end) = scope.period().bounds(f.tz);
        any = any.add(
            Condition::all()
                .add(c(Cc::FacilityCode).eq(f.code.as_str()))
                .add(e(E::AccessedAt).gte(start))
                .add(e(E::AccessedAt).lt(end)),
        );
    }
    if scope.facilities().is_empty() {
        any = Condition::any().add(Expr::cust("1 = 0"));
    }
    let mut all = Condition::all()
        .add(e(E::RecordType).eq(RECORD_COMPLAINT))
        .add(any);
    if let (true, Some(d)) = (department, scope.department()) {
        all = all.add(c(Cc::Department).eq(d));
    }
    all
}

fn joined() -> SelectStatement {
    let mut q = Query::select();
    q.from(Entries.table_ref()).join(
        JoinType::InnerJoin,
        Complaints.table_ref(),
        c(Cc::Id).equals((Entries, E::RecordId)),
    );
    q
}

/// What the lists share: the scope and each reader's usual department.
struct Review {
    scope: Condition,
    usual: BTreeMap<String, String>,
}

impl Review {
    async fn new(db: &impl ConnectionTrait, scope: &ReportScope) -> Result<Self, DbErr> {
        let mut q = joined();
        q.expr_as(e(E::ActorSubject), Alias::new("subject"))
            .expr_as(c(Cc::Department), Alias::new("department"))
            .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
            .cond_where(in_scope(scope, false))
            .add_group_by([e(E::ActorSubject), c(Cc::Department)]);
        let mut best: BTreeMap<String, (u64, String)> = BTreeMap::new();
        for row in db.query_all(&q).await? {
            let subject: String = row.try_get("", "subject")?;
            let department: String = row.try_get("", "department")?;
            let n = count(&row, "n")?;
            let slot = best.entry(subject).or_insert((0, String::new()));
            if n > slot.0 || (n == slot.0 && department < slot.1) {
                *slot = (n, department);
            }
        }
        Ok(Review {
            scope: in_scope(scope, true),
            usual: best.into_iter().map(|(s, (_, d))| (s, d)).collect(),
        })
    }

    fn not_involved() -> Expr {
        Expr::cust(
            "(COALESCE(complaint.owner_subject, '') <> access_log_entry.actor_subject \
             AND complaint.created_by_subject <> access_log_entry.actor_subject)",
        )
    }

    fn outside_usual(&self) -> Condition {
        let mut any = Condition::any().add(Expr::cust("1 = 0"));
        for (subject, department) in &self.usual {
            any = any.add(
                Condition::all()
                    .add(e(E::ActorSubject).eq(subject.as_str()))
                    .add(c(Cc::Department).ne(department.as_str())),
            );
        }
        any
    }

    fn flagged_condition(&self) -> Condition {
        Condition::any()
            .add(Self::not_involved())
            .add(self.outside_usual())
    }

    fn flag_sum(&self) -> Expr {
        Func::sum(Expr::case(self.flagged_condition(), Expr::cust("1")).finally(Expr::cust("0")))
            .into()
    }

    async fn users(
        &self,
        db: &impl ConnectionTrait,
        first: u64,
        after: Option<String>,
    ) -> Result<Paged<UserReads>, DbErr> {
        let mut q = joined();
        q.expr_as(e(E::ActorSubject), Alias::new("subject"))
            .expr_as(
                Expr::cust("MAX(access_log_entry.actor_name)"),
                Alias::new("name"),
            )
            .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
            .expr_as(
                Expr::cust("COUNT(DISTINCT access_log_entry.record_id)"),
                Alias::new("complaints"),
            )
            .expr_as(self.flag_sum(), Alias::new("flagged"))
            .cond_where(self.scope.clone())
            .add_group_by([e(E::ActorSubject)])
            .order_by_expr(e(E::ActorSubject), Order::Asc)
            .limit(first + 1);
        if let Some(a) = after {
            q.and_where(e(E::ActorSubject).gt(a));
        }
        let rows = db.query_all(&q).await?;
        page(rows, first, |row| {
            let subject: String = row.try_get("", "subject")?;
            Ok((
                cursor(&subject),
                UserReads {
                    usual_department: self.usual.get(&subject).cloned(),
                    name: row.try_get("", "name")?,
                    reads: count(row, "n")?,
                    complaints: count(row, "complaints")?,
                    flagged: count(row, "flagged")?,
                    subject,
                },
            ))
        })
    }

    async fn complaints(
        &self,
        db: &impl ConnectionTrait,
        first: u64,
        after: Option<Uuid>,
    ) -> Result<Paged<ComplaintReads>, DbErr> {
        let mut q = joined();
        q.expr_as(e(E::RecordId), Alias::new("complaint_id"))
            .expr_as(
                Expr::cust("MAX(complaint.reference)"),
                Alias::new("reference"),
            )
            .expr_as(
                Expr::cust("MAX(complaint.facility_code)"),
                Alias::new("facility"),
            )
            .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
            .expr_as(
                Expr::cust("COUNT(DISTINCT access_log_entry.actor_subject)"),
                Alias::new("readers"),
            )
            .expr_as(self.flag_sum(), Alias::new("flagged"))
            .cond_where(self.scope.clone())
            .add_group_by([e(E::RecordId)])
            .order_by_expr(e(E::RecordId), Order::Asc)
            .limit(first + 1);
        if let Some(a) = after {
            q.and_where(e(E::RecordId).gt(a));
        }
        let rows = db.query_all(&q).await?;
        page(rows, first, |row| {
            let id: Uuid = row.try_get("", "complaint_id")?;
            Ok((
                cursor(&id.to_string()),
                ComplaintReads {
                    complaint_id: id,
                    reference: row.try_get("", "reference")?,
                    facility_code: row.try_get("", "facility")?,
                    reads: count(row, "n")?,
                    readers: count(row, "readers")?,
                    flagged: count(row, "flagged")?,
                },
            ))
        })
    }

    async fn flagged(
        &self,
        db: &impl ConnectionTrait,
        first: u64,
        after: Option<Uuid>,
    ) -> Result<Paged<FlaggedRead>, DbErr> {
        let mut q = joined();
        for (expr, alias) in [
            (e(E::Id), "id"),
            (e(E::AccessedAt), "accessed_at"),
            (e(E::ActorSubject), "subject"),
            (e(E::ActorName), "name"),
            (e(E::RecordId), "complaint_id"),
            (c(Cc::Reference), "reference"),
            (c(Cc::FacilityCode), "facility"),
            (c(Cc::Department), "department"),
            (c(Cc::OwnerSubject), "owner"),
            (c(Cc::CreatedBySubject), "creator"),
        ] {
            q.expr_as(expr, Alias::new(alias));
        }
        q.cond_where(self.scope.clone())
            .and_where(Expr::expr(self.flagged_condition()))
            .order_by_expr(e(E::Id), Order::Asc)
            .limit(first + 1);
        if let Some(a) = after {
            q.and_where(e(E::Id).gt(a));
        }
        let rows = db.query_all(&q).await?;
        page(rows, first, |row| {
            let id: Uuid = row.try_get("", "id")?;
            let subject: String = row.try_get("", "subject")?;
            let department: String = row.try_get("", "department")?;
            let owner: Option<String> = row.try_get("", "owner")?;
            let creator: String = row.try_get("", "creator")?;
            Ok((
                cursor(&id.to_string()),
                FlaggedRead {
                    entry_id: id,
                    accessed_at: row.try_get("", "accessed_at")?,
                    name: row.try_get("", "name")?,
                    complaint_id: row.try_get("", "complaint_id")?,
                    reference: row.try_get("", "reference")?,
                    facility_code: row.try_get("", "facility")?,
                    not_involved: owner.as_deref() != Some(subject.as_str()) && creator != subject,
                    outside_usual_department: self
                        .usual
                        .get(&subject)
                        .is_some_and(|u| *u != department),
                    department,
                    subject,
                },
            ))
        })
    }
}

/// Report runs per user over the widest instants of the period.
async fn runs(
    db: &impl ConnectionTrait,
    scope: &ReportScope,
    first: u64,
    after: Option<String>,
) -> Result<Paged<ReportRuns>, DbErr> {
    let bounds: Vec<_> = scope
        .facilities()
        .iter()
        .map(|f| scope.period().bounds(f.tz))
        .collect();
    let (Some(start), Some(end)) = (
        bounds.iter().map(|b| b.0).min(),
        bounds.iter().map(|b| b.1).max(),
    ) else {
        return Ok(Paged {
            items: Vec::new(),
            end_cursor: None,
            has_next_page: false,
        });
    };
    let mut q = Query::select();
    q.expr_as(e(E::ActorSubject), Alias::new("subject"))
        .expr_as(Expr::cust("MAX(actor_name)"), Alias::new("name"))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from(Entries.table_ref())
        .and_where(e(E::RecordType).eq(RECORD_REPORT))
        .and_where(e(E::AccessedAt).gte(start))
        .and_where(e(E::AccessedAt).lt(end))
        .add_group_by([e(E::ActorSubject)])
        .order_by_expr(e(E::ActorSubject), Order::Asc)
        .limit(first + 1);
    if let Some(a) = after {
        q.and_where(e(E::ActorSubject).gt(a));
    }
    let rows = db.query_all(&q).await?;
    page(rows, first, |row| {
        let subject: String = row.try_get("", "subject")?;
        Ok((
            cursor(&subject),
            ReportRuns {
                name: row.try_get("", "name")?,
                runs: count(row, "n")?,
                subject,
            },
        ))
    })
}

fn page<T>(
    rows: Vec<QueryResult>,
    first: u64,
    item: impl Fn(&QueryResult) -> Result<(String, T), DbErr>,
) -> Result<Paged<T>, DbErr> {
    let has_next_page = rows.len() as u64 > first;
    let mut items = Vec::new();
    let mut end_cursor = None;
    for row in rows
        .iter()
        .take(usize::try_from(first).unwrap_or(usize::MAX))
    {
        let (c, t) = item(row)?;
        end_cursor = Some(c);
        items.push(t);
    }
    Ok(Paged {
        items,
        end_cursor,
        has_next_page,
    })
}
