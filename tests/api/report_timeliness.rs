//! `timelinessReport`: every figure checked against the test's own count
//! over the complaints it made and read back raw (their stored clocks),
//! per facility and local month, across two zones with different
//! policies, 23:30 on the last day of a month, and a DST change; who may
//! run it; one access-log entry per run.

use std::collections::BTreeMap;

use chrono::{Duration, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::report_support::*;

const REPORT: &str = r#"query T($filter: ReportFilterInput!) { timelinessReport(filter: $filter) {
  asOf
  rows { facilityCode facilityName month received withdrawn judged acknowledgedWithinPolicy
         acknowledgedWithinPolicyShare resolved resolvedWithinPolicy resolvedWithinPolicyShare
         medianDaysToResolve p90DaysToResolve extensionsGranted overdueNow
         progressNoticeOwed progressNoticeWithinPolicy progressNoticeWithinPolicyShare }
  totals { facilityCode month received withdrawn judged acknowledgedWithinPolicy resolved
           resolvedWithinPolicy medianDaysToResolve p90DaysToResolve extensionsGranted overdueNow
           progressNoticeOwed progressNoticeWithinPolicy progressNoticeWithinPolicyShare } } }"#;

/// The figures the test expects for one facility-month (or total).
#[derive(Default, Debug, PartialEq)]
struct Expected {
    received: i64,
    withdrawn: i64,
    ack_on_time: i64,
    resolved: i64,
    resolved_on_time: i64,
    seconds: Vec<i64>,
    extensions: i64,
    overdue: i64,
    notice_owed: i64,
    notice_on_time: i64,
}

fn days(seconds: Option<i64>) -> Value {
    match seconds {
        None => Value::Null,
        Some(s) => json!(((s as f64 / 86_400.0) * 10.0).round() / 10.0),
    }
}

fn tz_of(code: &str) -> Tz {
    if code == "WEST" { WEST_TZ } else { MAIN_TZ }
}

/// The test's own count: grievances only; withdrawn ones only in
/// `received` and `withdrawn`; judged against each one's stored clocks.
fn expected(
    stored: &[Value],
    as_of: chrono::DateTime<Utc>,
) -> BTreeMap<(String, String), Expected> {
    let mut out: BTreeMap<(String, String), Expected> = BTreeMap::new();
    for c in stored {
        if c["classification"] != "GRIEVANCE" {
            continue;
        }
        let code = c["facilityCode"].as_str().unwrap().to_owned();
        let received = time(&c["receivedAt"]);
        let month = month_of(received, tz_of(&code));
        for key in [(code.clone(), month), (code.clone(), "total".to_owned())] {
            let e = out.entry(key).or_default();
            e.received += 1;
            if c["status"] == "WITHDRAWN" {
                e.withdrawn += 1;
                continue;
            }
            let ack = clock(c, "ACKNOWLEDGEMENT");
            let res = clock(c, "RESOLUTION");
            if !ack["metAt"].is_null() && time(&ack["metAt"]) <= time(&ack["dueAt"]) {
                e.ack_on_time += 1;
            }
            if !res["metAt"].is_null() {
                e.resolved += 1;
                e.seconds
                    .push((time(&res["metAt"]) - received).num_seconds());
                if time(&res["metAt"]) <= time(&res["dueAt"]) {
                    e.resolved_on_time += 1;
                }
            }
            e.extensions +=
                ack["extensions"].as_i64().unwrap() + res["extensions"].as_i64().unwrap();
            // The progress notice, where the complaint's policy has it.
            let notice = c["clocks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|k| k["kind"] == "PROGRESS_NOTICE");
            if let Some(n) = notice {
                e.notice_owed += 1;
                if !n["metAt"].is_null() && time(&n["metAt"]) <= time(&n["dueAt"]) {
                    e.notice_on_time += 1;
                }
            }
            let open = ["RECEIVED", "ACKNOWLEDGED", "INVESTIGATING"]
                .contains(&c["status"].as_str().unwrap());
            let late = |k: &Value| k["metAt"].is_null() && time(&k["dueAt"]) < as_of;
            if open && (late(ack) || late(res) || notice.is_some_and(late)) {
                e.overdue += 1;
            }
        }
    }
    out
}

fn check(row: &Value, e: &Expected, ctx: &str) {
    let share = |n: i64, of: i64| {
        if of == 0 {
            Value::Null
        } else {
            json!(n as f64 / of as f64)
        }
    };
    let judged = e.received - e.withdrawn;
    assert_eq!(row["received"], e.received, "{ctx} received");
    assert_eq!(row["withdrawn"], e.withdrawn, "{ctx} withdrawn");
    assert_eq!(
        row["judged"].as_i64().unwrap_or(judged),
        judged,
        "{ctx} judged"
    );
    assert_eq!(row["acknowledgedWithinPolicy"], e.ack_on_time, "{ctx} ack");
    assert_eq!(row["resolved"], e.resolved, "{ctx} resolved");
    assert_eq!(row["resolvedWithinPolicy"], e.resolved_on_time, "{ctx} res");
    if row.get("acknowledgedWithinPolicyShare").is_some() {
        assert_eq!(
            row["acknowledgedWithinPolicyShare"],
            share(e.ack_on_time, judged),
            "{ctx}"
        );
        assert_eq!(
            row["resolvedWithinPolicyShare"],
            share(e.resolved_on_time, judged),
            "{ctx}"
        );
    }
    assert_eq!(
        row["medianDaysToResolve"],
        days(nearest_rank(&e.seconds, 50)),
        "{ctx} median"
    );
    assert_eq!(
        row["p90DaysToResolve"],
        days(nearest_rank(&e.seconds, 90)),
        "{ctx} p90"
    );
    assert_eq!(row["extensionsGranted"], e.extensions, "{ctx} extensions");
    assert_eq!(row["overdueNow"], e.overdue, "{ctx} overdue");
    assert_eq!(
        row["progressNoticeOwed"], e.notice_owed,
        "{ctx} notice owed"
    );
    assert_eq!(
        row["progressNoticeWithinPolicy"], e.notice_on_time,
        "{ctx} notice on time"
    );
    assert_eq!(
        row["progressNoticeWithinPolicyShare"],
        share(e.notice_on_time, e.notice_owed),
        "{ctx} notice share"
    );
}

#[tokio::test]
async fn timeliness_matches_an_independent_count_per_facility_and_local_month() {
    let r = Reports::start().await;
    let now = Utc::now();
    let d = Duration::days;
    let mut made = Vec::new();

    // MAIN (Chicago; 7 days to acknowledge, 30 to resolve).
    let a = r.complaint("MAIN", now - d(2), json!({})).await;
    let a = r.acknowledge(&a, now - d(1)).await;
    made.push(r.resolve(&a).await);
    let b = r.complaint("MAIN", now - d(10), json!({})).await;
    let b = r.acknowledge(&b, now - d(1)).await; // late: due 3 days ago
    made.push(r.resolve(&b).await);
    made.push(r.complaint("MAIN", now - d(40), json!({})).await); // overdue now
    let edge = late_on_last_day(MAIN_TZ, 2);
    let e = r.complaint("MAIN", edge, json!({})).await;
    let e = r.acknowledge(&e, edge + Duration::hours(1)).await;
    made.push(r.resolve(&e).await); // late: more than 30 days
    // Received 01:30 before a DST change: acknowledged 30 minutes before
    // seven times 24 hours, which is after seven local days when the
    // clocks sprang forward and before when they fell back.
    let dst = before_dst_change(MAIN_TZ);
    let f = r.complaint("MAIN", dst, json!({})).await;
    let f = r.acknowledge(&f, dst + d(7) - Duration::minutes(30)).await;
    made.push(r.resolve(&f).await);
    let w = r.complaint("MAIN", now - d(5), json!({})).await;
    made.push(
        r.act(
            &w,
            "complaintWithdraw",
            json!({ "reason": "Complainant withdrew" }),
        )
        .await,
    );
    // A plain complaint (phone): not in the report.
    let p = r
        .complaint("MAIN", now - d(3), json!({ "channel": "PHONE" }))
        .await;
    assert_eq!(p["classification"], "COMPLAINT");
    made.push(
        r.act(
            &p,
            "complaintResolveAtPointOfService",
            json!({ "resolution": "Explained." }),
        )
        .await,
    );

    // WEST (Los Angeles; 2 days to acknowledge, 14 to resolve).
    let j = r.complaint("WEST", now - d(5), json!({})).await;
    let j = r.acknowledge(&j, now - d(4)).await;
    made.push(
        r.act(
            &j,
            "complaintExtendDeadline",
            json!({ "clock": "RESOLUTION", "by": { "amount": 7, "unit": "CALENDAR_DAYS" }, "reason": "Awaiting records" }),
        )
        .await,
    );
    let k = r.complaint("WEST", now - d(20), json!({})).await;
    let k = r.acknowledge(&k, now - d(19)).await;
    let k = r
        .act(
            &k,
            "complaintExtendDeadline",
            json!({ "clock": "RESOLUTION", "by": { "amount": 1, "unit": "CALENDAR_DAYS" }, "reason": "Awaiting records" }),
        )
        .await;
    made.push(r.resolve(&k).await); // late even with the extension
    let west_edge = late_on_last_day(WEST_TZ, 2);
    made.push(r.complaint("WEST", west_edge, json!({})).await); // overdue now
    made.push(r.complaint("WEST", now - d(1), json!({})).await); // still running

    let filter = filter_since(14, &[]);
    // Before the period: not counted.
    let early = r
        .complaint(
            "MAIN",
            MAIN_TZ
                .from_local_datetime(&(period_from(&filter) - d(1)).and_hms_opt(12, 0, 0).unwrap())
                .single()
                .unwrap()
                .with_timezone(&Utc),
            json!({}),
        )
        .await;
    assert_eq!(early["classification"], "GRIEVANCE");

    let mut stored = Vec::new();
    for c in &made {
        stored.push(r.read_back(c).await);
    }
    // The edges are what the test says they are.
    assert_eq!(
        month_of(west_edge, WEST_TZ),
        month_of(edge, MAIN_TZ),
        "23:30 on the last day stays in its month"
    );
    assert_ne!(
        month_of(west_edge, chrono_tz::UTC),
        month_of(west_edge, WEST_TZ)
    );
    let dst_ack = clock(&stored[4], "ACKNOWLEDGEMENT");
    let local_week = (time(&dst_ack["dueAt"]) - dst).num_hours();
    assert_ne!(
        local_week,
        7 * 24,
        "seven local days across a DST change are not 168 hours"
    );

    let before = r.report_runs("timelinessReport").await;
    let data = r
        .app
        .ok(&officer(), REPORT, json!({ "filter": filter }))
        .await;
    assert_eq!(
        r.report_runs("timelinessReport").await,
        before + 1,
        "one entry per run"
    );
    let report = &data["timelinessReport"];
    let as_of = time(&report["asOf"]);
    let want = expected(&stored, as_of);

    let rows = report["rows"].as_array().unwrap();
    let months_in_period = {
        let from = period_from(&filter);
        let mut n = 0;
        let mut m = from;
        let to: chrono::NaiveDate = filter["to"].as_str().unwrap().parse().unwrap();
        while m <= to {
            n += 1;
            m = m + chrono::Months::new(1);
        }
        n
    };
    assert_eq!(
        rows.len(),
        2 * months_in_period,
        "every month of both facilities"
    );
    let empty = Expected::default();
    let mut seen = 0;
    for row in rows {
        let code = row["facilityCode"].as_str().unwrap().to_owned();
        let month = row["month"].as_str().unwrap()[..7].to_owned();
        let e = want.get(&(code.clone(), month.clone())).unwrap_or(&empty);
        if e.received > 0 {
            seen += 1;
        }
        check(row, e, &format!("{code} {month}"));
    }
    assert_eq!(seen, want.len() - 2, "every expected month has its row");
    let totals = report["totals"].as_array().unwrap();
    assert_eq!(totals.len(), 2);
    for row in totals {
        let code = row["facilityCode"].as_str().unwrap().to_owned();
        assert!(row["month"].is_null());
        check(
            row,
            &want[&(code.clone(), "total".to_owned())],
            &format!("{code} total"),
        );
    }
    // Figures worked out by hand, so the independent count is not the
    // only witness: MAIN has 6 grievances in the period (one withdrawn),
    // WEST 4; 2 extensions at WEST; overdue now: MAIN 1, WEST 1.
    let total = |code: &str| {
        totals
            .iter()
            .find(|t| t["facilityCode"] == code)
            .unwrap()
            .clone()
    };
    let (main, west) = (total("MAIN"), total("WEST"));
    assert_eq!(
        (main["received"].clone(), main["withdrawn"].clone()),
        (json!(5 + 1), json!(1))
    );
    assert_eq!(main["resolved"], 4);
    assert_eq!(main["overdueNow"], 1);
    // MAIN runs the CMS default (7-day progress notice): the 5 judged
    // grievances owed one; only the one resolved on day 2 met it (the
    // others were resolved after day 7 with no notice, or are still open).
    assert_eq!(main["progressNoticeOwed"], 5);
    assert_eq!(main["progressNoticeWithinPolicy"], 1);
    assert_eq!(main["progressNoticeWithinPolicyShare"], json!(0.2));
    assert_eq!(west["received"], 4);
    assert_eq!(west["extensionsGranted"], 2);
    assert_eq!(west["resolvedWithinPolicy"], 0);
    assert_eq!(west["overdueNow"], 1);
    // WEST's changed policy has no progress notice: no duty, no share.
    assert_eq!(west["progressNoticeOwed"], 0);
    assert_eq!(west["progressNoticeWithinPolicyShare"], Value::Null);

    // One facility: only its rows, still one entry.
    let only_west = filter_since(14, &["WEST"]);
    let data = r
        .app
        .ok(&officer(), REPORT, json!({ "filter": only_west }))
        .await;
    assert_eq!(r.report_runs("timelinessReport").await, before + 2);
    let rows = data["timelinessReport"]["rows"].as_array().unwrap();
    assert!(rows.iter().all(|row| row["facilityCode"] == "WEST"));
    assert_eq!(rows.len(), months_in_period);
    // A department filter: nothing is in "Cardiology".
    let mut cardiology = filter_since(14, &[]);
    cardiology["department"] = json!("Cardiology");
    let data = r
        .app
        .ok(&officer(), REPORT, json!({ "filter": cardiology }))
        .await;
    assert!(
        data["timelinessReport"]["totals"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["received"] == 0)
    );
}

#[tokio::test]
async fn only_leads_and_compliance_run_it_within_their_facilities() {
    let r = Reports::start().await;
    r.complaint("MAIN", Utc::now() - Duration::days(1), json!({}))
        .await;
    let filter = filter_since(1, &[]);
    let before = r.report_runs("timelinessReport").await;
    for (who, t) in [
        ("staff", token("st-1", &["STAFF"], &["MAIN"])),
        ("patient relations", specialist()),
        ("admin", admin()),
    ] {
        let body = r.run(&t, REPORT, json!({ "filter": filter })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{who}: {body:#}");
        assert_eq!(body["data"], Value::Null, "{who}");
    }
    // A facility outside the caller's scope is refused (as unknown).
    let body = r
        .run(
            &compliance(),
            REPORT,
            json!({ "filter": filter_since(1, &["WEST"]) }),
        )
        .await;
    assert!(body["errors"].is_array(), "{body:#}");
    assert_eq!(body["data"], Value::Null);
    assert_eq!(
        r.report_runs("timelinessReport").await,
        before,
        "refusals log nothing"
    );
    // MAIN's compliance officer and MAIN's lead see MAIN only.
    for t in [compliance(), manager()] {
        let data = r.app.ok(&t, REPORT, json!({ "filter": filter })).await;
        let totals = data["timelinessReport"]["totals"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(totals.len(), 1);
        assert_eq!(totals[0]["facilityCode"], "MAIN");
        assert_eq!(totals[0]["received"], 1);
    }
    assert_eq!(r.report_runs("timelinessReport").await, before + 2);
}

/// Enough resolved grievances that the median and the 90th percentile are
/// different cases (ten, half a day apart): on PostgreSQL the database ranks
/// them (`percentile_disc`), on SQLite the server does; both must quote the
/// nearest rank, per month and per facility.
#[tokio::test]
async fn resolution_percentiles_are_the_nearest_rank_of_ten_cases() {
    let r = Reports::start().await;
    let now = Utc::now();
    let mut made = Vec::new();
    for k in 1..=10 {
        let at = now - Duration::hours(12 * k);
        let c = r.complaint("MAIN", at, json!({})).await;
        let c = r.acknowledge(&c, at + Duration::hours(1)).await;
        made.push(r.resolve(&c).await);
    }
    let mut stored = Vec::new();
    for c in &made {
        stored.push(r.read_back(c).await);
    }
    let filter = filter_since(2, &["MAIN"]);
    let data = r
        .app
        .ok(&officer(), REPORT, json!({ "filter": filter }))
        .await;
    let report = &data["timelinessReport"];
    let want = expected(&stored, time(&report["asOf"]));
    let total = &want[&("MAIN".to_owned(), "total".to_owned())];
    assert_eq!(total.resolved, 10);
    let mut seconds = total.seconds.clone();
    seconds.sort_unstable();
    assert_ne!(
        days(nearest_rank(&seconds, 90)),
        days(nearest_rank(&seconds, 80)),
        "the fixture tells the 90th percentile from its neighbours"
    );
    for row in report["rows"].as_array().unwrap() {
        let month = row["month"].as_str().unwrap()[..7].to_owned();
        if let Some(e) = want.get(&("MAIN".to_owned(), month.clone())) {
            check(row, e, &format!("MAIN {month}"));
        }
    }
    let totals = report["totals"].as_array().unwrap();
    assert_eq!(totals.len(), 1);
    check(&totals[0], total, "MAIN total");
}

/// A report's transaction on PostgreSQL: one read-only snapshot, plans
/// made for its own values, room to sort in memory; and all of it ends
/// with the transaction (the pooled session keeps its defaults).
#[tokio::test]
async fn a_report_runs_in_a_read_only_snapshot_with_its_own_settings() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
    let test_db = TestDb::new().await;
    if !test_db.url.starts_with("postgres") {
        return; // SQLite has none of these settings.
    }
    // One connection, so the transaction after the report's is on the
    // same session.
    let db = sea_orm::Database::connect(
        sea_orm::ConnectOptions::new(test_db.url.clone())
            .max_connections(1)
            .to_owned(),
    )
    .await
    .expect("connect");
    async fn show(c: &impl ConnectionTrait, setting: &str) -> String {
        let row = c
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                format!("SHOW {setting}"),
            ))
            .await
            .expect("show")
            .expect("a row");
        row.try_get_by_index(0).expect("text")
    }
    let defaults = [
        show(&db, "plan_cache_mode").await,
        show(&db, "work_mem").await,
    ];
    let txn = redress_api::db::begin_report(&db).await.expect("begin");
    assert_eq!(show(&txn, "transaction_isolation").await, "repeatable read");
    assert_eq!(show(&txn, "transaction_read_only").await, "on");
    assert_eq!(show(&txn, "plan_cache_mode").await, "force_custom_plan");
    assert_eq!(show(&txn, "work_mem").await, "16MB");
    txn.commit().await.expect("commit");
    // The same session, with its defaults again.
    let txn = db.begin().await.expect("begin");
    assert_eq!(
        [
            show(&txn, "plan_cache_mode").await,
            show(&txn, "work_mem").await
        ],
        defaults
    );
    txn.commit().await.expect("commit");
}
