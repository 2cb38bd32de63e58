//! Service recovery through real HTTP (`domain.md`, "Service recovery"):
//! every (status, action) pair below and at/above the facility's approval
//! threshold, every role × operation against an explicit table, the
//! four-eyes rule for money above the threshold, the closure guard of a
//! grievance, validation, versions and idempotency, and the audit trail
//! (`history`, `complaintAsOf`). Every refusal is checked to write nothing.

use serde_json::{Value, json};

use crate::helpers::*;

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

fn message(payload: &Value) -> String {
    payload["userErrors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn parse(t: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(t.as_str().unwrap_or_else(|| panic!("not a time: {t}")))
        .unwrap()
        .with_timezone(&chrono::Utc)
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Outcome {
    /// Allowed: the action moves to this status.
    To(&'static str),
    /// Not in the table: INVALID_TRANSITION naming the current status.
    Invalid,
    /// In the table but refused by the threshold rule: GUARD_FAILED.
    Guard,
}
use Outcome::{Guard, Invalid, To};

const ACTIONS: [&str; 4] = ["APPROVE", "DECLINE", "COMPLETE", "CANCEL"];

/// Below the threshold (or without money): `domain.md`'s machine, with
/// PROPOSED → COMPLETED allowed.
#[rustfmt::skip]
const BELOW: &[(&str, [Outcome; 4])] = &[
    //             APPROVE         DECLINE         COMPLETE         CANCEL
    ("PROPOSED",  [To("APPROVED"), To("DECLINED"), To("COMPLETED"), To("CANCELLED")]),
    ("APPROVED",  [Invalid,        Invalid,        To("COMPLETED"), To("CANCELLED")]),
    ("COMPLETED", [Invalid,        Invalid,        Invalid,         Invalid]),
    ("DECLINED",  [Invalid,        Invalid,        Invalid,         Invalid]),
    ("CANCELLED", [Invalid,        Invalid,        Invalid,         Invalid]),
];

/// At or above the threshold: the same, except that PROPOSED → COMPLETED
/// waits for a manager's approval.
#[rustfmt::skip]
const ABOVE: &[(&str, [Outcome; 4])] = &[
    //             APPROVE         DECLINE         COMPLETE         CANCEL
    ("PROPOSED",  [To("APPROVED"), To("DECLINED"), Guard,           To("CANCELLED")]),
    ("APPROVED",  [Invalid,        Invalid,        To("COMPLETED"), To("CANCELLED")]),
    ("COMPLETED", [Invalid,        Invalid,        Invalid,         Invalid]),
    ("DECLINED",  [Invalid,        Invalid,        Invalid,         Invalid]),
    ("CANCELLED", [Invalid,        Invalid,        Invalid,         Invalid]),
];

/// Every (status, action) pair through HTTP, for an action without money,
/// one under the threshold and one above it; the acting user is a manager
/// who did not propose it. `allowedActions` agrees with the table.
#[tokio::test]
async fn status_machine_every_pair_through_http() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let prm = manager();
    let c = app.open_complaint().await;
    for (amount, table, required) in [
        (None, BELOW, false),
        (Some("20.00"), BELOW, false),
        (Some("300.00"), ABOVE, true),
    ] {
        assert_eq!(table.len(), 5);
        for (status, row) in table {
            for (action, expected) in ACTIONS.iter().zip(row) {
                let ctx = format!("{amount:?} {status} {action}");
                let a = app
                    .service_recovery_action_in(&c["id"], amount, status)
                    .await;
                assert_eq!(a["approvalRequired"], required, "{ctx}");
                let before = app.read_as(&prm, &a["id"]).await;
                let allowed = strings(&before["allowedActions"]);
                let events = app.audit_event_count().await;
                let (mutation, input) = service_recovery_call(action, &before);
                let payload = app.work_mutate(&prm, mutation, input).await;
                match expected {
                    To(to) => {
                        assert_eq!(payload["userErrors"], json!([]), "{ctx}: {payload:#}");
                        let after = &payload["serviceRecoveryAction"];
                        assert_eq!(after["status"], *to, "{ctx}");
                        assert_eq!(
                            after["version"],
                            before["version"].as_i64().unwrap() + 1,
                            "{ctx}"
                        );
                        assert_eq!(
                            after["finished"],
                            matches!(*to, "COMPLETED" | "DECLINED" | "CANCELLED"),
                            "{ctx}"
                        );
                        assert!(
                            allowed.iter().any(|x| x == action),
                            "{ctx}: {action} missing from allowedActions {allowed:?}"
                        );
                        assert_eq!(app.audit_event_count().await, events + 1, "{ctx}");
                    }
                    Invalid | Guard => {
                        let code = if *expected == Guard {
                            "GUARD_FAILED"
                        } else {
                            "INVALID_TRANSITION"
                        };
                        assert_eq!(user_error_codes(&payload), [code], "{ctx}: {payload:#}");
                        assert_eq!(payload["serviceRecoveryAction"], Value::Null, "{ctx}");
                        assert_eq!(payload["userErrors"][0]["field"], json!(["input", "id"]));
                        let text = message(&payload);
                        if *expected == Guard {
                            assert!(text.contains("USD 250.00"), "{ctx}: {text}");
                        } else {
                            assert!(text.contains(status), "{ctx}: {text}");
                        }
                        assert!(
                            !allowed.iter().any(|x| x == action),
                            "{ctx}: {action} in allowedActions {allowed:?}"
                        );
                        let now = app.read_back(&a["id"]).await;
                        assert_eq!(now["status"], *status, "{ctx} changed status");
                        assert_eq!(now["version"], before["version"], "{ctx} changed version");
                        assert_eq!(
                            app.audit_event_count().await,
                            events,
                            "{ctx} wrote an event"
                        );
                    }
                }
            }
        }
    }
}

const ROLES: [&str; 5] = [
    "STAFF",
    "PATIENT_RELATIONS",
    "PATIENT_RELATIONS_MANAGER",
    "COMPLIANCE",
    "ADMIN",
];

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Op {
    Propose,
    /// On a "20.00" action.
    ApproveBelow,
    /// On a "300.00" action proposed by someone else.
    ApproveAbove,
    DeclineBelow,
    DeclineAbove,
    /// PROPOSED → COMPLETED of a "20.00" action.
    Complete,
    Cancel,
    /// `serviceRecoveryActions(filter: { complaintId })`.
    List,
    /// `node(id)`.
    Node,
    /// `complaint(id) { serviceRecoveryActions }`.
    OnComplaint,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Expect {
    /// The change happens, or the action comes back.
    Ok,
    /// The role may not: FORBIDDEN (a userError on mutations, a top-level
    /// error on queries), decided before anything is looked up.
    No,
    /// The role may decide below the threshold only: GUARD_FAILED.
    Guard,
    /// The complaint comes back, its service recovery is an empty list.
    Empty,
}
use Expect::{Empty, No, Ok};

/// Inside the token's facilities (["MAIN"]), one row per operation, one
/// column per role. Outside (["OTHER"]): `No` stays FORBIDDEN, everything
/// else is NOT_FOUND / null / not listed.
#[rustfmt::skip]
const TABLE: &[(Op, [Expect; 5])] = &[
    //                  STAFF  PR            PRM  COMPLIANCE ADMIN
    (Op::Propose,      [No,    Ok,           Ok,  No,        No]),
    (Op::ApproveBelow, [No,    Ok,           Ok,  No,        No]),
    (Op::ApproveAbove, [No,    Expect::Guard, Ok, No,        No]),
    (Op::DeclineBelow, [No,    Ok,           Ok,  No,        No]),
    (Op::DeclineAbove, [No,    Expect::Guard, Ok, No,        No]),
    (Op::Complete,     [No,    Ok,           Ok,  No,        No]),
    (Op::Cancel,       [No,    Ok,           Ok,  No,        No]),
    (Op::List,         [No,    Ok,           Ok,  Ok,        No]),
    (Op::Node,         [No,    Ok,           Ok,  Ok,        No]),
    (Op::OnComplaint,  [Empty, Ok,           Ok,  Ok,        No]),
];

/// What a call answered.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Seen {
    Allowed,
    Forbidden,
    Guarded,
    /// NOT_FOUND, null, or not in the list.
    Absent,
    /// The complaint, with no service recovery on it.
    Hidden,
}

fn expected_seen(expect: Expect, inside: bool) -> Seen {
    match (expect, inside) {
        (No, _) => Seen::Forbidden,
        (_, false) => Seen::Absent,
        (Ok, true) => Seen::Allowed,
        (Expect::Guard, true) => Seen::Guarded,
        (Empty, true) => Seen::Hidden,
    }
}

fn subject(role: &str) -> String {
    format!("{}-user", role.to_ascii_lowercase().replace('_', "-"))
}

/// Every role × operation, inside the token's facility and outside it.
#[tokio::test]
async fn permissions_every_operation_every_role() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    app.create_facility("OTHER").await;
    let pr = specialist();
    for (column, role) in ROLES.iter().enumerate() {
        for inside in [true, false] {
            let tok = token(
                &subject(role),
                &[role],
                &[if inside { "MAIN" } else { "OTHER" }],
            );
            // Logged by the table's STAFF user, so that STAFF (inside) see
            // the complaint itself.
            let c = app
                .create_complaint(
                    &token(&subject("STAFF"), &["STAFF"], &["MAIN"]),
                    intake("MAIN"),
                )
                .await;
            for (op, row) in TABLE {
                let ctx = format!("{role} inside={inside} {op:?}");
                let want = expected_seen(row[column], inside);
                let amount = match op {
                    Op::ApproveAbove | Op::DeclineAbove => "300.00",
                    _ => "20.00",
                };
                let a = app
                    .work_must(
                        &pr,
                        "serviceRecoveryPropose",
                        proposal(&c["id"], "MEAL_VOUCHER", Some(amount)),
                    )
                    .await;
                let events = app.audit_event_count().await;
                let seen = match op {
                    Op::Propose
                    | Op::ApproveBelow
                    | Op::ApproveAbove
                    | Op::DeclineBelow
                    | Op::DeclineAbove
                    | Op::Complete
                    | Op::Cancel => {
                        let (mutation, input, to) = match op {
                            Op::Propose => (
                                "serviceRecoveryPropose",
                                proposal(&c["id"], "PARKING_VOUCHER", Some("12.50")),
                                "PROPOSED",
                            ),
                            Op::ApproveBelow | Op::ApproveAbove => {
                                let (m, i) = service_recovery_call("APPROVE", &a);
                                (m, i, "APPROVED")
                            }
                            Op::DeclineBelow | Op::DeclineAbove => {
                                let (m, i) = service_recovery_call("DECLINE", &a);
                                (m, i, "DECLINED")
                            }
                            Op::Complete => {
                                let (m, i) = service_recovery_call("COMPLETE", &a);
                                (m, i, "COMPLETED")
                            }
                            _ => {
                                let (m, i) = service_recovery_call("CANCEL", &a);
                                (m, i, "CANCELLED")
                            }
                        };
                        let payload = app.work_mutate(&tok, mutation, input).await;
                        let seen = match user_error_codes(&payload).as_slice() {
                            [] => Seen::Allowed,
                            [c] if c == "FORBIDDEN" => Seen::Forbidden,
                            [c] if c == "NOT_FOUND" => Seen::Absent,
                            [c] if c == "GUARD_FAILED" => Seen::Guarded,
                            other => panic!("{ctx}: unexpected userErrors {other:?}: {payload:#}"),
                        };
                        if seen == Seen::Allowed {
                            let after = &payload["serviceRecoveryAction"];
                            assert_eq!(after["status"], to, "{ctx}");
                            if *op == Op::Propose {
                                assert_eq!(after["proposedBy"]["subject"], subject(role), "{ctx}");
                                assert_eq!(payload["replayed"], false, "{ctx}");
                            } else {
                                assert_eq!(after["id"], a["id"], "{ctx}");
                                assert_eq!(after["version"], 2, "{ctx}");
                            }
                            assert_eq!(app.audit_event_count().await, events + 1, "{ctx}");
                        } else {
                            assert_eq!(payload["serviceRecoveryAction"], Value::Null, "{ctx}");
                            if seen == Seen::Absent {
                                let field = if *op == Op::Propose {
                                    "complaintId"
                                } else {
                                    "id"
                                };
                                assert_eq!(
                                    payload["userErrors"][0]["field"],
                                    json!(["input", field]),
                                    "{ctx}"
                                );
                            }
                            if seen == Seen::Guarded {
                                assert!(
                                    message(&payload).contains("PATIENT_RELATIONS_MANAGER"),
                                    "{ctx}: {payload:#}"
                                );
                            }
                            let now = app.read_back(&a["id"]).await;
                            assert_eq!(now["status"], "PROPOSED", "{ctx}");
                            assert_eq!(now["version"], 1, "{ctx}");
                            assert_eq!(
                                app.audit_event_count().await,
                                events,
                                "{ctx} wrote an event"
                            );
                        }
                        seen
                    }
                    Op::List => {
                        let q = "query($c: ID!) { serviceRecoveryActions(filter: { complaintId: $c }, first: 100) { totalCount nodes { id complaintId } } }";
                        match app
                            .query_or_forbidden(&tok, q, json!({ "c": c["id"] }), &ctx)
                            .await
                        {
                            None => Seen::Forbidden,
                            Some(data) => {
                                let list = &data["serviceRecoveryActions"];
                                let nodes = list["nodes"].as_array().unwrap();
                                assert_eq!(list["totalCount"], nodes.len(), "{ctx}");
                                assert!(nodes.iter().all(|n| n["complaintId"] == c["id"]), "{ctx}");
                                if nodes.iter().any(|n| n["id"] == a["id"]) {
                                    Seen::Allowed
                                } else {
                                    assert!(nodes.is_empty(), "{ctx}: {list:#}");
                                    Seen::Absent
                                }
                            }
                        }
                    }
                    Op::Node => {
                        let q = "query($id: ID!) { node(id: $id) { id ... on ServiceRecoveryAction { status amount { amount currency } } } }";
                        match app
                            .query_or_forbidden(&tok, q, json!({ "id": a["id"] }), &ctx)
                            .await
                        {
                            None => Seen::Forbidden,
                            Some(data) if data["node"].is_null() => Seen::Absent,
                            Some(data) => {
                                assert_eq!(data["node"]["id"], a["id"], "{ctx}");
                                assert_eq!(data["node"]["amount"]["amount"], "20.00", "{ctx}");
                                Seen::Allowed
                            }
                        }
                    }
                    Op::OnComplaint => {
                        let q = "query($id: ID!) { complaint(id: $id) { id serviceRecoveryActions { id status } } }";
                        match app
                            .query_or_forbidden(&tok, q, json!({ "id": c["id"] }), &ctx)
                            .await
                        {
                            None => Seen::Forbidden,
                            Some(data) if data["complaint"].is_null() => Seen::Absent,
                            Some(data) => {
                                let list = data["complaint"]["serviceRecoveryActions"]
                                    .as_array()
                                    .unwrap();
                                if list.is_empty() {
                                    Seen::Hidden
                                } else {
                                    assert!(list.iter().any(|n| n["id"] == a["id"]), "{ctx}");
                                    Seen::Allowed
                                }
                            }
                        }
                    }
                };
                assert_eq!(seen, want, "{ctx}");
            }
        }
    }
}

/// Four eyes above the threshold: the proposing manager may not approve
/// (or decline) their own proposal, a specialist may not approve at all,
/// another manager may; who did what and when is kept. Below the
/// threshold PROPOSED → COMPLETED needs no approval.
#[tokio::test]
async fn manager_cannot_approve_own_proposal_above_threshold() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let (pr, prm, prm2) = (specialist(), manager(), second_manager());
    let c = app.open_complaint().await;

    // The threshold is inclusive.
    for (amount, required) in [("249.99", false), ("250.00", true), ("250.01", true)] {
        let a = app
            .work_must(
                &pr,
                "serviceRecoveryPropose",
                proposal(&c["id"], "GIFT_CARD", Some(amount)),
            )
            .await;
        assert_eq!(a["approvalRequired"], required, "{amount}");
        assert_eq!(
            a["approvalThreshold"],
            json!({ "amount": "250.00", "currency": "USD" })
        );
    }

    let started = chrono::Utc::now();
    let a = app
        .work_must(
            &prm,
            "serviceRecoveryPropose",
            proposal(&c["id"], "MEAL_VOUCHER", Some("300.00")),
        )
        .await;
    assert_eq!(a["status"], "PROPOSED");
    assert_eq!(a["approvalRequired"], true);
    assert_eq!(
        a["amount"],
        json!({ "amount": "300.00", "currency": "USD" })
    );
    assert_eq!(a["proposedBy"]["subject"], "prm-1");
    // The proposer may only cancel; the other manager may decide.
    assert_eq!(a["allowedActions"], json!(["CANCEL"]));
    assert_eq!(
        strings(&app.read_as(&prm2, &a["id"]).await["allowedActions"]),
        ["APPROVE", "DECLINE", "CANCEL"]
    );
    assert_eq!(
        strings(&app.read_as(&pr, &a["id"]).await["allowedActions"]),
        ["CANCEL"]
    );

    let events = app.audit_event_count().await;
    for (who, tok, mutation, input, mentions) in [
        (
            "proposer approves",
            &prm,
            "serviceRecoveryApprove",
            at_version(&a, json!({})),
            "you proposed",
        ),
        (
            "proposer declines",
            &prm,
            "serviceRecoveryDecline",
            at_version(&a, json!({ "reason": "Too much" })),
            "you proposed",
        ),
        (
            "specialist approves",
            &pr,
            "serviceRecoveryApprove",
            at_version(&a, json!({})),
            "PATIENT_RELATIONS_MANAGER",
        ),
        (
            "specialist declines",
            &pr,
            "serviceRecoveryDecline",
            at_version(&a, json!({ "reason": "Too much" })),
            "PATIENT_RELATIONS_MANAGER",
        ),
        (
            "specialist completes unapproved",
            &pr,
            "serviceRecoveryComplete",
            at_version(&a, json!({})),
            "approve",
        ),
        (
            "proposer completes unapproved",
            &prm,
            "serviceRecoveryComplete",
            at_version(&a, json!({})),
            "approve",
        ),
    ] {
        let payload = app.work_mutate(tok, mutation, input).await;
        assert_eq!(
            user_error_codes(&payload),
            ["GUARD_FAILED"],
            "{who}: {payload:#}"
        );
        let text = message(&payload);
        assert!(text.contains("USD 250.00"), "{who}: {text}");
        assert!(text.contains(mentions), "{who}: {text}");
    }
    let now = app.read_back(&a["id"]).await;
    assert_eq!(
        (now["status"].clone(), now["version"].clone()),
        (json!("PROPOSED"), json!(1))
    );
    assert_eq!(now["approved"], Value::Null);
    assert_eq!(
        app.audit_event_count().await,
        events,
        "refusals wrote events"
    );

    let a = app
        .work_must(&prm2, "serviceRecoveryApprove", at_version(&a, json!({})))
        .await;
    assert_eq!(a["status"], "APPROVED");
    assert_eq!(a["approved"]["by"]["subject"], "prm-2");
    assert_eq!(a["version"], 2);
    let a = app
        .work_must(
            &pr,
            "serviceRecoveryComplete",
            at_version(&a, json!({ "note": "  Two vouchers given at the cafe  " })),
        )
        .await;
    assert_eq!(a["status"], "COMPLETED");
    assert_eq!(a["finished"], true);
    assert_eq!(a["allowedActions"], json!([]));
    assert_eq!(a["completionNote"], "Two vouchers given at the cafe");
    let kept = app.read_back(&a["id"]).await;
    assert_eq!(kept["proposedBy"]["subject"], "prm-1");
    assert_eq!(kept["approved"]["by"]["subject"], "prm-2");
    assert_eq!(kept["completed"]["by"]["subject"], "pr-1");
    assert_eq!(kept["declined"], Value::Null);
    assert_eq!(kept["cancelled"], Value::Null);
    let (proposed, approved, completed) = (
        parse(&kept["proposedAt"]),
        parse(&kept["approved"]["at"]),
        parse(&kept["completed"]["at"]),
    );
    let margin = chrono::Duration::seconds(1);
    assert!(started - margin <= proposed, "{proposed} before {started}");
    assert!(proposed <= approved && approved <= completed, "{kept:#}");
    assert!(completed <= chrono::Utc::now() + margin);

    // Below the threshold: the specialist proposes, approves their own
    // proposal if they like, or completes it straight away.
    let small = app
        .work_must(
            &pr,
            "serviceRecoveryPropose",
            proposal(&c["id"], "MEAL_VOUCHER", Some("20.00")),
        )
        .await;
    assert_eq!(small["approvalRequired"], false);
    assert_eq!(
        small["allowedActions"],
        json!(["APPROVE", "DECLINE", "COMPLETE", "CANCEL"])
    );
    let small = app
        .work_must(
            &pr,
            "serviceRecoveryComplete",
            at_version(&small, json!({})),
        )
        .await;
    assert_eq!(small["status"], "COMPLETED");
    assert_eq!(small["approved"], Value::Null);
    assert_eq!(small["completed"]["by"]["subject"], "pr-1");
    assert_eq!(small["completionNote"], Value::Null);
    let own = app
        .work_must(
            &pr,
            "serviceRecoveryPropose",
            proposal(&c["id"], "APOLOGY", None),
        )
        .await;
    assert_eq!(own["amount"], Value::Null);
    assert_eq!(own["approvalRequired"], false);
    let own = app
        .work_must(&pr, "serviceRecoveryApprove", at_version(&own, json!({})))
        .await;
    assert_eq!(own["approved"]["by"]["subject"], "pr-1");
}

/// An approved voucher not yet given blocks closing the grievance; a
/// declined or cancelled one does not.
#[tokio::test]
async fn grievance_with_approved_unfinished_voucher_cannot_close() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let (pr, prm) = (specialist(), manager());

    let c = app.resolved_grievance().await;
    let a = app
        .work_must(
            &pr,
            "serviceRecoveryPropose",
            proposal(&c["id"], "MEAL_VOUCHER", Some("300.00")),
        )
        .await;
    let a = app
        .work_must(&prm, "serviceRecoveryApprove", at_version(&a, json!({})))
        .await;
    assert_eq!(a["status"], "APPROVED");
    // The complaint shows its action.
    let listed = app
        .ok(&pr, "query($id: ID!) { complaint(id: $id) { allowedActions serviceRecoveryActions { id status } } }", json!({ "id": c["id"] }))
        .await;
    assert_eq!(
        listed["complaint"]["serviceRecoveryActions"],
        json!([{ "id": a["id"], "status": "APPROVED" }])
    );

    let events = app.audit_event_count().await;
    let payload = app
        .complaint_mutate(&pr, "complaintClose", at(&c, json!({})))
        .await;
    assert_eq!(user_error_codes(&payload), ["GUARD_FAILED"], "{payload:#}");
    assert_eq!(payload["complaint"], Value::Null);
    let text = message(&payload);
    for part in [
        "MEAL_VOUCHER",
        "300.00",
        "APPROVED",
        a["id"].as_str().unwrap(),
    ] {
        assert!(text.contains(part), "{part} not in {text}");
    }
    assert_eq!(
        app.complaint_version(&c["id"]).await,
        (json!("RESOLVED"), c["version"].clone())
    );
    assert_eq!(
        app.audit_event_count().await,
        events,
        "a refused close wrote an event"
    );

    app.work_must(
        &pr,
        "serviceRecoveryComplete",
        at_version(&a, json!({ "note": "Given" })),
    )
    .await;
    let closed = app
        .complaint_must(&pr, "complaintClose", at(&c, json!({})))
        .await;
    assert_eq!(closed["status"], "CLOSED");

    // Declined and cancelled (before or after approval) actions are
    // finished; a merely proposed one blocks like an approved one.
    let c = app.resolved_grievance().await;
    let declined = app
        .service_recovery_action_in(&c["id"], Some("300.00"), "DECLINED")
        .await;
    let cancelled = app
        .service_recovery_action_in(&c["id"], Some("20.00"), "CANCELLED")
        .await;
    let approved = app
        .service_recovery_action_in(&c["id"], Some("300.00"), "APPROVED")
        .await;
    app.work_must(
        &pr,
        "serviceRecoveryCancel",
        at_version(&approved, json!({ "reason": "Patient refused it" })),
    )
    .await;
    let proposed = app
        .service_recovery_action_in(&c["id"], None, "PROPOSED")
        .await;
    let payload = app
        .complaint_mutate(&pr, "complaintClose", at(&c, json!({})))
        .await;
    assert_eq!(user_error_codes(&payload), ["GUARD_FAILED"], "{payload:#}");
    let text = message(&payload);
    assert!(
        text.contains(proposed["id"].as_str().unwrap()) && text.contains("PROPOSED"),
        "{text}"
    );
    for finished in [&declined, &cancelled, &approved] {
        assert!(
            !text.contains(finished["id"].as_str().unwrap()),
            "{text} names a finished action"
        );
    }
    app.work_must(
        &pr,
        "serviceRecoveryCancel",
        at_version(&proposed, json!({ "reason": "Not needed after all" })),
    )
    .await;
    let closed = app
        .complaint_must(&pr, "complaintClose", at(&c, json!({})))
        .await;
    assert_eq!(closed["status"], "CLOSED");
}

/// A description, an amount, and the field paths of the expected
/// VALIDATION errors.
type ProposalCase = (
    &'static str,
    Option<Value>,
    &'static [&'static [&'static str]],
);

/// Bad proposals, proposals on finished complaints and blank reasons are
/// refused with field paths, and write nothing.
#[tokio::test]
async fn validation_refusals_write_nothing() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let pr = specialist();
    let c = app.open_complaint().await;
    let money = |amount: &str, currency: &str| json!({ "amount": amount, "currency": currency });
    let cases: &[ProposalCase] = &[
        (
            "ok",
            Some(money("10.001", "USD")),
            &[&["input", "amount", "amount"]],
        ),
        (
            "ok",
            Some(money("-5.00", "USD")),
            &[&["input", "amount", "amount"]],
        ),
        (
            "ok",
            Some(money("0", "USD")),
            &[&["input", "amount", "amount"]],
        ),
        (
            "ok",
            Some(money("0.00", "USD")),
            &[&["input", "amount", "amount"]],
        ),
        (
            "ok",
            Some(money("20.00", "EUR")),
            &[&["input", "amount", "currency"]],
        ),
        (
            "ok",
            Some(money("20.00", "XYZ")),
            &[&["input", "amount", "currency"]],
        ),
        ("", None, &[&["input", "description"]]),
        (
            "   ",
            Some(money("20.00", "USD")),
            &[&["input", "description"]],
        ),
        (
            "",
            Some(money("20.00", "EUR")),
            &[&["input", "description"], &["input", "amount", "currency"]],
        ),
    ];
    let events = app.audit_event_count().await;
    for (description, amount, fields) in cases {
        let mut input = proposal(&c["id"], "REFUND", None);
        input["description"] = json!(description);
        if let Some(m) = amount {
            input["amount"] = m.clone();
        }
        let payload = app.work_mutate(&pr, "serviceRecoveryPropose", input).await;
        let ctx = format!("{description:?} {amount:?}");
        assert_eq!(payload["serviceRecoveryAction"], Value::Null, "{ctx}");
        let errors = payload["userErrors"].as_array().unwrap();
        assert_eq!(errors.len(), fields.len(), "{ctx}: {payload:#}");
        for (e, field) in errors.iter().zip(fields.iter()) {
            assert_eq!(e["code"], "VALIDATION", "{ctx}: {payload:#}");
            assert_eq!(e["field"], json!(field), "{ctx}: {payload:#}");
        }
    }
    // A lower-case code and a whole amount are normalised.
    let fine = app
        .work_must(&pr, "serviceRecoveryPropose", {
            let mut i = proposal(&c["id"], "REFUND", None);
            i["amount"] = money("4", "usd");
            i
        })
        .await;
    assert_eq!(fine["amount"], money("4.00", "USD"));
    assert_eq!(app.audit_event_count().await, events + 1);

    // Closed and withdrawn complaints take no new work.
    let closed = app
        .complaint_must(
            &pr,
            "complaintResolveAtPointOfService",
            at(
                &app.open_complaint().await,
                json!({ "resolution": "Apologised on the spot." }),
            ),
        )
        .await;
    let closed = app
        .complaint_must(&pr, "complaintClose", at(&closed, json!({})))
        .await;
    let withdrawn = app
        .complaint_must(
            &pr,
            "complaintWithdraw",
            at(
                &app.open_complaint().await,
                json!({ "reason": "Changed their mind" }),
            ),
        )
        .await;
    let events = app.audit_event_count().await;
    for (status, complaint) in [("CLOSED", &closed), ("WITHDRAWN", &withdrawn)] {
        assert_eq!(complaint["status"], status);
        let payload = app
            .work_mutate(
                &pr,
                "serviceRecoveryPropose",
                proposal(&complaint["id"], "APOLOGY", None),
            )
            .await;
        assert_eq!(
            user_error_codes(&payload),
            ["GUARD_FAILED"],
            "{status}: {payload:#}"
        );
        assert_eq!(
            payload["userErrors"][0]["field"],
            json!(["input", "complaintId"])
        );
        assert!(message(&payload).contains(status), "{payload:#}");
        let data = app
            .ok(
                &auditor(),
                "query($id: ID!) { complaint(id: $id) { serviceRecoveryActions { id } } }",
                json!({ "id": complaint["id"] }),
            )
            .await;
        assert_eq!(
            data["complaint"]["serviceRecoveryActions"],
            json!([]),
            "{status}"
        );
    }
    assert_eq!(app.audit_event_count().await, events);

    // Decline and cancel need a reason.
    let a = app
        .work_must(
            &pr,
            "serviceRecoveryPropose",
            proposal(&c["id"], "MEAL_VOUCHER", Some("20.00")),
        )
        .await;
    let events = app.audit_event_count().await;
    for (mutation, reason) in [
        ("serviceRecoveryDecline", ""),
        ("serviceRecoveryDecline", "   "),
        ("serviceRecoveryCancel", ""),
        ("serviceRecoveryCancel", " \n\t "),
    ] {
        let payload = app
            .work_mutate(
                &manager(),
                mutation,
                at_version(&a, json!({ "reason": reason })),
            )
            .await;
        assert_eq!(
            user_error_codes(&payload),
            ["VALIDATION"],
            "{mutation} {reason:?}: {payload:#}"
        );
        assert_eq!(
            payload["userErrors"][0]["field"],
            json!(["input", "reason"])
        );
    }
    let now = app.read_back(&a["id"]).await;
    assert_eq!(
        (now["status"].clone(), now["version"].clone()),
        (json!("PROPOSED"), json!(1))
    );
    assert_eq!(app.audit_event_count().await, events);
}

/// A stale `expectedVersion` is a CONFLICT; a repeated `idempotencyKey`
/// returns the first proposal and writes nothing.
#[tokio::test]
async fn stale_version_conflicts_and_idempotent_propose_replays() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let (pr, prm) = (specialist(), manager());
    let c = app.open_complaint().await;

    let v1 = app
        .work_must(
            &pr,
            "serviceRecoveryPropose",
            proposal(&c["id"], "MEAL_VOUCHER", Some("300.00")),
        )
        .await;
    let v2 = app
        .work_must(&prm, "serviceRecoveryApprove", at_version(&v1, json!({})))
        .await;
    assert_eq!(v2["version"], 2);
    let events = app.audit_event_count().await;
    for (action, version) in [
        ("CANCEL", 1),
        ("COMPLETE", 1),
        ("COMPLETE", 3),
        ("APPROVE", 1),
    ] {
        let (mutation, mut input) = service_recovery_call(action, &v2);
        input["expectedVersion"] = json!(version);
        let payload = app.work_mutate(&prm, mutation, input).await;
        assert_eq!(
            user_error_codes(&payload),
            ["CONFLICT"],
            "{action} at {version}: {payload:#}"
        );
        assert_eq!(
            payload["userErrors"][0]["field"],
            json!(["input", "expectedVersion"])
        );
        assert!(message(&payload).contains("version 2"), "{payload:#}");
    }
    let now = app.read_back(&v2["id"]).await;
    assert_eq!(
        (now["status"].clone(), now["version"].clone()),
        (json!("APPROVED"), json!(2))
    );
    assert_eq!(app.audit_event_count().await, events);

    // Idempotent proposal.
    let mut input = proposal(&c["id"], "PARKING_VOUCHER", Some("15.00"));
    input["idempotencyKey"] = json!("sr-parking-7f3a");
    let first = app
        .work_mutate(&pr, "serviceRecoveryPropose", input.clone())
        .await;
    assert_eq!(first["userErrors"], json!([]), "{first:#}");
    assert_eq!(first["replayed"], false);
    let events = app.audit_event_count().await;
    let second = app
        .work_mutate(&pr, "serviceRecoveryPropose", input.clone())
        .await;
    assert_eq!(second["userErrors"], json!([]), "{second:#}");
    assert_eq!(second["replayed"], true);
    assert_eq!(
        second["serviceRecoveryAction"],
        first["serviceRecoveryAction"]
    );
    assert_eq!(
        app.audit_event_count().await,
        events,
        "a replay wrote an event"
    );
    let data = app
        .ok(&auditor(), "query($c: ID!) { serviceRecoveryActions(filter: { complaintId: $c, kinds: [PARKING_VOUCHER] }) { totalCount } }", json!({ "c": c["id"] }))
        .await;
    assert_eq!(data["serviceRecoveryActions"]["totalCount"], 1);
    // The replay returns the action as it is now.
    let approved = app
        .work_must(
            &pr,
            "serviceRecoveryApprove",
            at_version(&first["serviceRecoveryAction"], json!({})),
        )
        .await;
    let third = app.work_mutate(&pr, "serviceRecoveryPropose", input).await;
    assert_eq!(third["replayed"], true);
    assert_eq!(
        third["serviceRecoveryAction"]["version"],
        approved["version"]
    );
    assert_eq!(third["serviceRecoveryAction"]["status"], "APPROVED");
}

const TRAIL: &str = "query H($id: ID!) { complaint(id: $id) { history(first: 100) { totalCount nodes {
  sequence action recordType recordId complaintId reason actor { subject roles } before after } } } }";

/// The service-recovery events are in the complaint's history, attributed,
/// and `complaintAsOf` rebuilds the action as it stood.
#[tokio::test]
async fn audit_history_and_as_of() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let (pr, prm) = (specialist(), manager());
    let c = app.open_complaint().await;

    let a = app
        .work_must(
            &pr,
            "serviceRecoveryPropose",
            proposal(&c["id"], "MEAL_VOUCHER", Some("300.00")),
        )
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let approved = app
        .work_must(&prm, "serviceRecoveryApprove", at_version(&a, json!({})))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let completed = app
        .work_must(
            &pr,
            "serviceRecoveryComplete",
            at_version(&approved, json!({ "note": "Given" })),
        )
        .await;
    let b = app
        .work_must(
            &pr,
            "serviceRecoveryPropose",
            proposal(&c["id"], "GIFT_CARD", Some("50.00")),
        )
        .await;
    app.work_must(
        &prm,
        "serviceRecoveryDecline",
        at_version(&b, json!({ "reason": "  Covered by the voucher  " })),
    )
    .await;
    // A refusal leaves no trace.
    let refused = app
        .work_mutate(&prm, "serviceRecoveryApprove", at_version(&b, json!({})))
        .await;
    assert_eq!(user_error_codes(&refused), ["CONFLICT"]);

    let h = app.ok(&compliance(), TRAIL, json!({ "id": c["id"] })).await;
    let nodes = h["complaint"]["history"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    let row: Vec<(String, String, String)> = nodes
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["actor"]["subject"].as_str().unwrap().to_owned(),
                e["recordType"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let sr = "ServiceRecoveryAction".to_owned();
    let expected: Vec<(String, String, String)> = [
        ("COMPLAINT_CREATE", "pr-1", "Complaint"),
        ("SERVICE_RECOVERY_PROPOSE", "pr-1", "ServiceRecoveryAction"),
        ("SERVICE_RECOVERY_APPROVE", "prm-1", "ServiceRecoveryAction"),
        ("SERVICE_RECOVERY_COMPLETE", "pr-1", "ServiceRecoveryAction"),
        ("SERVICE_RECOVERY_PROPOSE", "pr-1", "ServiceRecoveryAction"),
        ("SERVICE_RECOVERY_DECLINE", "prm-1", "ServiceRecoveryAction"),
    ]
    .iter()
    .map(|(a, s, t)| ((*a).to_owned(), (*s).to_owned(), (*t).to_owned()))
    .collect();
    assert_eq!(row, expected, "{h:#}");
    assert_eq!(h["complaint"]["history"]["totalCount"], 6);
    for e in nodes.iter().filter(|e| e["recordType"] == sr) {
        assert_eq!(e["complaintId"], c["id"]);
    }
    assert_eq!(nodes[1]["recordId"], a["id"]);
    assert_eq!(nodes[1]["before"], Value::Null, "a creation has no before");
    assert_eq!(nodes[2]["recordId"], a["id"]);
    assert_eq!(
        nodes[2]["actor"]["roles"],
        json!(["PATIENT_RELATIONS_MANAGER"])
    );
    assert_eq!(nodes[5]["recordId"], b["id"]);
    assert_eq!(nodes[5]["reason"], "Covered by the voucher");
    let shows = |e: &Value, s: &str| e.to_string().contains(s);
    assert!(
        shows(&nodes[2]["before"], "PROPOSED") && shows(&nodes[2]["after"], "APPROVED"),
        "{:#}",
        nodes[2]
    );
    let sequences: Vec<i64> = nodes
        .iter()
        .map(|e| e["sequence"].as_i64().unwrap())
        .collect();
    assert!(sequences.windows(2).all(|w| w[0] < w[1]), "{sequences:?}");

    // As it stood between proposal and approval, and later.
    let as_of = |at: String| {
        let app = &app;
        let id = c["id"].clone();
        async move {
            let data = app
                .ok(
                    &compliance(),
                    &format!("query($id: ID!, $at: DateTime!) {{ complaintAsOf(id: $id, at: $at) {{ status serviceRecoveryActions {{ {SERVICE_RECOVERY_FIELDS} }} }} }}"),
                    json!({ "id": id, "at": at }),
                )
                .await;
            data["complaintAsOf"]["serviceRecoveryActions"]
                .as_array()
                .unwrap()
                .clone()
        }
    };
    let proposed_at = parse(&a["proposedAt"]);
    let approved_at = parse(&approved["approved"]["at"]);
    let completed_at = parse(&completed["completed"]["at"]);
    assert!(proposed_at < approved_at && approved_at < completed_at);
    let between = proposed_at + (approved_at - proposed_at) / 2;
    let then = as_of(between.to_rfc3339()).await;
    assert_eq!(then.len(), 1, "{then:?}");
    assert_eq!(then[0]["id"], a["id"]);
    assert_eq!(then[0]["status"], "PROPOSED");
    assert_eq!(then[0]["version"], 1);
    assert_eq!(then[0]["approved"], Value::Null);
    assert_eq!(then[0]["proposedBy"]["subject"], "pr-1");
    let later = as_of((approved_at + (completed_at - approved_at) / 2).to_rfc3339()).await;
    assert_eq!(later.len(), 1);
    assert_eq!(later[0]["status"], "APPROVED");
    assert_eq!(later[0]["approved"]["by"]["subject"], "prm-1");
    let now = as_of(chrono::Utc::now().to_rfc3339()).await;
    let statuses: Vec<&str> = now.iter().map(|x| x["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["COMPLETED", "DECLINED"]);
    assert_eq!(now[1]["declined"]["reason"], "Covered by the voucher");

    let v = app.ok(&compliance(), VERIFY, json!({})).await;
    assert_eq!(v["auditTrailVerification"]["intact"], true);
}
