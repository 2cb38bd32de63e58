//! `serviceRecoveryCostReport`.

use async_graphql::{Context, Object, Result, SimpleObject};
use chrono::NaiveDate;

use super::{ReportFilterInput, report_error};
use crate::domain::service_recovery::{Kind, Status};
use crate::graphql::context::ContextExt;
use crate::graphql::money::MoneyObject;
use crate::services::reports::recovery_cost::{self, CostRow};

/// Service-recovery actions of one facility, local month, kind,
/// department, status and currency, with the exact sum of their amounts.
#[derive(SimpleObject)]
pub struct ServiceRecoveryCostRow {
    pub facility_code: String,
    /// The local month (at the facility) the action was proposed in, as
    /// its first day.
    pub month: NaiveDate,
    pub kind: Kind,
    /// The complaint's department when the action was proposed.
    pub department: String,
    /// Where the actions stand now: `APPROVED` (approved, not yet done)
    /// against `COMPLETED` (done), and the rest.
    pub status: Status,
    pub actions: u64,
    /// The exact sum of the amounts, in the row's currency; null for
    /// actions without money.
    pub total: Option<MoneyObject>,
}

impl From<CostRow> for ServiceRecoveryCostRow {
    fn from(r: CostRow) -> Self {
        ServiceRecoveryCostRow {
            facility_code: r.facility_code,
            month: r.month,
            kind: r.kind,
            department: r.department,
            status: r.status,
            actions: r.actions,
            total: r.currency.map(|currency| MoneyObject {
                amount: r.total,
                currency,
            }),
        }
    }
}

#[derive(Default)]
pub struct RecoveryCostQuery;

#[Object]
impl RecoveryCostQuery {
    /// What service recovery cost: actions proposed in the period (local
    /// days at each action's facility), counted and summed exactly by
    /// facility, local month, kind, department, status and currency
    /// (amounts in different currencies are never added). Needs
    /// `PATIENT_RELATIONS_MANAGER` or `COMPLIANCE`; facilities outside
    /// your scope are refused. Each run is one access-log entry.
    async fn service_recovery_cost_report(
        &self,
        ctx: &Context<'_>,
        filter: ReportFilterInput,
    ) -> Result<Vec<ServiceRecoveryCostRow>> {
        let filter = filter.filter()?;
        let rows = recovery_cost::report(&ctx.reader()?, &filter)
            .await
            .map_err(report_error)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
