//! Compliance reports: input → `ReportFilter` → the services' report →
//! output. Each report runs through `Reader::report`, which authorises it
//! and logs the run once with its filter.

mod access_review;
mod accessibility_report;
mod filter;
mod grievance_log;
mod interpreter_usage;
mod language_gaps;
mod recovery_cost;
mod reopen;
mod survey;
mod timeliness;
mod trends;

pub use filter::{ReportFilterInput, report_error};
pub use grievance_log::GrievanceLogQuery;
pub use trends::TrendDimension;

use async_graphql::MergedObject;

/// Every report's query fields, merged into the query root.
#[derive(MergedObject, Default)]
pub struct ReportsQuery(
    GrievanceLogQuery,
    survey::SurveyQuery,
    timeliness::TimelinessQuery,
    trends::TrendsQuery,
    reopen::ReopenQuery,
    language_gaps::LanguageGapsQuery,
    recovery_cost::RecoveryCostQuery,
    interpreter_usage::InterpreterUsageQuery,
    accessibility_report::AccessibilityReportQuery,
    access_review::AccessReviewQuery,
);
