//! `interpreterUsageReport`.

use async_graphql::{Context, Object, Result, SimpleObject};

use super::{ReportFilterInput, report_error};
use crate::domain::interpreter::Modality;
use crate::graphql::context::ContextExt;
use crate::services::reports::interpreter_usage::{self, Usage};

/// Interpreter sessions and what they show about language access.
#[derive(SimpleObject)]
pub struct InterpreterUsageFigures {
    pub sessions: u64,
    pub provided: u64,
    /// Outcome `DELAYED`: an interpreter came, late.
    pub delayed: u64,
    /// Outcome `UNAVAILABLE`: no interpreter connected.
    pub unavailable: u64,
    /// Outcome `DECLINED`: the patient declined a free interpreter and a
    /// companion interpreted.
    pub declined: u64,
    /// Interpreted minutes: each connected session's connected → ended
    /// time in minutes, a started minute counting whole, summed.
    pub minutes: u64,
    /// Median wait from request to connection, in seconds (nearest rank),
    /// over the sessions that connected; null when none did.
    pub median_wait_seconds: Option<i64>,
    /// 90th percentile of that wait (nearest rank).
    pub p90_wait_seconds: Option<i64>,
    /// `unavailable / sessions`, e.g. `0.125`; null without sessions.
    pub unavailable_rate: Option<f64>,
    /// `delayed / sessions`.
    pub delayed_rate: Option<f64>,
}

impl From<&Usage> for InterpreterUsageFigures {
    fn from(u: &Usage) -> Self {
        InterpreterUsageFigures {
            sessions: u.sessions,
            provided: u.provided,
            delayed: u.delayed,
            unavailable: u.unavailable,
            declined: u.declined,
            minutes: u.minutes,
            median_wait_seconds: u.median_wait_seconds,
            p90_wait_seconds: u.p90_wait_seconds,
            unavailable_rate: u.unavailable_rate(),
            delayed_rate: u.delayed_rate(),
        }
    }
}

/// The sessions in one language and modality.
#[derive(SimpleObject)]
pub struct InterpreterUsageRow {
    /// BCP 47 tag, e.g. `es`, `ase`.
    pub language: String,
    pub modality: Modality,
    pub figures: InterpreterUsageFigures,
}

/// Companions (family or friends) who interpreted, grouped by the facts
/// that make it lawful (45 CFR 92.201(e)): a minor only in an emergency;
/// an adult in an emergency, or when the patient asked and the adult
/// agreed.
#[derive(SimpleObject)]
pub struct CompanionBasisRow {
    pub minor: bool,
    pub emergency: bool,
    pub patient_requested: bool,
    pub companion_agreed: bool,
    pub sessions: u64,
}

#[derive(SimpleObject)]
pub struct InterpreterUsageReport {
    /// By language, then modality.
    pub rows: Vec<InterpreterUsageRow>,
    /// Every session of the report (its own median and p90, not an
    /// average of the rows').
    pub total: InterpreterUsageFigures,
    pub companions: Vec<CompanionBasisRow>,
}

#[derive(Default)]
pub struct InterpreterUsageQuery;

#[Object]
impl InterpreterUsageQuery {
    /// Interpreter sessions requested in the period (local days at each
    /// session's facility): sessions and minutes by language and
    /// modality, wait from request to connection (median, p90), the
    /// unavailable and delayed rates, and companions used with their
    /// legal basis. Needs `PATIENT_RELATIONS_MANAGER` or `COMPLIANCE`;
    /// facilities outside your scope are refused. Each run is one
    /// access-log entry.
    async fn interpreter_usage_report(
        &self,
        ctx: &Context<'_>,
        filter: ReportFilterInput,
    ) -> Result<InterpreterUsageReport> {
        let filter = filter.filter()?;
        let r = interpreter_usage::report(&ctx.reader()?, &filter)
            .await
            .map_err(report_error)?;
        Ok(InterpreterUsageReport {
            rows: r
                .rows
                .iter()
                .map(|(language, modality, u)| InterpreterUsageRow {
                    language: language.clone(),
                    modality: *modality,
                    figures: u.into(),
                })
                .collect(),
            total: (&r.total).into(),
            companions: r
                .companions
                .iter()
                .map(|c| CompanionBasisRow {
                    minor: c.minor,
                    emergency: c.emergency,
                    patient_requested: c.patient_requested,
                    companion_agreed: c.companion_agreed,
                    sessions: c.sessions,
                })
                .collect(),
        })
    }
}
