//! Authorization walked from the schema (issue 14). The test introspects
//! the schema and, for every `Query` field (with the arguments of
//! [`table`], which fails on a field it has no entry for), generates a
//! query selecting every leaf, nested object, interface and connection to
//! a depth bound ([`schema`]); `node(id:)` is walked with every seeded
//! record's id. Each query runs as outsiders to the seeded records
//! ([`seed`]: one facility's full record content, a sentinel in every
//! free-text field): PATIENT_RELATIONS of another facility, the widest
//! reading roles (PATIENT_RELATIONS_MANAGER and COMPLIANCE) of another
//! facility, STAFF of the facility who did not log anything, and ADMIN of
//! every facility (configuration, no record content). None may get a
//! sentinel, a seeded id or reference in `data`, or an error other than
//! FORBIDDEN or NOT_FOUND. The positive control runs the same queries as
//! the owner and as facility A's lead and compliance officer: every query
//! must be answered without error by one of them, and together they must
//! find every sentinel, so the walk cannot pass by generating queries
//! that reach nothing. The CSV exports are walked the same way
//! ([`exports`]).

mod attachments;
mod checks;
mod exports;
mod refusals;
pub mod schema;
mod seed;
mod table;

use futures_util::StreamExt;
use serde_json::json;

use self::schema::{DEPTH, Schema};
use self::seed::{FACILITY_A, FACILITY_B, Seeded};
use crate::helpers::*;

/// Those the seeded records must stay hidden from.
pub fn outsiders() -> Vec<(&'static str, String)> {
    vec![
        (
            "PATIENT_RELATIONS of another facility",
            token("pr-north", &["PATIENT_RELATIONS"], &[FACILITY_B]),
        ),
        (
            "PATIENT_RELATIONS_MANAGER and COMPLIANCE of another facility",
            token(
                "lead-north",
                &["PATIENT_RELATIONS_MANAGER", "COMPLIANCE"],
                &[FACILITY_B],
            ),
        ),
        (
            "STAFF of the facility who logged nothing",
            token("staff-main", &["STAFF"], &[FACILITY_A]),
        ),
        (
            "ADMIN of every facility",
            token("admin-all", &["ADMIN"], &["*"]),
        ),
    ]
}

/// Those who read the seeded records: the positive control.
pub fn insiders() -> Vec<(&'static str, String)> {
    vec![
        ("the owner", seed::owner()),
        (
            "PATIENT_RELATIONS_MANAGER and COMPLIANCE of the facility",
            token(
                "lead-main",
                &["PATIENT_RELATIONS_MANAGER", "COMPLIANCE"],
                &[FACILITY_A],
            ),
        ),
    ]
}

/// The app, with room for the generated queries (deep and wide, one
/// request per root field and argument list).
pub async fn spawn() -> TestApp {
    TestApp::spawn_with(|settings| {
        settings.limits.max_query_depth = 64;
        settings.limits.max_query_complexity = 1_000_000;
    })
    .await
}

/// One generated query: `{ field(args) { selection } }`.
struct Walked {
    root: String,
    name: String,
    query: String,
}

fn generate(schema: &Schema, s: &Seeded) -> Vec<Walked> {
    let mut walked = Vec::new();
    for field in schema.fields("Query") {
        let selection = schema.selection(field.named, DEPTH, &mut Vec::new());
        let selection = if selection.is_empty() {
            String::new()
        } else {
            format!(" {{ {selection} }}")
        };
        for args in table::root(field.name, s) {
            let args = if args.is_empty() {
                String::new()
            } else {
                format!("({args})")
            };
            walked.push(Walked {
                root: field.name.to_owned(),
                name: format!("{}{args}", field.name),
                query: format!("{{ {}{args}{selection} }}", field.name),
            });
        }
    }
    walked
}

/// Runs every query as `token`, a few at a time.
async fn run_all(
    app: &TestApp,
    token: &str,
    walked: &[Walked],
) -> Vec<(reqwest::StatusCode, serde_json::Value)> {
    futures_util::stream::iter(walked)
        .map(|w| app.graphql(Some(token), &w.query, json!({})))
        .buffered(4)
        .collect()
        .await
}

#[tokio::test]
async fn no_field_returns_record_content_to_outsiders() {
    let app = spawn().await;
    let s = seed::seed(&app).await;
    let schema = Schema::introspect(&app, &seed::owner()).await;
    let missing = table::missing(&schema, &s);
    assert!(
        missing.is_empty(),
        "add {} to the authorization walk (tests/api/authz_walk/table.rs)",
        missing.join(", ")
    );
    let walked = generate(&schema, &s);

    let mut problems = Vec::new();
    for (who, token) in outsiders() {
        for (w, (status, body)) in walked.iter().zip(run_all(&app, &token, &walked).await) {
            for p in checks::outsider_problems(&s, &w.root, status, &body) {
                problems.push(format!("{who}, {}: {p}\n  {body}", w.name));
            }
        }
    }

    // The positive control: the same queries reach every sentinel.
    let mut found = std::collections::BTreeSet::new();
    let mut answered = vec![false; walked.len()];
    for (who, token) in insiders() {
        let answers = run_all(&app, &token, &walked).await;
        for (i, (w, (status, body))) in walked.iter().zip(answers).enumerate() {
            for p in checks::insider_problems(status, &body) {
                problems.push(format!("{who}, {}: {p}\n  {body}", w.name));
            }
            answered[i] |= checks::clean(&body);
            found.extend(checks::sentinels_in(&s, &body.to_string()));
        }
    }
    for (w, answered) in walked.iter().zip(&answered) {
        if !*answered {
            problems.push(format!("no insider got an answer to {}", w.name));
        }
    }
    for sentinel in &s.sentinels {
        if !found.contains(sentinel.as_str()) {
            problems.push(format!("the walk never reached {sentinel}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} queries walked; {} problems:\n{}",
        walked.len(),
        problems.len(),
        problems.join("\n")
    );
}
