//! Compliance reports: input → `ReportFilter` → the services' report →
//! output. Each report runs through `Reader::report`, which authorises it
//! and logs the run once with its filter.

mod access_review;
mod accessibility_report;
mod filter;
mod interpreter_usage;
mod recovery_cost;

pub use filter::{ReportFilterInput, report_error};

use async_graphql::MergedObject;

/// Every report's query fields, merged into the query root.
#[derive(MergedObject, Default)]
pub struct ReportsQuery(
    recovery_cost::RecoveryCostQuery,
    interpreter_usage::InterpreterUsageQuery,
    accessibility_report::AccessibilityReportQuery,
    access_review::AccessReviewQuery,
);
