//! `GET /exports/<report>.csv` for every report in the export list: each
//! downloads as CSV (status, content type, a file name naming the report
//! and period), parses with the `csv` crate, has its header, agrees with
//! the same report's GraphQL answer and with figures worked out here from
//! the data made, and writes exactly one access-log entry. Refusals: a
//! role without reports, a missing `from`, an unknown parameter, ADMIN on
//! the access review. A name added to the export list fails the list test
//! until it is tested here.

mod reports;

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use redress_api::http::exports::REPORTS;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::report_support::*;

/// Every report this file tests, by its export name.
const TESTED: [&str; 10] = [
    "grievance-log",
    "survey-readiness",
    "timeliness",
    "trends",
    "reopen",
    "language-access-gaps",
    "service-recovery-cost",
    "interpreter-usage",
    "accessibility",
    "access-review",
];

#[test]
fn every_exported_report_is_tested_here() {
    let listed: BTreeSet<&str> = REPORTS.iter().copied().collect();
    let tested: BTreeSet<&str> = TESTED.iter().copied().collect();
    assert_eq!(listed, tested, "test each new export in this file");
    assert_eq!(REPORTS.len(), TESTED.len(), "no report listed twice");
}

type Rows = Vec<Vec<String>>;

struct Export {
    header: Vec<String>,
    rows: Rows,
}

impl Export {
    fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header))
    }

    /// The rows whose column `name` is `value`.
    fn rows_where(&self, name: &str, value: &str) -> Vec<&Vec<String>> {
        let c = self.col(name);
        self.rows.iter().filter(|r| r[c] == value).collect()
    }

    fn cell<'a>(&self, row: &'a [String], name: &str) -> &'a str {
        &row[self.col(name)]
    }
}

struct World {
    r: Reports,
    filter: Value,
    /// Query string of `filter` (from, to, facilities).
    query: String,
    /// (facility, received at, reference) of every complaint made.
    complaints: Vec<(&'static str, DateTime<Utc>, String)>,
    now: DateTime<Utc>,
}

async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

impl World {
    /// A download by COMPLIANCE: 200, CSV, named for the report and
    /// period, exactly one access-log entry of `operation`.
    async fn export(&self, report: &str, operation: &str, extra: &str) -> Export {
        let before = self.r.report_runs(operation).await;
        let path = format!("/exports/{report}.csv?{}{extra}", self.query);
        let response = get(&self.r.app, &officer(), &path).await;
        let status = response.status();
        let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
        let (content_type, disposition) = if status == StatusCode::OK {
            (header("content-type"), header("content-disposition"))
        } else {
            Default::default()
        };
        let body = response.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{report}: {body}");
        assert_eq!(content_type, "text/csv; charset=utf-8", "{report}");
        assert_eq!(
            disposition,
            format!(
                "attachment; filename=\"{report}_{}_{}.csv\"",
                self.filter["from"].as_str().unwrap(),
                self.filter["to"].as_str().unwrap()
            )
        );
        assert_eq!(
            self.r.report_runs(operation).await,
            before + 1,
            "{report}: one access-log entry per export"
        );
        let mut reader = csv::Reader::from_reader(body.as_bytes());
        let header = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        let rows = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect();
        Export { header, rows }
    }

    async fn graphql(&self, query: &str) -> Value {
        self.r
            .app
            .ok(&officer(), query, json!({ "filter": self.filter }))
            .await
    }

    fn references(&self, facility: Option<&str>) -> BTreeSet<String> {
        self.complaints
            .iter()
            .filter(|(f, ..)| facility.is_none_or(|x| x == *f))
            .map(|(.., reference)| reference.clone())
            .collect()
    }
}

/// MAIN (Chicago, English): one grievance received 23:30 local on the last
/// day of last month, acknowledged, resolved, reopened; one two days ago.
/// WEST (Los Angeles, Spanish): one three days ago, unacknowledged past its
/// two days (a survey finding). Every complainant prefers
/// Spanish. A meal voucher on the first, an interpreter session and an
/// accessibility request at MAIN, and reads of each complaint.
async fn world() -> World {
    let r = Reports::start().await;
    let now = Utc::now();
    let late = late_on_last_day(MAIN_TZ, 1);
    let mut complaints = Vec::new();
    let a = r.complaint("MAIN", late, json!({})).await;
    let a = r.acknowledge(&a, late + Duration::hours(1)).await;
    let a = r.resolve(&a).await;
    let a = r
        .act(&a, "complaintReopen", json!({ "reason": "Not satisfied" }))
        .await;
    complaints.push(("MAIN", late, a["reference"].as_str().unwrap().to_owned()));
    for (facility, at) in [
        ("MAIN", now - Duration::days(2)),
        ("WEST", now - Duration::days(3)),
    ] {
        let c = r.complaint(facility, at, json!({})).await;
        r.read_back(&c).await;
        complaints.push((facility, at, c["reference"].as_str().unwrap().to_owned()));
    }
    r.read_back(&a).await;
    r.app
        .work_must(
            &lead(),
            "serviceRecoveryPropose",
            proposal(&a["id"], "MEAL_VOUCHER", Some("20.00")),
        )
        .await;
    r.app
        .work_must(
            &lead(),
            "interpreterSessionLog",
            session_input("MAIN", session_entry()),
        )
        .await;
    r.app
        .work_must(
            &lead(),
            "accessibilityRequestCreate",
            accessibility_input("MAIN", &in_hours(2)),
        )
        .await;
    // Two months back: at UTC midnight MAIN may still be in last month.
    let filter = filter_since(2, &["MAIN", "WEST"]);
    let query = format!(
        "from={}&to={}&facilities=MAIN,WEST",
        filter["from"].as_str().unwrap(),
        filter["to"].as_str().unwrap()
    );
    World {
        r,
        filter,
        query,
        complaints,
        now,
    }
}

#[tokio::test]
async fn every_report_exports_the_figures_of_its_graphql_answer() {
    let w = world().await;
    reports::grievance_log(&w).await;
    reports::survey_readiness(&w).await;
    reports::timeliness(&w).await;
    reports::trends(&w).await;
    reports::reopen(&w).await;
    reports::language_access_gaps(&w).await;
    reports::service_recovery_cost(&w).await;
    reports::interpreter_usage(&w).await;
    reports::accessibility(&w).await;
    reports::access_review(&w).await;
}

#[tokio::test]
async fn exports_refuse_roles_bad_filters_and_unknown_parameters() {
    let r = Reports::start().await;
    let relations = token("pr-1", &["PATIENT_RELATIONS"], &["MAIN", "WEST"]);
    let period = "from=2026-01-01&to=2026-03-31";
    for report in TESTED {
        let extra = if report == "trends" {
            "&groupBy=CHANNEL"
        } else {
            ""
        };
        let path = format!("/exports/{report}.csv?{period}{extra}");
        let status = get(&r.app, &relations, &path).await.status();
        assert_eq!(status, StatusCode::FORBIDDEN, "{report}");
        let path = format!("/exports/{report}.csv?to=2026-03-31{extra}");
        let response = get(&r.app, &officer(), &path).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{report}");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("`from` is required")
        );
        let path = format!("/exports/{report}.csv?{period}{extra}&facilities=EAST");
        let status = get(&r.app, &officer(), &path).await.status();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{report}: out of scope");
        let path = format!("/exports/{report}.csv?{period}{extra}&colour=red");
        let response = get(&r.app, &officer(), &path).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{report}");
        assert!(
            response.text().await.unwrap().contains("colour"),
            "{report}"
        );
    }
    let path = format!("/exports/access-review.csv?{period}");
    assert_eq!(
        get(&r.app, &admin(), &path).await.status(),
        StatusCode::FORBIDDEN
    );
    let path = format!("/exports/trends.csv?{period}");
    let response = get(&r.app, &officer(), &path).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().await.unwrap().contains("groupBy"));
    // Nothing refused was logged as a run.
    for op in [
        "timelinessReport",
        "accessReview",
        "complaintTrends",
        "export:grievance-log",
    ] {
        assert_eq!(r.report_runs(op).await, 0, "{op}");
    }
}
