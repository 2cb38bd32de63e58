//! The timeliness report's resolution times: median and 90th percentile
//! (nearest rank) per bucket and per facility.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect,
};

use super::super::ReportScope;
use super::super::months::{Bucket, bucket_expr, bucket_of, first_column};
use super::{GRIEVANCE, WITHDRAWN};
use crate::domain::report::percentile;
use entity::complaint;

/// Median and 90th percentile (nearest rank) of the seconds from receipt
/// to resolution: per bucket, and per facility over all its buckets.
pub(super) struct ResolutionPercentiles {
    pub(super) bucket: Vec<(Option<i64>, Option<i64>)>,
    pub(super) facility: Vec<(Option<i64>, Option<i64>)>,
}

/// On PostgreSQL the database computes them (`percentile_disc` is the
/// nearest rank), so no resolution time leaves it: at a million complaints
/// fetching each year's times cost seconds and 180 MB of server memory
/// under four concurrent reports. SQLite has no percentile aggregate: the
/// times come over and are ranked here.
pub(super) async fn resolution_percentiles(
    db: &impl ConnectionTrait,
    scope: &ReportScope,
    buckets: &[Bucket],
) -> Result<ResolutionPercentiles, DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        return resolution_percentiles_in_database(db, scope, buckets).await;
    }
    let mut durations = resolution_times(db, scope, buckets).await?;
    let mut facility = Vec::new();
    for fi in 0..scope.facilities().len() {
        let mut all = Vec::new();
        for (i, _) in buckets.iter().enumerate().filter(|(_, b)| b.facility == fi) {
            all.extend_from_slice(&durations[i]);
        }
        all.sort_unstable();
        facility.push((percentile(&all, 50), percentile(&all, 90)));
    }
    let bucket = durations
        .iter_mut()
        .map(|d| {
            d.sort_unstable();
            (percentile(d, 50), percentile(d, 90))
        })
        .collect();
    Ok(ResolutionPercentiles { bucket, facility })
}

async fn resolution_percentiles_in_database(
    db: &impl ConnectionTrait,
    scope: &ReportScope,
    buckets: &[Bucket],
) -> Result<ResolutionPercentiles, DbErr> {
    use complaint::Column as C;
    // Whole seconds, truncated as chrono's `num_seconds` truncates.
    let seconds = "trunc(extract(epoch from (resolution_met_at - received_at)))::bigint";
    let median = Expr::cust(format!(
        "percentile_disc(0.5) WITHIN GROUP (ORDER BY {seconds})"
    ));
    let p90 = Expr::cust(format!(
        "percentile_disc(0.9) WITHIN GROUP (ORDER BY {seconds})"
    ));
    let resolved = |query: &mut sea_orm::sea_query::SelectStatement| {
        query
            .from(complaint::Entity)
            .cond_where(scope.within(C::FacilityCode, C::ReceivedAt, C::Department))
            .and_where(C::Classification.eq(GRIEVANCE))
            .and_where(C::Status.ne(WITHDRAWN))
            .and_where(C::ResolutionMetAt.is_not_null())
            .add_group_by([first_column()]);
    };
    let mut by_bucket = Query::select();
    by_bucket
        .expr(bucket_expr(scope, C::FacilityCode, C::ReceivedAt, false))
        .expr(median.clone())
        .expr(p90.clone());
    resolved(&mut by_bucket);
    let mut bucket = vec![(None, None); buckets.len()];
    for r in db.query_all(&by_bucket).await? {
        let Some(i) = r.try_get_by_index::<Option<i32>>(0)? else {
            continue;
        };
        if let Some(slot) = usize::try_from(i).ok().and_then(|i| bucket.get_mut(i)) {
            *slot = (r.try_get_by_index(1)?, r.try_get_by_index(2)?);
        }
    }
    // Per facility, over the rows that fall in one of its buckets (as the
    // buckets' own figures do).
    let mut by_facility = Query::select();
    by_facility
        .column(C::FacilityCode)
        .expr(median)
        .expr(p90)
        .and_where(bucket_expr(scope, C::FacilityCode, C::ReceivedAt, false).is_not_null());
    resolved(&mut by_facility);
    let mut facility = vec![(None, None); scope.facilities().len()];
    for r in db.query_all(&by_facility).await? {
        let code: String = r.try_get_by_index(0)?;
        if let Some(fi) = scope.facilities().iter().position(|f| f.code == code) {
            facility[fi] = (r.try_get_by_index(1)?, r.try_get_by_index(2)?);
        }
    }
    Ok(ResolutionPercentiles { bucket, facility })
}

/// Seconds from receipt to resolution of each resolved, judged grievance,
/// per bucket (unsorted).
async fn resolution_times(
    db: &impl ConnectionTrait,
    scope: &ReportScope,
    buckets: &[Bucket],
) -> Result<Vec<Vec<i64>>, DbErr> {
    use complaint::Column as C;
    let rows: Vec<(String, DateTime<Utc>, Option<DateTime<Utc>>)> = complaint::Entity::find()
        .select_only()
        .column(C::FacilityCode)
        .column(C::ReceivedAt)
        .column(C::ResolutionMetAt)
        .filter(scope.within(C::FacilityCode, C::ReceivedAt, C::Department))
        .filter(C::Classification.eq(GRIEVANCE))
        .filter(C::Status.ne(WITHDRAWN))
        .filter(C::ResolutionMetAt.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    let mut out = vec![Vec::new(); buckets.len()];
    for (code, received, resolved) in rows {
        let (Some(i), Some(resolved)) = (bucket_of(buckets, scope, &code, received), resolved)
        else {
            continue;
        };
        out[i].push((resolved - received).num_seconds());
    }
    Ok(out)
}
