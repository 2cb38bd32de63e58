//! The interpreter usage report (Section 1557, 45 CFR 92.201): sessions
//! requested in the period (local days at each session's facility) by
//! language and modality, their minutes, the wait from request to
//! connection (median and 90th percentile, nearest rank), the unavailable
//! and delayed rates, and the companions (family or friends) used instead
//! of a qualified interpreter with the facts that made it lawful.
//!
//! Counts are grouped in SQL. Waits and minutes need each connected
//! session's three projection timestamps (an order statistic cannot be
//! summed); the companion's facts are the only JSON read, in SQL, for
//! `DECLINED` sessions alone.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::interpreter_session::{Column as C, Entity as Session};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityName};
use serde_json::json;

use super::linked_sql::{count, json_flag, share};
use super::table::{ExportParams, Table};
use super::{ReportFilter, ReportScope};
use crate::domain::interpreter::{Modality, Outcome};
use crate::domain::permissions::Operation;
use crate::domain::report::percentile;
use crate::services::ServiceError;
use crate::services::reads::Reader;

pub const REPORT: &str = "interpreterUsageReport";

/// Sessions of one language and modality (or all of them).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Usage {
    pub sessions: u64,
    pub provided: u64,
    pub delayed: u64,
    pub unavailable: u64,
    /// The patient declined a free interpreter and used a companion.
    pub declined: u64,
    /// Interpreted time: each connected session's connected → ended time
    /// in whole minutes, a started minute counting whole, summed.
    pub minutes: u64,
    /// Request → connection, in seconds, of the sessions that connected.
    pub median_wait_seconds: Option<i64>,
    pub p90_wait_seconds: Option<i64>,
    waits: Vec<i64>,
}

impl Usage {
    pub fn unavailable_rate(&self) -> Option<f64> {
        share(self.unavailable, self.sessions)
    }
    pub fn delayed_rate(&self) -> Option<f64> {
        share(self.delayed, self.sessions)
    }

    fn add(&mut self, outcome: Outcome, n: u64) {
        self.sessions += n;
        match outcome {
            Outcome::Provided => self.provided += n,
            Outcome::Delayed => self.delayed += n,
            Outcome::Unavailable => self.unavailable += n,
            Outcome::Declined => self.declined += n,
        }
    }

    fn time(&mut self, wait: i64, minutes: u64) {
        self.waits.push(wait);
        self.minutes += minutes;
    }

    fn finish(&mut self) {
        self.waits.sort_unstable();
        self.median_wait_seconds = percentile(&self.waits, 50);
        self.p90_wait_seconds = percentile(&self.waits, 90);
    }
}

/// Companions used, by the facts 45 CFR 92.201(e) asks for: a minor only
/// in an emergency; an adult in an emergency, or when the patient asked
/// and the adult agreed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct CompanionBasis {
    pub minor: bool,
    pub emergency: bool,
    pub patient_requested: bool,
    pub companion_agreed: bool,
    pub sessions: u64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct InterpreterUsage {
    /// By language (BCP 47) and modality, in that order.
    pub rows: Vec<(String, Modality, Usage)>,
    pub total: Usage,
    pub companions: Vec<CompanionBasis>,
}

/// Runs the report (logged once).
pub async fn report(
    reader: &Reader<'_>,
    filter: &ReportFilter,
) -> Result<InterpreterUsage, ServiceError> {
    let scope = reader
        .report(Operation::ReadReports, REPORT, filter, json!({}))
        .await?;
    Ok(usage(reader.db(), &scope).await?)
}

async fn usage(db: &impl ConnectionTrait, scope: &ReportScope) -> Result<InterpreterUsage, DbErr> {
    let within = || scope.within(C::FacilityCode, C::RequestedAt, C::Department);
    let mut groups: BTreeMap<(String, &'static str), Usage> = BTreeMap::new();
    let mut total = Usage::default();

    let mut counts = Query::select();
    counts
        .columns([C::Language, C::Modality, C::Outcome])
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from(Session.table_ref())
        .cond_where(within())
        .group_by_columns([C::Language, C::Modality, C::Outcome]);
    for row in db.query_all(&counts).await? {
        let language: String = row.try_get("", "language")?;
        let modality = modality(&row.try_get::<String>("", "modality")?)?;
        let outcome: String = row.try_get("", "outcome")?;
        let outcome = Outcome::parse(&outcome).ok_or_else(|| stored("outcome", &outcome))?;
        let n = count(&row, "n")?;
        groups
            .entry((language, modality.as_str()))
            .or_default()
            .add(outcome, n);
        total.add(outcome, n);
    }

    let mut times = Query::select();
    times
        .columns([
            C::Language,
            C::Modality,
            C::RequestedAt,
            C::ConnectedAt,
            C::EndedAt,
        ])
        .from(Session.table_ref())
        .cond_where(within().add(C::ConnectedAt.is_not_null()));
    for row in db.query_all(&times).await? {
        let language: String = row.try_get("", "language")?;
        let modality = modality(&row.try_get::<String>("", "modality")?)?;
        let requested: DateTime<Utc> = row.try_get("", "requested_at")?;
        let connected: DateTime<Utc> = row.try_get("", "connected_at")?;
        let ended: Option<DateTime<Utc>> = row.try_get("", "ended_at")?;
        let wait = (connected - requested).num_seconds();
        let minutes = ended.map_or(0, |e| {
            let secs = u64::try_from((e - connected).num_seconds()).unwrap_or(0);
            secs.div_ceil(60)
        });
        groups
            .entry((language, modality.as_str()))
            .or_default()
            .time(wait, minutes);
        total.time(wait, minutes);
    }
    total.finish();

    let backend = db.get_database_backend();
    let flags = [
        ("minor", "minor"),
        ("emergency", "emergency"),
        ("patient_requested", "patientRequested"),
        ("companion_agreed", "companionAgreed"),
    ];
    let mut inner = Query::select();
    for (alias, field) in flags {
        inner.expr_as(
            json_flag(backend, &["entry", "companion", field]),
            Alias::new(alias),
        );
    }
    inner
        .from(Session.table_ref())
        .cond_where(within().add(C::Outcome.eq(Outcome::Declined.as_str())));
    let mut outer = Query::select();
    for (alias, _) in flags {
        outer.column(Alias::new(alias));
    }
    outer
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from_subquery(inner, Alias::new("t"))
        .group_by_columns(flags.map(|(a, _)| Alias::new(a)));
    let mut companions = Vec::new();
    for row in db.query_all(&outer).await? {
        let flag = |name: &str| -> Result<bool, DbErr> { Ok(row.try_get::<i64>("", name)? == 1) };
        companions.push(CompanionBasis {
            minor: flag("minor")?,
            emergency: flag("emergency")?,
            patient_requested: flag("patient_requested")?,
            companion_agreed: flag("companion_agreed")?,
            sessions: count(&row, "n")?,
        });
    }
    companions.sort();

    let rows = groups
        .into_iter()
        .filter_map(|((language, modality), mut usage)| {
            usage.finish();
            Some((language, Modality::parse(modality)?, usage))
        })
        .collect();
    Ok(InterpreterUsage {
        rows,
        total,
        companions,
    })
}

fn modality(s: &str) -> Result<Modality, DbErr> {
    Modality::parse(s).ok_or_else(|| stored("modality", s))
}

fn stored(column: &str, value: &str) -> DbErr {
    DbErr::Custom(format!(
        "interpreter_session.{column} holds {value:?}, which no session can have"
    ))
}

fn cell<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The report as a table for the CSV export: one row per language and
/// modality, then `ALL`, then one row per companion basis.
pub async fn table(
    reader: &Reader<'_>,
    filter: &ReportFilter,
    _params: &ExportParams,
) -> Result<Table, ServiceError> {
    let r = report(reader, filter).await?;
    let mut t = Table::new(vec![
        "language",
        "modality",
        "sessions",
        "provided",
        "delayed",
        "unavailable",
        "declined",
        "minutes",
        "median_wait_seconds",
        "p90_wait_seconds",
        "unavailable_rate",
        "delayed_rate",
        "companion_minor",
        "companion_emergency",
        "companion_patient_requested",
        "companion_agreed",
    ]);
    let usage_row = |language: &str, modality: &str, u: &Usage| {
        vec![
            language.to_owned(),
            modality.to_owned(),
            u.sessions.to_string(),
            u.provided.to_string(),
            u.delayed.to_string(),
            u.unavailable.to_string(),
            u.declined.to_string(),
            u.minutes.to_string(),
            cell(u.median_wait_seconds),
            cell(u.p90_wait_seconds),
            super::timeliness::decimal(u.unavailable_rate()),
            super::timeliness::decimal(u.delayed_rate()),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]
    };
    for (language, modality, u) in &r.rows {
        t.push(usage_row(language, modality.as_str(), u));
    }
    t.push(usage_row("ALL", "ALL", &r.total));
    for c in &r.companions {
        let mut row = vec![String::new(); 16];
        row[0] = "COMPANION".to_owned();
        row[2] = c.sessions.to_string();
        row[6] = c.sessions.to_string();
        row[12] = c.minor.to_string();
        row[13] = c.emergency.to_string();
        row[14] = c.patient_requested.to_string();
        row[15] = c.companion_agreed.to_string();
        t.push(row);
    }
    Ok(t)
}
