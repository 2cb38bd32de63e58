//! `timelinessReport`: translation only; the figures are the services'.

use async_graphql::{Context, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};

use super::{ReportFilterInput, report_error};
use crate::graphql::context::ContextExt;
use crate::services::reports::timeliness::{self, TimelinessReport as Report, TimelinessRow, days};

#[derive(Default)]
pub struct TimelinessQuery;

#[Object]
impl TimelinessQuery {
    /// How timely grievances were handled, per facility and local month of
    /// receipt, judged against each complaint's own clocks (its due times
    /// from its facility's policy for its program, extensions included),
    /// not one global number. Counts grievances only (classification
    /// `GRIEVANCE`, escalated complaints included at their original
    /// receipt): the CMS clocks bind grievances. A grievance withdrawn
    /// counts in `received` and `withdrawn` and in no other figure. Roles
    /// PATIENT_RELATIONS_MANAGER and COMPLIANCE; each run is one
    /// access-log entry with its filter.
    async fn timeliness_report(
        &self,
        ctx: &Context<'_>,
        filter: ReportFilterInput,
    ) -> Result<TimelinessReport> {
        let filter = filter.filter()?;
        let report = timeliness::timeliness(&ctx.reader()?, &filter)
            .await
            .map_err(report_error)?;
        Ok(TimelinessReport(report))
    }
}

/// The timeliness report.
pub struct TimelinessReport(Report);

#[Object]
impl TimelinessReport {
    /// One row per facility and month of the period (months with nothing
    /// received included, as zeros), facility by facility.
    async fn rows(&self) -> Vec<TimelinessFigures> {
        self.0.rows.iter().cloned().map(TimelinessFigures).collect()
    }

    /// One row per facility over the whole period (`month` null).
    async fn totals(&self) -> Vec<TimelinessFigures> {
        self.0
            .totals
            .iter()
            .cloned()
            .map(TimelinessFigures)
            .collect()
    }

    /// The instant "overdue now" was judged at.
    async fn as_of(&self) -> Option<DateTime<Utc>> {
        self.0.now
    }
}

/// Timeliness of one facility in one month (or the whole period).
pub struct TimelinessFigures(TimelinessRow);

#[Object]
impl TimelinessFigures {
    async fn facility_code(&self) -> &str {
        &self.0.facility_code
    }

    async fn facility_name(&self) -> &str {
        &self.0.facility_name
    }

    /// The local month of receipt, as its first day; null on a total row.
    async fn month(&self) -> Option<NaiveDate> {
        self.0.month
    }

    /// Grievances received (withdrawn ones included).
    async fn received(&self) -> i64 {
        self.0.received
    }

    /// Of those, withdrawn now: left out of every other figure.
    async fn withdrawn(&self) -> i64 {
        self.0.withdrawn
    }

    /// Grievances judged: received and not withdrawn. The denominator of
    /// both shares.
    async fn judged(&self) -> i64 {
        self.0.judged()
    }

    /// Acknowledged at or before the acknowledgement clock's due time.
    async fn acknowledged_within_policy(&self) -> i64 {
        self.0.acknowledged_within_policy
    }

    /// `acknowledgedWithinPolicy / judged` (0.875); null when none judged.
    async fn acknowledged_within_policy_share(&self) -> Option<f64> {
        self.0.acknowledged_share()
    }

    /// Resolved (at any time, on time or late; a later reopening does not
    /// undo the first resolution).
    async fn resolved(&self) -> i64 {
        self.0.resolved
    }

    /// Resolved at or before the resolution clock's due time (after any
    /// extensions granted).
    async fn resolved_within_policy(&self) -> i64 {
        self.0.resolved_within_policy
    }

    /// `resolvedWithinPolicy / judged`; null when none judged.
    async fn resolved_within_policy_share(&self) -> Option<f64> {
        self.0.resolved_share()
    }

    /// Median time from receipt to (first) resolution of the resolved
    /// grievances, in days as a decimal with one fraction digit (elapsed
    /// time / 24 h), nearest rank; null when none resolved.
    async fn median_days_to_resolve(&self) -> Option<f64> {
        self.0.median_seconds_to_resolve.map(days)
    }

    /// The 90th percentile of the same, nearest rank, days with one
    /// fraction digit.
    async fn p90_days_to_resolve(&self) -> Option<f64> {
        self.0.p90_seconds_to_resolve.map(days)
    }

    /// Judged grievances whose policy has the progress-notice duty (a
    /// `PROGRESS_NOTICE` clock): the denominator of
    /// `progressNoticeWithinPolicyShare`.
    async fn progress_notice_owed(&self) -> i64 {
        self.0.progress_notice_owed
    }

    /// Of those, the progress notice met at or before its due time: a
    /// notice sent, or the grievance resolved, by then.
    async fn progress_notice_within_policy(&self) -> i64 {
        self.0.progress_notice_within_policy
    }

    /// `progressNoticeWithinPolicy / progressNoticeOwed`; null when no
    /// grievance owed one.
    async fn progress_notice_within_policy_share(&self) -> Option<f64> {
        self.0.progress_notice_share()
    }

    /// Deadline extensions granted on these grievances (either clock).
    async fn extensions_granted(&self) -> i64 {
        self.0.extensions_granted
    }

    /// Open now (received, acknowledged or investigating) with a clock
    /// past its due time and not met, at `asOf`.
    async fn overdue_now(&self) -> i64 {
        self.0.overdue_now
    }
}
