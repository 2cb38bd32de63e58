//! `reopenReport`: translation only.

use async_graphql::{Context, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use super::{ReportFilterInput, report_error};
use crate::graphql::common::paging::page_size;
use crate::graphql::context::ContextExt;
use crate::services::reports::reopen::{self, ReopenReport as Report};

#[derive(Default)]
pub struct ReopenQuery;

#[Object]
impl ReopenQuery {
    /// Reopened complaints (either classification), per facility and local
    /// month of receipt, and a page of the reopened complaints (`first`,
    /// `after`: at most the page-size limit, oldest receipt first). Roles
    /// PATIENT_RELATIONS_MANAGER and COMPLIANCE; each run is one
    /// access-log entry with its filter.
    async fn reopen_report(
        &self,
        ctx: &Context<'_>,
        filter: ReportFilterInput,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ReopenReport> {
        let filter = filter.filter()?;
        let first = page_size(ctx, first)?;
        let report = reopen::reopen(&ctx.reader()?, &filter, first, after.as_deref())
            .await
            .map_err(report_error)?;
        Ok(ReopenReport::from(report))
    }
}

/// The reopen report.
#[derive(SimpleObject)]
pub struct ReopenReport {
    /// Per facility and month of the period, zeros included.
    pub rows: Vec<ReopenFigures>,
    /// Reopened complaints received in the period, oldest first.
    pub reopened: Vec<ReopenedComplaint>,
    /// Pass as `after` for the next page of `reopened`; null when empty.
    pub end_cursor: Option<String>,
    pub has_next_page: bool,
}

/// Reopenings in one facility and month of receipt.
#[derive(SimpleObject)]
pub struct ReopenFigures {
    pub facility_code: String,
    /// The local month, as its first day.
    pub month: NaiveDate,
    /// Complaints concluded at least once: resolved, closed or withdrawn
    /// (now or before a reopening).
    pub concluded: i64,
    /// Of those, reopened at least once.
    pub reopened: i64,
    /// `reopened / concluded`; null when none concluded.
    pub reopened_share: Option<f64>,
    /// Reopened more than once.
    pub reopened_more_than_once: i64,
}

/// A complaint that was reopened.
#[derive(SimpleObject)]
pub struct ReopenedComplaint {
    /// The complaint's global id.
    pub id: async_graphql::ID,
    pub reference: String,
    pub facility_code: String,
    pub received_at: DateTime<Utc>,
    /// Received at, in the facility's time zone with its offset.
    pub received_at_local: String,
    pub status: crate::domain::complaint::Status,
    pub times_reopened: i32,
}

impl From<Report> for ReopenReport {
    fn from(r: Report) -> Self {
        ReopenReport {
            end_cursor: r.reopened.last().map(|c| c.cursor.clone()),
            has_next_page: r.has_next_page,
            rows: r
                .rows
                .iter()
                .map(|row| ReopenFigures {
                    facility_code: row.facility_code.clone(),
                    month: row.month,
                    concluded: row.concluded,
                    reopened: row.reopened,
                    reopened_share: row.reopened_share(),
                    reopened_more_than_once: row.reopened_more_than_once,
                })
                .collect(),
            reopened: r
                .reopened
                .into_iter()
                .map(|c| ReopenedComplaint {
                    id: crate::ids::encode_id(crate::ids::NodeKind::Complaint, c.id),
                    reference: c.reference,
                    facility_code: c.facility_code,
                    received_at: c.received_at,
                    received_at_local: c
                        .received_at
                        .with_timezone(&c.tz)
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
                    status: c.status,
                    times_reopened: c.times_reopened,
                })
                .collect(),
        }
    }
}
