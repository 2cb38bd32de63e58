//! The timeliness report's resolution times on SQLite: median and 90th
//! percentile (nearest rank) per bucket and per facility.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use super::super::ReportScope;
use super::super::months::{Bucket, bucket_of};
use super::WITHDRAWN;
use crate::domain::report::percentile;
use entity::complaint;

/// Median and 90th percentile (nearest rank) of the seconds from receipt
/// to resolution: per bucket, and per facility over all its buckets.
pub(super) struct ResolutionPercentiles {
    pub(super) bucket: Vec<(Option<i64>, Option<i64>)>,
    pub(super) facility: Vec<(Option<i64>, Option<i64>)>,
}

/// Ranked here from two timestamps per resolved grievance: SQLite has no
/// percentile aggregate (PostgreSQL ranks them itself, `in_database.rs`).
pub(super) async fn resolution_percentiles(
    db: &impl ConnectionTrait,
    scope: &ReportScope,
    buckets: &[Bucket],
) -> Result<ResolutionPercentiles, DbErr> {
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
        .filter(super::grievances(scope))
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
