//! `accessibilityReport`.

use async_graphql::{Context, Object, Result, SimpleObject};

use super::{ReportFilterInput, report_error};
use crate::domain::accessibility::{DenialGround, NeedType};
use crate::graphql::context::ContextExt;
use crate::services::reports::accessibility_report;

/// Denials on one lawful ground (28 CFR 35.164).
#[derive(SimpleObject)]
pub struct DenialGroundCount {
    pub ground: DenialGround,
    pub requests: u64,
}

/// The requests of one need type.
#[derive(SimpleObject)]
pub struct AccessibilityNeedRow {
    pub need_type: NeedType,
    pub requested: u64,
    pub fulfilled: u64,
    /// Fulfilled at or before their needed-by time.
    pub fulfilled_on_time: u64,
    pub alternative_provided: u64,
    pub denied: u64,
    pub denied_by_ground: Vec<DenialGroundCount>,
    pub cancelled: u64,
    /// Requested, acknowledged or scheduled.
    pub open: u64,
    /// Open and past their needed-by time when the report ran.
    pub overdue_now: u64,
}

#[derive(Default)]
pub struct AccessibilityReportQuery;

#[Object]
impl AccessibilityReportQuery {
    /// Accessibility requests needed in the period (their needed-by time,
    /// local days at each request's facility), by need type. Needs
    /// `PATIENT_RELATIONS_MANAGER` or `COMPLIANCE`; facilities outside
    /// your scope are refused. Each run is one access-log entry.
    async fn accessibility_report(
        &self,
        ctx: &Context<'_>,
        filter: ReportFilterInput,
    ) -> Result<Vec<AccessibilityNeedRow>> {
        let filter = filter.filter()?;
        let rows = accessibility_report::report(&ctx.reader()?, &filter)
            .await
            .map_err(report_error)?;
        Ok(rows
            .into_iter()
            .map(|(need_type, f)| AccessibilityNeedRow {
                need_type,
                requested: f.requested,
                fulfilled: f.fulfilled,
                fulfilled_on_time: f.fulfilled_on_time,
                alternative_provided: f.alternative_provided,
                denied: f.denied,
                denied_by_ground: f
                    .denied_by_ground
                    .into_iter()
                    .map(|(ground, requests)| DenialGroundCount { ground, requests })
                    .collect(),
                cancelled: f.cancelled,
                open: f.open,
                overdue_now: f.overdue_now,
            })
            .collect())
    }
}
