//! What an outsider's answer may hold (nothing of the record) and what an
//! insider's must (the sentinels: the positive control).

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::Value;

use super::seed::{SENTINEL, Seeded};

/// Error codes an outsider may get: refused by role, or the record does
/// not exist for them (a report filter naming a facility outside the
/// caller's scope is `BAD_USER_INPUT`, "no facility MAIN in your scope",
/// exactly as for a code that does not exist). Anything else (INTERNAL
/// above all) is a finding.
const REFUSALS: &[&str] = &["FORBIDDEN", "NOT_FOUND", "BAD_USER_INPUT"];

fn codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            e["extensions"]["code"]
                .as_str()
                .unwrap_or("<none>")
                .to_owned()
        })
        .collect()
}

/// Root fields whose numbers are not only about the seeded records:
/// settings, the hash chain and its checkpoints, and the audit trail
/// (another facility's compliance officer sees the events of their own
/// facility's configuration; events of the seeded records carry their
/// ids, which the identifier check finds).
const NOT_ABOUT_RECORDS: &[&str] = &[
    "me",
    "facilities",
    "facility",
    "deadlinePolicies",
    "auditTrailVerification",
    "auditCheckpoints",
    "auditEvents",
];

/// Keys whose numbers count the caller's own activity (the access review's
/// report runs include the run that asks).
const OWN_ACTIVITY: &[&str] = &["reportRuns"];

/// Non-zero numbers under `value`, by path: in an outsider's answer, a
/// count or total of records they cannot see says that those exist.
fn nonzero_numbers(value: &Value, path: &str, out: &mut Vec<String>) {
    match value {
        Value::Number(n) if n.as_f64() != Some(0.0) => out.push(format!("{path} = {n}")),
        Value::Object(map) => {
            for (key, v) in map {
                if !OWN_ACTIVITY.contains(&key.as_str()) {
                    nonzero_numbers(v, &format!("{path}.{key}"), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                nonzero_numbers(v, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// What is wrong with an outsider's answer to a query of `root`, if
/// anything.
pub fn outsider_problems(s: &Seeded, root: &str, status: StatusCode, body: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    if !NOT_ABOUT_RECORDS.contains(&root) {
        let mut numbers = Vec::new();
        nonzero_numbers(&body["data"], "data", &mut numbers);
        problems.extend(
            numbers
                .into_iter()
                .map(|n| format!("a count of hidden records: {n}")),
        );
    }
    if status != StatusCode::OK {
        problems.push(format!("status {status}"));
    }
    if body.to_string().contains(SENTINEL) {
        problems.push("record content (a sentinel) came back".to_owned());
    }
    let data = body["data"].to_string();
    for id in &s.identifiers {
        if data.contains(id.as_str()) {
            problems.push(format!("the seeded identifier {id} came back in data"));
        }
    }
    for code in codes(body) {
        if !REFUSALS.contains(&code.as_str()) {
            problems.push(format!("error code {code}"));
        }
    }
    problems
}

/// What is wrong with an insider's answer (an error other than a role's
/// refusal: the query itself is broken), if anything.
pub fn insider_problems(status: StatusCode, body: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    if status != StatusCode::OK {
        problems.push(format!("status {status}"));
    }
    for code in codes(body) {
        if code != "FORBIDDEN" {
            problems.push(format!("error code {code}"));
        }
    }
    problems
}

/// Whether the answer has no errors at all.
pub fn clean(body: &Value) -> bool {
    body.get("errors").is_none()
}

/// The seeded sentinels `text` holds.
pub fn sentinels_in<'a>(s: &'a Seeded, text: &str) -> BTreeSet<&'a str> {
    s.sentinels
        .iter()
        .filter(|sentinel| text.contains(sentinel.as_str()))
        .map(String::as_str)
        .collect()
}
