//! Complaint trends: what the quality (QAPI) committee reviews. Counts of
//! complaints (every classification: the committee looks at all of them)
//! received in the period, grouped by one dimension; for the issue-level
//! dimensions (HCAT category, severity, stage of care) also the issues,
//! since a complaint raises one or more. Counted in SQL with one
//! `GROUP BY`; `MONTH` groups by the local month at each facility.

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{ConnectionTrait, DbErr};
use serde_json::json;

use super::months::{bucket_expr, first_column};
use super::table::{ExportParams, Table};
use super::{ReportFilter, ReportScope};
use crate::domain::permissions::Operation;
use crate::services::reads::Reader;
use crate::services::{Refusal, RefusalCode, ServiceError};
use entity::{complaint, complaint_issue};

pub const REPORT: &str = "complaintTrends";

/// What a trend groups by.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TrendDimension {
    HcatCategory,
    Severity,
    StageOfCare,
    Department,
    Channel,
    Classification,
    Month,
}

impl TrendDimension {
    pub const ALL: [(TrendDimension, &'static str); 7] = [
        (TrendDimension::HcatCategory, "HCAT_CATEGORY"),
        (TrendDimension::Severity, "SEVERITY"),
        (TrendDimension::StageOfCare, "STAGE_OF_CARE"),
        (TrendDimension::Department, "DEPARTMENT"),
        (TrendDimension::Channel, "CHANNEL"),
        (TrendDimension::Classification, "CLASSIFICATION"),
        (TrendDimension::Month, "MONTH"),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(d, _)| *d == self)
            .map_or("", |(_, n)| n)
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name.trim()))
            .map(|(d, _)| *d)
    }

    /// Whether the dimension is a property of each issue.
    pub fn issue_level(self) -> bool {
        matches!(
            self,
            TrendDimension::HcatCategory | TrendDimension::Severity | TrendDimension::StageOfCare
        )
    }
}

/// One value of the dimension and what was counted under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrendRow {
    /// The value (`QUALITY`, `3`, `2026-03`, a department's name …).
    pub value: String,
    /// Complaints with that value (for an issue-level dimension: with at
    /// least one issue of that value, so a complaint may count under
    /// several values).
    pub complaints: i64,
    /// Issues with that value; `None` for complaint-level dimensions.
    pub issues: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct TrendReport {
    pub group_by: TrendDimension,
    /// Complaints received in the period, once each.
    pub total_complaints: i64,
    /// Ordered by value (`MONTH`: every month of the period, zeros
    /// included).
    pub rows: Vec<TrendRow>,
}

pub async fn trends(
    reader: &Reader<'_>,
    filter: &ReportFilter,
    group_by: TrendDimension,
) -> Result<TrendReport, ServiceError> {
    let scope = reader
        .report(
            Operation::ReadReports,
            REPORT,
            filter,
            json!({ "groupBy": group_by.name() }),
        )
        .await?;
    Ok(compute(reader.db(), &scope, group_by).await?)
}

async fn compute(
    db: &impl ConnectionTrait,
    scope: &ReportScope,
    group_by: TrendDimension,
) -> Result<TrendReport, DbErr> {
    use complaint::Column as C;
    let within = scope.within(C::FacilityCode, C::ReceivedAt, C::Department);
    let total = Query::select()
        .expr(Func::count(Expr::val(1)))
        .from(complaint::Entity)
        .cond_where(within.clone())
        .to_owned();
    let total_complaints: i64 = match db.query_one(&total).await? {
        Some(r) => r.try_get_by_index(0)?,
        None => 0,
    };
    let mut query = Query::select();
    query.from(complaint::Entity).cond_where(within);
    let mut rows = Vec::new();
    if group_by.issue_level() {
        let col = match group_by {
            TrendDimension::Severity => complaint_issue::Column::Severity,
            TrendDimension::StageOfCare => complaint_issue::Column::StageOfCare,
            _ => complaint_issue::Column::Category,
        };
        query
            .expr(Expr::col((complaint_issue::Entity, col)))
            .expr(Func::count_distinct(Expr::col((
                complaint_issue::Entity,
                complaint_issue::Column::ComplaintId,
            ))))
            .expr(Func::count(Expr::val(1)))
            .inner_join(
                complaint_issue::Entity,
                Expr::col((
                    complaint_issue::Entity,
                    complaint_issue::Column::ComplaintId,
                ))
                .equals((complaint::Entity, C::Id)),
            )
            .add_group_by([first_column()]);
        for r in db.query_all(&query).await? {
            let value = if group_by == TrendDimension::Severity {
                r.try_get_by_index::<i16>(0)?.to_string()
            } else {
                r.try_get_by_index::<String>(0)?
            };
            rows.push(TrendRow {
                value,
                complaints: r.try_get_by_index(1)?,
                issues: Some(r.try_get_by_index(2)?),
            });
        }
    } else if group_by == TrendDimension::Month {
        let months: Vec<NaiveDate> = scope
            .facilities()
            .first()
            .map(|f| scope.months(f).iter().map(|m| m.month).collect())
            .unwrap_or_default();
        let mut counts = vec![0i64; months.len()];
        query
            .expr(bucket_expr(scope, C::FacilityCode, C::ReceivedAt, true))
            .expr(Func::count(Expr::val(1)))
            .add_group_by([first_column()]);
        for r in db.query_all(&query).await? {
            let bucket: Option<i32> = r.try_get_by_index(0)?;
            if let Some(c) = bucket
                .and_then(|b| usize::try_from(b).ok())
                .and_then(|b| counts.get_mut(b))
            {
                *c = r.try_get_by_index(1)?;
            }
        }
        rows = months
            .iter()
            .zip(counts)
            .map(|(m, complaints)| TrendRow {
                value: m.format("%Y-%m").to_string(),
                complaints,
                issues: None,
            })
            .collect();
    } else {
        let col = match group_by {
            TrendDimension::Channel => C::Channel,
            TrendDimension::Classification => C::Classification,
            _ => C::Department,
        };
        query
            .expr(Expr::col((complaint::Entity, col)))
            .expr(Func::count(Expr::val(1)))
            .add_group_by([first_column()]);
        for r in db.query_all(&query).await? {
            rows.push(TrendRow {
                value: r.try_get_by_index(0)?,
                complaints: r.try_get_by_index(1)?,
                issues: None,
            });
        }
    }
    if group_by != TrendDimension::Month {
        rows.sort_by(|a, b| a.value.cmp(&b.value));
    }
    Ok(TrendReport {
        group_by,
        total_complaints,
        rows,
    })
}

/// The report as a table; `groupBy` is an export parameter (required).
pub async fn table(
    reader: &Reader<'_>,
    filter: &ReportFilter,
    params: &ExportParams,
) -> Result<Table, ServiceError> {
    let group_by = params
        .get("groupBy")
        .and_then(|g| TrendDimension::parse(g))
        .ok_or_else(|| {
            ServiceError::from(
                Refusal::new(
                    RefusalCode::Validation,
                    "groupBy is one of HCAT_CATEGORY, SEVERITY, STAGE_OF_CARE, DEPARTMENT, CHANNEL, CLASSIFICATION, MONTH",
                )
                .on(&["groupBy"]),
            )
        })?;
    let report = trends(reader, filter, group_by).await?;
    let mut table = Table::new(vec!["group_by", "value", "complaints", "issues"]);
    for r in &report.rows {
        table.push(vec![
            group_by.name().to_owned(),
            r.value.clone(),
            r.complaints.to_string(),
            r.issues.map(|i| i.to_string()).unwrap_or_default(),
        ]);
    }
    table.push(vec![
        group_by.name().to_owned(),
        "total".to_owned(),
        report.total_complaints.to_string(),
        String::new(),
    ]);
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::TrendDimension;

    #[test]
    fn dimensions_read_back_by_name() {
        for (d, name) in TrendDimension::ALL {
            assert_eq!(d.name(), name);
            assert_eq!(TrendDimension::parse(name), Some(d));
            assert_eq!(TrendDimension::parse(&name.to_lowercase()), Some(d));
        }
        assert_eq!(TrendDimension::parse("WEEK"), None);
        let issue_level: Vec<_> = TrendDimension::ALL
            .iter()
            .filter(|(d, _)| d.issue_level())
            .map(|(_, n)| *n)
            .collect();
        assert_eq!(issue_level, ["HCAT_CATEGORY", "SEVERITY", "STAGE_OF_CARE"]);
    }
}
