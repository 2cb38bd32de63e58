//! The audit trail and the access log: tampering behind the API's back is
//! refused or caught, refused mutations write nothing, verification over a
//! time range, and every read of a complaint is logged.

use redress_api::domain::audit as chain;
use redress_api::services;
use redress_api::services::audit::EventFilter;
use redress_api::startup::Application;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde_json::{Value, json};

use crate::helpers::*;

/// An app and the database behind it.
async fn app_and_db() -> (TestApp, TestDb) {
    let db = TestDb::new().await;
    let app = TestApp::start(Application::build(settings(&db.url)).await.unwrap());
    (app, db)
}

async fn text_at(conn: &DatabaseConnection, column: &str, sequence: i64) -> String {
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            format!("SELECT {column} AS v FROM audit_event WHERE sequence = {sequence}"),
        ))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no audit event {sequence}"));
    row.try_get("", "v").unwrap()
}

async fn assert_intact(app: &TestApp, total: u64) {
    let v = app.verify_range(Value::Null, Value::Null).await;
    assert_eq!(v["intact"], true, "{v:#}");
    assert_eq!(v["checkedCount"].as_u64().unwrap(), total, "{v:#}");
    assert!(v["firstBrokenLink"].is_null(), "{v:#}");
}

/// Edits sequence 3 behind the API (append-only guard already lifted by the
/// caller), checks verification names it, restores it; then deletes
/// sequence 2 and checks verification reports the gap at 3.
async fn tamper_and_detect(app: &TestApp, conn: &DatabaseConnection, total: u64) {
    let original = text_at(conn, "actor_subject", 3).await;
    conn.execute_unprepared(
        "UPDATE audit_event SET actor_subject = 'someone-else' WHERE sequence = 3",
    )
    .await
    .expect("with the guard lifted the UPDATE runs");
    let v = app.verify_range(Value::Null, Value::Null).await;
    assert_eq!(v["intact"], false, "an edited event went unnoticed: {v:#}");
    assert_eq!(
        v["firstBrokenLink"]["sequence"], 3,
        "the edited event is 3: {v:#}"
    );
    assert_eq!(v["firstBrokenLink"]["problem"], "CONTENT_ALTERED", "{v:#}");
    assert_eq!(
        v["checkedCount"], 3,
        "verification stops at the break: {v:#}"
    );

    // Editing the `after` JSON is caught the same way.
    let after = text_at(conn, "after", 3).await;
    assert!(
        after.contains("\"RECEIVED\""),
        "event 3 should be the complaint's creation: {after}"
    );
    conn.execute_unprepared(&format!(
        "UPDATE audit_event SET actor_subject = '{original}', after = '{}' WHERE sequence = 3",
        after.replace("RECEIVED", "CLOSED").replace('\'', "''")
    ))
    .await
    .unwrap();
    let v = app.verify_range(Value::Null, Value::Null).await;
    assert_eq!(
        v["intact"], false,
        "an edited `after` went unnoticed: {v:#}"
    );
    assert_eq!(v["firstBrokenLink"]["sequence"], 3, "{v:#}");
    assert_eq!(v["firstBrokenLink"]["problem"], "CONTENT_ALTERED", "{v:#}");

    // A forger who also recomputes the edited event's hash breaks the link
    // to the next event instead.
    let original_hash = text_at(conn, "hash", 3).await;
    conn.execute_unprepared(&format!(
        "UPDATE audit_event SET actor_subject = 'someone-else', after = '{}' WHERE sequence = 3",
        after.replace('\'', "''")
    ))
    .await
    .unwrap();
    let (rows, _) = services::audit::list(conn, &EventFilter::default(), None, 100)
        .await
        .unwrap();
    let e = rows.iter().find(|r| r.sequence == 3).unwrap();
    let forged = chain::chain_hash(
        &e.previous_hash,
        &redress_api::services::audit::event_content(e),
    );
    assert_ne!(forged, original_hash);
    conn.execute_unprepared(&format!(
        "UPDATE audit_event SET hash = '{forged}' WHERE sequence = 3"
    ))
    .await
    .unwrap();
    let v = app.verify_range(Value::Null, Value::Null).await;
    assert_eq!(v["intact"], false, "a re-hashed edit went unnoticed: {v:#}");
    assert_eq!(
        v["firstBrokenLink"]["sequence"], 4,
        "event 3 now matches its forged hash; event 4 no longer links to it: {v:#}"
    );
    assert_eq!(
        v["firstBrokenLink"]["problem"], "PREVIOUS_HASH_MISMATCH",
        "{v:#}"
    );

    // Put it back exactly: the chain is whole again.
    conn.execute_unprepared(&format!(
        "UPDATE audit_event SET actor_subject = '{original}', after = '{}', hash = '{original_hash}' WHERE sequence = 3",
        after.replace('\'', "''")
    ))
    .await
    .unwrap();
    assert_intact(app, total).await;

    conn.execute_unprepared("DELETE FROM audit_event WHERE sequence = 2")
        .await
        .expect("with the guard lifted the DELETE runs");
    let v = app.verify_range(Value::Null, Value::Null).await;
    assert_eq!(v["intact"], false, "a deleted event went unnoticed: {v:#}");
    assert_eq!(
        v["firstBrokenLink"]["sequence"], 3,
        "the gap shows at the event after the deleted one: {v:#}"
    );
    assert_eq!(v["firstBrokenLink"]["problem"], "MISSING_EVENTS", "{v:#}");
}

#[tokio::test]
async fn editing_an_audit_row_is_caught() {
    let (app, db) = app_and_db().await;
    app.some_history().await;
    let total = app.audit_event_count().await;
    assert!(total >= 4, "expected at least four events, got {total}");
    assert_intact(&app, total).await;

    let conn = db.connect().await;
    let backend = conn.get_database_backend();
    let reason_before = text_at(&conn, "COALESCE(reason, '<null>')", 3).await;

    // The database itself refuses edits and deletes, whoever asks.
    let update = conn
        .execute_unprepared("UPDATE audit_event SET reason = 'x' WHERE sequence = 3")
        .await;
    let err = update.expect_err("an UPDATE of audit_event must be refused");
    assert!(
        err.to_string().contains("append-only"),
        "refused for another reason: {err}"
    );
    let delete = conn
        .execute_unprepared("DELETE FROM audit_event WHERE sequence = 2")
        .await;
    let err = delete.expect_err("a DELETE from audit_event must be refused");
    assert!(
        err.to_string().contains("append-only"),
        "refused for another reason: {err}"
    );
    if backend == DbBackend::Postgres {
        let truncate = conn.execute_unprepared("TRUNCATE audit_event").await;
        assert!(truncate.is_err(), "TRUNCATE audit_event must be refused");
    }
    assert_eq!(
        text_at(&conn, "COALESCE(reason, '<null>')", 3).await,
        reason_before,
        "a refused UPDATE changed the row"
    );
    assert_eq!(
        app.audit_event_count().await,
        total,
        "a refused DELETE removed rows"
    );
    assert_intact(&app, total).await;

    // Someone with DDL rights lifts the guard: verification still catches it.
    match backend {
        DbBackend::Postgres => {
            conn.execute_unprepared(
                "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only",
            )
            .await
            .unwrap();
        }
        _ => {
            conn.execute_unprepared("DROP TRIGGER audit_event_no_update")
                .await
                .unwrap();
            conn.execute_unprepared("DROP TRIGGER audit_event_no_delete")
                .await
                .unwrap();
        }
    }
    tamper_and_detect(&app, &conn, total).await;
    conn.close().await.unwrap();
}

/// Runs a mutation that must be refused with `code`; asserts the complaint's
/// version and the number of audit events did not move.
async fn refused_without_trace(
    app: &TestApp,
    token: &str,
    mutation: &str,
    input: Value,
    code: &str,
) {
    let id = input["id"].clone();
    let version = app.complaint_status(&compliance(), &id).await["version"]
        .as_i64()
        .unwrap();
    let events = app.audit_event_count().await;
    let payload = app.complaint_mutate(token, mutation, input).await;
    assert_eq!(
        user_error_codes(&payload),
        [code],
        "{mutation} should be refused with {code}: {payload:#}"
    );
    assert!(payload["complaint"].is_null(), "{payload:#}");
    assert_eq!(
        app.complaint_status(&compliance(), &id).await["version"]
            .as_i64()
            .unwrap(),
        version,
        "a refused {mutation} ({code}) changed the version"
    );
    assert_eq!(
        app.audit_event_count().await,
        events,
        "a refused {mutation} ({code}) wrote an audit event"
    );
}

#[tokio::test]
async fn failed_mutation_writes_nothing() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let c = app.create_complaint(&manager(), intake("MAIN")).await;
    assert_eq!(c["status"], "RECEIVED");

    // RECEIVED cannot be closed.
    refused_without_trace(
        &app,
        &manager(),
        "complaintClose",
        at(&c, json!({})),
        "INVALID_TRANSITION",
    )
    .await;
    // A withdrawal needs a reason.
    refused_without_trace(
        &app,
        &manager(),
        "complaintWithdraw",
        at(&c, json!({ "reason": "   " })),
        "VALIDATION",
    )
    .await;

    // A stale expectedVersion after someone else's change.
    let acknowledged = app
        .complaint_must(
            &manager(),
            "complaintAcknowledge",
            at(&c, json!({ "method": "PHONE" })),
        )
        .await;
    assert_ne!(acknowledged["version"], c["version"]);
    refused_without_trace(
        &app,
        &manager(),
        "complaintAssign",
        at(&c, json!({ "ownerSubject": "pr-1", "ownerName": "Pat" })),
        "CONFLICT",
    )
    .await;

    // A grievance cannot be resolved without its written response.
    let mut letter = intake("MAIN");
    letter["channel"] = json!("LETTER");
    let g = app.create_complaint(&manager(), letter).await;
    assert_eq!(g["classification"], "GRIEVANCE", "{g:#}");
    let g = app
        .complaint_must(
            &manager(),
            "complaintAssign",
            at(&g, json!({ "ownerSubject": "pr-1", "ownerName": "Pat" })),
        )
        .await;
    let g = app
        .complaint_must(
            &specialist(),
            "complaintStartInvestigation",
            at(&g, json!({})),
        )
        .await;
    refused_without_trace(
        &app,
        &specialist(),
        "complaintResolve",
        at(&g, json!({ "findings": findings(&g) })),
        "GUARD_FAILED",
    )
    .await;

    // And the trail is still one intact chain.
    let total = app.audit_event_count().await;
    assert_intact(&app, total).await;
}

#[tokio::test]
async fn verification_over_a_time_range() {
    let app = TestApp::spawn().await;
    let c = app.some_history().await;
    for i in 0..3 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        app.ok(
            &specialist(),
            "mutation N($input: ComplaintAddNoteInput!) { complaintAddNote(input: $input) { userErrors { code } } }",
            json!({ "input": { "complaintId": c["id"], "body": format!("Follow-up {i}") } }),
        )
        .await;
    }
    let events = app.audit_events().await;
    let total = events.len();
    assert!(total >= 6, "{events:#?}");
    assert_intact(&app, total as u64).await;

    // From the third event's time to the second-to-last one's.
    let from = events[2]["occurredAt"].clone();
    let to = events[total - 2]["occurredAt"].clone();
    let parse = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap())
            .unwrap()
            .to_utc()
    };
    let (lo, hi) = (parse(&from), parse(&to));
    let inside: Vec<i64> = events
        .iter()
        .filter(|e| (lo..=hi).contains(&parse(&e["occurredAt"])))
        .map(|e| e["sequence"].as_i64().unwrap())
        .collect();
    let v = app.verify_range(from.clone(), to.clone()).await;
    assert_eq!(v["intact"], true, "{v:#}");
    assert_eq!(
        v["checkedCount"].as_u64().unwrap() as usize,
        inside.len(),
        "the range [{from}, {to}] holds events {inside:?}: {v:#}"
    );
    assert!(
        inside.len() < total,
        "the range should leave some events out: {inside:?}"
    );
    assert_eq!(v["firstSequence"], json!(inside.first()), "{v:#}");
    assert_eq!(v["lastSequence"], json!(inside.last()), "{v:#}");
    assert_eq!(parse(&v["from"]), lo);
    assert_eq!(parse(&v["to"]), hi);

    // Only `from`: everything from then on.
    let v = app.verify_range(from.clone(), Value::Null).await;
    let later = events
        .iter()
        .filter(|e| parse(&e["occurredAt"]) >= lo)
        .count();
    assert_eq!(v["checkedCount"].as_u64().unwrap() as usize, later, "{v:#}");
    assert_eq!(v["intact"], true, "{v:#}");

    // Ranges with no events: intact, nothing checked.
    let future = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    for (from, to) in [
        (json!(future), Value::Null),
        (Value::Null, json!("2001-01-01T00:00:00Z")),
    ] {
        let v = app.verify_range(from.clone(), to.clone()).await;
        assert_eq!(v["intact"], true, "[{from}, {to}]: {v:#}");
        assert_eq!(v["checkedCount"], 0, "[{from}, {to}]: {v:#}");
        assert!(v["firstSequence"].is_null(), "{v:#}");
        assert!(v["firstBrokenLink"].is_null(), "{v:#}");
    }
}

#[tokio::test]
async fn access_log_records_every_read() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let c = app.create_complaint(&manager(), intake("MAIN")).await;
    let baseline = app.access_log(&c["id"]).await["totalCount"]
        .as_u64()
        .unwrap();
    let reader = token("pr-2", &["PATIENT_RELATIONS"], &["MAIN"]);
    let lead = token("prm-9", &["PATIENT_RELATIONS_MANAGER"], &["MAIN"]);
    let officer = token("co-7", &["COMPLIANCE"], &["MAIN"]);

    let r = app
        .ok(
            &reader,
            "query ById($id: ID!) { complaint(id: $id) { id } }",
            json!({ "id": c["id"] }),
        )
        .await;
    assert_eq!(r["complaint"]["id"], c["id"]);
    let r = app
        .ok(
            &reader,
            "query ByRef($r: String!) { complaintByReference(reference: $r) { id } }",
            json!({ "r": c["reference"].as_str().unwrap().to_lowercase() }),
        )
        .await;
    assert_eq!(r["complaintByReference"]["id"], c["id"]);
    let r = app
        .ok(&lead, "{ complaints { nodes { id } } }", json!({}))
        .await;
    assert_eq!(r["complaints"]["nodes"][0]["id"], c["id"]);
    let r = app
        .ok(
            &officer,
            "query N($id: ID!) { node(id: $id) { id ... on Complaint { reference } } }",
            json!({ "id": c["id"] }),
        )
        .await;
    assert_eq!(r["node"]["reference"], c["reference"]);

    // A read that finds nothing for the caller logs nothing.
    let elsewhere = token("pr-x", &["PATIENT_RELATIONS"], &["WEST"]);
    let r = app
        .ok(
            &elsewhere,
            "query ById($id: ID!) { complaint(id: $id) { id } }",
            json!({ "id": c["id"] }),
        )
        .await;
    assert!(r["complaint"].is_null(), "{r:#}");

    let log = app.access_log(&c["id"]).await;
    assert_eq!(
        log["totalCount"].as_u64().unwrap(),
        baseline + 4,
        "four reads, four entries: {log:#}"
    );
    let newest: Vec<(String, String)> = log["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .take(4)
        .map(|e| {
            (
                e["actor"]["subject"].as_str().unwrap().to_owned(),
                e["operation"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("co-7", "node"),
        ("prm-9", "complaints"),
        ("pr-2", "complaintByReference"),
        ("pr-2", "complaint"),
    ]
    .iter()
    .map(|(s, o)| ((*s).to_owned(), (*o).to_owned()))
    .collect();
    assert_eq!(newest, expected, "access log, newest first: {log:#}");
    let nodes = log["nodes"].as_array().unwrap();
    assert_eq!(
        nodes[1]["actor"]["roles"],
        json!(["PATIENT_RELATIONS_MANAGER"])
    );
    for pair in nodes.windows(2) {
        let time = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
        assert!(
            time(&pair[0]["accessedAt"]) >= time(&pair[1]["accessedAt"]),
            "not newest first: {log:#}"
        );
        assert_ne!(pair[0]["requestId"], pair[1]["requestId"], "{log:#}");
    }
    // Reading the access log is not itself a read of the complaint.
    let again = app.access_log(&c["id"]).await;
    assert_eq!(again["totalCount"], log["totalCount"]);
}
