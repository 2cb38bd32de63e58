//! Who may do what to complaints, through real HTTP: every operation ×
//! every role × inside / outside the token's facilities, checked against
//! an explicit table (`api/src/domain/permissions.rs` is the source of
//! truth); STAFF seeing only what they logged; refusals writing nothing.

use serde_json::{Value, json};

use crate::helpers::*;

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
    Update,
    Assign,
    /// `complaintAssign` on a complaint someone else already owns.
    Reassign,
    Acknowledge,
    StartInvestigation,
    Escalate,
    ResolveAtPointOfService,
    Resolve,
    Close,
    Withdraw,
    Reopen,
    ExtendDeadline,
    AddNote,
    LogContact,
    Complaint,
    /// `node(id)` with a complaint's id.
    Node,
    ComplaintByReference,
    Complaints,
    ComplaintAsOf,
    /// `complaint(id) { history }`.
    History,
    AuditEvents,
    AccessLog,
    AuditTrailVerification,
    DeadlinePolicies,
    DeadlinePolicyUpsert,
}

/// What a role may do with a record in its facilities.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Expect {
    /// Allowed: the change happens, or the data comes back.
    Ok,
    /// The role may not: `FORBIDDEN`, decided before the record is looked
    /// up, so outside the token's facilities too.
    No,
    /// Refused by a rule about the record itself (a reassignment without
    /// the manager role): `FORBIDDEN` in scope; outside scope the record
    /// does not exist for the caller, so `NOT_FOUND`.
    NoOnRecord,
}
use Expect::{No, NoOnRecord, Ok};

/// The expected outcome inside the token's facilities (["MAIN"]), one row
/// per operation, one column per role. Outside (["NORTH"]): `No` stays
/// FORBIDDEN, everything else is NOT_FOUND / null / not listed — except
/// `auditTrailVerification`, which checks the one global hash chain and
/// shows no content (see [`Op::scoped`]).
#[rustfmt::skip]
const TABLE: &[(Op, [Expect; 5])] = &[
    //                              STAFF  PR          PRM  COMPLIANCE ADMIN
    (Op::Create,                  [Ok,   Ok,         Ok,  No,        No]),
    (Op::Update,                  [No,   Ok,         Ok,  No,        No]),
    (Op::Assign,                  [No,   Ok,         Ok,  No,        No]),
    (Op::Reassign,                [No,   NoOnRecord, Ok,  No,        No]),
    (Op::Acknowledge,             [No,   Ok,         Ok,  No,        No]),
    (Op::StartInvestigation,      [No,   Ok,         Ok,  No,        No]),
    (Op::Escalate,                [No,   Ok,         Ok,  No,        No]),
    (Op::ResolveAtPointOfService, [Ok,   Ok,         Ok,  No,        No]),
    (Op::Resolve,                 [No,   Ok,         Ok,  No,        No]),
    (Op::Close,                   [No,   Ok,         Ok,  No,        No]),
    (Op::Withdraw,                [No,   Ok,         Ok,  No,        No]),
    (Op::Reopen,                  [No,   Ok,         Ok,  No,        No]),
    (Op::ExtendDeadline,          [No,   No,         Ok,  No,        No]),
    (Op::AddNote,                 [No,   Ok,         Ok,  No,        No]),
    (Op::LogContact,              [No,   Ok,         Ok,  No,        No]),
    (Op::Complaint,               [Ok,   Ok,         Ok,  Ok,        No]),
    (Op::Node,                    [Ok,   Ok,         Ok,  Ok,        No]),
    (Op::ComplaintByReference,    [Ok,   Ok,         Ok,  Ok,        No]),
    (Op::Complaints,              [Ok,   Ok,         Ok,  Ok,        No]),
    (Op::ComplaintAsOf,           [Ok,   Ok,         Ok,  Ok,        No]),
    (Op::History,                 [Ok,   Ok,         Ok,  Ok,        No]),
    (Op::AuditEvents,             [No,   No,         No,  Ok,        No]),
    (Op::AccessLog,               [No,   No,         No,  Ok,        No]),
    (Op::AuditTrailVerification,  [No,   No,         No,  Ok,        Ok]),
    (Op::DeadlinePolicies,        [Ok,   Ok,         Ok,  Ok,        Ok]),
    (Op::DeadlinePolicyUpsert,    [No,   No,         No,  No,        Ok]),
];

/// What a call answered.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Seen {
    /// No userErrors and the change happened, or the data came back.
    Allowed,
    /// userError `FORBIDDEN`, or a top-level error with code `FORBIDDEN`.
    Forbidden,
    /// userError `NOT_FOUND`, or null / not in the list.
    Absent,
}

impl Op {
    /// STAFF act only on what they logged: for these, the STAFF cases use
    /// a complaint that STAFF user created.
    fn staff_own(self) -> bool {
        matches!(
            self,
            Op::ResolveAtPointOfService
                | Op::Complaint
                | Op::Node
                | Op::ComplaintByReference
                | Op::Complaints
                | Op::ComplaintAsOf
                | Op::History
        )
    }

    /// Whether the answer depends on the token's facilities.
    fn scoped(self) -> bool {
        self != Op::AuditTrailVerification
    }

    /// Whether the operation works on a prepared complaint.
    fn needs_complaint(self) -> bool {
        !matches!(
            self,
            Op::Create
                | Op::AuditTrailVerification
                | Op::DeadlinePolicies
                | Op::DeadlinePolicyUpsert
        )
    }
}

/// The moves from RECEIVED (in the lifecycle's order) whose operation the
/// table allows `role`: what `allowedActions` of a received plain
/// complaint must list.
fn actions_on_received(role: &str) -> Vec<&'static str> {
    let column = ROLES.iter().position(|r| *r == role).unwrap();
    [
        ("ACKNOWLEDGE", Op::Acknowledge),
        ("START_INVESTIGATION", Op::StartInvestigation),
        ("RESOLVE_AT_POINT_OF_SERVICE", Op::ResolveAtPointOfService),
        ("WITHDRAW", Op::Withdraw),
    ]
    .into_iter()
    .filter(|(_, op)| TABLE.iter().any(|(o, row)| o == op && row[column] == Ok))
    .map(|(action, _)| action)
    .collect()
}

fn expected(op: Op, expect: Expect, inside: bool) -> Seen {
    match expect {
        No => Seen::Forbidden,
        NoOnRecord if inside => Seen::Forbidden,
        Ok if inside || !op.scoped() => Seen::Allowed,
        Ok | NoOnRecord => Seen::Absent,
    }
}

fn subject(role: &str) -> String {
    format!("{}-user", role.to_ascii_lowercase().replace('_', "-"))
}

/// The role's token: facilities ["MAIN"] inside, ["NORTH"] outside.
fn role_token(role: &str, inside: bool) -> String {
    token(
        &subject(role),
        &[role],
        &[if inside { "MAIN" } else { "NORTH" }],
    )
}

/// The STAFF user of the table, in MAIN: the same subject as
/// `role_token("STAFF", _)`.
fn staff_in_main() -> String {
    role_token("STAFF", true)
}

fn seen_in_payload(payload: &Value, ctx: &str) -> Seen {
    match user_error_codes(payload).as_slice() {
        [] => Seen::Allowed,
        [c] if c == "FORBIDDEN" => Seen::Forbidden,
        [c] if c == "NOT_FOUND" => Seen::Absent,
        other => panic!("{ctx}: unexpected userErrors {other:?}: {payload:#}"),
    }
}

/// A single object that is either the complaint asked for or null.
fn one(value: &Value, id: &Value, ctx: &str) -> Seen {
    if value.is_null() {
        Seen::Absent
    } else {
        assert_eq!(value["id"], *id, "{ctx}: another complaint came back");
        Seen::Allowed
    }
}

const POLICY_UPSERT: &str = "mutation P($input: DeadlinePolicyUpsertInput!) {
  deadlinePolicyUpsert(input: $input) { deadlinePolicy { version maxExtensions } userErrors { field message code } } }";

fn intake_in(department: &str) -> Value {
    let mut input = intake("MAIN");
    input["department"] = json!(department);
    input
}

/// A fresh complaint in MAIN, logged by `creator`, in the state `op` needs.
async fn prepare(app: &TestApp, op: Op, creator: &str, department: &str) -> Value {
    let c = app.create_complaint(creator, intake_in(department)).await;
    let assign = |c: &Value| at(c, json!({ "ownerSubject": "pr-1", "ownerName": "Pat One" }));
    match op {
        Op::Reassign => {
            app.complaint_must(&manager(), "complaintAssign", assign(&c))
                .await
        }
        Op::StartInvestigation => {
            app.complaint_must(&manager(), "complaintAssign", assign(&c))
                .await
        }
        Op::Resolve => {
            let c = app
                .complaint_must(&manager(), "complaintAssign", assign(&c))
                .await;
            app.complaint_must(&manager(), "complaintStartInvestigation", at(&c, json!({})))
                .await
        }
        Op::Close | Op::Reopen => {
            app.complaint_must(
                &manager(),
                "complaintResolveAtPointOfService",
                at(
                    &c,
                    json!({ "resolution": "Apologised and explained the delay." }),
                ),
            )
            .await
        }
        Op::AccessLog => {
            // One read to show up in the log.
            let data = app
                .ok(
                    &manager(),
                    "query($id: ID!) { complaint(id: $id) { id } }",
                    json!({ "id": c["id"] }),
                )
                .await;
            assert_eq!(data["complaint"]["id"], c["id"]);
            c
        }
        _ => c,
    }
}

/// The mutation and the fields besides `id` and `expectedVersion`.
fn change(op: Op, c: &Value) -> (&'static str, Value) {
    match op {
        Op::Update => (
            "complaintUpdate",
            json!({ "description": "Updated: waited five hours." }),
        ),
        Op::Assign => (
            "complaintAssign",
            json!({ "ownerSubject": "pr-9", "ownerName": "Pat Nine" }),
        ),
        Op::Reassign => (
            "complaintAssign",
            json!({ "ownerSubject": "pr-2", "ownerName": "Pat Two" }),
        ),
        Op::Acknowledge => ("complaintAcknowledge", json!({ "method": "PHONE" })),
        Op::StartInvestigation => ("complaintStartInvestigation", json!({})),
        Op::Escalate => (
            "complaintEscalate",
            json!({ "reason": "The patient asked for a written response." }),
        ),
        Op::ResolveAtPointOfService => (
            "complaintResolveAtPointOfService",
            json!({ "resolution": "Apologised and found a seat in the quiet room." }),
        ),
        Op::Resolve => (
            "complaintResolve",
            json!({ "findings": findings(c),
                    "writtenNoticeException": { "reason": "Answered in person with the family." } }),
        ),
        Op::Close => ("complaintClose", json!({})),
        Op::Withdraw => (
            "complaintWithdraw",
            json!({ "reason": "The complainant withdrew it." }),
        ),
        Op::Reopen => (
            "complaintReopen",
            json!({ "reason": "The complainant called back." }),
        ),
        Op::ExtendDeadline => (
            "complaintExtendDeadline",
            json!({
                "clock": "RESOLUTION",
                "by": { "amount": 7, "unit": "CALENDAR_DAYS" },
                "reason": "Waiting for the attending physician's statement."
            }),
        ),
        other => panic!("{other:?} is not a ComplaintPayload change"),
    }
}

/// The change `op` made shows in the complaint as stored.
fn assert_changed(op: Op, after: &Value, ctx: &str) {
    match op {
        Op::Update => assert_eq!(after["description"], "Updated: waited five hours.", "{ctx}"),
        Op::Assign => assert_eq!(after["owner"]["subject"], "pr-9", "{ctx}"),
        Op::Reassign => assert_eq!(after["owner"]["subject"], "pr-2", "{ctx}"),
        Op::Acknowledge => assert_eq!(after["status"], "ACKNOWLEDGED", "{ctx}"),
        Op::StartInvestigation => assert_eq!(after["status"], "INVESTIGATING", "{ctx}"),
        Op::Escalate => {
            assert_eq!(after["classification"], "GRIEVANCE", "{ctx}");
            assert_eq!(
                after["escalation"]["reason"], "The patient asked for a written response.",
                "{ctx}"
            );
        }
        Op::ResolveAtPointOfService => {
            assert_eq!(after["status"], "RESOLVED", "{ctx}");
            assert_eq!(after["resolution"]["atPointOfService"], true, "{ctx}");
        }
        Op::Resolve => {
            assert_eq!(after["status"], "RESOLVED", "{ctx}");
            assert_eq!(after["resolution"]["atPointOfService"], false, "{ctx}");
        }
        Op::Close => assert_eq!(after["status"], "CLOSED", "{ctx}"),
        Op::Withdraw => assert_eq!(after["status"], "WITHDRAWN", "{ctx}"),
        Op::Reopen => {
            assert_eq!(after["status"], "INVESTIGATING", "{ctx}");
            assert_eq!(after["reopenCount"], 1, "{ctx}");
        }
        Op::ExtendDeadline => {
            let resolution = after["clocks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["kind"] == "RESOLUTION")
                .unwrap();
            assert_eq!(resolution["extensions"], 1, "{ctx}");
        }
        other => panic!("{other:?} is not a ComplaintPayload change"),
    }
}

/// Prepares what `op` needs, performs it as `role`, checks that an allowed
/// call did its work and a refused one changed nothing, and says what the
/// call answered.
async fn run_case(app: &TestApp, op: Op, role: &str, inside: bool, department: &str) -> Seen {
    let ctx = format!("{role} {op:?} inside={inside}");
    let actor = role_token(role, inside);
    let creator = if role == "STAFF" && op.staff_own() {
        staff_in_main()
    } else {
        manager()
    };
    let c = if op.needs_complaint() {
        prepare(app, op, &creator, department).await
    } else {
        Value::Null
    };
    let id = c["id"].clone();
    match op {
        Op::Create => {
            let data = app
                .ok(
                    &actor,
                    &create_mutation(),
                    json!({ "input": intake_in(department) }),
                )
                .await;
            let payload = &data["complaintCreate"];
            let seen = seen_in_payload(payload, &ctx);
            let stored = app
                .complaint_count(json!({ "departments": [department] }))
                .await;
            if seen == Seen::Allowed {
                assert_eq!(payload["complaint"]["status"], "RECEIVED", "{ctx}");
                assert_eq!(
                    payload["complaint"]["createdBy"]["subject"],
                    subject(role),
                    "{ctx}"
                );
                assert_eq!(stored, 1, "{ctx}");
            } else {
                assert_eq!(payload["complaint"], Value::Null, "{ctx}");
                assert_eq!(stored, 0, "{ctx}: a refused create stored a complaint");
            }
            seen
        }
        Op::AddNote => {
            let data = app
                .ok(
                    &actor,
                    "mutation N($input: ComplaintAddNoteInput!) { complaintAddNote(input: $input) {
                       note { body author { subject } } userErrors { field message code } } }",
                    json!({ "input": { "complaintId": id, "body": "Called the charge nurse." } }),
                )
                .await;
            let payload = &data["complaintAddNote"];
            let seen = seen_in_payload(payload, &ctx);
            let after = app.complaint_read_back(&id).await;
            if seen == Seen::Allowed {
                assert_eq!(payload["note"]["author"]["subject"], subject(role), "{ctx}");
                assert_eq!(
                    after["notes"],
                    json!([{ "body": "Called the charge nurse." }]),
                    "{ctx}"
                );
            } else {
                assert_eq!(payload["note"], Value::Null, "{ctx}");
                assert_eq!(
                    after["notes"],
                    json!([]),
                    "{ctx}: a refused note was stored"
                );
            }
            seen
        }
        Op::LogContact => {
            let data = app
                .ok(
                    &actor,
                    "mutation L($input: ComplaintLogContactInput!) { complaintLogContact(input: $input) {
                       contact { summary loggedBy { subject } } userErrors { field message code } } }",
                    json!({ "input": {
                        "complaintId": id,
                        "direction": "OUTBOUND",
                        "method": "PHONE",
                        "contactedAt": chrono::Utc::now().to_rfc3339(),
                        "summary": "Explained the next steps."
                    } }),
                )
                .await;
            let payload = &data["complaintLogContact"];
            let seen = seen_in_payload(payload, &ctx);
            let after = app.complaint_read_back(&id).await;
            if seen == Seen::Allowed {
                assert_eq!(
                    payload["contact"]["loggedBy"]["subject"],
                    subject(role),
                    "{ctx}"
                );
                assert_eq!(
                    after["contacts"],
                    json!([{ "summary": "Explained the next steps." }]),
                    "{ctx}"
                );
            } else {
                assert_eq!(payload["contact"], Value::Null, "{ctx}");
                assert_eq!(
                    after["contacts"],
                    json!([]),
                    "{ctx}: a refused contact was stored"
                );
            }
            seen
        }
        Op::Update
        | Op::Assign
        | Op::Reassign
        | Op::Acknowledge
        | Op::StartInvestigation
        | Op::Escalate
        | Op::ResolveAtPointOfService
        | Op::Resolve
        | Op::Close
        | Op::Withdraw
        | Op::Reopen
        | Op::ExtendDeadline => {
            let (mutation, extra) = change(op, &c);
            let payload = app.complaint_mutate(&actor, mutation, at(&c, extra)).await;
            let seen = seen_in_payload(&payload, &ctx);
            let after = app.complaint_read_back(&id).await;
            if seen == Seen::Allowed {
                let version = c["version"].as_i64().unwrap() + 1;
                assert_eq!(after["version"], version, "{ctx}");
                assert_eq!(payload["complaint"]["version"], version, "{ctx}");
                assert_changed(op, &after, &ctx);
            } else {
                assert_eq!(payload["complaint"], Value::Null, "{ctx}");
                assert_eq!(
                    after["version"], c["version"],
                    "{ctx}: a refused change was stored"
                );
                assert_eq!(after["status"], c["status"], "{ctx}");
                assert_eq!(after["owner"]["subject"], c["owner"]["subject"], "{ctx}");
            }
            seen
        }
        Op::Complaint => {
            let q = "query($id: ID!) { complaint(id: $id) { id allowedActions } }";
            match app
                .read_or_forbidden(&actor, q, json!({ "id": id }), &ctx)
                .await
            {
                None => Seen::Forbidden,
                Some(d) => {
                    let seen = one(&d["complaint"], &id, &ctx);
                    if seen == Seen::Allowed {
                        // What the complaint offers agrees with the table.
                        assert_eq!(
                            d["complaint"]["allowedActions"],
                            json!(actions_on_received(role)),
                            "{ctx}: allowedActions"
                        );
                    }
                    seen
                }
            }
        }
        Op::Node => {
            let q = "query($id: ID!) { node(id: $id) { id ... on Complaint { status } } }";
            match app
                .read_or_forbidden(&actor, q, json!({ "id": id }), &ctx)
                .await
            {
                None => Seen::Forbidden,
                Some(d) => one(&d["node"], &id, &ctx),
            }
        }
        Op::ComplaintByReference => {
            let q = "query($r: String!) { complaintByReference(reference: $r) { id } }";
            match app
                .read_or_forbidden(&actor, q, json!({ "r": c["reference"] }), &ctx)
                .await
            {
                None => Seen::Forbidden,
                Some(d) => one(&d["complaintByReference"], &id, &ctx),
            }
        }
        Op::Complaints => {
            let q = "query($d: [String!]) { complaints(filter: { departments: $d }) { totalCount nodes { id } } }";
            match app
                .read_or_forbidden(&actor, q, json!({ "d": [department] }), &ctx)
                .await
            {
                None => Seen::Forbidden,
                Some(d) => {
                    let list = &d["complaints"];
                    if list["nodes"] == json!([]) {
                        assert_eq!(list["totalCount"], 0, "{ctx}: {list:#}");
                        Seen::Absent
                    } else {
                        assert_eq!(list["nodes"], json!([{ "id": id }]), "{ctx}");
                        assert_eq!(list["totalCount"], 1, "{ctx}");
                        Seen::Allowed
                    }
                }
            }
        }
        Op::ComplaintAsOf => {
            let q = "query($id: ID!, $at: DateTime!) { complaintAsOf(id: $id, at: $at) { id status asOf } }";
            let vars = json!({ "id": id, "at": chrono::Utc::now().to_rfc3339() });
            match app.read_or_forbidden(&actor, q, vars, &ctx).await {
                None => Seen::Forbidden,
                Some(d) => {
                    let seen = one(&d["complaintAsOf"], &id, &ctx);
                    if seen == Seen::Allowed {
                        assert_eq!(d["complaintAsOf"]["status"], "RECEIVED", "{ctx}");
                    }
                    seen
                }
            }
        }
        Op::History => {
            let q = "query($id: ID!) { complaint(id: $id) { id history(first: 20) { totalCount nodes { action } } } }";
            match app
                .read_or_forbidden(&actor, q, json!({ "id": id }), &ctx)
                .await
            {
                None => Seen::Forbidden,
                Some(d) => {
                    let seen = one(&d["complaint"], &id, &ctx);
                    if seen == Seen::Allowed {
                        let history = &d["complaint"]["history"];
                        assert_eq!(history["totalCount"], 1, "{ctx}: {history:#}");
                        assert_eq!(history["nodes"][0]["action"], "COMPLAINT_CREATE", "{ctx}");
                    }
                    seen
                }
            }
        }
        Op::AuditEvents => {
            let q = "query($id: ID!) { auditEvents(filter: { complaintId: $id }) { totalCount nodes { action complaintId } } }";
            match app
                .read_or_forbidden(&actor, q, json!({ "id": id }), &ctx)
                .await
            {
                None => Seen::Forbidden,
                Some(d) => {
                    let events = &d["auditEvents"];
                    if events["nodes"] == json!([]) {
                        assert_eq!(events["totalCount"], 0, "{ctx}: {events:#}");
                        Seen::Absent
                    } else {
                        assert_eq!(
                            events["nodes"],
                            json!([{ "action": "COMPLAINT_CREATE", "complaintId": id }]),
                            "{ctx}"
                        );
                        assert_eq!(events["totalCount"], 1, "{ctx}");
                        Seen::Allowed
                    }
                }
            }
        }
        Op::AccessLog => {
            let q = "query($id: ID!) { accessLog(complaintId: $id) { totalCount nodes { actor { subject } operation } } }";
            match app
                .read_or_forbidden(&actor, q, json!({ "id": id }), &ctx)
                .await
            {
                None => Seen::Forbidden,
                Some(d) if d["accessLog"].is_null() => Seen::Absent,
                Some(d) => {
                    let log = &d["accessLog"];
                    assert_eq!(
                        log["nodes"],
                        json!([{ "actor": { "subject": "prm-1" }, "operation": "complaint" }]),
                        "{ctx}"
                    );
                    assert_eq!(log["totalCount"], 1, "{ctx}");
                    Seen::Allowed
                }
            }
        }
        Op::AuditTrailVerification => {
            match app.read_or_forbidden(&actor, VERIFY, json!({}), &ctx).await {
                None => Seen::Forbidden,
                Some(d) => {
                    let v = &d["auditTrailVerification"];
                    assert_eq!(v["intact"], true, "{ctx}: {v:#}");
                    assert!(v["checkedCount"].as_i64().unwrap() > 0, "{ctx}: {v:#}");
                    Seen::Allowed
                }
            }
        }
        Op::DeadlinePolicies => {
            let q = r#"{ deadlinePolicies(facilityCode: "MAIN") { totalCount nodes { facilityCode program } } }"#;
            match app.read_or_forbidden(&actor, q, json!({}), &ctx).await {
                None => Seen::Forbidden,
                Some(d) => {
                    let list = &d["deadlinePolicies"];
                    if list["nodes"] == json!([]) {
                        assert_eq!(list["totalCount"], 0, "{ctx}: {list:#}");
                        Seen::Absent
                    } else {
                        assert_eq!(
                            list["nodes"],
                            json!([{ "facilityCode": "MAIN", "program": "CMS_HOSPITAL" }]),
                            "{ctx}"
                        );
                        Seen::Allowed
                    }
                }
            }
        }
        Op::DeadlinePolicyUpsert => {
            let before = app.main_policy().await;
            let data = app
                .ok(
                    &actor,
                    POLICY_UPSERT,
                    json!({ "input": extension_policy(&before) }),
                )
                .await;
            let payload = &data["deadlinePolicyUpsert"];
            let seen = seen_in_payload(payload, &ctx);
            let after = app.main_policy().await;
            let version = before["version"].as_i64().unwrap();
            if seen == Seen::Allowed {
                assert_eq!(payload["deadlinePolicy"]["version"], version + 1, "{ctx}");
                assert_eq!(after["version"], version + 1, "{ctx}");
            } else {
                assert_eq!(payload["deadlinePolicy"], Value::Null, "{ctx}");
                assert_eq!(
                    after["version"], version,
                    "{ctx}: a refused upsert was stored"
                );
            }
            seen
        }
    }
}

/// operation × role × {inside ["MAIN"], outside ["NORTH"]}, each on a fresh
/// complaint in MAIN in the state the operation needs.
#[tokio::test]
async fn every_operation_every_role_inside_and_outside_scope() {
    let app = TestApp::spawn().await;
    app.main_and_north_with_an_extension().await;
    let mut mismatches = Vec::new();
    let mut cases = 0;
    for (op, row) in TABLE {
        for (role, expect) in ROLES.iter().zip(row) {
            for inside in [true, false] {
                let department = format!("Dept {op:?} {role} {inside}");
                let seen = run_case(&app, *op, role, inside, &department).await;
                let want = expected(*op, *expect, inside);
                cases += 1;
                if seen != want {
                    mismatches.push(format!(
                        "{role} {op:?} inside={inside}: expected {want:?}, got {seen:?}"
                    ));
                }
            }
        }
    }
    assert_eq!(cases, TABLE.len() * ROLES.len() * 2);
    assert_eq!(mismatches, Vec::<String>::new(), "role × operation × scope");
}

/// STAFF see the complaints they logged and nothing else, even in their
/// facility; patient relations see them all.
#[tokio::test]
async fn staff_see_only_what_they_logged() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let alice = token("staff-alice", &["STAFF"], &["MAIN"]);
    let bob = token("staff-bob", &["STAFF"], &["MAIN"]);
    let a = app.create_complaint(&alice, intake("MAIN")).await;
    let b = app.create_complaint(&bob, intake("MAIN")).await;

    let query = "query($a: ID!, $b: ID!, $ra: String!, $rb: String!) {
      complaints { totalCount nodes { id createdBy { subject } } }
      a: complaint(id: $a) { id } b: complaint(id: $b) { id }
      ra: complaintByReference(reference: $ra) { id } rb: complaintByReference(reference: $rb) { id }
    }";
    let vars = json!({ "a": a["id"], "b": b["id"], "ra": a["reference"], "rb": b["reference"] });
    for (who, token, own, other) in [("alice", &alice, &a, &b), ("bob", &bob, &b, &a)] {
        let data = app.ok(token, query, vars.clone()).await;
        assert_eq!(data["complaints"]["totalCount"], 1, "{who}: {data:#}");
        assert_eq!(
            data["complaints"]["nodes"],
            json!([{ "id": own["id"], "createdBy": { "subject": format!("staff-{who}") } }]),
            "{who}"
        );
        let (mine, theirs, my_ref, their_ref) = if who == "alice" {
            ("a", "b", "ra", "rb")
        } else {
            ("b", "a", "rb", "ra")
        };
        assert_eq!(data[mine]["id"], own["id"], "{who} by id");
        assert_eq!(data[theirs], Value::Null, "{who} reads another's by id");
        assert_eq!(data[my_ref]["id"], own["id"], "{who} by reference");
        assert_eq!(
            data[their_ref],
            Value::Null,
            "{who} reads another's by reference"
        );

        // Another's complaint does not exist for them when changing it either.
        let payload = app
            .complaint_mutate(
                token,
                "complaintResolveAtPointOfService",
                at(other, json!({ "resolution": "Sorted it out." })),
            )
            .await;
        assert_eq!(
            user_error_codes(&payload),
            ["NOT_FOUND"],
            "{who}: {payload:#}"
        );
    }

    let data = app.ok(&specialist(), query, vars).await;
    assert_eq!(data["complaints"]["totalCount"], 2, "{data:#}");
    let mut ids: Vec<Value> = data["complaints"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].clone())
        .collect();
    ids.sort_by_key(|v| v.to_string());
    let mut want = vec![a["id"].clone(), b["id"].clone()];
    want.sort_by_key(|v| v.to_string());
    assert_eq!(ids, want);
    for key in ["a", "b", "ra", "rb"] {
        assert_ne!(data[key], Value::Null, "patient relations read {key}");
    }
    // Neither STAFF change went through.
    for c in [&a, &b] {
        assert_eq!(
            app.complaint_read_back(&c["id"]).await["version"],
            c["version"]
        );
    }
}

/// FORBIDDEN and NOT_FOUND refusals leave the complaint, its history and
/// the audit trail as they were.
#[tokio::test]
async fn a_refused_change_writes_nothing() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    app.create_facility("NORTH").await;
    let c = app.create_complaint(&manager(), intake("MAIN")).await;
    let c = app
        .complaint_must(
            &manager(),
            "complaintAssign",
            at(
                &c,
                json!({ "ownerSubject": "pr-1", "ownerName": "Pat One" }),
            ),
        )
        .await;
    let events = app.audit_event_count().await;
    let history_before = app.history(&auditor(), &c["id"]).await["totalCount"].clone();
    assert_eq!(history_before, 2);

    let outsider = token("pr-north", &["PATIENT_RELATIONS"], &["NORTH"]);
    let staff = token("staff-1", &["STAFF"], &["MAIN"]);
    let attempts: [(&str, &str, String, Value); 6] = [
        // The role may not: FORBIDDEN.
        (
            "FORBIDDEN",
            "complaintAcknowledge",
            compliance(),
            at(&c, json!({ "method": "PHONE" })),
        ),
        (
            "FORBIDDEN",
            "complaintWithdraw",
            staff.clone(),
            at(&c, json!({ "reason": "Not needed." })),
        ),
        // A rule about the record: a specialist may not reassign.
        (
            "FORBIDDEN",
            "complaintAssign",
            specialist(),
            at(
                &c,
                json!({ "ownerSubject": "pr-2", "ownerName": "Pat Two" }),
            ),
        ),
        (
            "FORBIDDEN",
            "complaintExtendDeadline",
            specialist(),
            at(
                &c,
                json!({
                    "by": { "amount": 7, "unit": "CALENDAR_DAYS" }, "reason": "Waiting."
                }),
            ),
        ),
        // Outside the token's facilities: NOT_FOUND.
        (
            "NOT_FOUND",
            "complaintAcknowledge",
            outsider.clone(),
            at(&c, json!({ "method": "PHONE" })),
        ),
        (
            "NOT_FOUND",
            "complaintEscalate",
            outsider.clone(),
            at(&c, json!({ "reason": "Serious." })),
        ),
    ];
    for (code, mutation, token, input) in attempts {
        let payload = app.complaint_mutate(&token, mutation, input).await;
        assert_eq!(
            user_error_codes(&payload),
            [code],
            "{mutation}: {payload:#}"
        );
        assert_eq!(payload["complaint"], Value::Null, "{mutation}");
    }
    // Notes, contacts and creates refused the same two ways.
    let note = "mutation N($input: ComplaintAddNoteInput!) { complaintAddNote(input: $input) { note { id } userErrors { code } } }";
    for (code, token) in [("FORBIDDEN", compliance()), ("NOT_FOUND", outsider.clone())] {
        let data = app
            .ok(
                &token,
                note,
                json!({ "input": { "complaintId": c["id"], "body": "A note." } }),
            )
            .await;
        assert_eq!(
            user_error_codes(&data["complaintAddNote"]),
            [code],
            "note {code}"
        );
    }
    for (code, token) in [("FORBIDDEN", compliance()), ("NOT_FOUND", outsider.clone())] {
        let data = app
            .ok(
                &token,
                &create_mutation(),
                json!({ "input": intake("MAIN") }),
            )
            .await;
        assert_eq!(
            user_error_codes(&data["complaintCreate"]),
            [code],
            "create {code}"
        );
    }

    let after = app.complaint_read_back(&c["id"]).await;
    assert_eq!(after["version"], c["version"]);
    assert_eq!(after["status"], "RECEIVED");
    assert_eq!(after["owner"]["subject"], "pr-1");
    assert_eq!(after["classification"], "COMPLAINT");
    assert_eq!(after["notes"], json!([]));
    assert_eq!(
        app.audit_event_count().await,
        events,
        "refusals wrote audit events"
    );
    assert_eq!(
        app.history(&auditor(), &c["id"]).await["totalCount"].clone(),
        history_before
    );
    let data = app
        .ok(&auditor(), "{ complaints { totalCount } }", json!({}))
        .await;
    assert_eq!(
        data["complaints"]["totalCount"], 1,
        "a refused create stored a complaint"
    );
    let data = app.ok(&auditor(), VERIFY, json!({})).await;
    assert_eq!(data["auditTrailVerification"]["intact"], true);
}
