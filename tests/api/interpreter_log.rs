//! The interpreter log end to end (`domain.md`, "Interpreter log"):
//! `interpreterSessionLog`, `interpreterSessionAmend`, `interpreterSessions`,
//! `complaint.interpreterSessions` and `node`. BCP 47 languages, consistent
//! times, the companion rule of 45 CFR 92.201(e) as a table, amendments that
//! keep the original, who may do what, links to complaints, filters and
//! idempotency. Every refusal is checked to write nothing.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use serde_json::{Value, json};

use crate::helpers::*;

const LOG: &str = "interpreterSessionLog";
const AMEND: &str = "interpreterSessionAmend";

const NODE: &str = "query N($id: ID!) { node(id: $id) { ... on InterpreterSession { id version complaintId entry { language modality notes } logged { by { subject } } } } }";

const COMPLAINT_WORK: &str = r#"
query C($id: ID!) {
  complaint(id: $id) {
    id
    interpreterSessions { id complaintId entry { language } logged { by { subject } } }
    history(first: 100) { nodes { action recordType recordId reason actor { subject } } }
  }
}"#;

const AUDIT: &str = r#"
query A($filter: AuditEventFilter) {
  auditEvents(filter: $filter, first: 100) {
    nodes { action recordType recordId complaintId facilityCode reason actor { subject } }
  }
}"#;

fn staff(sub: &str) -> String {
    token(sub, &["STAFF"], &["MAIN"])
}

/// User errors as `(code, "input.entry.language")`.
type Errors = Vec<(String, String)>;

/// (case, outcome, requestedAt, connectedAt, endedAt in minutes from now,
/// the fields refused: empty when accepted)
type TimeCase = (
    &'static str,
    &'static str,
    i64,
    Option<i64>,
    Option<i64>,
    &'static [&'static str],
);

/// Each user error as `(code, "input.entry.language")`.
fn errs(payload: &Value) -> Errors {
    payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let field = e["field"]
                .as_array()
                .map(|f| {
                    f.iter()
                        .map(|s| s.as_str().unwrap().to_owned())
                        .collect::<Vec<_>>()
                        .join(".")
                })
                .unwrap_or_default();
            (e["code"].as_str().unwrap().to_owned(), field)
        })
        .collect()
}

fn one(code: &str, field: &str) -> Errors {
    vec![(code.to_owned(), field.to_owned())]
}

/// Asserts a refused payload: no session, exactly these errors (in any order).
fn assert_refused(payload: &Value, expected: &[(String, String)], case: &str) {
    let mut got = errs(payload);
    got.sort();
    let mut expected = expected.to_vec();
    expected.sort();
    assert_eq!(got, expected, "{case}: {payload:#}");
    assert!(
        payload["interpreterSession"].is_null(),
        "{case}: {payload:#}"
    );
    assert_eq!(payload["replayed"], json!(false), "{case}: {payload:#}");
}

fn ids(connection: &Value) -> Vec<Value> {
    connection["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].clone())
        .collect()
}

fn at_time(t: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(t.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

fn minutes_from_now(now: DateTime<Utc>, m: Option<i64>) -> Value {
    m.map_or(Value::Null, |m| {
        json!((now + Duration::minutes(m)).to_rfc3339())
    })
}

#[tokio::test]
async fn language_tags_are_bcp47() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let pr = specialist();
    let entry = session_entry();

    // (input, stored)
    let valid = [
        ("es", "es"),
        ("zh-Hant", "zh-Hant"),
        ("ase", "ase"),
        ("ZH-hant", "zh-Hant"),
        ("pt-BR", "pt-BR"),
    ];
    for (input, stored) in valid {
        let before = app.interpreter_written().await;
        let s = app
            .work_must(
                &pr,
                LOG,
                session_input("MAIN", with_changes(&entry, json!({ "language": input }))),
            )
            .await;
        assert_eq!(s["entry"]["language"], json!(stored), "{input}");
        assert_eq!(s["original"]["language"], json!(stored), "{input}");
        assert_eq!(
            app.interpreter_written().await,
            (before.0 + 1, before.1 + 1),
            "{input}"
        );
        // Read back as stored, not as sent.
        let back = app.node(&pr, &s["id"]).await;
        assert_eq!(back["entry"]["language"], json!(stored), "{input}");
    }

    let invalid = ["", "spanish!", "en--US", "x", "toolongsubtag"];
    for input in invalid {
        let before = app.interpreter_written().await;
        let payload = app
            .work_mutate(
                &pr,
                LOG,
                session_input("MAIN", with_changes(&entry, json!({ "language": input }))),
            )
            .await;
        assert_refused(
            &payload,
            &one("VALIDATION", "input.entry.language"),
            &format!("language {input:?}"),
        );
        assert_eq!(
            app.interpreter_written().await,
            before,
            "{input:?} wrote something"
        );
    }
}

#[tokio::test]
async fn times_must_be_consistent() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let pr = specialist();
    let now = Utc::now();

    #[rustfmt::skip]
    let cases: &[TimeCase] = &[
        ("in order",                      "PROVIDED",    -60, Some(-55), Some(-30), &[]),
        ("all three equal",               "PROVIDED",    -30, Some(-30), Some(-30), &[]),
        ("connected as requested",        "DELAYED",     -30, Some(-30), Some(-10), &[]),
        ("ended as connected",            "PROVIDED",    -30, Some(-20), Some(-20), &[]),
        ("never connected",               "UNAVAILABLE", -30, None,      None,      &[]),
        ("connected before requested",    "PROVIDED",    -30, Some(-40), Some(-10), &["connectedAt"]),
        ("ended before connected",        "PROVIDED",    -60, Some(-30), Some(-40), &["endedAt"]),
        ("ended without connected",       "UNAVAILABLE", -60, None,      Some(-30), &["endedAt"]),
        ("requested in the future",       "UNAVAILABLE",  60, None,      None,      &["requestedAt"]),
        ("ended in the future",           "PROVIDED",    -60, Some(-50), Some(60),  &["endedAt"]),
        ("connected and ended in future", "DELAYED",     -60, Some(30),  Some(60),  &["connectedAt", "endedAt"]),
        ("all in the future",             "PROVIDED",     30, Some(40),  Some(60),  &["requestedAt", "connectedAt", "endedAt"]),
    ];
    for &(case, outcome, requested, connected, ended, refused) in cases {
        let mut entry = with_changes(
            &session_entry(),
            json!({
                "outcome": outcome,
                "requestedAt": minutes_from_now(now, Some(requested)),
                "connectedAt": minutes_from_now(now, connected),
                "endedAt": minutes_from_now(now, ended),
            }),
        );
        if outcome == "UNAVAILABLE" {
            entry = with_changes(&entry, json!({ "interpreter": null }));
        }
        let before = app.interpreter_written().await;
        let payload = app
            .work_mutate(&pr, LOG, session_input("MAIN", entry.clone()))
            .await;
        if refused.is_empty() {
            assert_eq!(payload["userErrors"], json!([]), "{case}: {payload:#}");
            let e = &payload["interpreterSession"]["entry"];
            assert_eq!(at_time(&e["requestedAt"]), at_time(&entry["requestedAt"]));
            for (field, sent) in [("connectedAt", connected), ("endedAt", ended)] {
                match sent {
                    Some(_) => assert_eq!(at_time(&e[field]), at_time(&entry[field]), "{case}"),
                    None => assert!(e[field].is_null(), "{case}: {e:#}"),
                }
            }
            let wait = connected.map(|c| c - requested);
            let duration = connected.zip(ended).map(|(c, e)| e - c);
            assert_eq!(e["waitMinutes"], json!(wait), "{case}");
            assert_eq!(e["durationMinutes"], json!(duration), "{case}");
            assert_eq!(
                app.interpreter_written().await,
                (before.0 + 1, before.1 + 1),
                "{case}"
            );
        } else {
            let expected: Errors = refused
                .iter()
                .map(|f| ("VALIDATION".to_owned(), format!("input.entry.{f}")))
                .collect();
            assert_refused(&payload, &expected, case);
            assert_eq!(
                app.interpreter_written().await,
                before,
                "{case} wrote something"
            );
        }
    }
}

/// 45 CFR 92.201(e): (minor, patientRequested, companionAgreed, emergency)
/// → allowed iff (minor ? emergency : emergency || (asked && agreed)).
#[tokio::test]
async fn companion_rule_table() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let pr = specialist();
    let mut accepted = 0;
    for minor in [false, true] {
        for asked in [false, true] {
            for agreed in [false, true] {
                for emergency in [false, true] {
                    let case = format!(
                        "minor={minor} asked={asked} agreed={agreed} emergency={emergency}"
                    );
                    let allowed = if minor {
                        emergency
                    } else {
                        emergency || (asked && agreed)
                    };
                    let entry = declined_entry(minor, asked, agreed, emergency);
                    let before = app.interpreter_written().await;
                    let payload = app
                        .work_mutate(&pr, LOG, session_input("MAIN", entry.clone()))
                        .await;
                    if allowed {
                        accepted += 1;
                        assert_eq!(payload["userErrors"], json!([]), "{case}: {payload:#}");
                        let e = &payload["interpreterSession"]["entry"];
                        assert_eq!(e["outcome"], json!("DECLINED"), "{case}");
                        assert_eq!(e["companion"], entry["companion"], "{case}");
                        assert!(e["interpreter"].is_null(), "{case}");
                        assert_eq!(
                            app.interpreter_written().await,
                            (before.0 + 1, before.1 + 1),
                            "{case}"
                        );
                    } else {
                        let got = errs(&payload);
                        assert_eq!(got.len(), 1, "{case}: {payload:#}");
                        assert_eq!(got[0].0, "GUARD_FAILED", "{case}: {payload:#}");
                        if minor {
                            assert_eq!(got[0].1, "input.entry.companion.minor", "{case}");
                        } else {
                            assert!(
                                got[0].1.starts_with("input.entry.companion."),
                                "{case}: {payload:#}"
                            );
                        }
                        assert_refused(&payload, &got, &case);
                        assert_eq!(
                            app.interpreter_written().await,
                            before,
                            "{case} wrote something"
                        );
                    }
                }
            }
        }
    }
    // Adults: 8 combinations, emergency (4) or asked-and-agreed (1 more);
    // minors: emergency only (4).
    assert_eq!(accepted, 9);
}

#[tokio::test]
async fn minor_companion_refused_outside_emergency() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let pr = specialist();

    let before = app.interpreter_written().await;
    let payload = app
        .work_mutate(
            &pr,
            LOG,
            session_input("MAIN", declined_entry(true, true, true, false)),
        )
        .await;
    assert_refused(
        &payload,
        &one("GUARD_FAILED", "input.entry.companion.minor"),
        "minor, asked and agreed, no emergency",
    );
    assert_eq!(app.interpreter_written().await, before);

    let s = app
        .work_must(
            &pr,
            LOG,
            session_input("MAIN", declined_entry(true, true, true, true)),
        )
        .await;
    assert_eq!(
        s["entry"]["companion"],
        json!({ "name": "Luis Lopez", "relationship": "son", "minor": true,
                "patientRequested": true, "companionAgreed": true, "emergency": true })
    );
    assert_eq!(s["entry"]["outcome"], json!("DECLINED"));
    // The companion is on the record as read back.
    let back = app
        .ok(
            &pr,
            &format!(
                "query N($id: ID!) {{ node(id: $id) {{ ... on InterpreterSession {{ {INTERPRETER_SESSION_FIELDS} }} }} }}"
            ),
            json!({ "id": s["id"] }),
        )
        .await;
    assert_eq!(back["node"]["entry"]["companion"], s["entry"]["companion"]);
    assert_eq!(
        app.interpreter_written().await,
        (before.0 + 1, before.1 + 1)
    );
}

/// The outcome decides which parts an entry has.
#[tokio::test]
async fn outcome_shapes_the_entry() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let pr = specialist();
    let provided = session_entry();
    let companion = declined_entry(false, true, true, false)["companion"].clone();

    #[rustfmt::skip]
    let refused: Vec<(&str, Value, &[&str])> = vec![
        ("DECLINED without companion",
            with_changes(&declined_entry(false, true, true, false), json!({ "companion": null })),
            &["companion"]),
        ("companion on PROVIDED",
            with_changes(&provided, json!({ "companion": companion })),
            &["companion"]),
        ("companion on UNAVAILABLE",
            with_changes(&provided, json!({ "outcome": "UNAVAILABLE", "interpreter": null, "connectedAt": null, "endedAt": null, "companion": companion })),
            &["companion"]),
        ("PROVIDED without interpreter",
            with_changes(&provided, json!({ "interpreter": null })),
            &["interpreter"]),
        ("DELAYED without interpreter",
            with_changes(&provided, json!({ "outcome": "DELAYED", "interpreter": null })),
            &["interpreter"]),
        ("PROVIDED without connectedAt",
            // The end time of a session that never connected is refused too.
            with_changes(&provided, json!({ "connectedAt": null })),
            &["connectedAt", "endedAt"]),
        ("PROVIDED without endedAt",
            with_changes(&provided, json!({ "endedAt": null })),
            &["endedAt"]),
        ("UNAVAILABLE with connectedAt",
            with_changes(&provided, json!({ "outcome": "UNAVAILABLE" })),
            &["connectedAt"]),
    ];
    for (case, entry, fields) in refused {
        let before = app.interpreter_written().await;
        let payload = app
            .work_mutate(&pr, LOG, session_input("MAIN", entry))
            .await;
        let expected: Errors = fields
            .iter()
            .map(|f| ("VALIDATION".to_owned(), format!("input.entry.{f}")))
            .collect();
        assert_refused(&payload, &expected, case);
        assert_eq!(
            app.interpreter_written().await,
            before,
            "{case} wrote something"
        );
    }

    let accepted: Vec<(&str, Value)> = vec![
        ("PROVIDED", provided.clone()),
        (
            "DELAYED",
            with_changes(&provided, json!({ "outcome": "DELAYED" })),
        ),
        (
            "UNAVAILABLE",
            with_changes(
                &provided,
                json!({ "outcome": "UNAVAILABLE", "interpreter": null, "connectedAt": null, "endedAt": null }),
            ),
        ),
        ("DECLINED", declined_entry(false, true, true, false)),
    ];
    for (outcome, entry) in accepted {
        let s = app.work_must(&pr, LOG, session_input("MAIN", entry)).await;
        assert_eq!(s["entry"]["outcome"], json!(outcome));
        assert_eq!(s["version"], json!(1));
        assert_eq!(s["facilityCode"], json!("MAIN"));
        assert_eq!(s["logged"]["by"]["subject"], json!("pr-1"));
        assert_eq!(s["amendments"], json!([]));
    }
}

#[tokio::test]
async fn amendments_keep_the_original() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let pr = specialist();
    let prm = manager();
    let entry = session_entry();

    let logged = app
        .work_must(&pr, LOG, session_input("MAIN", entry.clone()))
        .await;
    assert_eq!(logged["version"], json!(1));
    assert_eq!(logged["original"]["language"], json!("es"));

    // First correction: language and modality.
    let fixed = with_changes(&entry, json!({ "language": "pt", "modality": "PHONE" }));
    let s = app
        .work_must(
            &pr,
            AMEND,
            at_version(
                &logged,
                json!({ "reason": "wrong language picked", "entry": fixed }),
            ),
        )
        .await;
    assert_eq!(s["id"], logged["id"]);
    assert_eq!(s["version"], json!(2));
    assert_eq!(s["entry"]["language"], json!("pt"));
    assert_eq!(s["entry"]["modality"], json!("PHONE"));
    assert_eq!(
        s["original"],
        json!({ "language": "es", "modality": "VIDEO_REMOTE", "outcome": "PROVIDED" })
    );
    let a = &s["amendments"][0];
    assert_eq!(a["by"]["subject"], json!("pr-1"));
    assert_eq!(a["reason"], json!("wrong language picked"));
    assert_eq!(a["changedFields"], json!(["language", "modality"]));
    assert_eq!(
        a["previous"],
        json!({ "language": "es", "modality": "VIDEO_REMOTE", "outcome": "PROVIDED" })
    );
    // Nothing else of the entry moved.
    assert_eq!(s["entry"]["requestedAt"], logged["entry"]["requestedAt"]);
    assert_eq!(s["entry"]["interpreter"], logged["entry"]["interpreter"]);
    assert_eq!(s["logged"], logged["logged"]);

    // Second correction, by someone else: original is still the first entry.
    let again = with_changes(&fixed, json!({ "language": "pt-BR" }));
    let s = app
        .work_must(
            &prm,
            AMEND,
            at_version(&s, json!({ "reason": "dialect", "entry": again })),
        )
        .await;
    assert_eq!(s["version"], json!(3));
    assert_eq!(s["entry"]["language"], json!("pt-BR"));
    assert_eq!(s["original"]["language"], json!("es"));
    assert_eq!(s["original"]["modality"], json!("VIDEO_REMOTE"));
    assert_eq!(s["amendments"].as_array().unwrap().len(), 2);
    assert_eq!(s["amendments"][0]["reason"], json!("wrong language picked"));
    let b = &s["amendments"][1];
    assert_eq!(b["by"]["subject"], json!("prm-1"));
    assert_eq!(b["reason"], json!("dialect"));
    assert_eq!(b["changedFields"], json!(["language"]));
    assert_eq!(b["previous"]["language"], json!("pt"));
    assert_eq!(b["previous"]["modality"], json!("PHONE"));

    // Refusals: nothing changes.
    let current = s.clone();
    #[rustfmt::skip]
    let refusals: Vec<(&str, Value, Errors)> = vec![
        ("blank reason",
            at_version(&current, json!({ "reason": "   ", "entry": with_changes(&again, json!({ "notes": "x" })) })),
            one("VALIDATION", "input.reason")),
        ("empty reason",
            at_version(&current, json!({ "reason": "", "entry": with_changes(&again, json!({ "notes": "x" })) })),
            one("VALIDATION", "input.reason")),
        ("no change",
            at_version(&current, json!({ "reason": "just checking", "entry": again })),
            one("VALIDATION", "input.entry")),
        ("invalid corrected entry",
            at_version(&current, json!({ "reason": "typo", "entry": with_changes(&again, json!({ "language": "en--US" })) })),
            one("VALIDATION", "input.entry.language")),
        ("minor companion in the correction",
            at_version(&current, json!({ "reason": "it was the son", "entry": declined_entry(true, true, true, false) })),
            one("GUARD_FAILED", "input.entry.companion.minor")),
        ("stale expectedVersion",
            json!({ "id": current["id"], "expectedVersion": 2, "reason": "late", "entry": with_changes(&again, json!({ "notes": "x" })) }),
            one("CONFLICT", "input.expectedVersion")),
    ];
    for (case, input, expected) in refusals {
        let before = app.interpreter_written().await;
        let payload = app.work_mutate(&pr, AMEND, input).await;
        assert_eq!(errs(&payload), expected, "{case}: {payload:#}");
        assert!(payload["interpreterSession"].is_null(), "{case}");
        assert_eq!(
            app.interpreter_written().await,
            before,
            "{case} wrote something"
        );
        let back = app.node(&pr, &current["id"]).await;
        assert_eq!(back["version"], json!(3), "{case}");
        assert_eq!(back["entry"]["language"], json!("pt-BR"), "{case}");
    }

    // The trail: one event per change, the reason on each amendment.
    let data = app
        .ok(
            &compliance(),
            AUDIT,
            json!({ "filter": { "recordId": current["id"] } }),
        )
        .await;
    let events = data["auditEvents"]["nodes"].as_array().unwrap();
    let summary: Vec<(Value, Value, Value)> = events
        .iter()
        .map(|e| {
            (
                e["action"].clone(),
                e["actor"]["subject"].clone(),
                e["reason"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (json!("INTERPRETER_SESSION_LOG"), json!("pr-1"), Value::Null),
            (
                json!("INTERPRETER_SESSION_AMEND"),
                json!("pr-1"),
                json!("wrong language picked")
            ),
            (
                json!("INTERPRETER_SESSION_AMEND"),
                json!("prm-1"),
                json!("dialect")
            ),
        ],
        "{data:#}"
    );
    for e in events {
        assert_eq!(e["recordType"], json!("InterpreterSession"), "{e:#}");
        assert_eq!(e["recordId"], current["id"], "{e:#}");
        assert_eq!(e["facilityCode"], json!("MAIN"), "{e:#}");
        assert!(e["complaintId"].is_null(), "{e:#}");
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Op {
    Log,
    /// Amend a session the caller logged (roles that cannot log have none
    /// and try another's: refused before any lookup).
    AmendOwn,
    /// Amend a session someone else logged.
    AmendOthers,
    /// `interpreterSessions`.
    List,
    /// `node(id:)` with a session id.
    Node,
}

const OPS: [Op; 5] = [Op::Log, Op::AmendOwn, Op::AmendOthers, Op::List, Op::Node];

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Expect {
    /// The change happens; reads show every session of the facility.
    Ok,
    /// Reads show only the caller's own sessions.
    Own,
    /// The record does not exist for the caller: `NOT_FOUND` on `["input","id"]`.
    NotFound,
    /// `FORBIDDEN` userError on mutations, a top-level `FORBIDDEN` on reads.
    No,
}
use Expect::{No, NotFound, Own};

/// Inside the token's facilities (["MAIN"]). Outside (["NORTH"]): `No`
/// stays FORBIDDEN; everything else finds nothing (NOT_FOUND on
/// `facilityCode` / `id`, empty list, null node).
#[rustfmt::skip]
const TABLE: &[(&str, [Expect; 5])] = &[
    //                             Log         AmendOwn    AmendOthers  List  Node
    ("STAFF",                     [Expect::Ok, Expect::Ok, NotFound,    Own,  Own]),
    ("PATIENT_RELATIONS",         [Expect::Ok, Expect::Ok, Expect::Ok,  Expect::Ok, Expect::Ok]),
    ("PATIENT_RELATIONS_MANAGER", [Expect::Ok, Expect::Ok, Expect::Ok,  Expect::Ok, Expect::Ok]),
    ("COMPLIANCE",                [No,         No,         No,          Expect::Ok, Expect::Ok]),
    ("ADMIN",                     [No,         No,         No,          No,   No]),
];

#[tokio::test]
async fn permissions_every_role() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    app.create_facility("NORTH").await;
    let author = token("pr-author", &["PATIENT_RELATIONS"], &["MAIN"]);
    let others = app
        .work_must(&author, LOG, session_input("MAIN", session_entry()))
        .await;
    let north_pr = token("pr-north", &["PATIENT_RELATIONS"], &["NORTH"]);
    let north = app
        .work_must(&north_pr, LOG, session_input("NORTH", session_entry()))
        .await;

    for &(role, row) in TABLE {
        let sub = format!("{}-user", role.to_lowercase());
        let tok = token(&sub, &[role], &["MAIN"]);
        let mut own: Option<Value> = None;
        for (op, expect) in OPS.into_iter().zip(row) {
            let case = format!("{role} {op:?} in MAIN");
            let before = app.interpreter_written().await;
            match op {
                Op::Log => {
                    let payload = app
                        .work_mutate(&tok, LOG, session_input("MAIN", session_entry()))
                        .await;
                    match expect {
                        Expect::Ok => {
                            assert_eq!(payload["userErrors"], json!([]), "{case}: {payload:#}");
                            let s = payload["interpreterSession"].clone();
                            assert_eq!(s["logged"]["by"]["subject"], json!(sub), "{case}");
                            assert_eq!(
                                app.interpreter_written().await,
                                (before.0 + 1, before.1 + 1)
                            );
                            own = Some(s);
                        }
                        No => {
                            assert_eq!(errs(&payload)[0].0, "FORBIDDEN", "{case}: {payload:#}");
                            assert_eq!(errs(&payload).len(), 1, "{case}");
                            assert!(payload["interpreterSession"].is_null(), "{case}");
                            assert_eq!(app.interpreter_written().await, before, "{case}");
                        }
                        _ => unreachable!("{case}"),
                    }
                }
                Op::AmendOwn | Op::AmendOthers => {
                    let target = match (op, &own) {
                        (Op::AmendOwn, Some(s)) => s["id"].clone(),
                        _ => others["id"].clone(),
                    };
                    let version = app.node(&auditor(), &target).await["version"].clone();
                    let payload = app.amend_notes(&tok, &target, &format!("by {sub}")).await;
                    let after = app.node(&auditor(), &target).await;
                    match expect {
                        Expect::Ok => {
                            assert_eq!(payload["userErrors"], json!([]), "{case}: {payload:#}");
                            let s = &payload["interpreterSession"];
                            assert_eq!(s["version"], json!(version.as_i64().unwrap() + 1));
                            let last = s["amendments"].as_array().unwrap().last().unwrap();
                            assert_eq!(last["by"]["subject"], json!(sub), "{case}");
                            assert_eq!(last["changedFields"], json!(["notes"]), "{case}");
                            assert_eq!(after["entry"]["notes"], json!(format!("by {sub}")));
                            assert_eq!(app.interpreter_written().await, (before.0 + 1, before.1));
                        }
                        NotFound | No => {
                            let code = if expect == No {
                                "FORBIDDEN"
                            } else {
                                "NOT_FOUND"
                            };
                            let got = errs(&payload);
                            assert_eq!(got.len(), 1, "{case}: {payload:#}");
                            assert_eq!(got[0].0, code, "{case}: {payload:#}");
                            if expect == NotFound {
                                assert_eq!(got[0].1, "input.id", "{case}");
                            }
                            assert!(payload["interpreterSession"].is_null(), "{case}");
                            assert_eq!(after["version"], version, "{case}");
                            assert_eq!(app.interpreter_written().await, before, "{case}");
                        }
                        Own => unreachable!("{case}"),
                    }
                }
                Op::List => {
                    if expect == No {
                        let (_, body) = app
                            .graphql(Some(&tok), INTERPRETER_SESSION_LIST, json!({}))
                            .await;
                        assert_eq!(error_code(&body), "FORBIDDEN", "{case}: {body:#}");
                        assert!(body["data"].is_null(), "{case}: {body:#}");
                        continue;
                    }
                    let l = app
                        .interpreter_sessions(&tok, json!({ "first": 100 }))
                        .await;
                    let got = ids(&l);
                    assert!(!got.contains(&north["id"]), "{case}: NORTH leaked");
                    match expect {
                        Expect::Ok => {
                            assert!(got.contains(&others["id"]), "{case}");
                            if let Some(s) = &own {
                                assert!(got.contains(&s["id"]), "{case}");
                            }
                            let main = app.interpreter_sessions(&auditor(),
                                json!({ "filter": { "facilityCodes": ["MAIN"] }, "first": 100 }),
                            )
                            .await;
                            assert_eq!(got, ids(&main), "{case}");
                            assert_eq!(l["totalCount"], main["totalCount"], "{case}");
                        }
                        Own => {
                            assert_eq!(got, [own.as_ref().unwrap()["id"].clone()], "{case}");
                            assert_eq!(l["totalCount"], json!(1), "{case}");
                        }
                        _ => unreachable!("{case}"),
                    }
                }
                Op::Node => {
                    if expect == No {
                        let (_, body) = app
                            .graphql(Some(&tok), NODE, json!({ "id": others["id"] }))
                            .await;
                        assert_eq!(error_code(&body), "FORBIDDEN", "{case}: {body:#}");
                        assert!(body["data"]["node"].is_null(), "{case}: {body:#}");
                        continue;
                    }
                    assert!(app.node(&tok, &north["id"]).await.is_null(), "{case}");
                    let other = app.node(&tok, &others["id"]).await;
                    match expect {
                        Expect::Ok => assert_eq!(other["id"], others["id"], "{case}"),
                        Own => assert!(other.is_null(), "{case}: {other:#}"),
                        _ => unreachable!("{case}"),
                    }
                    if let Some(s) = &own {
                        assert_eq!(app.node(&tok, &s["id"]).await["id"], s["id"], "{case}");
                    }
                }
            }
        }

        // The same role with a token for another facility only.
        let tok = token(&format!("{sub}-north"), &[role], &["NORTH"]);
        let before = app.interpreter_written().await;
        let case = format!("{role} Log into MAIN with a NORTH token");
        let payload = app
            .work_mutate(&tok, LOG, session_input("MAIN", session_entry()))
            .await;
        if row[0] == No {
            let codes: Vec<String> = errs(&payload).into_iter().map(|(c, _)| c).collect();
            assert_eq!(codes, ["FORBIDDEN"], "{case}: {payload:#}");
            assert!(payload["interpreterSession"].is_null(), "{case}");
        } else {
            assert_refused(&payload, &one("NOT_FOUND", "input.facilityCode"), &case);
        }
        let case = format!("{role} Amend a MAIN session with a NORTH token");
        let payload = app.amend_notes(&tok, &others["id"], "from the north").await;
        let got = errs(&payload);
        let code = if row[2] == No {
            "FORBIDDEN"
        } else {
            "NOT_FOUND"
        };
        assert_eq!(got.len(), 1, "{case}: {payload:#}");
        assert_eq!(got[0].0, code, "{case}: {payload:#}");
        assert_eq!(
            app.interpreter_written().await,
            before,
            "{role} NORTH wrote something"
        );
        let case = format!("{role} reads with a NORTH token");
        if row[3] == No {
            let (_, body) = app
                .graphql(Some(&tok), INTERPRETER_SESSION_LIST, json!({}))
                .await;
            assert_eq!(error_code(&body), "FORBIDDEN", "{case}: {body:#}");
            let (_, body) = app
                .graphql(Some(&tok), NODE, json!({ "id": others["id"] }))
                .await;
            assert_eq!(error_code(&body), "FORBIDDEN", "{case}: {body:#}");
        } else {
            let l = app
                .interpreter_sessions(&tok, json!({ "filter": { "facilityCodes": ["MAIN"] } }))
                .await;
            assert_eq!(l["nodes"], json!([]), "{case}");
            assert_eq!(l["totalCount"], json!(0), "{case}");
            assert!(app.node(&tok, &others["id"]).await.is_null(), "{case}");
            if let Some(s) = &own {
                assert!(app.node(&tok, &s["id"]).await.is_null(), "{case}");
            }
        }
    }
}

#[tokio::test]
async fn linking_to_a_complaint() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    app.create_facility("NORTH").await;
    let pr = specialist();
    let complaint = app.create_complaint(&pr, intake("MAIN")).await;
    let cid = complaint["id"].clone();

    // Linked: the complaint lists the session, its history holds its events.
    let entry = session_entry();
    let s = app
        .work_must(
            &pr,
            LOG,
            json!({ "facilityCode": "MAIN", "complaintId": cid, "entry": entry }),
        )
        .await;
    assert_eq!(s["complaintId"], cid);
    let s = app.work_must(&pr,
        AMEND,
        at_version(
            &s,
            json!({ "reason": "interpreter was by phone", "entry": with_changes(&entry, json!({ "modality": "PHONE" })) }),
        ),
    )
    .await;
    assert_eq!(s["complaintId"], cid);
    let c = app.ok(&pr, COMPLAINT_WORK, json!({ "id": cid })).await["complaint"].clone();
    assert_eq!(
        c["interpreterSessions"],
        json!([{ "id": s["id"], "complaintId": cid, "entry": { "language": "es" },
                 "logged": { "by": { "subject": "pr-1" } } }])
    );
    let events: Vec<(Value, Value)> = c["history"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["recordId"] == s["id"])
        .map(|e| (e["action"].clone(), e["reason"].clone()))
        .collect();
    assert_eq!(
        events,
        [
            (json!("INTERPRETER_SESSION_LOG"), Value::Null),
            (
                json!("INTERPRETER_SESSION_AMEND"),
                json!("interpreter was by phone")
            ),
        ],
        "{c:#}"
    );
    let filtered = app
        .interpreter_sessions(&pr, json!({ "filter": { "complaintId": cid } }))
        .await;
    assert_eq!(ids(&filtered), [s["id"].clone()]);

    // Refused links write nothing.
    let both = token("pr-both", &["PATIENT_RELATIONS"], &["MAIN", "NORTH"]);
    let north_complaint = app.create_complaint(&both, intake("NORTH")).await;
    let st = staff("st-1");
    #[rustfmt::skip]
    let refusals: Vec<(&str, &str, Value, Errors)> = vec![
        ("complaint of a facility outside the token", pr.as_str(), north_complaint["id"].clone(),
            one("NOT_FOUND", "input.complaintId")),
        ("complaint of another facility than the session's", both.as_str(), north_complaint["id"].clone(),
            one("VALIDATION", "input.complaintId")),
        ("malformed id", pr.as_str(), json!("not-an-id"),
            one("NOT_FOUND", "input.complaintId")),
        ("a session's id", pr.as_str(), s["id"].clone(),
            one("NOT_FOUND", "input.complaintId")),
        ("STAFF linking a complaint they did not create", st.as_str(), cid.clone(),
            one("NOT_FOUND", "input.complaintId")),
    ];
    for (case, tok, complaint_id, expected) in refusals {
        let before = app.interpreter_written().await;
        let payload = app.work_mutate(tok,
            LOG,
            json!({ "facilityCode": "MAIN", "complaintId": complaint_id, "entry": session_entry() }),
        )
        .await;
        assert_refused(&payload, &expected, case);
        assert_eq!(
            app.interpreter_written().await,
            before,
            "{case} wrote something"
        );
    }

    // STAFF link to their own complaint and see only their own sessions on it.
    let own_complaint = app.create_complaint(&st, intake("MAIN")).await;
    let mine = app.work_must(&st,
        LOG,
        json!({ "facilityCode": "MAIN", "complaintId": own_complaint["id"], "entry": session_entry() }),
    )
    .await;
    let theirs = app.work_must(&pr,
        LOG,
        json!({ "facilityCode": "MAIN", "complaintId": own_complaint["id"], "entry": session_entry() }),
    )
    .await;
    let seen = |c: &Value| -> Vec<Value> {
        c["complaint"]["interpreterSessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].clone())
            .collect()
    };
    let by_staff = app
        .ok(&st, COMPLAINT_WORK, json!({ "id": own_complaint["id"] }))
        .await;
    assert_eq!(seen(&by_staff), [mine["id"].clone()]);
    let by_pr = app
        .ok(&pr, COMPLAINT_WORK, json!({ "id": own_complaint["id"] }))
        .await;
    assert_eq!(seen(&by_pr), [mine["id"].clone(), theirs["id"].clone()]);
    let by_compliance = app
        .ok(
            &compliance(),
            COMPLAINT_WORK,
            json!({ "id": own_complaint["id"] }),
        )
        .await;
    assert_eq!(seen(&by_compliance), seen(&by_pr));
    let filtered = app
        .interpreter_sessions(
            &st,
            json!({ "filter": { "complaintId": own_complaint["id"] } }),
        )
        .await;
    assert_eq!(ids(&filtered), [mine["id"].clone()]);
    assert_eq!(filtered["totalCount"], json!(1));
}

/// A session entry of the given shape, requested at `requested`.
fn shaped(language: &str, modality: &str, outcome: &str, requested: DateTime<Utc>) -> Value {
    let t = |m: i64| json!((requested + Duration::minutes(m)).to_rfc3339());
    match outcome {
        "DECLINED" => with_changes(
            &declined_entry(false, true, true, false),
            json!({ "language": language, "modality": modality, "requestedAt": t(0) }),
        ),
        "UNAVAILABLE" => with_changes(
            &session_entry(),
            json!({ "language": language, "modality": modality, "outcome": outcome,
                    "requestedAt": t(0), "interpreter": null, "connectedAt": null, "endedAt": null }),
        ),
        _ => with_changes(
            &session_entry(),
            json!({ "language": language, "modality": modality, "outcome": outcome,
                    "requestedAt": t(0), "connectedAt": t(5), "endedAt": t(25) }),
        ),
    }
}

#[tokio::test]
async fn filters_and_pages() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let pr = specialist();
    let t0 = Utc::now().trunc_subsecs(0);
    let h = Duration::hours;
    let sessions = [
        ("A", "es", "VIDEO_REMOTE", "PROVIDED", t0 - h(1)),
        ("B", "zh-Hant", "PHONE", "DELAYED", t0 - h(5)),
        (
            "C",
            "ase",
            "CERTIFIED_DEAF_INTERPRETER",
            "UNAVAILABLE",
            t0 - h(48),
        ),
        ("D", "es", "PHONE", "DECLINED", t0 - h(2)),
        ("E", "pt-BR", "CART_CAPTIONING", "PROVIDED", t0 - h(72)),
    ];
    let mut id_of = std::collections::HashMap::new();
    for (name, language, modality, outcome, requested) in sessions {
        let s = app
            .work_must(
                &pr,
                LOG,
                session_input("MAIN", shaped(language, modality, outcome, requested)),
            )
            .await;
        id_of.insert(name, s["id"].clone());
    }
    let named = |names: &[&str]| -> Vec<Value> { names.iter().map(|n| id_of[n].clone()).collect() };
    let ts = |t: DateTime<Utc>| json!(t.to_rfc3339());

    #[rustfmt::skip]
    let cases: Vec<(&str, Value, &[&str])> = vec![
        ("no filter",                 json!({}),                                              &["A", "B", "C", "D", "E"]),
        ("languages ES",              json!({ "languages": ["ES"] }),                         &["A", "D"]),
        ("languages ZH-hant, ase",    json!({ "languages": ["ZH-hant", "ase"] }),             &["B", "C"]),
        ("languages pt-br",           json!({ "languages": ["pt-br"] }),                      &["E"]),
        ("languages fr",              json!({ "languages": ["fr"] }),                         &[]),
        ("modalities PHONE",          json!({ "modalities": ["PHONE"] }),                     &["B", "D"]),
        ("modalities two",            json!({ "modalities": ["CART_CAPTIONING", "VIDEO_REMOTE"] }), &["A", "E"]),
        ("outcomes UNAVAILABLE, DECLINED", json!({ "outcomes": ["UNAVAILABLE", "DECLINED"] }), &["C", "D"]),
        ("outcomes PROVIDED",         json!({ "outcomes": ["PROVIDED"] }),                    &["A", "E"]),
        ("requested window, bounds inclusive",
            json!({ "requestedFrom": ts(t0 - h(5)), "requestedTo": ts(t0 - h(2)) }),          &["B", "D"]),
        ("requestedFrom",             json!({ "requestedFrom": ts(t0 - h(1)) }),              &["A"]),
        ("requestedTo",               json!({ "requestedTo": ts(t0 - h(48)) }),               &["C", "E"]),
        ("empty window",              json!({ "requestedFrom": ts(t0 - h(4)), "requestedTo": ts(t0 - h(3)) }), &[]),
        ("languages and modalities",  json!({ "languages": ["es"], "modalities": ["PHONE"] }), &["D"]),
        ("everything at once",
            json!({ "languages": ["ES", "zh-hant"], "modalities": ["PHONE"], "outcomes": ["DELAYED"],
                    "requestedFrom": ts(t0 - h(6)), "requestedTo": ts(t0) }),                 &["B"]),
        ("facility and department",   json!({ "facilityCodes": ["MAIN"], "departments": ["Emergency Department"] }), &["A", "B", "C", "D", "E"]),
        ("another department",        json!({ "departments": ["Radiology"] }),                &[]),
    ];
    for (case, filter, expected) in cases {
        let l = app
            .interpreter_sessions(&pr, json!({ "filter": filter }))
            .await;
        assert_eq!(ids(&l), named(expected), "{case}: {l:#}");
        assert_eq!(l["totalCount"], json!(expected.len()), "{case}");
        assert_eq!(l["pageInfo"]["hasNextPage"], json!(false), "{case}");
    }

    // Derived minutes.
    let l = app
        .interpreter_sessions(
            &pr,
            json!({ "filter": { "languages": ["es"], "outcomes": ["PROVIDED"] } }),
        )
        .await;
    assert_eq!(l["nodes"][0]["entry"]["waitMinutes"], json!(5));
    assert_eq!(l["nodes"][0]["entry"]["durationMinutes"], json!(20));

    // Pages in the order logged; totalCount counts across pages.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let l = app
            .interpreter_sessions(&pr, json!({ "first": 2, "after": after }))
            .await;
        pages += 1;
        assert_eq!(l["totalCount"], json!(5));
        assert_eq!(l["pageInfo"]["hasPreviousPage"], json!(pages > 1));
        let got = ids(&l);
        assert!(got.len() <= 2);
        seen.extend(got);
        if l["pageInfo"]["hasNextPage"] == json!(false) {
            break;
        }
        after = l["pageInfo"]["endCursor"].clone();
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, named(&["A", "B", "C", "D", "E"]));

    // Pages of a filtered list.
    let filter = json!({ "modalities": ["PHONE"] });
    let p1 = app
        .interpreter_sessions(&pr, json!({ "filter": filter, "first": 1 }))
        .await;
    assert_eq!(ids(&p1), named(&["B"]));
    assert_eq!(p1["pageInfo"]["hasNextPage"], json!(true));
    assert_eq!(p1["totalCount"], json!(2));
    let p2 = app
        .interpreter_sessions(
            &pr,
            json!({ "filter": filter, "first": 1, "after": p1["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(ids(&p2), named(&["D"]));
    assert_eq!(p2["pageInfo"]["hasNextPage"], json!(false));
    assert_eq!(p2["totalCount"], json!(2));

    // A cursor from nowhere is a top-level input error.
    let (_, body) = app
        .graphql(
            Some(&pr),
            INTERPRETER_SESSION_LIST,
            json!({ "after": "garbage" }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body:#}");
}

#[tokio::test]
async fn idempotency_key_replays_the_first_log() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let pr = specialist();
    let mut input = session_input("MAIN", session_entry());
    input["idempotencyKey"] = json!("tablet-7-entry-1");

    let before = app.interpreter_written().await;
    let first = app.work_mutate(&pr, LOG, input.clone()).await;
    assert_eq!(first["userErrors"], json!([]), "{first:#}");
    assert_eq!(first["replayed"], json!(false));
    let id = first["interpreterSession"]["id"].clone();
    assert_eq!(
        app.interpreter_written().await,
        (before.0 + 1, before.1 + 1)
    );

    // The same key again, even with a different entry: the first session.
    let mut again = input.clone();
    again["entry"]["language"] = json!("pt");
    for retry in [input.clone(), again] {
        let second = app.work_mutate(&pr, LOG, retry).await;
        assert_eq!(second["userErrors"], json!([]), "{second:#}");
        assert_eq!(second["replayed"], json!(true));
        assert_eq!(second["interpreterSession"]["id"], id);
        assert_eq!(second["interpreterSession"]["version"], json!(1));
        assert_eq!(
            second["interpreterSession"]["entry"]["language"],
            json!("es")
        );
        assert_eq!(
            app.interpreter_written().await,
            (before.0 + 1, before.1 + 1)
        );
    }
    let data = app
        .ok(
            &compliance(),
            AUDIT,
            json!({ "filter": { "recordId": id } }),
        )
        .await;
    let actions: Vec<&Value> = data["auditEvents"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["action"])
        .collect();
    assert_eq!(actions, [&json!("INTERPRETER_SESSION_LOG")]);

    // Keys belong to their user: someone else's same key is a new session.
    let other = app.work_mutate(&manager(), LOG, input.clone()).await;
    assert_eq!(other["userErrors"], json!([]), "{other:#}");
    assert_eq!(other["replayed"], json!(false));
    assert_ne!(other["interpreterSession"]["id"], id);
    assert_eq!(
        app.interpreter_written().await,
        (before.0 + 2, before.1 + 2)
    );

    // Without a key, the same entry twice is two sessions.
    let plain = session_input("MAIN", session_entry());
    let a = app.work_must(&pr, LOG, plain.clone()).await;
    let b = app.work_must(&pr, LOG, plain).await;
    assert_ne!(a["id"], b["id"]);
}
