//! An append goes after the head this process last wrote only when the
//! database confirms, in the insert itself, that it still is the head.
//! Each way that hint goes wrong is made to happen here: another database
//! served by the same process (same sequence, another hash), a writer
//! behind the process's back (the head moved on), a rolled-back append
//! (the hint ran ahead). Every mutation still succeeds and every chain
//! stays whole and gapless.

use std::collections::BTreeSet;

use chrono::Utc;
use entity::audit_event::Entity as AuditEvent;
use redress_api::db;
use redress_api::domain::actor::{Actor, FacilityScope, Role};
use redress_api::domain::audit as chain;
use redress_api::services::Caller;
use redress_api::services::audit::{self, NewEvent};
use redress_api::startup::Application;
use sea_orm::{DatabaseConnection, EntityTrait, IntoActiveModel};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

async fn app_and_db() -> (TestApp, TestDb) {
    let db = TestDb::new().await;
    let app = TestApp::start(Application::build(settings(&db.url)).await.unwrap());
    (app, db)
}

/// The whole chain verifies, holds `total` events, and its sequences are
/// 1..=total.
async fn assert_whole(app: &TestApp, conn: &DatabaseConnection, total: u64) {
    let v = app.verify_range(Value::Null, Value::Null).await;
    assert_eq!(v["intact"], true, "{v:#}");
    assert_eq!(v["checkedCount"].as_u64().unwrap(), total, "{v:#}");
    let sequences: BTreeSet<i64> = AuditEvent::find()
        .all(conn)
        .await
        .unwrap()
        .iter()
        .map(|e| e.sequence)
        .collect();
    let expected: BTreeSet<i64> = (1..=i64::try_from(total).unwrap()).collect();
    assert_eq!(sequences, expected);
}

/// Another writer (another process, say) appends a well-chained event
/// without this process knowing: a copy of the head, linked after it.
async fn append_behind_the_process(conn: &DatabaseConnection) {
    let (sequence, hash) = audit::last_event(conn).await.unwrap().unwrap();
    let mut event = AuditEvent::find_by_id(sequence)
        .one(conn)
        .await
        .unwrap()
        .unwrap();
    event.sequence = sequence + 1;
    event.id = Uuid::now_v7();
    event.request_id = "another-process".into();
    event.previous_hash = hash.clone();
    event.hash = chain::chain_hash(&hash, &audit::event_content(&event));
    AuditEvent::insert(event.into_active_model())
        .exec_without_returning(conn)
        .await
        .unwrap();
}

#[tokio::test]
async fn every_append_extends_the_real_head_whatever_the_process_last_wrote() {
    let (a, a_db) = app_and_db().await;
    let (b, b_db) = app_and_db().await;
    let (a_conn, b_conn) = (a_db.connect().await, b_db.connect().await);
    // The same history in two databases: their heads have the same
    // sequence and different hashes.
    for app in [&a, &b] {
        app.create_facility("MAIN").await;
        app.create_complaint(&manager(), intake("MAIN")).await;
    }
    let (a_head, b_head) = (
        audit::last_event(&a_conn).await.unwrap().unwrap(),
        audit::last_event(&b_conn).await.unwrap().unwrap(),
    );
    assert_eq!(a_head.0, b_head.0);
    assert_ne!(a_head.1, b_head.1);
    let mut total = u64::try_from(a_head.0).unwrap();

    // B wrote last; A's next event must link to A's head, not B's.
    a.create_complaint(&manager(), intake("MAIN")).await;
    total += 1;
    assert_whole(&a, &a_conn, total).await;

    // Someone else appends to A; A's next event goes after theirs.
    append_behind_the_process(&a_conn).await;
    a.create_complaint(&manager(), intake("MAIN")).await;
    total += 2;
    assert_whole(&a, &a_conn, total).await;

    // An append whose transaction rolls back leaves nothing, and the next
    // event takes its sequence.
    let actor = Actor {
        subject: "pr-rollback".into(),
        name: "Rolled Back".into(),
        roles: BTreeSet::from([Role::PatientRelations]),
        facilities: FacilityScope::from_claim(["MAIN"]),
    };
    let caller = Caller {
        actor: &actor,
        request_id: "rolled-back",
    };
    let txn = db::begin_write(&a_conn).await.unwrap();
    let lost = audit::append(
        &txn,
        &caller,
        NewEvent::change(
            "TEST_ROLLED_BACK",
            "Complaint",
            Uuid::now_v7(),
            None,
            &json!({}),
        ),
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(lost.sequence, i64::try_from(total).unwrap() + 1);
    txn.rollback().await.unwrap();
    a.create_complaint(&manager(), intake("MAIN")).await;
    total += 1;
    assert_whole(&a, &a_conn, total).await;
    let head = AuditEvent::find_by_id(i64::try_from(total).unwrap())
        .one(&a_conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(head.action, "COMPLAINT_CREATE");
    assert_ne!(head.id, lost.id);

    // B, written to again after all that, is whole too.
    b.create_complaint(&manager(), intake("MAIN")).await;
    assert_whole(&b, &b_conn, u64::try_from(b_head.0).unwrap() + 1).await;
}
