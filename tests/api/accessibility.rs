//! Accessibility requests through real HTTP (`domain.md`, "Accessibility
//! requests"): every (status, action) pair against an explicit table,
//! every role × operation inside and outside the token's facilities,
//! required reasons, overdue, a grievance opened from a failed request,
//! the closure guard, conflicts, idempotency and `complaintAsOf`.
//! Refusals are checked to write nothing: version and audit trail unchanged.

use std::time::Duration;

use redress_api::ids::{NodeKind, encode_id};
use serde_json::{Value, json};

use crate::helpers::*;

const STATUSES: [&str; 7] = [
    "REQUESTED",
    "ACKNOWLEDGED",
    "SCHEDULED",
    "FULFILLED",
    "ALTERNATIVE_PROVIDED",
    "DENIED",
    "CANCELLED",
];

const ACTIONS: [&str; 6] = [
    "ACKNOWLEDGE",
    "SCHEDULE",
    "FULFILL",
    "PROVIDE_ALTERNATIVE",
    "DENY",
    "CANCEL",
];

const OPEN: [&str; 3] = ["REQUESTED", "ACKNOWLEDGED", "SCHEDULED"];

/// The field a successful action fills in.
fn stamp_field(action: &str) -> &'static str {
    match action {
        "ACKNOWLEDGE" => "acknowledged",
        "SCHEDULE" => "scheduled",
        "FULFILL" => "fulfilled",
        "PROVIDE_ALTERNATIVE" => "alternative",
        "DENY" => "denial",
        "CANCEL" => "cancelled",
        other => panic!("no such action {other}"),
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

// ---------------------------------------------------------------------
// 1. The status machine

const ACKD: Option<&str> = Some("ACKNOWLEDGED");
const SCHD: Option<&str> = Some("SCHEDULED");
const FULF: Option<&str> = Some("FULFILLED");
const ALTP: Option<&str> = Some("ALTERNATIVE_PROVIDED");
const DEND: Option<&str> = Some("DENIED");
const CANC: Option<&str> = Some("CANCELLED");
const NO: Option<&str> = None;

/// `domain.md`: REQUESTED → ACKNOWLEDGED → SCHEDULED → FULFILLED; fulfil
/// straight from REQUESTED or ACKNOWLEDGED; from any open state
/// ALTERNATIVE_PROVIDED, DENIED or CANCELLED; schedule only from
/// ACKNOWLEDGED; the finished states have no way out.
#[rustfmt::skip]
const MACHINE: &[(&str, [Option<&str>; 6])] = &[
    //                       ACKNOWLEDGE SCHEDULE FULFILL PROVIDE_ALT DENY  CANCEL
    ("REQUESTED",            [ACKD,      NO,      FULF,   ALTP,       DEND, CANC]),
    ("ACKNOWLEDGED",         [NO,        SCHD,    FULF,   ALTP,       DEND, CANC]),
    ("SCHEDULED",            [NO,        NO,      FULF,   ALTP,       DEND, CANC]),
    ("FULFILLED",            [NO,        NO,      NO,     NO,         NO,   NO]),
    ("ALTERNATIVE_PROVIDED", [NO,        NO,      NO,     NO,         NO,   NO]),
    ("DENIED",               [NO,        NO,      NO,     NO,         NO,   NO]),
    ("CANCELLED",            [NO,        NO,      NO,     NO,         NO,   NO]),
];

/// The actions the table allows from `status` (all of them a manager may do).
fn allowed_from(status: &str) -> Vec<String> {
    let (_, row) = MACHINE.iter().find(|(s, _)| *s == status).unwrap();
    ACTIONS
        .iter()
        .zip(row)
        .filter(|(_, to)| to.is_some())
        .map(|(a, _)| (*a).to_owned())
        .collect()
}

#[tokio::test]
async fn status_machine_every_pair_through_http() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    assert_eq!(MACHINE.len(), STATUSES.len());
    let m = manager();
    for (row, &status) in MACHINE.iter().zip(STATUSES.iter()) {
        assert_eq!(row.0, status);
        for (action, expected) in ACTIONS.iter().zip(row.1) {
            let ctx = format!("{status} × {action}");
            let r = app.accessibility_request_in(&m, status, &tomorrow()).await;
            assert_eq!(strings(&r["allowedActions"]), allowed_from(status), "{ctx}");
            assert_eq!(r["open"], OPEN.contains(&status), "{ctx}");
            let version = r["version"].as_i64().unwrap();
            let events = app.audit_event_count().await;
            let (mutation, input) = accessibility_call(action, &r);
            let payload = app.work_mutate(&m, mutation, input).await;
            match expected {
                Some(to) => {
                    assert_eq!(payload["userErrors"], json!([]), "{ctx}: {payload:#}");
                    let after = &payload["accessibilityRequest"];
                    assert_eq!(after["status"], *to, "{ctx}");
                    assert_eq!(after["version"], version + 1, "{ctx}");
                    assert_ne!(after[stamp_field(action)], Value::Null, "{ctx}");
                    assert_eq!(strings(&after["allowedActions"]), allowed_from(to), "{ctx}");
                    assert_eq!(after["open"], OPEN.contains(&to), "{ctx}");
                    assert_eq!(app.audit_event_count().await, events + 1, "{ctx}");
                    assert_eq!(app.read_back(&r["id"]).await["status"], *to, "{ctx}");
                }
                None => {
                    assert_eq!(
                        user_error_codes(&payload),
                        ["INVALID_TRANSITION"],
                        "{ctx}: {payload:#}"
                    );
                    assert_eq!(payload["accessibilityRequest"], Value::Null, "{ctx}");
                    let error = &payload["userErrors"][0];
                    assert_eq!(error["field"], json!(["input", "id"]), "{ctx}");
                    let message = error["message"].as_str().unwrap();
                    assert!(
                        message.contains(status),
                        "{ctx}: the message does not name {status}: {message}"
                    );
                    let stored = app.read_back(&r["id"]).await;
                    assert_eq!(stored["status"], status, "{ctx}");
                    assert_eq!(stored["version"], version, "{ctx}");
                    assert_eq!(stored[stamp_field(action)], r[stamp_field(action)], "{ctx}");
                    assert_eq!(
                        app.audit_event_count().await,
                        events,
                        "{ctx}: wrote an event"
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------
// 2. Who may do what

const ROLES: [&str; 5] = [
    "STAFF",
    "PATIENT_RELATIONS",
    "PATIENT_RELATIONS_MANAGER",
    "COMPLIANCE",
    "ADMIN",
];

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Op {
    Create,
    Acknowledge,
    Schedule,
    Fulfill,
    ProvideAlternative,
    Deny,
    Cancel,
    /// `accessibilityRequests`.
    List,
    /// `node(id)` with a request's id.
    Node,
}

impl Op {
    /// The status action a change op performs.
    fn action(self) -> Option<&'static str> {
        match self {
            Op::Acknowledge => Some("ACKNOWLEDGE"),
            Op::Schedule => Some("SCHEDULE"),
            Op::Fulfill => Some("FULFILL"),
            Op::ProvideAlternative => Some("PROVIDE_ALTERNATIVE"),
            Op::Deny => Some("DENY"),
            Op::Cancel => Some("CANCEL"),
            Op::Create | Op::List | Op::Node => None,
        }
    }
}

/// What a role may do with a request in its facilities.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Expect {
    /// Allowed on any request of its facilities.
    Yes,
    /// Allowed only on the requests the caller filed (STAFF); others'
    /// do not exist for them.
    Own,
    /// The role may not: FORBIDDEN, decided before the record is looked
    /// up, so outside the token's facilities too.
    No,
}
use Expect::{No, Own, Yes};

/// Inside the token's facilities (["MAIN"]). Outside (["NORTH"]): `No`
/// stays FORBIDDEN, the rest is NOT_FOUND / null / not listed.
#[rustfmt::skip]
const PERMISSIONS: &[(Op, [Expect; 5])] = &[
    //                        STAFF PR   PRM  COMPLIANCE ADMIN
    (Op::Create,             [Yes,  Yes, Yes, No,        No]),
    (Op::Acknowledge,        [No,   Yes, Yes, No,        No]),
    (Op::Schedule,           [No,   Yes, Yes, No,        No]),
    (Op::Fulfill,            [No,   Yes, Yes, No,        No]),
    (Op::ProvideAlternative, [No,   Yes, Yes, No,        No]),
    (Op::Deny,               [No,   No,  Yes, No,        No]),
    (Op::Cancel,             [No,   Yes, Yes, No,        No]),
    (Op::List,               [Own,  Yes, Yes, Yes,       No]),
    (Op::Node,               [Own,  Yes, Yes, Yes,       No]),
];

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Seen {
    Allowed,
    /// userError FORBIDDEN, or a top-level error FORBIDDEN.
    Forbidden,
    /// userError NOT_FOUND, or null / not listed.
    Absent,
}

fn expected_seen(expect: Expect, inside: bool, own: bool) -> Seen {
    match expect {
        No => Seen::Forbidden,
        Yes if inside => Seen::Allowed,
        Own if inside && own => Seen::Allowed,
        Yes | Own => Seen::Absent,
    }
}

fn subject(role: &str) -> String {
    format!("{}-user", role.to_ascii_lowercase().replace('_', "-"))
}

fn role_token(role: &str, inside: bool) -> String {
    token(
        &subject(role),
        &[role],
        &[if inside { "MAIN" } else { "NORTH" }],
    )
}

/// What `allowedActions` of a REQUESTED request must list for `role`: the
/// moves from REQUESTED whose operation the table allows the role.
fn actions_on_requested(role: &str) -> Vec<String> {
    let column = ROLES.iter().position(|r| *r == role).unwrap();
    PERMISSIONS
        .iter()
        .filter(|(op, row)| row[column] == Yes && op.action().is_some())
        .map(|(op, _)| op.action().unwrap())
        .filter(|a| allowed_from("REQUESTED").iter().any(|x| x == a))
        .map(str::to_owned)
        .collect()
}

fn seen_in_payload(payload: &Value, ctx: &str) -> Seen {
    match user_error_codes(payload).as_slice() {
        [] => Seen::Allowed,
        [c] if c == "FORBIDDEN" => Seen::Forbidden,
        [c] if c == "NOT_FOUND" => Seen::Absent,
        other => panic!("{ctx}: unexpected userErrors {other:?}: {payload:#}"),
    }
}

/// Prepares what `op` needs, performs it as `role`, checks that an allowed
/// call did its work and a refused one changed nothing; says what the call
/// answered.
async fn run_case(app: &TestApp, op: Op, role: &str, inside: bool, own: bool, n: usize) -> Seen {
    let ctx = format!("{role} {op:?} inside={inside} own={own}");
    let actor = role_token(role, inside);
    let department = format!("Radiology {n}");
    let mut input = accessibility_input("MAIN", &tomorrow());
    input["department"] = json!(department);
    if op == Op::Create {
        let payload = app
            .work_mutate(&actor, "accessibilityRequestCreate", input)
            .await;
        let seen = seen_in_payload(&payload, &ctx);
        let stored = app.accessibility_request_count(&department).await;
        if seen == Seen::Allowed {
            let r = &payload["accessibilityRequest"];
            assert_eq!(r["status"], "REQUESTED", "{ctx}");
            assert_eq!(r["facilityCode"], "MAIN", "{ctx}");
            assert_eq!(r["requested"]["by"]["subject"], subject(role), "{ctx}");
            assert_eq!(stored, 1, "{ctx}");
        } else {
            assert_eq!(payload["accessibilityRequest"], Value::Null, "{ctx}");
            assert_eq!(stored, 0, "{ctx}: a refused create stored a request");
        }
        return seen;
    }
    // The request acted on: the STAFF user's own (filed as STAFF in MAIN),
    // or someone else's (filed by the manager).
    let creator = if own {
        role_token(role, true)
    } else {
        manager()
    };
    let r = app
        .work_must(&creator, "accessibilityRequestCreate", input)
        .await;
    let r = if op == Op::Schedule {
        app.move_accessibility_request(r, "ACKNOWLEDGED").await
    } else {
        r
    };
    let id = r["id"].clone();
    match op {
        Op::List => {
            let query = accessibility_list_query();
            let vars = json!({ "f": { "departments": [department] } });
            match app.read_or_forbidden(&actor, &query, vars, &ctx).await {
                None => Seen::Forbidden,
                Some(data) => {
                    let conn = &data["accessibilityRequests"];
                    let nodes = conn["nodes"].as_array().unwrap();
                    assert_eq!(conn["totalCount"], json!(nodes.len()), "{ctx}");
                    match nodes.as_slice() {
                        [] => Seen::Absent,
                        [one] => {
                            assert_eq!(one["id"], id, "{ctx}");
                            Seen::Allowed
                        }
                        more => panic!("{ctx}: {} requests listed", more.len()),
                    }
                }
            }
        }
        Op::Node => {
            let vars = json!({ "id": id });
            match app
                .read_or_forbidden(&actor, &node_query(), vars, &ctx)
                .await
            {
                None => Seen::Forbidden,
                Some(data) if data["node"].is_null() => Seen::Absent,
                Some(data) => {
                    assert_eq!(data["node"]["id"], id, "{ctx}");
                    assert_eq!(
                        strings(&data["node"]["allowedActions"]),
                        actions_on_requested(role),
                        "{ctx}: allowedActions"
                    );
                    Seen::Allowed
                }
            }
        }
        _ => {
            let action = op.action().unwrap();
            let events = app.audit_event_count().await;
            let (mutation, input) = accessibility_call(action, &r);
            let payload = app.work_mutate(&actor, mutation, input).await;
            let seen = seen_in_payload(&payload, &ctx);
            let stored = app.read_back(&id).await;
            if seen == Seen::Allowed {
                let to = MACHINE
                    .iter()
                    .find(|(s, _)| *s == r["status"])
                    .map(|(_, row)| row[ACTIONS.iter().position(|a| *a == action).unwrap()])
                    .unwrap()
                    .unwrap();
                assert_eq!(stored["status"], to, "{ctx}");
                assert_eq!(
                    stored["version"],
                    r["version"].as_i64().unwrap() + 1,
                    "{ctx}"
                );
                assert_eq!(app.audit_event_count().await, events + 1, "{ctx}");
            } else {
                assert_eq!(payload["accessibilityRequest"], Value::Null, "{ctx}");
                assert_eq!(stored["status"], r["status"], "{ctx}");
                assert_eq!(stored["version"], r["version"], "{ctx}");
                assert_eq!(
                    app.audit_event_count().await,
                    events,
                    "{ctx}: wrote an event"
                );
            }
            seen
        }
    }
}

#[tokio::test]
async fn permissions_every_role() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    app.create_facility("NORTH").await;
    let mut n = 0;
    let mut failures = Vec::new();
    for (op, row) in PERMISSIONS {
        for (role, expect) in ROLES.iter().zip(row) {
            for inside in [true, false] {
                // STAFF act on their own requests and on others'.
                let owns: &[bool] = if *role == "STAFF" && *op != Op::Create {
                    &[false, true]
                } else {
                    &[false]
                };
                for &own in owns {
                    n += 1;
                    let seen = run_case(&app, *op, role, inside, own, n).await;
                    let want = expected_seen(*expect, inside, own);
                    if seen != want {
                        failures.push(format!(
                            "{role} {op:?} inside={inside} own={own}: expected {want:?}, got {seen:?}"
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Another facility sees nothing at all; neither does STAFF see others'.
    let north_pr = token("pr-north", &["PATIENT_RELATIONS"], &["NORTH"]);
    assert_eq!(
        app.accessibility_request_ids(&north_pr, json!({})).await,
        Vec::<Value>::new()
    );
    let staff = role_token("STAFF", true);
    let staff_sees = app.accessibility_request_ids(&staff, json!({})).await;
    assert!(!staff_sees.is_empty());
    let everything = app.accessibility_request_ids(&auditor(), json!({})).await;
    assert!(staff_sees.len() < everything.len());
    for id in &staff_sees {
        let r = app.read_back(id).await;
        assert_eq!(r["requested"]["by"]["subject"], subject("STAFF"), "{r:#}");
    }
}

/// STAFF see, through a complaint, only the requests they filed on it.
#[tokio::test]
async fn staff_see_only_their_requests_on_a_complaint() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let staff = token("staff-1", &["STAFF"], &["MAIN"]);
    let c = app.create_complaint(&staff, intake("MAIN")).await;
    let mut input = accessibility_input("MAIN", &tomorrow());
    input["complaintId"] = c["id"].clone();
    let mine = app
        .work_must(&staff, "accessibilityRequestCreate", input.clone())
        .await;
    let theirs = app
        .work_must(&manager(), "accessibilityRequestCreate", input)
        .await;
    assert_eq!(mine["complaintId"], c["id"]);
    assert_eq!(
        mine["allowedActions"],
        json!([]),
        "STAFF may not work a request"
    );
    let q = "query($id: ID!) { complaint(id: $id) { accessibilityRequests { id } } }";
    let ids = |data: Value| -> Vec<Value> {
        data["complaint"]["accessibilityRequests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].clone())
            .collect()
    };
    let seen = ids(app.ok(&staff, q, json!({ "id": c["id"] })).await);
    assert_eq!(seen, vec![mine["id"].clone()]);
    let seen = ids(app.ok(&compliance(), q, json!({ "id": c["id"] })).await);
    assert_eq!(seen, vec![mine["id"].clone(), theirs["id"].clone()]);
    // Someone else's request: null from node, absent from the list.
    let data = app
        .ok(&staff, &node_query(), json!({ "id": theirs["id"] }))
        .await;
    assert_eq!(data["node"], Value::Null);
    assert_eq!(
        app.accessibility_request_ids(&staff, json!({ "complaintId": c["id"] }))
            .await,
        vec![mine["id"].clone()]
    );
}

#[tokio::test]
async fn only_manager_denies() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let r = app
        .file_accessibility_request(&specialist(), &tomorrow())
        .await;
    assert!(
        !strings(&r["allowedActions"]).contains(&"DENY".to_owned()),
        "PATIENT_RELATIONS is offered DENY: {r:#}"
    );
    let events = app.audit_event_count().await;
    let (mutation, input) = accessibility_call("DENY", &r);
    let payload = app
        .work_mutate(&specialist(), mutation, input.clone())
        .await;
    assert_eq!(user_error_codes(&payload), ["FORBIDDEN"], "{payload:#}");
    assert_eq!(payload["accessibilityRequest"], Value::Null);
    let stored = app.read_back(&r["id"]).await;
    assert_eq!(stored["status"], "REQUESTED");
    assert_eq!(stored["version"], 1);
    assert_eq!(stored["denial"], Value::Null);
    assert_eq!(app.audit_event_count().await, events);

    let data = app
        .ok(&manager(), &node_query(), json!({ "id": r["id"] }))
        .await;
    assert!(strings(&data["node"]["allowedActions"]).contains(&"DENY".to_owned()));
    let denied = app.work_must(&manager(), mutation, input).await;
    assert_eq!(denied["status"], "DENIED");
    assert_eq!(denied["version"], 2);
    assert_eq!(denied["denial"]["ground"], "UNDUE_BURDEN");
    assert_eq!(
        denied["denial"]["reason"],
        "Documented undue burden, reviewed by the lead"
    );
    assert_eq!(app.audit_event_count().await, events + 1);
}

// ---------------------------------------------------------------------
// 3. Reasons

const AUDIT_EVENTS: &str = "query A($f: AuditEventFilter) { auditEvents(filter: $f, first: 100) {
  nodes { action reason actor { subject } } } }";

#[tokio::test]
async fn reasons_where_required() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let m = manager();
    let r = app.file_accessibility_request(&m, &tomorrow()).await;
    let events = app.audit_event_count().await;

    type Case = (&'static str, Value, &'static [&'static [&'static str]]);
    let cases: Vec<Case> = vec![
        (
            "accessibilityRequestProvideAlternative",
            json!({ "alternative": "Video remote interpreting", "reason": "  " }),
            &[&["input", "reason"]],
        ),
        (
            "accessibilityRequestProvideAlternative",
            json!({ "alternative": "", "reason": "No on-site interpreter available" }),
            &[&["input", "alternative"]],
        ),
        (
            "accessibilityRequestProvideAlternative",
            json!({ "alternative": " ", "reason": "" }),
            &[&["input", "alternative"], &["input", "reason"]],
        ),
        (
            "accessibilityRequestDeny",
            json!({ "ground": "FUNDAMENTAL_ALTERATION", "reason": "" }),
            &[&["input", "reason"]],
        ),
        (
            "accessibilityRequestCancel",
            json!({ "reason": " \t " }),
            &[&["input", "reason"]],
        ),
    ];
    for (mutation, extra, fields) in cases {
        let ctx = format!("{mutation} {extra}");
        let payload = app.work_mutate(&m, mutation, at_version(&r, extra)).await;
        assert_eq!(
            user_error_codes(&payload),
            vec!["VALIDATION"; fields.len()],
            "{ctx}: {payload:#}"
        );
        assert_eq!(payload["accessibilityRequest"], Value::Null, "{ctx}");
        let got: Vec<Value> = payload["userErrors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].clone())
            .collect();
        let want: Vec<Value> = fields.iter().map(|f| json!(f)).collect();
        assert_eq!(got, want, "{ctx}");
    }
    // Leaving the reason out altogether is refused by the schema.
    for (mutation, input_type, extra) in [
        (
            "accessibilityRequestCancel",
            "AccessibilityRequestCancelInput",
            json!({}),
        ),
        (
            "accessibilityRequestDeny",
            "AccessibilityRequestDenyInput",
            json!({ "ground": "UNDUE_BURDEN" }),
        ),
        (
            "accessibilityRequestProvideAlternative",
            "AccessibilityRequestProvideAlternativeInput",
            json!({ "reason": "No on-site interpreter" }),
        ),
    ] {
        let query = format!(
            "mutation M($input: {input_type}!) {{ {mutation}(input: $input) {{ userErrors {{ code }} }} }}"
        );
        let (_, body) = app
            .graphql(Some(&m), &query, json!({ "input": at_version(&r, extra) }))
            .await;
        assert!(body["errors"].is_array(), "{mutation}: {body:#}");
    }
    let stored = app.read_back(&r["id"]).await;
    assert_eq!(stored["status"], "REQUESTED");
    assert_eq!(stored["version"], 1);
    assert_eq!(stored["alternative"], Value::Null);
    assert_eq!(stored["denial"], Value::Null);
    assert_eq!(stored["cancelled"], Value::Null);
    assert_eq!(
        app.audit_event_count().await,
        events,
        "a refusal wrote an event"
    );

    // With them: recorded (trimmed) on the request and on its audit event.
    let alt = app.work_must(&m,
        "accessibilityRequestProvideAlternative",
        at_version(
            &r,
            json!({ "alternative": "  Video remote interpreting ", "reason": " No on-site interpreter tonight  " }),
        ),
    )
    .await;
    assert_eq!(alt["status"], "ALTERNATIVE_PROVIDED");
    assert_eq!(
        alt["alternative"],
        json!({ "provided": "Video remote interpreting", "reason": "No on-site interpreter tonight" })
    );
    let denied = app.work_must(&m,
        "accessibilityRequestDeny",
        at_version(
            &app.file_accessibility_request(&m, &tomorrow()).await,
            json!({ "ground": "FUNDAMENTAL_ALTERATION", "reason": "Would alter the nature of the imaging service" }),
        ),
    )
    .await;
    assert_eq!(
        denied["denial"],
        json!({ "ground": "FUNDAMENTAL_ALTERATION", "reason": "Would alter the nature of the imaging service" })
    );
    let cancelled = app
        .work_must(
            &m,
            "accessibilityRequestCancel",
            at_version(
                &app.file_accessibility_request(&m, &tomorrow()).await,
                json!({ "reason": "Patient rescheduled the MRI" }),
            ),
        )
        .await;
    assert_eq!(
        cancelled["cancelled"]["reason"],
        "Patient rescheduled the MRI"
    );
    for (record, action, reason) in [
        (
            &alt,
            "ACCESSIBILITY_REQUEST_PROVIDE_ALTERNATIVE",
            "No on-site interpreter tonight",
        ),
        (
            &denied,
            "ACCESSIBILITY_REQUEST_DENY",
            "Would alter the nature of the imaging service",
        ),
        (
            &cancelled,
            "ACCESSIBILITY_REQUEST_CANCEL",
            "Patient rescheduled the MRI",
        ),
    ] {
        let data = app
            .ok(
                &auditor(),
                AUDIT_EVENTS,
                json!({ "f": { "recordId": record["id"], "actions": [action] } }),
            )
            .await;
        let nodes = data["auditEvents"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 1, "{action}: {data:#}");
        assert_eq!(nodes[0]["reason"], reason, "{action}");
        assert_eq!(nodes[0]["actor"]["subject"], "prm-1", "{action}");
    }
}

// ---------------------------------------------------------------------
// 4. Overdue

#[tokio::test]
async fn overdue_when_open_past_needed_by() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let m = manager();
    let late = app.file_accessibility_request(&m, &in_hours(-1)).await;
    let due_tomorrow = app.file_accessibility_request(&m, &tomorrow()).await;
    let late_scheduled = app
        .accessibility_request_in(&m, "SCHEDULED", &in_hours(-1))
        .await;
    let late_denied = app
        .accessibility_request_in(&m, "DENIED", &in_hours(-1))
        .await;

    assert_eq!(late["overdue"], true);
    assert_eq!(late["failed"], true, "open past its time is a failure");
    assert_eq!(late_scheduled["overdue"], true);
    assert_eq!(due_tomorrow["overdue"], false);
    assert_eq!(due_tomorrow["failed"], false);
    assert_eq!(late_denied["overdue"], false, "finished is never overdue");
    assert_eq!(late_denied["failed"], true);

    let overdue = |v: bool| json!({ "overdue": v });
    assert_eq!(
        app.accessibility_request_ids(&m, overdue(true)).await,
        vec![late["id"].clone(), late_scheduled["id"].clone()]
    );
    assert_eq!(
        app.accessibility_request_ids(&m, overdue(false)).await,
        vec![due_tomorrow["id"].clone(), late_denied["id"].clone()]
    );

    // Fulfilled late: no longer overdue, but the accommodation failed.
    let fulfilled = app.accessibility_act(&m, "FULFILL", &late).await;
    assert_eq!(fulfilled["status"], "FULFILLED");
    assert_eq!(fulfilled["overdue"], false);
    assert_eq!(fulfilled["failed"], true);
    assert_eq!(fulfilled["open"], false);
    let stored = app.read_back(&late["id"]).await;
    assert_eq!(stored["overdue"], false);
    assert_eq!(stored["failed"], true);
    assert_eq!(
        app.accessibility_request_ids(&m, overdue(true)).await,
        vec![late_scheduled["id"].clone()]
    );
    assert_eq!(
        app.accessibility_request_ids(&m, overdue(false)).await,
        vec![
            late["id"].clone(),
            due_tomorrow["id"].clone(),
            late_denied["id"].clone()
        ]
    );
    // Fulfilled in time: neither.
    let on_time = app.accessibility_act(&m, "FULFILL", &due_tomorrow).await;
    assert_eq!(on_time["overdue"], false);
    assert_eq!(on_time["failed"], false);
}

// ---------------------------------------------------------------------
// 5. A grievance opened from a failed request

const COMPLAINT_LINKS: &str = "query C($id: ID!) { complaint(id: $id) {
  id openedFromAccessibilityRequestId
  accessibilityRequests { id status version complaintId }
  history(first: 100) { nodes { action recordType recordId } } } }";

/// The running number of a reference like `CMP-2026-000007`.
fn reference_number(reference: &Value) -> i64 {
    reference
        .as_str()
        .unwrap()
        .rsplit('-')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn opened_from(request_id: &Value) -> Value {
    let mut input = intake("MAIN");
    input["accessibilityRequestId"] = request_id.clone();
    input
}

#[tokio::test]
async fn failed_accommodation_opens_linked_grievance() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    app.create_facility("NORTH").await;
    let m = manager();
    let pr = specialist();

    // The same intake alone is a plain complaint.
    let plain = app.create_complaint(&pr, intake("MAIN")).await;
    assert_eq!(plain["classification"], "COMPLAINT");
    assert!(plain["reference"].as_str().unwrap().starts_with("CMP-"));
    let mut last_number = reference_number(&plain["reference"]);

    for failed_as in ["DENIED", "ALTERNATIVE_PROVIDED"] {
        let r = app
            .accessibility_request_in(&m, failed_as, &tomorrow())
            .await;
        assert_eq!(r["failed"], true, "{failed_as}");
        let c = app.create_complaint(&pr, opened_from(&r["id"])).await;
        assert_eq!(c["classification"], "GRIEVANCE", "{failed_as}: {c:#}");
        assert!(
            strings(&c["classificationReasons"]).contains(&"ACCESSIBILITY_FAILURE".to_owned()),
            "{failed_as}: {c:#}"
        );
        let reference = c["reference"].as_str().unwrap();
        assert!(reference.starts_with("GRV-"), "{failed_as}: {reference}");
        assert_eq!(reference_number(&c["reference"]), last_number + 1);
        last_number += 1;

        let data = app.ok(&pr, COMPLAINT_LINKS, json!({ "id": c["id"] })).await;
        let complaint = &data["complaint"];
        assert_eq!(complaint["openedFromAccessibilityRequestId"], r["id"]);
        let linked = complaint["accessibilityRequests"].as_array().unwrap();
        assert_eq!(linked.len(), 1, "{complaint:#}");
        assert_eq!(linked[0]["id"], r["id"]);
        assert_eq!(linked[0]["status"], failed_as);
        assert_eq!(linked[0]["complaintId"], c["id"]);
        let history = complaint["history"]["nodes"].as_array().unwrap();
        assert!(
            history
                .iter()
                .any(|e| e["action"] == "ACCESSIBILITY_REQUEST_LINK_COMPLAINT"
                    && e["recordType"] == "AccessibilityRequest"
                    && e["recordId"] == r["id"]),
            "{failed_as}: no link event in {history:#?}"
        );
        assert!(history.iter().any(|e| e["action"] == "COMPLAINT_CREATE"));

        // The request names the complaint, via node and via the list.
        let stored = app.read_back(&r["id"]).await;
        assert_eq!(stored["complaintId"], c["id"]);
        assert_eq!(stored["status"], failed_as);
        assert_eq!(stored["version"], r["version"].as_i64().unwrap() + 1);
        assert_eq!(
            app.accessibility_request_ids(&pr, json!({ "complaintId": c["id"] }))
                .await,
            vec![r["id"].clone()]
        );
        // The complaint as of now, rebuilt from events, shows it too.
        let data = app
            .ok(
                &pr,
                "query($id: ID!, $at: DateTime!) { complaintAsOf(id: $id, at: $at) { accessibilityRequests { id complaintId status } } }",
                json!({ "id": c["id"], "at": chrono::Utc::now().to_rfc3339() }),
            )
            .await;
        assert_eq!(
            data["complaintAsOf"]["accessibilityRequests"],
            json!([{ "id": r["id"], "complaintId": c["id"], "status": failed_as }])
        );
    }

    // Refusals write nothing and burn no reference number.
    let refuse = |request_id: Value, tok: String, codes: &'static [&'static str], ctx: String| {
        let app = &app;
        async move {
            let total = app.complaint_count(Value::Null).await;
            let events = app.audit_event_count().await;
            let data = app
                .ok(
                    &tok,
                    &create_mutation(),
                    json!({ "input": opened_from(&request_id) }),
                )
                .await;
            let payload = &data["complaintCreate"];
            assert_eq!(user_error_codes(payload), codes, "{ctx}: {payload:#}");
            assert_eq!(
                payload["userErrors"][0]["field"],
                json!(["input", "accessibilityRequestId"]),
                "{ctx}"
            );
            assert_eq!(payload["complaint"], Value::Null, "{ctx}");
            assert_eq!(
                app.complaint_count(Value::Null).await,
                total,
                "{ctx}: stored a complaint"
            );
            assert_eq!(
                app.audit_event_count().await,
                events,
                "{ctx}: wrote an event"
            );
        }
    };
    // Not failed: open and not yet due, or met in time, or cancelled.
    for status in [
        "REQUESTED",
        "ACKNOWLEDGED",
        "SCHEDULED",
        "FULFILLED",
        "CANCELLED",
    ] {
        let r = app.accessibility_request_in(&m, status, &tomorrow()).await;
        assert_eq!(r["failed"], false, "{status}");
        refuse(
            r["id"].clone(),
            pr.clone(),
            &["GUARD_FAILED"],
            format!("{status}, not failed"),
        )
        .await;
        let stored = app.read_back(&r["id"]).await;
        assert_eq!(stored["complaintId"], Value::Null, "{status}");
        assert_eq!(stored["version"], r["version"], "{status}");
    }
    // Already linked.
    let r = app
        .accessibility_request_in(&m, "DENIED", &tomorrow())
        .await;
    app.create_complaint(&pr, opened_from(&r["id"])).await;
    last_number += 1;
    let linked = app.read_back(&r["id"]).await;
    refuse(
        r["id"].clone(),
        pr.clone(),
        &["GUARD_FAILED"],
        "already linked".into(),
    )
    .await;
    let stored = app.read_back(&r["id"]).await;
    assert_eq!(stored["version"], linked["version"]);
    assert_eq!(stored["complaintId"], linked["complaintId"]);
    // Another facility: a MAIN+NORTH manager is told it belongs elsewhere;
    // to a MAIN-only user it does not exist.
    let both = token(
        "prm-both",
        &["PATIENT_RELATIONS_MANAGER"],
        &["MAIN", "NORTH"],
    );
    let north = app
        .work_must(
            &both,
            "accessibilityRequestCreate",
            accessibility_input("NORTH", &tomorrow()),
        )
        .await;
    let north = app.accessibility_act(&both, "DENY", &north).await;
    assert_eq!(north["failed"], true);
    refuse(
        north["id"].clone(),
        both.clone(),
        &["VALIDATION"],
        "other facility, both".into(),
    )
    .await;
    refuse(
        north["id"].clone(),
        pr.clone(),
        &["NOT_FOUND"],
        "other facility, MAIN only".into(),
    )
    .await;
    assert_eq!(
        app.read_back(&north["id"]).await["complaintId"],
        Value::Null
    );
    // Unknown id.
    let unknown =
        json!(encode_id(NodeKind::AccessibilityRequest, uuid::Uuid::now_v7()).to_string());
    refuse(unknown, pr.clone(), &["NOT_FOUND"], "unknown id".into()).await;

    let next = app.create_complaint(&pr, intake("MAIN")).await;
    assert_eq!(
        reference_number(&next["reference"]),
        last_number + 1,
        "a refused create used a reference number"
    );
}

// ---------------------------------------------------------------------
// 6. The closure guard

#[tokio::test]
async fn open_request_blocks_complaint_close() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let pr = specialist();
    let c = app.acknowledged_complaint().await;
    let mut input = accessibility_input("MAIN", &tomorrow());
    input["complaintId"] = c["id"].clone();
    let r = app
        .work_must(&pr, "accessibilityRequestCreate", input)
        .await;
    assert_eq!(r["complaintId"], c["id"]);
    let r = app.move_accessibility_request(r, "SCHEDULED").await;
    let c = app
        .complaint_must(
            &pr,
            "complaintResolve",
            at(&c, json!({ "findings": findings(&c) })),
        )
        .await;
    assert_eq!(c["status"], "RESOLVED");

    let events = app.audit_event_count().await;
    let p = app
        .complaint_mutate(&pr, "complaintClose", at(&c, json!({})))
        .await;
    assert_eq!(user_error_codes(&p), ["GUARD_FAILED"], "{p:#}");
    let message = p["userErrors"][0]["message"].as_str().unwrap();
    for part in [
        "accessibility request",
        "SIGN_LANGUAGE_INTERPRETER",
        "SCHEDULED",
        r["id"].as_str().unwrap(),
    ] {
        assert!(message.contains(part), "{part:?} not named in: {message}");
    }
    assert_eq!(
        app.complaint_version(&c["id"]).await,
        (json!("RESOLVED"), c["version"].clone())
    );
    assert_eq!(app.audit_event_count().await, events);

    let r = app.accessibility_act(&pr, "FULFILL", &r).await;
    assert_eq!(r["status"], "FULFILLED");
    let closed = app
        .complaint_must(&pr, "complaintClose", at(&c, json!({})))
        .await;
    assert_eq!(closed["status"], "CLOSED");

    // No new request on a closed complaint.
    let events = app.audit_event_count().await;
    let mut input = accessibility_input("MAIN", &tomorrow());
    input["complaintId"] = c["id"].clone();
    let payload = app
        .work_mutate(&pr, "accessibilityRequestCreate", input)
        .await;
    assert_eq!(user_error_codes(&payload), ["GUARD_FAILED"], "{payload:#}");
    assert_eq!(
        payload["userErrors"][0]["field"],
        json!(["input", "complaintId"])
    );
    assert_eq!(payload["accessibilityRequest"], Value::Null);
    assert_eq!(app.audit_event_count().await, events);
    assert_eq!(
        app.accessibility_request_ids(&pr, json!({ "complaintId": c["id"] }))
            .await,
        vec![r["id"].clone()]
    );
}

// ---------------------------------------------------------------------
// 7. Versions, idempotency, the past

#[tokio::test]
async fn stale_version_is_a_conflict() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let m = manager();
    let v1 = app.file_accessibility_request(&m, &tomorrow()).await;
    let v2 = app.accessibility_act(&m, "ACKNOWLEDGE", &v1).await;
    assert_eq!(v2["version"], 2);
    let events = app.audit_event_count().await;
    for (stale, action) in [(&v1, "FULFILL"), (&v1, "CANCEL"), (&v1, "DENY")] {
        let (mutation, input) = accessibility_call(action, stale);
        let payload = app.work_mutate(&m, mutation, input).await;
        assert_eq!(
            user_error_codes(&payload),
            ["CONFLICT"],
            "{action}: {payload:#}"
        );
        assert_eq!(
            payload["userErrors"][0]["field"],
            json!(["input", "expectedVersion"])
        );
    }
    let mut ahead = v2.clone();
    ahead["version"] = json!(3);
    let (mutation, input) = accessibility_call("SCHEDULE", &ahead);
    let payload = app.work_mutate(&m, mutation, input).await;
    assert_eq!(user_error_codes(&payload), ["CONFLICT"], "{payload:#}");
    let stored = app.read_back(&v1["id"]).await;
    assert_eq!(stored["version"], 2);
    assert_eq!(stored["status"], "ACKNOWLEDGED");
    assert_eq!(app.audit_event_count().await, events);
}

#[tokio::test]
async fn idempotent_create_replays() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let pr = specialist();
    let mut input = accessibility_input("MAIN", &tomorrow());
    input["idempotencyKey"] = json!("front-desk-2026-0001");
    let events = app.audit_event_count().await;
    let first = app
        .work_mutate(&pr, "accessibilityRequestCreate", input.clone())
        .await;
    assert_eq!(first["userErrors"], json!([]), "{first:#}");
    assert_eq!(first["replayed"], false);
    assert_eq!(app.audit_event_count().await, events + 1);
    let again = app
        .work_mutate(&pr, "accessibilityRequestCreate", input.clone())
        .await;
    assert_eq!(again["userErrors"], json!([]), "{again:#}");
    assert_eq!(again["replayed"], true);
    assert_eq!(
        again["accessibilityRequest"]["id"],
        first["accessibilityRequest"]["id"]
    );
    assert_eq!(again["accessibilityRequest"]["version"], 1);
    assert_eq!(
        app.audit_event_count().await,
        events + 1,
        "a replay wrote an event"
    );
    assert_eq!(
        app.accessibility_request_ids(&pr, json!({})).await,
        vec![first["accessibilityRequest"]["id"].clone()]
    );
    let data = app
        .ok(
            &auditor(),
            AUDIT_EVENTS,
            json!({ "f": { "recordId": first["accessibilityRequest"]["id"] } }),
        )
        .await;
    assert_eq!(
        data["auditEvents"]["nodes"],
        json!([{ "action": "ACCESSIBILITY_REQUEST_CREATE", "reason": null, "actor": { "subject": "pr-1" } }])
    );
    // The key is the caller's: another user's same key files anew.
    let other = app
        .work_mutate(&manager(), "accessibilityRequestCreate", input)
        .await;
    assert_eq!(other["replayed"], false, "{other:#}");
    assert_ne!(
        other["accessibilityRequest"]["id"],
        first["accessibilityRequest"]["id"]
    );
    assert_eq!(app.audit_event_count().await, events + 2);
}

#[tokio::test]
async fn complaint_as_of_shows_request_then() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let pr = specialist();
    let c = app.acknowledged_complaint().await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let before_filed = chrono::Utc::now();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let mut input = accessibility_input("MAIN", &tomorrow());
    input["complaintId"] = c["id"].clone();
    let r = app
        .work_must(&pr, "accessibilityRequestCreate", input)
        .await;
    let r = app.move_accessibility_request(r, "SCHEDULED").await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let scheduled_at = chrono::Utc::now();
    tokio::time::sleep(Duration::from_millis(20)).await;
    app.accessibility_act(&pr, "FULFILL", &r).await;

    let as_of = |at: chrono::DateTime<chrono::Utc>| {
        let app = &app;
        let id = c["id"].clone();
        async move {
            app.ok(
                &compliance(),
                "query($id: ID!, $at: DateTime!) { complaintAsOf(id: $id, at: $at) {
                   accessibilityRequests { id status version open scheduled { provider } fulfilled { by { subject } } } } }",
                json!({ "id": id, "at": at.to_rfc3339() }),
            )
            .await["complaintAsOf"]["accessibilityRequests"]
                .clone()
        }
    };
    assert_eq!(as_of(before_filed).await, json!([]));
    assert_eq!(
        as_of(scheduled_at).await,
        json!([{ "id": r["id"], "status": "SCHEDULED", "version": 3, "open": true,
                 "scheduled": { "provider": "ASL Services Inc." }, "fulfilled": null }])
    );
    let now = as_of(chrono::Utc::now()).await;
    assert_eq!(now[0]["status"], "FULFILLED");
    assert_eq!(now[0]["version"], 4);
    assert_eq!(now[0]["fulfilled"]["by"]["subject"], "pr-1");
    let data = app
        .ok(
            &compliance(),
            "query($id: ID!) { complaint(id: $id) { accessibilityRequests { status } } }",
            json!({ "id": c["id"] }),
        )
        .await;
    assert_eq!(
        data["complaint"]["accessibilityRequests"],
        json!([{ "status": "FULFILLED" }])
    );
}
