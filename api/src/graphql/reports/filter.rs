//! The filter every report takes, and how a report's refusal reads.

use async_graphql::{Error, InputObject};
use chrono::NaiveDate;

use crate::domain::report::Period;
use crate::graphql::errors;
use crate::services::reports::ReportFilter;
use crate::services::{Refusal, RefusalCode, ServiceError};

/// What a report covers. Days are local days at each facility: March at a
/// Chicago hospital is March in Chicago, at a Los Angeles hospital March
/// in Los Angeles.
#[derive(InputObject, Clone, Debug)]
pub struct ReportFilterInput {
    /// Facility codes; omit or leave empty for every facility you can see.
    pub facilities: Option<Vec<String>>,
    /// One department, as recorded on the complaints; omit for all.
    pub department: Option<String>,
    /// First local day covered.
    pub from: NaiveDate,
    /// Last local day covered (included).
    pub to: NaiveDate,
}

impl ReportFilterInput {
    /// The services' filter, or `BAD_USER_INPUT` naming what is wrong.
    pub fn filter(&self) -> Result<ReportFilter, Error> {
        let period = Period::new(self.from, self.to)
            .map_err(|e| errors::bad_input(format!("{}: {}", e.field.join("."), e.message)))?;
        let department = match self.department.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) => Some(d.to_owned()),
        };
        Ok(ReportFilter {
            facilities: self.facilities.clone().unwrap_or_default(),
            department,
            period,
        })
    }
}

/// A report's refusal as a GraphQL error: `FORBIDDEN` for roles,
/// `BAD_USER_INPUT` for the filter; faults keep their source, for
/// `errors::answer_faults` to answer.
pub fn report_error(e: ServiceError) -> Error {
    match e {
        ServiceError::Refused(refusals) => {
            let forbidden = refusals.iter().any(|r| r.code == RefusalCode::Forbidden);
            let message = refusals.iter().map(describe).collect::<Vec<_>>().join("; ");
            if forbidden {
                errors::forbidden(message)
            } else {
                errors::bad_input(message)
            }
        }
        e @ ServiceError::Db(_) => Error::new_with_source(e),
    }
}

fn describe(r: &Refusal) -> String {
    if r.field.is_empty() {
        r.message.clone()
    } else {
        format!("{}: {}", r.field.join("."), r.message)
    }
}
