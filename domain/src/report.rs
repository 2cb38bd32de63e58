//! What compliance reports share: the period they cover, read in each
//! facility's own time zone, its months, and the order statistics they
//! quote (median and 90th percentile).
//!
//! A report asks about local days: "complaints received in March" at a
//! Chicago hospital means from midnight March 1 to midnight April 1 in
//! Chicago, whatever the offset on either side of a DST change. The
//! services turn a [`Period`] into instants per facility with
//! [`Period::bounds`] and [`Period::months`], so the database compares
//! indexed UTC timestamps and never converts zones itself.

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::FieldError;
use crate::clocks::resolve_local;

/// The longest period one report covers: long enough for a three-year
/// survey look-back, short enough that one request stays bounded.
pub const MAX_PERIOD_DAYS: i64 = 3 * 366 + 31;

/// A run of local calendar days, both ends included.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Period {
    from: NaiveDate,
    to: NaiveDate,
}

/// One calendar month of a period (clipped to the period) at one facility.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct MonthSlice {
    /// The month, as its first day.
    pub month: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Period {
    /// `from` through `to`, local days; refused when reversed or longer
    /// than [`MAX_PERIOD_DAYS`].
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, FieldError> {
        if to < from {
            return Err(FieldError::new(
                &["filter", "to"],
                "the period ends before it starts",
            ));
        }
        if (to - from).num_days() + 1 > MAX_PERIOD_DAYS {
            return Err(FieldError::new(
                &["filter", "to"],
                format!("a report covers at most {MAX_PERIOD_DAYS} days; split the period"),
            ));
        }
        Ok(Period { from, to })
    }

    pub fn from(&self) -> NaiveDate {
        self.from
    }

    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// The period as instants at a facility: from local midnight starting
    /// `from` to local midnight after `to` (half open).
    pub fn bounds(&self, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            local_midnight(self.from, tz),
            local_midnight(day_after(self.to), tz),
        )
    }

    /// The calendar months the period touches, each clipped to the period,
    /// as instants at a facility, in order.
    pub fn months(&self, tz: Tz) -> Vec<MonthSlice> {
        let mut out = Vec::new();
        let mut month = first_of_month(self.from);
        while month <= self.to {
            let next = month + Months::new(1);
            let start_day = month.max(self.from);
            let end_day = next.min(day_after(self.to));
            out.push(MonthSlice {
                month,
                start: local_midnight(start_day, tz),
                end: local_midnight(end_day, tz),
            });
            month = next;
        }
        out
    }
}

/// The instant a local day starts in `tz` (a midnight that a DST change
/// skips starts the day at the first minute that exists).
pub fn local_midnight(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    resolve_local(tz, day.and_time(NaiveTime::MIN))
}

fn day_after(day: NaiveDate) -> NaiveDate {
    day.succ_opt().unwrap_or(NaiveDate::MAX)
}

/// The first day of the day's month.
pub fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The local calendar day of an instant at a facility.
pub fn local_day(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// The nearest-rank percentile (`p` in 0..=100) of sorted values: the
/// smallest value with at least `p` % of the values at or below it. `None`
/// for no values. Nearest rank quotes a value that happened, never an
/// interpolation between two cases.
pub fn percentile<T: Copy>(sorted: &[T], p: u32) -> Option<T> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    // ceil(p/100 × n), at least 1.
    let rank = (usize::try_from(p).unwrap_or(100) * n).div_ceil(100).max(1);
    sorted.get(rank.min(n) - 1).copied()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use chrono_tz::America::{Chicago, New_York};
    use chrono_tz::Australia::Lord_Howe;

    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn periods_are_checked() {
        assert!(Period::new(day("2026-03-01"), day("2026-03-01")).is_ok());
        assert!(Period::new(day("2026-03-02"), day("2026-03-01")).is_err());
        assert!(Period::new(day("2023-01-01"), day("2025-12-31")).is_ok());
        assert!(Period::new(day("2020-01-01"), day("2026-12-31")).is_err());
    }

    /// (zone, from, to, start, end): the instants a period covers.
    #[test]
    fn bounds_follow_the_facility_zone() {
        let table = [
            // Standard time in Chicago: UTC−6 at both ends.
            (
                Chicago,
                "2026-01-01",
                "2026-01-31",
                "2026-01-01T06:00:00Z",
                "2026-02-01T06:00:00Z",
            ),
            // March crosses the spring-forward change: −6 then −5.
            (
                Chicago,
                "2026-03-01",
                "2026-03-31",
                "2026-03-01T06:00:00Z",
                "2026-04-01T05:00:00Z",
            ),
            (
                New_York,
                "2026-11-01",
                "2026-11-01",
                "2026-11-01T04:00:00Z",
                "2026-11-02T05:00:00Z",
            ),
            // Lord Howe moves by half an hour.
            (
                Lord_Howe,
                "2026-04-05",
                "2026-04-05",
                "2026-04-04T13:00:00Z",
                "2026-04-05T13:30:00Z",
            ),
        ];
        for (tz, from, to, start, end) in table {
            let period = Period::new(day(from), day(to)).unwrap();
            assert_eq!(
                period.bounds(tz),
                (utc(start), utc(end)),
                "{tz} {from}..{to}"
            );
        }
    }

    #[test]
    fn months_are_clipped_and_contiguous() {
        let period = Period::new(day("2026-01-15"), day("2026-03-10")).unwrap();
        let months = period.months(Chicago);
        let firsts: Vec<_> = months.iter().map(|m| m.month).collect();
        assert_eq!(
            firsts,
            [day("2026-01-01"), day("2026-02-01"), day("2026-03-01")]
        );
        assert_eq!(months[0].start, utc("2026-01-15T06:00:00Z"));
        assert_eq!(months[2].end, utc("2026-03-11T05:00:00Z"));
        for pair in months.windows(2) {
            assert_eq!(pair[0].end, pair[1].start);
        }
        assert_eq!(months[0].start, period.bounds(Chicago).0);
        assert_eq!(months[2].end, period.bounds(Chicago).1);
    }

    #[test]
    fn late_evening_on_the_last_day_belongs_to_that_month() {
        // 23:30 on January 31 in Chicago is 05:30 UTC on February 1.
        let at = Chicago
            .with_ymd_and_hms(2026, 1, 31, 23, 30, 0)
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(local_day(at, Chicago), day("2026-01-31"));
        let months = Period::new(day("2026-01-01"), day("2026-02-28"))
            .unwrap()
            .months(Chicago);
        assert!(months[0].start <= at && at < months[0].end);
    }

    #[test]
    fn nearest_rank_percentiles() {
        let table: &[(&[i64], u32, Option<i64>)] = &[
            (&[], 50, None),
            (&[7], 50, Some(7)),
            (&[7], 90, Some(7)),
            (&[1, 2], 50, Some(1)),
            (&[1, 2, 3, 4], 50, Some(2)),
            (&[1, 2, 3, 4, 5], 50, Some(3)),
            (&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, Some(9)),
            (&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90, Some(10)),
            (&[1, 2, 3], 100, Some(3)),
            (&[1, 2, 3], 0, Some(1)),
        ];
        for (values, p, expected) in table {
            assert_eq!(percentile(values, *p), *expected, "{values:?} p{p}");
        }
    }
}
