//! The complaint lifecycle through HTTP: every (state, action) pair, and two
//! realistic walks — a written grievance from intake to closure, and a
//! verbal complaint resolved at the point of service — checking
//! classification, clocks, history and `complaintAsOf` at each step.

use serde_json::{Value, json};

use crate::helpers::*;

/// What `complaintAsOf` shows here: the usual fields and the notes.
fn as_of_selection() -> String {
    format!("{COMPLAINT_FIELDS} notes {{ body }}")
}

const STATES: [&str; 6] = [
    "RECEIVED",
    "ACKNOWLEDGED",
    "INVESTIGATING",
    "RESOLVED",
    "CLOSED",
    "WITHDRAWN",
];

/// The mutation and an input that meets every guard of the action.
fn action_call(action: &str, c: &Value) -> (&'static str, Value) {
    match action {
        "ACKNOWLEDGE" => ("complaintAcknowledge", at(c, json!({ "method": "LETTER" }))),
        "START_INVESTIGATION" => ("complaintStartInvestigation", at(c, json!({}))),
        "RESOLVE_AT_POINT_OF_SERVICE" => (
            "complaintResolveAtPointOfService",
            at(
                c,
                json!({ "resolution": "Apologised and moved the appointment" }),
            ),
        ),
        "RESOLVE" => (
            "complaintResolve",
            at(
                c,
                json!({ "findings": findings(c),
                        "writtenNoticeException": { "reason": "Answered in person at the family's request." } }),
            ),
        ),
        "CLOSE" => ("complaintClose", at(c, json!({}))),
        "WITHDRAW" => (
            "complaintWithdraw",
            at(c, json!({ "reason": "No longer wanted" })),
        ),
        "REOPEN" => (
            "complaintReopen",
            at(c, json!({ "reason": "New information" })),
        ),
        other => panic!("no such action {other}"),
    }
}

/// Every (state, action) pair of `domain.md`'s lifecycle, through HTTP.
/// `None` means refused with INVALID_TRANSITION, naming the state and the
/// allowed actions, and changing nothing.
#[tokio::test]
async fn every_state_and_action_through_http() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let table: &[(&str, [Option<&str>; 7])] = &[
        // ACKNOWLEDGE, START_INVESTIGATION, RESOLVE_AT_POINT_OF_SERVICE, RESOLVE, CLOSE, WITHDRAW, REOPEN
        (
            "RECEIVED",
            [
                Some("ACKNOWLEDGED"),
                Some("INVESTIGATING"),
                Some("RESOLVED"),
                None,
                None,
                Some("WITHDRAWN"),
                None,
            ],
        ),
        (
            "ACKNOWLEDGED",
            [
                None,
                Some("INVESTIGATING"),
                None,
                Some("RESOLVED"),
                None,
                Some("WITHDRAWN"),
                None,
            ],
        ),
        (
            "INVESTIGATING",
            [
                None,
                None,
                None,
                Some("RESOLVED"),
                None,
                Some("WITHDRAWN"),
                None,
            ],
        ),
        (
            "RESOLVED",
            [
                None,
                None,
                None,
                None,
                Some("CLOSED"),
                None,
                Some("INVESTIGATING"),
            ],
        ),
        (
            "CLOSED",
            [None, None, None, None, None, None, Some("INVESTIGATING")],
        ),
        (
            "WITHDRAWN",
            [None, None, None, None, None, None, Some("INVESTIGATING")],
        ),
    ];
    let actions = [
        "ACKNOWLEDGE",
        "START_INVESTIGATION",
        "RESOLVE_AT_POINT_OF_SERVICE",
        "RESOLVE",
        "CLOSE",
        "WITHDRAW",
        "REOPEN",
    ];
    assert_eq!(table.len(), STATES.len());
    for (state, row) in table {
        for (action, expected) in actions.iter().zip(row) {
            let c = app.complaint_in(state).await;
            let allowed: Vec<&str> = c["allowedActions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            let (mutation, input) = action_call(action, &c);
            let payload = app.complaint_mutate(&manager(), mutation, input).await;
            match expected {
                Some(to) => {
                    assert_eq!(
                        payload["userErrors"],
                        json!([]),
                        "{state} {action}: {payload:#}"
                    );
                    assert_eq!(payload["complaint"]["status"], *to, "{state} {action}");
                    assert_eq!(
                        payload["complaint"]["version"],
                        c["version"].as_i64().unwrap() + 1
                    );
                    assert!(
                        allowed.contains(action),
                        "{state}: {action} missing from allowedActions {allowed:?}"
                    );
                }
                None => {
                    assert_eq!(
                        user_error_codes(&payload),
                        ["INVALID_TRANSITION"],
                        "{state} {action}: {payload:#}"
                    );
                    let message = payload["userErrors"][0]["message"].as_str().unwrap();
                    assert!(message.contains(state), "{message}");
                    assert!(
                        !allowed.contains(action),
                        "{state}: {action} in allowedActions"
                    );
                    let now = app
                        .ok(
                            &manager(),
                            "query($id: ID!) { complaint(id: $id) { status version } }",
                            json!({ "id": c["id"] }),
                        )
                        .await;
                    assert_eq!(
                        now["complaint"]["status"], *state,
                        "{state} {action} changed state"
                    );
                    assert_eq!(
                        now["complaint"]["version"], c["version"],
                        "{state} {action} changed version"
                    );
                }
            }
        }
    }
}

/// Details, ownership and escalation are open-state actions too.
#[tokio::test]
async fn open_state_actions_refused_once_finished() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    for state in ["CLOSED", "WITHDRAWN", "RESOLVED"] {
        let c = app.complaint_in(state).await;
        if state == "WITHDRAWN" {
            // Unmet clocks stop; a withdrawn complaint never goes overdue.
            let statuses: Vec<&str> = c["clocks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["status"].as_str().unwrap())
                .collect();
            // Acknowledgement, resolution and (CMS) the progress notice.
            assert_eq!(statuses, ["STOPPED", "STOPPED", "STOPPED"]);
            assert_eq!(c["overdue"], false);
        }
        for (mutation, extra) in [
            ("complaintUpdate", json!({ "department": "Radiology" })),
            (
                "complaintAssign",
                json!({ "ownerSubject": "pr-2", "ownerName": "Sam" }),
            ),
            (
                "complaintEscalate",
                json!({ "reason": "needs investigation" }),
            ),
        ] {
            let payload = app
                .complaint_mutate(&manager(), mutation, at(&c, extra))
                .await;
            let codes = user_error_codes(&payload);
            assert!(
                codes.contains(&"INVALID_TRANSITION".to_owned()),
                "{state} {mutation}: {payload:#}"
            );
        }
    }
}

fn clock<'a>(c: &'a Value, kind: &str) -> &'a Value {
    c["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == kind)
        .unwrap()
}

fn parse(t: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(t.as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc)
}

/// A daughter's letter about her mother's premature discharge: a Medicare
/// beneficiary's written grievance, worked from intake to closure.
#[tokio::test]
async fn written_grievance_from_intake_to_closure() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let pr = specialist();
    let received = chrono::Utc::now() - chrono::Duration::days(2);
    let mut input = intake("MAIN");
    input["channel"] = json!("LETTER");
    input["receivedAt"] = json!(received.to_rfc3339());
    input["complainant"] =
        json!({ "name": "Ana Ruiz", "relationship": "CHILD", "preferredLanguage": "es" });
    input["patient"] = json!({ "mrn": "MRN-7781", "name": "Rosa Ruiz" });
    input["medicareBeneficiary"] = json!(true);
    input["concernsPrematureDischarge"] = json!(true);
    input["description"] =
        json!("My mother was sent home the day after surgery and readmitted two days later.");
    input["issues"] = json!([
        { "category": "SAFETY", "severity": 3, "stageOfCare": "DISCHARGE_TRANSFER" },
        { "category": "COMMUNICATION", "severity": 2, "stageOfCare": "DISCHARGE_TRANSFER" }
    ]);

    // Intake: written → grievance; the QIO notice will be owed.
    let c = app.create_complaint(&pr, input).await;
    let id = c["id"].clone();
    assert_eq!(c["classification"], "GRIEVANCE");
    assert_eq!(c["classificationReasons"], json!(["WRITTEN"]));
    assert!(
        c["reference"].as_str().unwrap().starts_with("GRV-"),
        "{}",
        c["reference"]
    );
    assert_eq!(c["qioNoticeRequired"], true);
    assert_eq!(c["status"], "RECEIVED");
    // CMS defaults: acknowledge in 7 calendar days, resolve in 30, in
    // Chicago time (no DST change in this window).
    let received_at = parse(&c["receivedAt"]);
    assert_eq!(
        parse(&clock(&c, "ACKNOWLEDGEMENT")["dueAt"]),
        received_at + chrono::Duration::days(7)
    );
    assert_eq!(clock(&c, "ACKNOWLEDGEMENT")["status"], "RUNNING");
    assert!(
        clock(&c, "RESOLUTION")["dueAtLocal"]
            .as_str()
            .unwrap()
            .ends_with("-06:00")
    );
    let v1 = c.clone();

    // The point-of-service path is closed to a grievance.
    let p = app
        .complaint_mutate(
            &pr,
            "complaintResolveAtPointOfService",
            at(&c, json!({ "resolution": "sorry" })),
        )
        .await;
    assert_eq!(user_error_codes(&p), ["GUARD_FAILED"]);

    // Acknowledged by letter: the acknowledgement clock is met on time.
    let c = app
        .complaint_must(
            &pr,
            "complaintAcknowledge",
            at(&c, json!({ "method": "LETTER" })),
        )
        .await;
    assert_eq!(c["status"], "ACKNOWLEDGED");
    assert_eq!(clock(&c, "ACKNOWLEDGEMENT")["status"], "MET_ON_TIME");
    let v2 = c.clone();

    // Notes and contacts are appended, not versioned.
    let note = app
        .ok(&pr, "mutation($input: ComplaintAddNoteInput!) { complaintAddNote(input: $input) { note { body author { subject } } userErrors { code } } }",
            json!({ "input": { "complaintId": id, "body": "Called the daughter; she wants a meeting." } }))
        .await;
    assert_eq!(note["complaintAddNote"]["userErrors"], json!([]));
    let contact = app
        .ok(&pr, "mutation($input: ComplaintLogContactInput!) { complaintLogContact(input: $input) { contact { method direction } userErrors { code } } }",
            json!({ "input": { "complaintId": id, "direction": "OUTBOUND", "method": "PHONE",
                               "contactedAt": chrono::Utc::now().to_rfc3339(), "withWhom": "Ana Ruiz",
                               "summary": "Explained the review process." } }))
        .await;
    assert_eq!(contact["complaintLogContact"]["userErrors"], json!([]));

    // Investigation needs an owner.
    let p = app
        .complaint_mutate(&pr, "complaintStartInvestigation", at(&c, json!({})))
        .await;
    assert_eq!(user_error_codes(&p), ["GUARD_FAILED"]);
    let c = app
        .complaint_must(
            &pr,
            "complaintAssign",
            at(
                &c,
                json!({ "ownerSubject": "pr-1", "ownerName": "Pat Rivera" }),
            ),
        )
        .await;
    let c = app
        .complaint_must(&pr, "complaintStartInvestigation", at(&c, json!({})))
        .await;
    assert_eq!(c["status"], "INVESTIGATING");
    let v3 = c.clone();

    // Resolution guards: every issue needs a finding, the letter needs the
    // A-0123 elements and, here, the QIO notice.
    let p = app
        .complaint_mutate(
            &pr,
            "complaintResolve",
            at(&c, json!({ "findings": findings(&c) })),
        )
        .await;
    assert_eq!(user_error_codes(&p), ["GUARD_FAILED"], "{p:#}");
    assert_eq!(p["userErrors"][0]["field"], json!(["input", "letterId"]));
    // The resolution letter: without the QIO notice, or without the steps
    // taken, it is not sent; complete, it is.
    let letter = app
        .draft_letter(&pr, &c, "RESOLUTION", resolution_content(false))
        .await;
    let with_text = |mut content: Value| {
        if letter["languageGap"] == json!(true) {
            content["text"] = json!(SPANISH_TEXT);
        }
        content
    };
    let p = app
        .letter_mutate(
            &pr,
            "letterMarkSent",
            json!({ "id": letter["id"], "expectedVersion": letter["version"], "method": "MAIL" }),
        )
        .await;
    assert_eq!(user_error_codes(&p), ["GUARD_FAILED"], "{p:#}");
    assert!(
        p["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("QIO"),
        "{p:#}"
    );
    let mut incomplete = resolution_content(true);
    incomplete["investigationSteps"] = json!("  ");
    let letter = app
        .letter_must(
            &pr,
            "letterUpdate",
            json!({ "id": letter["id"], "expectedVersion": letter["version"], "content": with_text(incomplete) }),
        )
        .await;
    let p = app
        .letter_mutate(
            &pr,
            "letterMarkSent",
            json!({ "id": letter["id"], "expectedVersion": letter["version"], "method": "MAIL" }),
        )
        .await;
    assert_eq!(user_error_codes(&p), ["GUARD_FAILED"], "{p:#}");
    assert!(
        p["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("steps taken to investigate"),
        "{p:#}"
    );
    let letter = app
        .letter_must(
            &pr,
            "letterUpdate",
            json!({ "id": letter["id"], "expectedVersion": letter["version"], "content": with_text(resolution_content(true)) }),
        )
        .await;
    let letter = app.send_letter(&pr, &letter).await;
    let mut one_finding = findings(&c);
    one_finding.as_array_mut().unwrap().pop();
    let p = app
        .complaint_mutate(
            &pr,
            "complaintResolve",
            at(&c, json!({ "findings": one_finding })),
        )
        .await;
    assert_eq!(user_error_codes(&p), ["GUARD_FAILED"], "{p:#}");
    assert_eq!(p["userErrors"][0]["field"], json!(["input", "findings"]));
    let c = app
        .complaint_must(
            &pr,
            "complaintResolve",
            at(&c, json!({ "findings": findings(&c) })),
        )
        .await;
    assert_eq!(c["resolution"]["writtenResponse"]["letterId"], letter["id"]);
    assert_eq!(c["status"], "RESOLVED");
    assert_eq!(
        c["resolution"]["writtenResponse"]["qioNoticeIncluded"],
        true
    );
    assert_eq!(clock(&c, "RESOLUTION")["status"], "MET_ON_TIME");
    assert!(
        c["issues"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["finding"].is_string())
    );
    let v4 = c.clone();

    let c = app
        .complaint_must(&pr, "complaintClose", at(&c, json!({})))
        .await;
    assert_eq!(c["status"], "CLOSED");
    assert!(c["closedAt"].is_string());
    assert_eq!(c["overdue"], false);

    // History: every change, in order, attributed; its letters' changes
    // are part of it (drafted, changed, sent before the resolution).
    let history = app.history_actions(&id).await;
    let letters: Vec<&String> = history
        .iter()
        .filter(|a| a.starts_with("LETTER_"))
        .collect();
    assert_eq!(letters.first().map(|a| a.as_str()), Some("LETTER_DRAFT"));
    assert_eq!(letters.last().map(|a| a.as_str()), Some("LETTER_MARK_SENT"));
    let resolve_at = history.iter().position(|a| a == "COMPLAINT_RESOLVE");
    let sent_at = history.iter().position(|a| a == "LETTER_MARK_SENT");
    assert!(sent_at < resolve_at, "{history:?}");
    assert_eq!(
        history
            .iter()
            .filter(|a| !a.starts_with("LETTER_"))
            .collect::<Vec<_>>(),
        [
            "COMPLAINT_CREATE",
            "COMPLAINT_ACKNOWLEDGE",
            "COMPLAINT_NOTE_ADD",
            "COMPLAINT_CONTACT_LOG",
            "COMPLAINT_ASSIGN",
            "COMPLAINT_START_INVESTIGATION",
            "COMPLAINT_RESOLVE",
            "COMPLAINT_CLOSE",
        ]
    );

    // complaintAsOf rebuilds each step from the events alone.
    assert_eq!(
        app.complaint_as_of(
            &as_of_selection(),
            &id,
            &(received - chrono::Duration::days(1)).to_rfc3339()
        )
        .await,
        Value::Null
    );
    for (step, expected) in [
        (&v1, "RECEIVED"),
        (&v2, "ACKNOWLEDGED"),
        (&v3, "INVESTIGATING"),
        (&v4, "RESOLVED"),
    ] {
        let past = app
            .complaint_as_of(&as_of_selection(), &id, step["updatedAt"].as_str().unwrap())
            .await;
        assert_eq!(past["status"], expected);
        assert_eq!(past["version"], step["version"]);
        assert_eq!(past["classification"], step["classification"]);
        assert_eq!(past["issues"], step["issues"]);
        assert_eq!(past["clocks"], step["clocks"]);
    }
    let now = app
        .complaint_as_of(&as_of_selection(), &id, &chrono::Utc::now().to_rfc3339())
        .await;
    assert_eq!(now["status"], "CLOSED");
    assert_eq!(now["notes"].as_array().unwrap().len(), 1);

    let v = app.ok(&compliance(), VERIFY, json!({})).await;
    assert_eq!(v["auditTrailVerification"]["intact"], true);
}

/// A patient complains at the desk; the clerk fixes it on the spot.
#[tokio::test]
async fn verbal_complaint_resolved_at_point_of_service() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let staff = token("staff-7", &["STAFF"], &["MAIN"]);
    let mut input = intake("MAIN");
    input["channel"] = json!("IN_PERSON");
    input["issues"] =
        json!([{ "category": "ENVIRONMENT", "severity": 1, "stageOfCare": "CARE_ON_WARD" }]);
    input["description"] = json!("Room too cold overnight.");
    let c = app.create_complaint(&staff, input).await;
    assert_eq!(c["classification"], "COMPLAINT");
    assert_eq!(c["classificationReasons"], json!([]));
    assert!(c["reference"].as_str().unwrap().starts_with("CMP-"));
    assert_eq!(c["createdBy"]["subject"], "staff-7");
    assert_eq!(c["allowedActions"], json!(["RESOLVE_AT_POINT_OF_SERVICE"]));

    let c = app
        .complaint_must(
            &staff,
            "complaintResolveAtPointOfService",
            at(
                &c,
                json!({ "resolution": "Extra blanket; thermostat fixed." }),
            ),
        )
        .await;
    assert_eq!(c["status"], "RESOLVED");
    assert_eq!(c["resolution"]["atPointOfService"], true);
    assert_eq!(c["classification"], "COMPLAINT");
    assert_eq!(clock(&c, "ACKNOWLEDGEMENT")["status"], "MET_ON_TIME");
    assert_eq!(clock(&c, "RESOLUTION")["status"], "MET_ON_TIME");

    // The clerk cannot close it; patient relations does.
    let p = app
        .complaint_mutate(&staff, "complaintClose", at(&c, json!({})))
        .await;
    assert_eq!(user_error_codes(&p), ["FORBIDDEN"]);
    let c = app
        .complaint_must(&specialist(), "complaintClose", at(&c, json!({})))
        .await;
    assert_eq!(c["status"], "CLOSED");
    assert_eq!(
        app.history_actions(&c["id"]).await,
        [
            "COMPLAINT_CREATE",
            "COMPLAINT_RESOLVE_AT_POINT_OF_SERVICE",
            "COMPLAINT_CLOSE"
        ]
    );
    let past = app
        .complaint_as_of(
            &as_of_selection(),
            &c["id"],
            &chrono::Utc::now().to_rfc3339(),
        )
        .await;
    assert_eq!(past["status"], "CLOSED");
    assert_eq!(
        past["resolution"]["summary"],
        "Extra blanket; thermostat fixed."
    );
}

/// A repeated idempotency key returns the first note or contact; the
/// replay shows complaint content, so it is a read, logged in the
/// complaint's access log like every other replay, and refused once the
/// complaint is out of the user's sight.
#[tokio::test]
async fn note_and_contact_replays_are_logged_reads() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let c = app.create_complaint(&manager(), intake("MAIN")).await;
    let note_call = "mutation($input: ComplaintAddNoteInput!) { complaintAddNote(input: $input) { note { id body } replayed userErrors { code field } } }";
    let contact_call = "mutation($input: ComplaintLogContactInput!) { complaintLogContact(input: $input) { contact { id summary } replayed userErrors { code field } } }";
    let note = json!({ "complaintId": c["id"], "body": "Called back.", "idempotencyKey": "n-1" });
    let contact = json!({ "complaintId": c["id"], "direction": "INBOUND", "method": "EMAIL",
                          "contactedAt": chrono::Utc::now().to_rfc3339(),
                          "summary": "Asked for an update.", "idempotencyKey": "c-1" });
    let calls = [
        (note_call, "complaintAddNote", "note", note),
        (contact_call, "complaintLogContact", "contact", contact),
    ];
    let log =
        "query($id: ID!) { accessLog(complaintId: $id) { nodes { operation actor { subject } } } }";
    for (call, op, field, input) in calls {
        let first = app.ok(&manager(), call, json!({ "input": input })).await;
        let second = app.ok(&manager(), call, json!({ "input": input })).await;
        assert_eq!(first[op]["userErrors"], json!([]), "{first:#}");
        assert_eq!(first[op][field], second[op][field], "{second:#}");
        assert_eq!(first[op]["replayed"], false, "{first:#}");
        assert_eq!(second[op]["replayed"], true, "{second:#}");
        let entries = app.ok(&compliance(), log, json!({ "id": c["id"] })).await;
        let replays: Vec<&Value> = entries["accessLog"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["operation"] == format!("{op} (replay)"))
            .collect();
        assert_eq!(replays.len(), 1, "{op}: {entries:#}");
        assert_eq!(replays[0]["actor"]["subject"], "prm-1");
        // The same user, moved to another facility: the replay is refused.
        let moved = token("prm-1", &["PATIENT_RELATIONS_MANAGER"], &["WEST"]);
        let data = app.ok(&moved, call, json!({ "input": input })).await;
        assert_eq!(data[op][field], Value::Null);
        assert_eq!(user_error_codes(&data[op]), ["NOT_FOUND"]);
    }
}
