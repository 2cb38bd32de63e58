//! The CSV exports walked like the schema: every report of
//! `redress_api::http::exports::REPORTS` (so a new report is walked
//! too), for facility A and for every facility the caller sees. Outsiders
//! get no sentinel and no seeded identifier; roles without reports (STAFF,
//! ADMIN, PATIENT_RELATIONS) are refused with 403 whatever they ask; a
//! lead of another facility naming facility A is refused too. Facility
//! A's lead gets every report, and the sentinels in them.

use std::collections::BTreeSet;

use redress_api::http::exports::REPORTS;
use reqwest::StatusCode;

use super::seed::{self, FACILITY_A, SENTINEL, Seeded};
use super::{checks, insiders, outsiders, spawn};
use crate::helpers::*;

/// Each report's own parameters: every list of the access review.
fn variants(report: &str) -> Vec<&'static str> {
    match report {
        "trends" => vec!["&groupBy=DEPARTMENT"],
        "access-review" => vec![
            "&list=users",
            "&list=complaints",
            "&list=flagged",
            "&list=runs",
        ],
        _ => vec![""],
    }
}

async fn export(app: &TestApp, token: &str, path: &str) -> (StatusCode, String) {
    let response = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    // A refusal is JSON: its messages name no internals either.
    if let Ok(body) = serde_json::from_str::<serde_json::Value>(&text) {
        assert_plain_messages(&body);
    }
    (status, text)
}

fn paths(s: &Seeded) -> Vec<String> {
    let mut paths = Vec::new();
    for report in REPORTS {
        for extra in variants(report) {
            for scope in [format!("&facilities={FACILITY_A}"), String::new()] {
                paths.push(format!(
                    "/exports/{report}.csv?from={}&to={}{scope}{extra}",
                    s.from, s.to
                ));
            }
        }
    }
    paths
}

#[tokio::test]
async fn no_export_returns_record_content_to_outsiders() {
    let app = spawn().await;
    let s = seed::seed(&app).await;
    let paths = paths(&s);
    let mut problems = Vec::new();
    for (who, token) in outsiders() {
        let reads_reports = who.contains("MANAGER");
        for path in &paths {
            let (status, body) = export(&app, &token, path).await;
            if body.contains(SENTINEL) {
                problems.push(format!("{who}, {path}: a sentinel came back"));
            }
            if let Some(id) = s.identifiers.iter().find(|id| body.contains(id.as_str())) {
                problems.push(format!("{who}, {path}: {id} came back"));
            }
            let names_a = path.contains("facilities=");
            let expected = match (reads_reports, names_a) {
                (false, _) => StatusCode::FORBIDDEN,
                (true, true) => StatusCode::BAD_REQUEST,
                (true, false) => StatusCode::OK,
            };
            if status != expected {
                problems.push(format!("{who}, {path}: {status}, not {expected}: {body}"));
            }
        }
    }
    let (_, lead) = insiders().pop().unwrap();
    let mut found = BTreeSet::new();
    for path in &paths {
        let (status, body) = export(&app, &lead, path).await;
        if status != StatusCode::OK {
            problems.push(format!("facility A's lead, {path}: {status}: {body}"));
        }
        found.extend(checks::sentinels_in(&s, &body));
    }
    // The positive control: the complaint's department, at least, is in
    // the grievance log and the trends by department.
    if !found.contains(format!("{SENTINEL}-department").as_str()) {
        problems.push("facility A's lead got no sentinel from any export".to_owned());
    }
    assert!(
        problems.is_empty(),
        "{} exports walked; {} problems:\n{}",
        paths.len(),
        problems.len(),
        problems.join("\n")
    );
}
