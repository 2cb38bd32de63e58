//! Compliance reports: input → `ReportFilter` → the services' report →
//! output. Each report runs through `Reader::report`, which authorises it
//! and logs the run once with its filter.

mod filter;
mod grievance_log;
mod language_gaps;
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
);
