//! Compliance reports: the grievance log, the timeliness, trend and
//! language-access figures, the survey-readiness findings and the access
//! review. Every report reads complaint content, so every run goes through
//! the read path: [`Reader::report`] authorises it (role and facility
//! scope) and records it in the access log as one entry with its filter,
//! and hands back the [`ReportScope`] the report's queries are built from.
//! A report cannot run without one.
//!
//! Periods are local days at each facility ([`Period`]): the scope turns
//! them into UTC instants per facility, so the database compares indexed
//! timestamps and never converts time zones itself.

pub mod access_review;
pub mod accessibility_report;
pub mod grievance_log;
pub mod interpreter_usage;
pub mod language_gaps;
pub mod linked_sql;
mod log_row;
pub mod months;
pub mod recovery_cost;
pub mod reopen;
pub mod survey;
pub mod table;
pub mod timeliness;
pub mod trends;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition};
use serde_json::{Value, json};
use uuid::Uuid;

use super::reads::Reader;
use super::{Refusal, RefusalCode, ServiceError, access_log, facility_lookup};
use crate::domain::permissions::{Operation, permits};
use crate::domain::report::{MonthSlice, Period};

/// The record type a report run is logged under in the access log.
pub const RECORD_REPORT: &str = "Report";

/// The most facilities one filter may name.
pub const MAX_FACILITIES: usize = 200;

/// What a report covers, as the caller asked for it.
#[derive(Clone, Debug)]
pub struct ReportFilter {
    /// Facility codes; empty for every facility in the caller's scope.
    pub facilities: Vec<String>,
    /// One department, exactly as recorded; `None` for all.
    pub department: Option<String>,
    /// Local days at each facility, both ends included.
    pub period: Period,
}

/// A facility a report covers: what the report needs of it.
#[derive(Clone, Debug)]
pub struct ReportFacility {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub tz: Tz,
    pub default_language: String,
}

/// A report run that was authorised and logged: the facilities it covers
/// (those asked for, in the caller's scope), the department and the
/// period. Only [`Reader::report`] makes one.
#[derive(Clone, Debug)]
pub struct ReportScope {
    run_id: Uuid,
    facilities: Vec<ReportFacility>,
    department: Option<String>,
    period: Period,
    now: DateTime<Utc>,
}

impl ReportScope {
    /// The access-log entry's record id: one per run.
    pub fn run_id(&self) -> Uuid {
        self.run_id
    }

    /// The facilities covered, by code.
    pub fn facilities(&self) -> &[ReportFacility] {
        &self.facilities
    }

    pub fn facility(&self, code: &str) -> Option<&ReportFacility> {
        self.facilities.iter().find(|f| f.code == code)
    }

    pub fn department(&self) -> Option<&str> {
        self.department.as_deref()
    }

    pub fn period(&self) -> Period {
        self.period
    }

    /// "Now" for the whole run (overdue, days open): one instant, so the
    /// figures of one report agree with each other.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Rows of the covered facilities whose `at` falls in the period at
    /// their facility, in the department when one is asked for. False
    /// when no facility is covered.
    pub fn within<C: ColumnTrait>(&self, facility_code: C, at: C, department: C) -> Condition {
        let mut any = Condition::any();
        for f in &self.facilities {
            let (start, end) = self.period.bounds(f.tz);
            any = any.add(
                Condition::all()
                    .add(facility_code.eq(f.code.as_str()))
                    .add(at.gte(start))
                    .add(at.lt(end)),
            );
        }
        if self.facilities.is_empty() {
            // An empty `any` matches everything: cover nothing instead.
            return Condition::all().add(Expr::cust("1 = 0"));
        }
        let mut all = Condition::all().add(any);
        if let Some(name) = &self.department {
            all = all.add(department.eq(name.as_str()));
        }
        all
    }

    /// The months of the period at one facility, each as instants.
    pub fn months(&self, facility: &ReportFacility) -> Vec<MonthSlice> {
        self.period.months(facility.tz)
    }
}

impl ReportFilter {
    /// The filter as the access log records it: what was asked, with the
    /// facilities it resolved to.
    fn logged(&self, report: &str, covered: &[ReportFacility], extra: &Value) -> String {
        let mut detail = json!({
            "report": report,
            "facilities": covered.iter().map(|f| f.code.as_str()).collect::<Vec<_>>(),
            "department": self.department,
            "from": self.period.from(),
            "to": self.period.to(),
        });
        if let (Some(map), Some(more)) = (detail.as_object_mut(), extra.as_object()) {
            for (k, v) in more {
                map.insert(k.clone(), v.clone());
            }
        }
        detail.to_string()
    }
}

impl Reader<'_> {
    /// Authorises a report run and records it in the access log: one
    /// entry (record type `Report`, operation `report`, the filter and
    /// `extra` as its detail). Refused when the caller's roles do not
    /// allow `op`, or the filter names a facility the caller cannot see
    /// (out of scope reads as unknown). A run that cannot be logged fails.
    pub async fn report(
        &self,
        op: Operation,
        report: &str,
        filter: &ReportFilter,
        extra: Value,
    ) -> Result<ReportScope, ServiceError> {
        let actor = self.actor();
        if !permits(actor, op) {
            return Err(super::scope::forbidden(op));
        }
        if filter.facilities.len() > MAX_FACILITIES {
            return Err(Refusal::new(
                RefusalCode::Validation,
                format!("a filter names at most {MAX_FACILITIES} facilities"),
            )
            .on(&["filter", "facilities"])
            .into());
        }
        // `list` asks for one more row than the limit, and the limit is
        // bound as an i64: `u64::MAX >> 1` overflowed it (a panic on SQLite).
        let (rows, _) =
            facility_lookup::list(self.db(), &actor.facilities, None, u64::MAX >> 2).await?;
        let wanted: Vec<String> = filter
            .facilities
            .iter()
            .map(|c| crate::domain::facility::normalize_code(c))
            .collect();
        let unknown: Vec<&str> = wanted
            .iter()
            .filter(|c| !rows.iter().any(|r| &r.code == *c))
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            return Err(Refusal::new(
                RefusalCode::NotFound,
                format!("no facility {} in your scope", unknown.join(", ")),
            )
            .on(&["filter", "facilities"])
            .into());
        }
        let mut facilities = Vec::new();
        for row in rows {
            if !wanted.is_empty() && !wanted.contains(&row.code) {
                continue;
            }
            let tz = row.time_zone.parse::<Tz>().map_err(|_| {
                sea_orm::DbErr::Custom(format!(
                    "stored time zone of facility {} unreadable",
                    row.id
                ))
            })?;
            facilities.push(ReportFacility {
                id: row.id,
                code: row.code,
                name: row.name,
                tz,
                default_language: row.default_language,
            });
        }
        let run_id = Uuid::now_v7();
        let detail = filter.logged(report, &facilities, &extra);
        access_log::record_run(
            self.writer(),
            &self.caller(),
            RECORD_REPORT,
            run_id,
            report,
            &detail,
        )
        .await?;
        Ok(ReportScope {
            run_id,
            facilities,
            department: filter.department.clone(),
            period: filter.period,
            now: super::scope::now(),
        })
    }
}
