//! The one read path: every query that returns record content records it
//! in the one access log, once per request; counting records nothing.

use serde_json::{Value, json};

use crate::helpers::*;

/// A complaint with one of each linked record, all at MAIN.
struct Records {
    complaint: Value,
    action: Value,
    session: Value,
    request: Value,
}

async fn records(app: &TestApp) -> Records {
    app.create_facility("MAIN").await;
    let complaint = app.create_complaint(&manager(), intake("MAIN")).await;
    let action = app
        .work_must(
            &manager(),
            "serviceRecoveryPropose",
            proposal(&complaint["id"], "APOLOGY", None),
        )
        .await;
    let mut input = session_input("MAIN", session_entry());
    input["complaintId"] = complaint["id"].clone();
    let session = app
        .work_must(&manager(), "interpreterSessionLog", input)
        .await;
    let needed_by = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let mut input = accessibility_input("MAIN", &needed_by);
    input["complaintId"] = complaint["id"].clone();
    let request = app
        .work_must(&manager(), "accessibilityRequestCreate", input)
        .await;
    Records {
        complaint,
        action,
        session,
        request,
    }
}

const ACCESS_LOG: &str = "query L($id: ID!) {
  accessLog(complaintId: $id, first: 100) { totalCount nodes { operation requestId actor { subject } } }
}";

const RECORD_ACCESS_LOG: &str = "query L($id: ID!) {
  recordAccessLog(recordId: $id, first: 100) { totalCount nodes { operation requestId actor { subject } } }
}";

/// The access log of a complaint or a linked record, newest first.
async fn log_of(app: &TestApp, id: &Value) -> Vec<Value> {
    let complaint = id.as_str().is_some_and(is_complaint_id);
    let (query, field) = if complaint {
        (ACCESS_LOG, "accessLog")
    } else {
        (RECORD_ACCESS_LOG, "recordAccessLog")
    };
    let officer = token("co-all", &["COMPLIANCE"], &["*"]);
    let data = app.ok(&officer, query, json!({ "id": id })).await;
    let log = &data[field];
    let nodes = log["nodes"].as_array().unwrap().clone();
    assert_eq!(log["totalCount"].as_u64().unwrap() as usize, nodes.len());
    nodes
}

fn is_complaint_id(id: &str) -> bool {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .is_some_and(|s| s.starts_with("Complaint:"))
}

/// Every record's log length.
async fn sizes(app: &TestApp, r: &Records) -> [usize; 4] {
    [
        log_of(app, &r.complaint["id"]).await.len(),
        log_of(app, &r.action["id"]).await.len(),
        log_of(app, &r.session["id"]).await.len(),
        log_of(app, &r.request["id"]).await.len(),
    ]
}

#[tokio::test]
async fn counting_is_not_reading() {
    let app = TestApp::spawn().await;
    let r = records(&app).await;
    let before = sizes(&app, &r).await;
    let reader = manager();
    for list in [
        "complaints",
        "serviceRecoveryActions",
        "interpreterSessions",
        "accessibilityRequests",
    ] {
        for selection in [
            "totalCount",
            "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }",
            "totalCount pageInfo { endCursor }",
            "__typename",
        ] {
            let data = app
                .ok(
                    &reader,
                    &format!("{{ {list}(first: 1) {{ {selection} }} }}"),
                    json!({}),
                )
                .await;
            assert!(data[list].is_object(), "{list} {{ {selection} }}: {data:#}");
        }
    }
    assert_eq!(sizes(&app, &r).await, before, "counting logged a read");

    // pageInfo alone still pages: its cursor is the one the nodes give.
    let counted = app
        .ok(
            &reader,
            "{ complaints(first: 1) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let read = app
        .ok(
            &reader,
            "{ complaints(first: 1) { pageInfo { endCursor } nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        counted["complaints"]["pageInfo"]["endCursor"],
        read["complaints"]["pageInfo"]["endCursor"]
    );
    assert!(counted["complaints"]["pageInfo"]["endCursor"].is_string());
    assert_eq!(read["complaints"]["nodes"][0]["id"], r.complaint["id"]);
    assert_eq!(
        log_of(&app, &r.complaint["id"]).await.len(),
        before[0] + 1,
        "nodes are a read"
    );
}

#[tokio::test]
async fn a_complaint_read_many_times_in_one_request_is_logged_once() {
    let app = TestApp::spawn().await;
    let r = records(&app).await;
    let before = sizes(&app, &r).await;
    let query = "query Q($id: ID!, $ref: String!) {
      a: complaint(id: $id) { id description notes { body } contacts { summary } }
      b: node(id: $id) { id ... on Complaint { reference } }
      c: complaints { nodes { id } edges { node { id patient { name } } } }
      d: complaintByReference(reference: $ref) { id serviceRecoveryActions { id } }
      e: complaint(id: $id) { serviceRecoveryActions { id description } interpreterSessions { id } }
      f: serviceRecoveryActions { nodes { id } edges { node { id } } }
    }";
    let data = app
        .ok(
            &manager(),
            query,
            json!({ "id": r.complaint["id"], "ref": r.complaint["reference"] }),
        )
        .await;
    assert_eq!(data["a"]["id"], r.complaint["id"]);
    assert_eq!(data["c"]["nodes"][0]["id"], r.complaint["id"]);
    assert_eq!(data["e"]["serviceRecoveryActions"][0]["id"], r.action["id"]);
    let after = sizes(&app, &r).await;
    assert_eq!(after[0], before[0] + 1, "the complaint, once");
    assert_eq!(after[1], before[1] + 1, "the service-recovery action, once");
    assert_eq!(after[2], before[2] + 1, "the interpreter session, once");
    assert_eq!(after[3], before[3], "no accessibility request was read");

    // Another request reads it again: logged again.
    app.ok(
        &manager(),
        "query Q($id: ID!) { complaint(id: $id) { id } }",
        json!({ "id": r.complaint["id"] }),
    )
    .await;
    assert_eq!(log_of(&app, &r.complaint["id"]).await.len(), before[0] + 2);
}

#[tokio::test]
async fn every_content_read_path_logs() {
    let app = TestApp::spawn().await;
    let r = records(&app).await;
    let later = (chrono::Utc::now() + chrono::Duration::seconds(5)).to_rfc3339();
    let c = &r.complaint["id"];
    // (query, what it reads, the operation the log names)
    let cases: Vec<(&str, Value, &Value, &str)> = vec![
        (
            "query Q($id: ID!) { complaint(id: $id) { id } }",
            json!({ "id": c }),
            c,
            "complaint",
        ),
        (
            "query Q($r: String!) { complaintByReference(reference: $r) { id } }",
            json!({ "r": r.complaint["reference"] }),
            c,
            "complaintByReference",
        ),
        (
            "{ complaints { nodes { id } } }",
            json!({}),
            c,
            "complaints",
        ),
        (
            "{ complaints { edges { cursor node { id } } } }",
            json!({}),
            c,
            "complaints",
        ),
        (
            "query Q($id: ID!) { node(id: $id) { id } }",
            json!({ "id": c }),
            c,
            "node",
        ),
        (
            "query Q($id: ID!, $at: DateTime!) { complaintAsOf(id: $id, at: $at) { id } }",
            json!({ "id": c, "at": later }),
            c,
            "complaintAsOf",
        ),
        (
            "{ serviceRecoveryActions { nodes { id } } }",
            json!({}),
            &r.action["id"],
            "serviceRecoveryActions",
        ),
        (
            "{ interpreterSessions { edges { node { id } } } }",
            json!({}),
            &r.session["id"],
            "interpreterSessions",
        ),
        (
            "{ accessibilityRequests { nodes { id } } }",
            json!({}),
            &r.request["id"],
            "accessibilityRequests",
        ),
        (
            "query Q($id: ID!) { node(id: $id) { id } }",
            json!({ "id": r.action["id"] }),
            &r.action["id"],
            "node",
        ),
        (
            "query Q($id: ID!) { node(id: $id) { id } }",
            json!({ "id": r.session["id"] }),
            &r.session["id"],
            "node",
        ),
        (
            "query Q($id: ID!) { node(id: $id) { id } }",
            json!({ "id": r.request["id"] }),
            &r.request["id"],
            "node",
        ),
        (
            "query Q($id: ID!) { complaint(id: $id) { serviceRecoveryActions { id } } }",
            json!({ "id": c }),
            &r.action["id"],
            "Complaint.serviceRecoveryActions",
        ),
        (
            "query Q($id: ID!) { complaint(id: $id) { interpreterSessions { id } } }",
            json!({ "id": c }),
            &r.session["id"],
            "Complaint.interpreterSessions",
        ),
        (
            "query Q($id: ID!) { complaint(id: $id) { accessibilityRequests { id } } }",
            json!({ "id": c }),
            &r.request["id"],
            "Complaint.accessibilityRequests",
        ),
        (
            "query Q($id: ID!, $at: DateTime!) { complaintAsOf(id: $id, at: $at) { serviceRecoveryActions { id } } }",
            json!({ "id": c, "at": later }),
            &r.action["id"],
            "Complaint.serviceRecoveryActions",
        ),
    ];
    for (query, variables, record, operation) in cases {
        let before = log_of(&app, record).await.len();
        let data = app.ok(&manager(), query, variables).await;
        assert!(
            data.to_string().contains(record.as_str().unwrap()),
            "{query}: the record is returned: {data:#}"
        );
        let log = log_of(&app, record).await;
        assert_eq!(log.len(), before + 1, "{query}: one entry: {log:#?}");
        assert_eq!(log[0]["operation"], operation, "{query}");
        assert_eq!(log[0]["actor"]["subject"], "prm-1", "{query}");
    }

    // Notes and contacts are read with their complaint: a mutation's
    // payload that shows them records a read of the complaint.
    let data = app
        .ok(
            &manager(),
            "mutation M($input: ComplaintAddNoteInput!) { complaintAddNote(input: $input) { note { body } userErrors { code } } }",
            json!({ "input": { "complaintId": c, "body": "Called the unit manager." } }),
        )
        .await;
    assert_eq!(
        data["complaintAddNote"]["userErrors"],
        json!([]),
        "{data:#}"
    );
    let before = log_of(&app, c).await.len();
    let data = app
        .ok(
            &manager(),
            "mutation M($input: ComplaintAcknowledgeInput!) { complaintAcknowledge(input: $input) { complaint { notes { body } } userErrors { code } } }",
            json!({ "input": { "id": c, "expectedVersion": r.complaint["version"], "method": "PHONE" } }),
        )
        .await;
    let payload = &data["complaintAcknowledge"];
    assert_eq!(payload["userErrors"], json!([]), "{data:#}");
    assert_eq!(
        payload["complaint"]["notes"][0]["body"],
        "Called the unit manager."
    );
    let log = log_of(&app, c).await;
    assert_eq!(log.len(), before + 1, "{log:#?}");
    assert_eq!(log[0]["operation"], "Complaint.notes");
}

#[tokio::test]
async fn one_access_log_across_record_types() {
    let app = TestApp::spawn().await;
    let r = records(&app).await;
    app.ok(
        &manager(),
        "query Q($c: ID!, $a: ID!) { complaint(id: $c) { id } node(id: $a) { id } }",
        json!({ "c": r.complaint["id"], "a": r.action["id"] }),
    )
    .await;
    let complaint_log = log_of(&app, &r.complaint["id"]).await;
    let action_log = log_of(&app, &r.action["id"]).await;
    assert_eq!(complaint_log[0]["operation"], "complaint");
    assert_eq!(action_log[0]["operation"], "node");
    assert_eq!(
        complaint_log[0]["requestId"], action_log[0]["requestId"],
        "one request, one log, two record types"
    );
    // Each log answers only for its record.
    assert!(
        complaint_log.iter().all(|e| e["operation"] != "node"),
        "{complaint_log:#?}"
    );
}
