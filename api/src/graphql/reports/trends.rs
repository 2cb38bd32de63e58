//! `complaintTrends`: translation only.

use async_graphql::{Context, Enum, Object, Result, SimpleObject};

use super::{ReportFilterInput, report_error};
use crate::graphql::context::ContextExt;
use crate::services::reports::trends::{self, TrendReport};

/// What `complaintTrends` groups by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::services::reports::trends::TrendDimension")]
pub enum TrendDimension {
    /// HCAT category of each issue (issue level).
    HcatCategory,
    /// Severity 1–3 of each issue (issue level).
    Severity,
    /// Stage of care of each issue (issue level).
    StageOfCare,
    Department,
    Channel,
    /// `COMPLAINT` or `GRIEVANCE`, as classified now.
    Classification,
    /// Local month of receipt at each facility (`2026-03`); every month of
    /// the period is listed.
    Month,
}

#[derive(Default)]
pub struct TrendsQuery;

#[Object]
impl TrendsQuery {
    /// Complaints received in the period (every classification) counted by
    /// one dimension: what the quality (QAPI) committee reviews. For the
    /// issue-level dimensions each row also counts the issues, and a
    /// complaint counts under each value its issues have. Roles
    /// PATIENT_RELATIONS_MANAGER and COMPLIANCE; each run is one
    /// access-log entry with its filter.
    async fn complaint_trends(
        &self,
        ctx: &Context<'_>,
        filter: ReportFilterInput,
        group_by: TrendDimension,
    ) -> Result<ComplaintTrends> {
        let filter = filter.filter()?;
        let report = trends::trends(&ctx.reader()?, &filter, group_by.into())
            .await
            .map_err(report_error)?;
        Ok(ComplaintTrends::from(report))
    }
}

/// Complaint counts by one dimension.
#[derive(SimpleObject)]
pub struct ComplaintTrends {
    pub group_by: TrendDimension,
    /// Complaints received in the period, each once.
    pub total_complaints: i64,
    /// By value, in the value's order (by month for `MONTH`).
    pub rows: Vec<TrendCount>,
}

/// What was counted under one value.
#[derive(SimpleObject)]
pub struct TrendCount {
    /// The value: an enum name, a severity (`1`–`3`), a department, or a
    /// month (`2026-03`).
    pub value: String,
    /// Complaints with the value.
    pub complaints: i64,
    /// Issues with the value; null for complaint-level dimensions.
    pub issues: Option<i64>,
}

impl From<TrendReport> for ComplaintTrends {
    fn from(r: TrendReport) -> Self {
        ComplaintTrends {
            group_by: r.group_by.into(),
            total_complaints: r.total_complaints,
            rows: r
                .rows
                .into_iter()
                .map(|row| TrendCount {
                    value: row.value,
                    complaints: row.complaints,
                    issues: row.issues,
                })
                .collect(),
        }
    }
}
