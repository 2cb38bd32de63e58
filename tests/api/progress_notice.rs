//! The seven-day PROGRESS_NOTICE clock end to end: shown for a CMS
//! complaint and not under a policy without the duty, met by resolution
//! within the period, missed (overdue, found by the filters) after it,
//! rebuilt by `complaintAsOf`, and met by a notice recorded through the
//! service the letters call (inside the caller's transaction, audited).
//! The "met by a sent PROGRESS_NOTICE letter" case through the API is added
//! where letters exist.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use redress_api::domain::actor::{Actor, FacilityScope, Role};
use redress_api::services::{Caller, complaints};
use redress_api::startup::Application;
use sea_orm::{Database, DatabaseConnection, TransactionTrait};
use serde_json::{Value, json};

use crate::helpers::*;

const FIND: &str =
    "query($f: ComplaintFilterInput) { complaints(filter: $f) { totalCount nodes { reference } } }";

fn notice(c: &Value) -> Option<&Value> {
    c["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "PROGRESS_NOTICE")
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

fn received(days_ago: i64) -> Value {
    let mut input = intake("MAIN");
    input["receivedAt"] = json!((Utc::now() - Duration::days(days_ago)).to_rfc3339());
    input
}

async fn refs(app: &TestApp, filter: Value) -> Vec<String> {
    let data = app.ok(&compliance(), FIND, json!({ "f": filter })).await;
    let mut out: Vec<String> = data["complaints"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["reference"].as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

fn reference(c: &Value) -> String {
    c["reference"].as_str().unwrap().to_owned()
}

/// The app and a connection to its database (for the service call).
async fn spawn_with_db() -> (TestApp, DatabaseConnection, TestDb) {
    let db = TestDb::new().await;
    let app = TestApp::start(Application::build(settings(&db.url)).await.unwrap());
    let conn = Database::connect(&db.url).await.unwrap();
    (app, conn, db)
}

#[tokio::test]
async fn cms_complaints_run_the_clock_and_policies_without_the_duty_do_not() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    // The seeded CMS policy carries the 7-day duty.
    let policies = app
        .ok(
            &admin(),
            r#"{ deadlinePolicies(facilityCode: "MAIN") { nodes { program progressNotice { amount unit } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        policies["deadlinePolicies"]["nodes"][0]["progressNotice"],
        json!({ "amount": 7, "unit": "CALENDAR_DAYS" })
    );
    let input = received(1);
    let at = time(&input["receivedAt"]);
    let c = app.create_complaint(&specialist(), input).await;
    let clock = notice(&c).expect("a CMS complaint has the clock");
    // Seven calendar days in the facility's zone: the same local wall-clock
    // time, seven local dates later.
    let tz = chrono_tz::America::Chicago;
    let due_local = DateTime::parse_from_rfc3339(clock["dueAtLocal"].as_str().unwrap()).unwrap();
    assert_eq!(
        due_local.naive_local(),
        (at.with_timezone(&tz).naive_local() + Duration::days(7)).trunc_subsecs(6)
    );
    assert_eq!(clock["status"], "RUNNING");
    assert_eq!(clock["metAt"], Value::Null);
    assert_eq!(c["overdue"], false);

    // Medicare Advantage has no such duty unless configured: no clock.
    let ma = json!({
        "facilityCode": "MAIN", "program": "MEDICARE_ADVANTAGE",
        "acknowledgement": { "amount": 7, "unit": "CALENDAR_DAYS" },
        "resolution": { "amount": 30, "unit": "CALENDAR_DAYS" },
        "maxExtensions": 1, "maxExtension": { "amount": 14, "unit": "CALENDAR_DAYS" }
    });
    // The span is validated like the others.
    let mut bad = ma.clone();
    bad["progressNotice"] = json!({ "amount": 0, "unit": "CALENDAR_DAYS" });
    let p = app.upsert_policy(&admin(), bad).await;
    assert_eq!(user_error_codes(&p), ["VALIDATION"]);
    assert_eq!(
        p["userErrors"][0]["field"],
        json!(["input", "progressNotice", "amount"])
    );
    let p = app.upsert_policy(&admin(), ma).await;
    assert_eq!(p["userErrors"], json!([]), "{p:#}");
    let mut input = received(20);
    input["program"] = json!("MEDICARE_ADVANTAGE");
    let none = app.create_complaint(&specialist(), input).await;
    assert!(notice(&none).is_none(), "{:#}", none["clocks"]);
    assert_eq!(none["clocks"].as_array().unwrap().len(), 2);
    // Neither "met" nor "not met": it does not owe a notice.
    assert_eq!(
        refs(&app, json!({ "progressNoticeMet": false })).await,
        [reference(&c)]
    );
    assert!(
        refs(&app, json!({ "progressNoticeMet": true }))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn resolution_within_the_period_meets_it_and_later_resolution_is_late() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    // A phone complaint settled on the spot on day 3.
    let c = app.create_complaint(&specialist(), received(3)).await;
    let c = app
        .complaint_must(
            &specialist(),
            "complaintResolveAtPointOfService",
            at(
                &c,
                json!({ "resolution": "Apologised and explained the wait." }),
            ),
        )
        .await;
    let clock = notice(&c).unwrap();
    assert_eq!(clock["status"], "MET_ON_TIME");
    assert_eq!(clock["metOnTime"], true);
    let resolution_met = &c["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "RESOLUTION")
        .unwrap()["metAt"];
    assert_eq!(clock["metAt"], *resolution_met, "met at the resolution");

    // Received ten days ago, acknowledged on day 1, resolved now with no
    // notice sent: the duty was missed, met late at the resolution.
    let mut input = received(10);
    let ack_at = time(&input["receivedAt"]) + Duration::days(1);
    input["channel"] = json!("LETTER");
    let late = app.create_complaint(&specialist(), input).await;
    let late = app
        .complaint_must(
            &manager(),
            "complaintAcknowledge",
            at(
                &late,
                json!({ "method": "LETTER", "acknowledgedAt": ack_at.to_rfc3339() }),
            ),
        )
        .await;
    assert_eq!(notice(&late).unwrap()["status"], "OVERDUE");
    let late = app
        .complaint_must(
            &manager(),
            "complaintAssign",
            at(
                &late,
                json!({ "ownerSubject": "pr-1", "ownerName": "Pat Rivera" }),
            ),
        )
        .await;
    let late = app
        .complaint_must(
            &manager(),
            "complaintStartInvestigation",
            at(&late, json!({})),
        )
        .await;
    app.send_resolution_letter(&manager(), &late, false).await;
    let late = app
        .complaint_must(
            &manager(),
            "complaintResolve",
            at(&late, json!({ "findings": findings(&late) })),
        )
        .await;
    let clock = notice(&late).unwrap();
    assert_eq!(clock["status"], "MET_LATE");
    assert_eq!(late["overdue"], false);
    // Met late is a missed deadline; the on-the-spot one is not.
    let missed = refs(&app, json!({ "missedDeadline": true })).await;
    assert!(missed.contains(&reference(&late)));
    assert!(!missed.contains(&reference(&c)));
}

#[tokio::test]
async fn missed_after_seven_days_is_overdue_until_a_notice_is_recorded() {
    let (app, conn, _db) = spawn_with_db().await;
    app.create_facility("MAIN").await;
    // Received 8 days ago and acknowledged on day 1: only the progress
    // notice is past due.
    let mut input = received(8);
    let ack_at = time(&input["receivedAt"]) + Duration::days(1);
    input["channel"] = json!("LETTER");
    let c = app.create_complaint(&specialist(), input).await;
    let c = app
        .complaint_must(
            &manager(),
            "complaintAcknowledge",
            at(
                &c,
                json!({ "method": "LETTER", "acknowledgedAt": ack_at.to_rfc3339() }),
            ),
        )
        .await;
    let fresh = app.create_complaint(&specialist(), received(1)).await;
    assert_eq!(notice(&c).unwrap()["status"], "OVERDUE");
    assert_eq!(c["overdue"], true);
    assert_eq!(
        refs(&app, json!({ "overdue": true })).await,
        [reference(&c)]
    );
    assert_eq!(
        refs(&app, json!({ "overdue": false })).await,
        [reference(&fresh)]
    );
    let mut unmet = vec![reference(&c), reference(&fresh)];
    unmet.sort();
    assert_eq!(
        refs(&app, json!({ "progressNoticeMet": false })).await,
        unmet
    );
    assert_eq!(
        refs(&app, json!({ "missedDeadline": true })).await,
        [reference(&c)]
    );
    // complaintAsOf rebuilds the clock from the trail.
    let as_of = app
        .complaint_as_of(
            "clocks { kind dueAt status }",
            &c["id"],
            &Utc::now().to_rfc3339(),
        )
        .await;
    let rebuilt = as_of["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "PROGRESS_NOTICE")
        .expect("rebuilt with the clock")
        .clone();
    assert_eq!(rebuilt["dueAt"], notice(&c).unwrap()["dueAt"]);
    assert_eq!(rebuilt["status"], "OVERDUE");

    // A notice sent now, recorded through the service the letters call, in
    // the caller's transaction: met late, no longer overdue, audited.
    let actor = Actor {
        subject: "pr-1".to_owned(),
        name: "Pat Relations".to_owned(),
        roles: [Role::PatientRelations].into_iter().collect(),
        facilities: FacilityScope::from_claim(["MAIN"]),
    };
    let caller = Caller {
        actor: &actor,
        request_id: "progress-notice-test",
    };
    let id = uuid_of_global(&c["id"]);
    let sent_at = Utc::now() - Duration::minutes(1);
    let txn = conn.begin().await.unwrap();
    let changed = complaints::record_progress_notice(&txn, &caller, id, sent_at)
        .await
        .unwrap()
        .expect("the notice meets the clock");
    txn.commit().await.unwrap();
    assert!(changed.clocks.progress_notice_met_at.is_some());
    let (_, version) = app.complaint_version(&c["id"]).await;
    assert_eq!(version, json!(c["version"].as_i64().unwrap() + 1));
    let after = app
        .ok(
            &compliance(),
            "query($id: ID!) { complaint(id: $id) { overdue clocks { kind status metAt } } }",
            json!({ "id": c["id"] }),
        )
        .await;
    let clock = notice(&after["complaint"]).unwrap();
    assert_eq!(clock["status"], "MET_LATE");
    assert_eq!(after["complaint"]["overdue"], false);
    assert!(
        app.history_actions(&c["id"])
            .await
            .contains(&"COMPLAINT_PROGRESS_NOTICE_RECORDED".to_owned())
    );
    // A second notice changes nothing and writes nothing.
    let txn = conn.begin().await.unwrap();
    let again = complaints::record_progress_notice(&txn, &caller, id, Utc::now())
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert!(again.is_none());
    assert_eq!(app.complaint_version(&c["id"]).await.1, version);
    assert_eq!(
        app.history_count(&c["id"], &["COMPLAINT_PROGRESS_NOTICE_RECORDED"])
            .await,
        1
    );
    // Someone without LogContact is refused, and the transaction writes
    // nothing.
    let staff = Actor {
        roles: [Role::Staff].into_iter().collect(),
        ..actor.clone()
    };
    let staff_caller = Caller {
        actor: &staff,
        request_id: "progress-notice-staff",
    };
    let fid = uuid_of_global(&fresh["id"]);
    let txn = conn.begin().await.unwrap();
    assert!(
        complaints::record_progress_notice(&txn, &staff_caller, fid, Utc::now())
            .await
            .is_err()
    );
    txn.rollback().await.unwrap();
    assert_eq!(
        app.complaint_version(&fresh["id"]).await.1,
        fresh["version"]
    );
}

#[tokio::test]
async fn withdrawal_stops_it() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let c = app.create_complaint(&specialist(), received(9)).await;
    let c = app
        .complaint_must(
            &manager(),
            "complaintWithdraw",
            at(&c, json!({ "reason": "Complainant withdrew" })),
        )
        .await;
    assert_eq!(notice(&c).unwrap()["status"], "STOPPED");
    assert_eq!(c["overdue"], false);
    assert!(refs(&app, json!({ "overdue": true })).await.is_empty());
}
