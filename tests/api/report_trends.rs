//! `complaintTrends`, `reopenReport` and `languageAccessGaps`: every
//! figure checked against the test's own count over what it created (or
//! read back raw), with the local-month edges of two zones; who may run
//! them; one access-log entry per run.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::report_support::*;

const TRENDS: &str = r#"query T($filter: ReportFilterInput!, $by: TrendDimension!) {
  complaintTrends(filter: $filter, groupBy: $by) { groupBy totalComplaints rows { value complaints issues } } }"#;

const REOPEN: &str = r#"query R($filter: ReportFilterInput!, $first: Int, $after: String) {
  reopenReport(filter: $filter, first: $first, after: $after) {
    rows { facilityCode month concluded reopened reopenedShare reopenedMoreThanOnce }
    reopened { id reference facilityCode receivedAt receivedAtLocal status timesReopened }
    endCursor hasNextPage } }"#;

const GAPS: &str = r#"query G($filter: ReportFilterInput!, $first: Int, $after: String) {
  languageAccessGaps(filter: $filter, first: $first, after: $after) {
    nodes { complaintId reference facilityCode facilityLanguage receivedAt receivedAtLocal preferredLanguage status }
    endCursor hasNextPage } }"#;

/// (facility, received, channel, department, issues)
type Case = (
    &'static str,
    DateTime<Utc>,
    &'static str,
    &'static str,
    Vec<Value>,
);

fn issue(category: &str, severity: i64, stage: &str) -> Value {
    json!({ "category": category, "severity": severity, "stageOfCare": stage })
}

fn tz_of(code: &str) -> chrono_tz::Tz {
    if code == "WEST" { WEST_TZ } else { MAIN_TZ }
}

#[tokio::test]
async fn trends_match_an_independent_count_for_every_dimension() {
    let r = Reports::start().await;
    let now = Utc::now();
    let d = Duration::days;
    // (facility, received, channel, department, issues)
    let cases: Vec<Case> = vec![
        (
            "MAIN",
            now - d(3),
            "LETTER",
            "Emergency Department",
            vec![
                issue("QUALITY", 3, "CARE_ON_WARD"),
                issue("COMMUNICATION", 1, "CARE_ON_WARD"),
            ],
        ),
        (
            "MAIN",
            now - d(40),
            "PHONE",
            "Cardiology",
            vec![issue("COMMUNICATION", 2, "DISCHARGE_TRANSFER")],
        ),
        (
            "MAIN",
            late_on_last_day(MAIN_TZ, 2),
            "EMAIL",
            "Cardiology",
            vec![
                issue("SAFETY", 3, "OPERATION_PROCEDURE"),
                issue("QUALITY", 2, "OPERATION_PROCEDURE"),
                issue("QUALITY", 1, "OTHER"),
            ],
        ),
        (
            "MAIN",
            before_dst_change(MAIN_TZ),
            "IN_PERSON",
            "Emergency Department",
            vec![issue("ENVIRONMENT", 1, "ADMISSION")],
        ),
        (
            "WEST",
            late_on_last_day(WEST_TZ, 2),
            "PORTAL",
            "Radiology",
            vec![issue(
                "RESPECT_AND_PATIENT_RIGHTS",
                2,
                "EXAMINATION_DIAGNOSIS",
            )],
        ),
        (
            "WEST",
            now - d(1),
            "PHONE",
            "Radiology",
            vec![
                issue("LISTENING", 1, "ADMISSION"),
                issue("COMMUNICATION", 1, "ADMISSION"),
            ],
        ),
        (
            "WEST",
            late_on_last_day(WEST_TZ, 3),
            "FAX",
            "Emergency Department",
            vec![issue("QUALITY", 2, "CARE_ON_WARD")],
        ),
    ];
    let mut stored = Vec::new();
    for (facility, at, channel, department, issues) in &cases {
        let c = r
            .complaint(
                facility,
                *at,
                json!({ "channel": channel, "department": department, "issues": issues }),
            )
            .await;
        stored.push(r.read_back(&c).await);
    }
    let filter = filter_since(6, &[]);
    // Before the period: counted nowhere.
    r.complaint("MAIN", now - d(400), json!({})).await;

    // The test's own count: value → (complaints, issues).
    let count = |by: &str| -> BTreeMap<String, (i64, Option<i64>)> {
        let mut out: BTreeMap<String, (i64, Option<i64>)> = BTreeMap::new();
        for (i, (facility, at, channel, department, issues)) in cases.iter().enumerate() {
            let complaint_level = match by {
                "CHANNEL" => Some(channel.to_string()),
                "DEPARTMENT" => Some(department.to_string()),
                "CLASSIFICATION" => Some(stored[i]["classification"].as_str().unwrap().to_owned()),
                "MONTH" => Some(month_of(*at, tz_of(facility))),
                _ => None,
            };
            if let Some(v) = complaint_level {
                out.entry(v).or_insert((0, None)).0 += 1;
                continue;
            }
            let field = match by {
                "HCAT_CATEGORY" => "category",
                "SEVERITY" => "severity",
                _ => "stageOfCare",
            };
            let values: Vec<String> = issues
                .iter()
                .map(|i| match &i[field] {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            for v in &values {
                let e = out.entry(v.clone()).or_insert((0, Some(0)));
                e.1 = Some(e.1.unwrap() + 1);
            }
            let mut distinct = values.clone();
            distinct.sort();
            distinct.dedup();
            for v in distinct {
                out.get_mut(&v).unwrap().0 += 1;
            }
        }
        out
    };

    for by in [
        "HCAT_CATEGORY",
        "SEVERITY",
        "STAGE_OF_CARE",
        "DEPARTMENT",
        "CHANNEL",
        "CLASSIFICATION",
        "MONTH",
    ] {
        let before = r.report_runs("complaintTrends").await;
        let data = r
            .app
            .ok(&officer(), TRENDS, json!({ "filter": filter, "by": by }))
            .await;
        assert_eq!(
            r.report_runs("complaintTrends").await,
            before + 1,
            "{by}: one entry"
        );
        let t = &data["complaintTrends"];
        assert_eq!(t["groupBy"], by);
        assert_eq!(t["totalComplaints"], cases.len(), "{by}");
        let want = count(by);
        let mut got: BTreeMap<String, (i64, Option<i64>)> = BTreeMap::new();
        for row in t["rows"].as_array().unwrap() {
            let key = row["value"].as_str().unwrap().to_owned();
            let value = (row["complaints"].as_i64().unwrap(), row["issues"].as_i64());
            if by == "MONTH" && value.0 == 0 {
                continue; // months with nothing are listed as zeros
            }
            got.insert(key, value);
        }
        assert_eq!(got, want, "{by}");
    }
    // By hand, so the count above is not the only witness: 23:30 on the
    // last day at WEST belongs to that month in Los Angeles.
    let data = r
        .app
        .ok(
            &officer(),
            TRENDS,
            json!({ "filter": filter, "by": "MONTH" }),
        )
        .await;
    let rows = data["complaintTrends"]["rows"].as_array().unwrap();
    // Six months back and this one, zeros included; one more when the day
    // of slack at the end of the filter falls in the next month.
    let to: chrono::NaiveDate = filter["to"].as_str().unwrap().parse().unwrap();
    let from = period_from(&filter);
    let months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32 + 1;
    assert_eq!(
        rows.len() as i32,
        months,
        "every month of the period, zeros included"
    );
    assert!((7..=8).contains(&months));
    let edge_month = month_of(late_on_last_day(WEST_TZ, 2), WEST_TZ);
    let row = rows
        .iter()
        .find(|r| r["value"] == edge_month.as_str())
        .unwrap();
    assert_eq!(row["complaints"], 2, "MAIN's and WEST's 23:30 complaints");
    // A department and one facility narrow it.
    let mut narrow = filter_since(6, &["MAIN"]);
    narrow["department"] = json!("Cardiology");
    let data = r
        .app
        .ok(
            &officer(),
            TRENDS,
            json!({ "filter": narrow, "by": "SEVERITY" }),
        )
        .await;
    assert_eq!(data["complaintTrends"]["totalComplaints"], 2);
    assert_eq!(
        data["complaintTrends"]["rows"],
        json!([
            { "value": "1", "complaints": 1, "issues": 1 },
            { "value": "2", "complaints": 2, "issues": 2 },
            { "value": "3", "complaints": 1, "issues": 1 },
        ])
    );
}

#[tokio::test]
async fn reopenings_match_an_independent_count_and_page_by_receipt() {
    let r = &Reports::start().await;
    let now = Utc::now();
    let d = Duration::days;
    let reopen = |c: Value| async move {
        r.act(
            &c,
            "complaintReopen",
            json!({ "reason": "Complainant not satisfied" }),
        )
        .await
    };
    let mut made = Vec::new();
    // Resolved, reopened once.
    let c = r.complaint("MAIN", now - d(3), json!({})).await;
    let c = r.resolve(&c).await;
    made.push(reopen(c).await);
    // Reopened twice (resolved again between).
    let c = r
        .complaint("MAIN", late_on_last_day(MAIN_TZ, 1), json!({}))
        .await;
    let c = r.resolve(&c).await;
    let c = reopen(c).await;
    let c = r.resolve(&c).await;
    made.push(reopen(c).await);
    // Withdrawn, then reopened.
    let c = r
        .complaint("WEST", late_on_last_day(WEST_TZ, 1), json!({}))
        .await;
    let c = r
        .act(
            &c,
            "complaintWithdraw",
            json!({ "reason": "Withdrawn by phone" }),
        )
        .await;
    made.push(reopen(c).await);
    // Resolved, never reopened; withdrawn, never reopened; open.
    let c = r.complaint("WEST", now - d(2), json!({})).await;
    made.push(r.resolve(&c).await);
    let c = r.complaint("MAIN", now - d(4), json!({})).await;
    made.push(
        r.act(
            &c,
            "complaintWithdraw",
            json!({ "reason": "Withdrawn by phone" }),
        )
        .await,
    );
    made.push(r.complaint("MAIN", now - d(1), json!({})).await);
    let mut stored = Vec::new();
    for c in &made {
        stored.push(r.read_back(c).await);
    }

    // The test's own count from the records read back.
    let mut want: BTreeMap<(String, String), (i64, i64, i64)> = BTreeMap::new();
    for c in &stored {
        let code = c["facilityCode"].as_str().unwrap().to_owned();
        let month = month_of(time(&c["receivedAt"]), tz_of(&code));
        let reopened = c["reopenCount"].as_i64().unwrap();
        let resolved = !clock(c, "RESOLUTION")["metAt"].is_null();
        let concluded = resolved
            || ["RESOLVED", "CLOSED", "WITHDRAWN"].contains(&c["status"].as_str().unwrap())
            || reopened > 0;
        let e = want.entry((code, month)).or_default();
        e.0 += i64::from(concluded);
        e.1 += i64::from(reopened > 0);
        e.2 += i64::from(reopened > 1);
    }
    let filter = filter_since(2, &[]);
    let before = r.report_runs("reopenReport").await;
    let data = r
        .app
        .ok(&officer(), REOPEN, json!({ "filter": filter, "first": 2 }))
        .await;
    assert_eq!(r.report_runs("reopenReport").await, before + 1);
    let report = &data["reopenReport"];
    let mut got: BTreeMap<(String, String), (i64, i64, i64)> = BTreeMap::new();
    for row in report["rows"].as_array().unwrap() {
        let key = (
            row["facilityCode"].as_str().unwrap().to_owned(),
            row["month"].as_str().unwrap()[..7].to_owned(),
        );
        let (concluded, reopened) = (
            row["concluded"].as_i64().unwrap(),
            row["reopened"].as_i64().unwrap(),
        );
        let share = if concluded == 0 {
            Value::Null
        } else {
            json!(reopened as f64 / concluded as f64)
        };
        assert_eq!(row["reopenedShare"], share, "{key:?}");
        if concluded + reopened > 0 {
            got.insert(
                key,
                (
                    concluded,
                    reopened,
                    row["reopenedMoreThanOnce"].as_i64().unwrap(),
                ),
            );
        }
    }
    assert_eq!(got, want);
    // By hand: 3 reopened, one of them twice.
    assert_eq!(got.values().map(|v| v.1).sum::<i64>(), 3);
    assert_eq!(got.values().map(|v| v.2).sum::<i64>(), 1);

    // The list, two per page, oldest receipt first: every reopened one once.
    let mut listed = Vec::new();
    let mut page = report.clone();
    loop {
        for c in page["reopened"].as_array().unwrap() {
            listed.push((
                time(&c["receivedAt"]),
                c["reference"].clone(),
                c["timesReopened"].clone(),
            ));
        }
        if page["hasNextPage"] == false {
            break;
        }
        let data = r
            .app
            .ok(
                &officer(),
                REOPEN,
                json!({ "filter": filter, "first": 2, "after": page["endCursor"] }),
            )
            .await;
        page = data["reopenReport"].clone();
    }
    let mut expected: Vec<_> = stored
        .iter()
        .filter(|c| c["reopenCount"].as_i64().unwrap() > 0)
        .map(|c| {
            (
                time(&c["receivedAt"]),
                c["reference"].clone(),
                c["reopenCount"].clone(),
            )
        })
        .collect();
    expected.sort_by_key(|e| e.0);
    assert_eq!(listed, expected);
}

#[tokio::test]
async fn language_gaps_are_grievances_in_another_language_with_no_interpreter() {
    let r = Reports::start().await;
    let now = Utc::now();
    let d = Duration::days;
    let with_language = |lang: Option<&str>| {
        let mut complainant = json!({ "name": "Ana Ruiz", "relationship": "SELF" });
        if let Some(l) = lang {
            complainant["preferredLanguage"] = json!(l);
        }
        json!({ "complainant": complainant })
    };
    // MAIN works in English, WEST in Spanish.
    let gap_main = r
        .complaint("MAIN", now - d(5), with_language(Some("es")))
        .await;
    r.complaint("MAIN", now - d(4), with_language(Some("en-US")))
        .await;
    let served = r
        .complaint("MAIN", now - d(3), with_language(Some("es-MX")))
        .await;
    r.app
        .work_must(
            &lead(),
            "interpreterSessionLog",
            json!({ "facilityCode": "MAIN", "complaintId": served["id"], "entry": session_entry() }),
        )
        .await;
    r.complaint("MAIN", now - d(2), with_language(None)).await;
    let mut plain = with_language(Some("es"));
    plain["channel"] = json!("PHONE");
    let p = r.complaint("MAIN", now - d(2), plain).await;
    assert_eq!(p["classification"], "COMPLAINT");
    r.complaint("WEST", now - d(3), with_language(Some("es-MX")))
        .await;
    let gap_west = r
        .complaint(
            "WEST",
            late_on_last_day(WEST_TZ, 1),
            with_language(Some("EN")),
        )
        .await;
    // The test's own list: (facility, language) per grievance, judged by
    // primary subtag against the facility's language, no session.
    let expected = [&gap_west, &gap_main];
    let filter = filter_since(2, &[]);
    let before = r.report_runs("languageAccessGaps").await;
    let mut listed = Vec::new();
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let data = r
            .app
            .ok(
                &officer(),
                GAPS,
                json!({ "filter": filter, "first": 1, "after": after }),
            )
            .await;
        pages += 1;
        let page = &data["languageAccessGaps"];
        for n in page["nodes"].as_array().unwrap() {
            listed.push(n.clone());
        }
        if page["hasNextPage"] == false {
            break;
        }
        after = page["endCursor"].clone();
    }
    assert_eq!(r.report_runs("languageAccessGaps").await, before + pages);
    let refs: Vec<&Value> = listed.iter().map(|n| &n["reference"]).collect();
    assert_eq!(
        refs,
        expected.iter().map(|c| &c["reference"]).collect::<Vec<_>>()
    );
    assert_eq!(listed[0]["facilityLanguage"], "es");
    assert_eq!(listed[0]["preferredLanguage"], "EN");
    assert_eq!(listed[0]["complaintId"], gap_west["id"]);
    assert!(
        listed[0]["receivedAtLocal"]
            .as_str()
            .unwrap()
            .ends_with("23:30:00-07:00")
            || listed[0]["receivedAtLocal"]
                .as_str()
                .unwrap()
                .ends_with("23:30:00-08:00")
    );
    assert_eq!(listed[1]["facilityLanguage"], "en");
    assert_eq!(listed[1]["status"], "RECEIVED");
}

#[tokio::test]
async fn the_other_reports_refuse_like_timeliness() {
    let r = Reports::start().await;
    let filter = filter_since(1, &[]);
    for (name, query, extra) in [
        ("complaintTrends", TRENDS, json!({ "by": "CHANNEL" })),
        ("reopenReport", REOPEN, json!({})),
        ("languageAccessGaps", GAPS, json!({})),
    ] {
        let before = r.report_runs(name).await;
        for t in [token("st-1", &["STAFF"], &["MAIN"]), specialist(), admin()] {
            let mut vars = extra.clone();
            vars["filter"] = filter.clone();
            let body = r.run(&t, query, vars).await;
            assert_eq!(error_code(&body), "FORBIDDEN", "{name}: {body:#}");
        }
        let mut vars = extra.clone();
        vars["filter"] = filter_since(1, &["WEST"]);
        let body = r.run(&compliance(), query, vars).await;
        assert!(body["errors"].is_array(), "{name}: {body:#}");
        assert_eq!(body["data"], Value::Null, "{name}");
        assert_eq!(
            r.report_runs(name).await,
            before,
            "{name}: refusals log nothing"
        );
        let mut vars = extra.clone();
        vars["filter"] = filter.clone();
        r.app.ok(&compliance(), query, vars).await;
        assert_eq!(
            r.report_runs(name).await,
            before + 1,
            "{name}: one entry per run"
        );
    }
}
