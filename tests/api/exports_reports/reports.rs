//! Each report's export checked against its GraphQL answer and against
//! figures worked out here from the data `world()` made.

use std::collections::BTreeSet;

use chrono::Offset;
use serde_json::{Value, json};

use super::World;
use crate::report_support::*;

pub(super) async fn grievance_log(w: &World) {
    let e = w.export("grievance-log", "export:grievance-log", "").await;
    assert_eq!(e.header.len(), 34);
    assert_eq!(e.header[0], "reference");
    let got: BTreeSet<String> = e.rows.iter().map(|r| r[0].clone()).collect();
    assert_eq!(got, w.references(None));
    let (_, at, reference) = &w.complaints[0];
    let row = &e.rows_where("reference", reference)[0];
    assert_eq!(
        e.cell(row, "received_at"),
        at.with_timezone(&MAIN_TZ).to_rfc3339()
    );
    assert_eq!(e.cell(row, "reopen_count"), "1");
}

pub(super) async fn survey_readiness(w: &World) {
    let e = w.export("survey-readiness", "surveyReadiness", "").await;
    assert_eq!(
        e.header,
        [
            "rule",
            "tag",
            "facility",
            "department",
            "complaint",
            "received_at",
            "accessibility_request",
            "need_type",
            "needed_by",
            "missing"
        ]
    );
    let data = w
        .graphql(
            "query($filter: ReportFilterInput!) { surveyReadiness(filter: $filter, first: 100) {
               totalCount nodes { rule facility missing complaint { reference } } } }",
        )
        .await;
    let nodes = data["surveyReadiness"]["nodes"].as_array().unwrap();
    assert_eq!(data["surveyReadiness"]["totalCount"], json!(e.rows.len()));
    assert!(!nodes.is_empty(), "the open grievances are findings");
    let of_csv: Vec<(String, String, String, String)> = e
        .rows
        .iter()
        .map(|r| {
            let c = |n| e.cell(r, n).to_owned();
            (c("rule"), c("facility"), c("complaint"), c("missing"))
        })
        .collect();
    let of_graphql: Vec<(String, String, String, String)> = nodes
        .iter()
        .map(|n| {
            let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            let reference = s(&n["complaint"]["reference"]);
            (
                s(&n["rule"]),
                s(&n["facility"]),
                reference,
                s(&n["missing"]),
            )
        })
        .collect();
    assert_eq!(of_csv, of_graphql);
    for reference in e.rows.iter().map(|r| e.cell(r, "complaint")) {
        assert!(reference.is_empty() || w.references(None).contains(reference));
    }
    // WEST's grievance, unacknowledged past its two days: received_at in
    // Los Angeles time, whole seconds, with the offset.
    let (_, at, reference) = &w.complaints[2];
    let west = e.rows_where("complaint", reference);
    assert_eq!(west.len(), 1, "{:?}", e.rows);
    assert_eq!(e.cell(west[0], "rule"), "ACKNOWLEDGEMENT_OVERDUE");
    assert_eq!(
        e.cell(west[0], "received_at"),
        at.with_timezone(&WEST_TZ)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    );
}

pub(super) async fn timeliness(w: &World) {
    let e = w.export("timeliness", "timelinessReport", "").await;
    assert_eq!(
        e.header[..4],
        ["facility", "facility_name", "month", "received"]
    );
    assert_eq!(e.header.len(), 18);
    let data = w
        .graphql(
            "query($filter: ReportFilterInput!) { timelinessReport(filter: $filter) {
               rows { facilityCode month received acknowledgedWithinPolicy acknowledgedWithinPolicyShare resolved }
               totals { facilityCode received resolved } } }",
        )
        .await;
    for (facility, tz) in [("MAIN", MAIN_TZ), ("WEST", WEST_TZ)] {
        // Received per local month, counted here.
        let mut months = std::collections::BTreeMap::<String, u64>::new();
        for (_, at, _) in w.complaints.iter().filter(|(f, ..)| *f == facility) {
            *months.entry(month_of(*at, tz)).or_default() += 1;
        }
        for (month, received) in &months {
            let rows: Vec<_> = e
                .rows_where("facility", facility)
                .into_iter()
                .filter(|r| e.cell(r, "month") == month)
                .collect();
            assert_eq!(rows.len(), 1, "{facility} {month}");
            assert_eq!(e.cell(rows[0], "received"), received.to_string());
            let g = data["timelinessReport"]["rows"]
                .as_array()
                .unwrap()
                .iter()
                .find(|g| {
                    g["facilityCode"] == facility
                        && g["month"].as_str().unwrap().starts_with(month.as_str())
                })
                .unwrap();
            assert_eq!(g["received"], json!(received));
            assert_eq!(
                e.cell(rows[0], "acknowledged_within_policy"),
                g["acknowledgedWithinPolicy"].to_string()
            );
            let share = e.cell(rows[0], "acknowledged_within_policy_share");
            match g["acknowledgedWithinPolicyShare"].as_f64() {
                Some(s) => assert_eq!(share.parse::<f64>().unwrap(), s),
                None => assert_eq!(share, ""),
            }
        }
        let total = &e
            .rows_where("facility", facility)
            .into_iter()
            .find(|r| e.cell(r, "month") == "total")
            .unwrap();
        let all: u64 = months.values().sum();
        assert_eq!(e.cell(total, "received"), all.to_string());
        // As of the run, in the facility's zone with its offset.
        let as_of = chrono::DateTime::parse_from_rfc3339(e.cell(total, "as_of")).unwrap();
        let offset = w.now.with_timezone(&tz).offset().fix();
        assert_eq!(*as_of.offset(), offset, "{facility}");
        assert!((as_of.to_utc() - w.now).num_minutes().abs() < 5);
    }
    // MAIN's first grievance was resolved within its 30 days.
    let late = month_of(w.complaints[0].1, MAIN_TZ);
    let row = e
        .rows_where("month", &late)
        .into_iter()
        .find(|r| r[0] == "MAIN")
        .unwrap();
    assert_eq!(e.cell(row, "resolved"), "1");
    assert_eq!(e.cell(row, "acknowledged_within_policy_share"), "1.0");
}

pub(super) async fn trends(w: &World) {
    let e = w
        .export("trends", "complaintTrends", "&groupBy=CHANNEL")
        .await;
    assert_eq!(e.header, ["group_by", "value", "complaints", "issues"]);
    let data = w
        .graphql(
            "query($filter: ReportFilterInput!) { complaintTrends(filter: $filter, groupBy: CHANNEL) {
               totalComplaints rows { value complaints } } }",
        )
        .await;
    let n = w.complaints.len().to_string();
    assert_eq!(
        e.rows,
        [["CHANNEL", "LETTER", &n, ""], ["CHANNEL", "total", &n, ""]]
    );
    assert_eq!(
        data["complaintTrends"]["totalComplaints"],
        json!(w.complaints.len())
    );
    assert_eq!(data["complaintTrends"]["rows"][0]["value"], "LETTER");
}

pub(super) async fn reopen(w: &World) {
    let e = w.export("reopen", "reopenReport", "").await;
    assert_eq!(
        e.header,
        [
            "facility",
            "month",
            "concluded",
            "reopened",
            "reopened_share",
            "reopened_more_than_once"
        ]
    );
    let data = w
        .graphql(
            "query($filter: ReportFilterInput!) { reopenReport(filter: $filter) {
               rows { facilityCode month concluded reopened reopenedShare reopenedMoreThanOnce } } }",
        )
        .await;
    let rows = data["reopenReport"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), e.rows.len());
    for (g, c) in rows.iter().zip(&e.rows) {
        assert_eq!(c[0], g["facilityCode"].as_str().unwrap());
        assert!(g["month"].as_str().unwrap().starts_with(&c[1]), "{g} {c:?}");
        assert_eq!(c[2], g["concluded"].to_string());
        assert_eq!(c[3], g["reopened"].to_string());
        match g["reopenedShare"].as_f64() {
            Some(s) => assert_eq!(c[4].parse::<f64>().unwrap(), s),
            None => assert_eq!(c[4], ""),
        }
    }
    // Reopened: only MAIN's first, in its local month of receipt.
    let late = month_of(w.complaints[0].1, MAIN_TZ);
    let reopened: Vec<(&str, &str, &str)> = e
        .rows
        .iter()
        .filter(|r| r[3] != "0")
        .map(|r| (r[0].as_str(), r[1].as_str(), r[3].as_str()))
        .collect();
    assert_eq!(reopened, [("MAIN", late.as_str(), "1")]);
}

pub(super) async fn language_access_gaps(w: &World) {
    let e = w
        .export("language-access-gaps", "languageAccessGaps", "")
        .await;
    assert_eq!(
        e.header,
        [
            "reference",
            "facility",
            "facility_language",
            "received_at",
            "preferred_language",
            "status"
        ]
    );
    // Spanish speakers at English-speaking MAIN; none at WEST.
    let expected: Vec<Vec<String>> = w
        .complaints
        .iter()
        .filter(|(f, ..)| *f == "MAIN")
        .map(|(_, at, reference)| {
            let local = at.with_timezone(&MAIN_TZ);
            vec![
                reference.clone(),
                "MAIN".into(),
                "en".into(),
                local.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
                "es".into(),
            ]
        })
        .collect();
    let got: Vec<Vec<String>> = e.rows.iter().map(|r| r[..5].to_vec()).collect();
    assert_eq!(got, expected);
    let data = w
        .graphql(
            "query($filter: ReportFilterInput!) { languageAccessGaps(filter: $filter) {
               nodes { reference status } } }",
        )
        .await;
    let nodes = data["languageAccessGaps"]["nodes"].as_array().unwrap();
    let statuses: Vec<(&str, &str)> = nodes
        .iter()
        .map(|n| {
            (
                n["reference"].as_str().unwrap(),
                n["status"].as_str().unwrap(),
            )
        })
        .collect();
    let csv: Vec<(&str, &str)> = e
        .rows
        .iter()
        .map(|r| (r[0].as_str(), r[5].as_str()))
        .collect();
    assert_eq!(csv, statuses);
}

pub(super) async fn service_recovery_cost(w: &World) {
    let e = w
        .export("service-recovery-cost", "serviceRecoveryCostReport", "")
        .await;
    assert_eq!(
        e.header,
        [
            "facility",
            "month",
            "kind",
            "department",
            "status",
            "actions",
            "total",
            "currency"
        ]
    );
    let data = w
        .graphql(
            "query($filter: ReportFilterInput!) { serviceRecoveryCostReport(filter: $filter) {
               facilityCode kind status actions total { amount currency } } }",
        )
        .await;
    let g = &data["serviceRecoveryCostReport"][0];
    assert_eq!(g["actions"], 1);
    let month = month_of(w.now, MAIN_TZ);
    assert_eq!(
        e.rows,
        [[
            "MAIN",
            month.as_str(),
            "MEAL_VOUCHER",
            "Emergency Department",
            "PROPOSED",
            "1",
            g["total"]["amount"].as_str().unwrap(),
            "USD"
        ]]
    );
    assert_eq!(e.rows[0][6].parse::<f64>().unwrap(), 20.0);
}

pub(super) async fn interpreter_usage(w: &World) {
    let e = w
        .export("interpreter-usage", "interpreterUsageReport", "")
        .await;
    assert_eq!(e.header.len(), 16);
    assert_eq!(e.header[..3], ["language", "modality", "sessions"]);
    let data = w
        .graphql(
            "query($filter: ReportFilterInput!) { interpreterUsageReport(filter: $filter) {
               total { sessions provided minutes medianWaitSeconds } } }",
        )
        .await;
    let total = &data["interpreterUsageReport"]["total"];
    // One session, provided: connected 5 minutes after the request, 25
    // minutes long.
    let row = |language: &str| {
        let r = e.rows_where("language", language)[0];
        [
            "sessions",
            "provided",
            "minutes",
            "median_wait_seconds",
            "unavailable_rate",
        ]
        .map(|c| e.cell(r, c).to_owned())
    };
    assert_eq!(row("es"), ["1", "1", "25", "300", "0.0"]);
    assert_eq!(row("ALL"), ["1", "1", "25", "300", "0.0"]);
    assert_eq!(total["minutes"], 25);
    assert_eq!(total["medianWaitSeconds"], 300);
    assert_eq!(
        e.cell(e.rows_where("language", "es")[0], "modality"),
        "VIDEO_REMOTE"
    );
}

pub(super) async fn accessibility(w: &World) {
    let e = w.export("accessibility", "accessibilityReport", "").await;
    assert_eq!(e.header[..3], ["need_type", "requested", "fulfilled"]);
    assert_eq!(e.header.len(), 12);
    let data = w
        .graphql(
            "query($filter: ReportFilterInput!) { accessibilityReport(filter: $filter) {
               needType requested open fulfilled } }",
        )
        .await;
    let rows = data["accessibilityReport"].as_array().unwrap();
    assert_eq!(rows.len(), e.rows.len());
    let r = e.rows_where("need_type", "SIGN_LANGUAGE_INTERPRETER")[0];
    assert_eq!(
        ["requested", "fulfilled", "on_time_share", "open"].map(|c| e.cell(r, c)),
        ["1", "0", "", "1"]
    );
    let g = rows
        .iter()
        .find(|g| g["needType"] == "SIGN_LANGUAGE_INTERPRETER")
        .unwrap();
    assert_eq!(
        (g["requested"].clone(), g["open"].clone()),
        (json!(1), json!(1))
    );
}

pub(super) async fn access_review(w: &World) {
    let data = w
        .graphql(
            "query($filter: ReportFilterInput!) { accessReview(filter: $filter) {
               users { nodes { subject reads complaints flagged } }
               complaints { nodes { reference reads readers } } } }",
        )
        .await;
    let e = w.export("access-review", "accessReview", "").await;
    assert_eq!(
        e.header,
        [
            "subject",
            "name",
            "reads",
            "complaints",
            "flagged",
            "usual_department"
        ]
    );
    let users = data["accessReview"]["users"]["nodes"].as_array().unwrap();
    let of = |r: &Vec<String>| (r[0].clone(), r[2].clone(), r[3].clone(), r[4].clone());
    let csv: Vec<_> = e.rows.iter().map(of).collect();
    let gql: Vec<_> = users
        .iter()
        .map(|u| {
            let s = |k: &str| u[k].to_string();
            (
                u["subject"].as_str().unwrap().to_owned(),
                s("reads"),
                s("complaints"),
                s("flagged"),
            )
        })
        .collect();
    assert_eq!(csv, gql);
    // The all-facilities auditor read each complaint once.
    let auditor = e.rows_where("subject", "co-all")[0];
    assert_eq!(
        e.cell(auditor, "complaints"),
        w.complaints.len().to_string()
    );

    let e = w
        .export("access-review", "accessReview", "&list=complaints")
        .await;
    assert_eq!(
        e.header,
        ["complaint", "facility", "reads", "readers", "flagged"]
    );
    let got: BTreeSet<String> = e.rows.iter().map(|r| r[0].clone()).collect();
    assert_eq!(got, w.references(None));
    let e = w
        .export("access-review", "accessReview", "&list=runs")
        .await;
    assert_eq!(e.header, ["subject", "name", "runs"]);
    let officer = e.rows_where("subject", "co-both")[0];
    assert!(e.cell(officer, "runs").parse::<u32>().unwrap() >= 10);
}
