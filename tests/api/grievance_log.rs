//! `grievanceLog`: every column of a row against what the test created
//! (expected times written out by hand, in each facility's zone), each
//! filter, local-day period edges (23:30 on a month's last day, two zones,
//! a DST change), keyset paging, authorisation and one access-log entry
//! per run.

pub mod fixture;

use chrono::{DateTime, Utc};
use entity::access_log_entry;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use self::fixture::*;
use crate::helpers::*;

fn r(c: &Value) -> String {
    c["reference"].as_str().unwrap().to_owned()
}

fn period(from: &str, to: &str) -> Value {
    json!({ "from": from, "to": to })
}

fn with(mut filter: Value, key: &str, value: Value) -> Value {
    filter[key] = value;
    filter
}

fn instant(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

/// What the complaint's record says, read back through `complaint(id:)`.
async fn read_back(app: &TestApp, id: &Value) -> Value {
    app.ok(
        &officer(),
        "query R($id: ID!) { complaint(id: $id) { id reference classificationReasons
           resolution { at writtenResponse { sentAt } } updatedAt } }",
        json!({ "id": id }),
    )
    .await["complaint"]
        .clone()
}

#[tokio::test]
async fn every_column_of_a_row_is_what_was_recorded_in_the_facility_zone() {
    let fx = log_app().await;
    let k = create(&fx).await;
    let page = fx
        .log(
            &officer(),
            period("2026-01-01", "2026-03-31"),
            20,
            Value::Null,
        )
        .await;
    // Oldest receipt first: A (05:30Z), C (06:30Z), F (06:45Z) on 1 February UTC, B in March.
    assert_eq!(refs(&page), vec![r(&k.a), r(&k.c), r(&k.f), r(&k.b)]);
    let rows = page["nodes"].as_array().unwrap();

    let a = &rows[0];
    let raw = read_back(&fx.app, &k.a["id"]).await;
    assert_eq!(a["complaintId"], k.a["id"]);
    assert_eq!(a["facilityCode"], "MAIN");
    assert_eq!(a["facilityName"], "MAIN Hospital");
    assert_eq!(a["department"], "Cardiology");
    assert_eq!(a["receivedAt"], "2026-02-01T05:30:00+00:00");
    assert_eq!(a["receivedAtLocal"], "2026-01-31T23:30:00-06:00");
    assert_eq!(a["channel"], "LETTER");
    assert_eq!(a["classification"], "GRIEVANCE");
    assert_eq!(a["classificationReasons"], raw["classificationReasons"]);
    assert!(
        a["classificationReasons"]
            .as_array()
            .unwrap()
            .contains(&json!("WRITTEN"))
    );
    assert_eq!(
        a["issues"],
        json!([{ "category": "QUALITY", "severity": 3, "stageOfCare": "CARE_ON_WARD" }])
    );
    assert_eq!(
        a["owner"],
        json!({ "subject": "pr-1", "name": "Pat Rivera" })
    );
    assert_eq!(a["status"], "RESOLVED");
    assert_eq!(a["acknowledgedAt"], "2026-02-09T15:00:00+00:00");
    assert_eq!(a["acknowledgementMethod"], "EMAIL");
    assert_eq!(a["resolvedAt"], raw["resolution"]["at"]);
    assert_eq!(
        a["writtenResponseSentAt"],
        raw["resolution"]["writtenResponse"]["sentAt"]
    );
    assert_eq!(a["writtenResponseMethod"], "LETTER");
    assert_eq!(a["qioNoticeRequired"], true);
    assert_eq!(a["qioNoticeIncluded"], true);
    assert_eq!(a["outcome"], "RESOLVED_IN_WRITING");
    assert_eq!(a["reopenCount"], 1);
    let days = (instant(&raw["resolution"]["at"]) - instant(&a["receivedAt"])).num_days();
    assert_eq!(a["daysOpen"], days);
    // 7 and 30 calendar days at the same Chicago wall-clock time.
    let ack = &a["clocks"][0];
    assert_eq!(ack["kind"], "ACKNOWLEDGEMENT");
    assert_eq!(ack["dueAtLocal"], "2026-02-07T23:30:00-06:00");
    assert_eq!(ack["dueAt"], "2026-02-08T05:30:00+00:00");
    assert_eq!(ack["metAt"], "2026-02-09T15:00:00+00:00");
    assert_eq!(ack["status"], "MET_LATE");
    assert_eq!(ack["missed"], true);
    let res = &a["clocks"][1];
    assert_eq!(res["kind"], "RESOLUTION");
    assert_eq!(res["dueAtLocal"], "2026-03-02T23:30:00-06:00");
    // Met at the first resolution; the reopening does not restart it.
    assert_eq!(res["metAt"], k.a_first_resolution);
    assert_eq!(res["status"], "MET_LATE");
    assert_eq!(res["missed"], true);

    // C: WEST's own policy (2 and 10 days) in Los Angeles; withdrawn, so
    // its unmet clocks stopped rather than went overdue.
    let c = &rows[1];
    let raw = read_back(&fx.app, &k.c["id"]).await;
    assert_eq!(c["facilityCode"], "WEST");
    assert_eq!(c["facilityName"], "WEST Hospital");
    assert_eq!(c["receivedAtLocal"], "2026-01-31T22:30:00-08:00");
    assert_eq!(c["channel"], "PORTAL");
    assert_eq!(c["status"], "WITHDRAWN");
    assert_eq!(c["outcome"], "WITHDRAWN");
    assert_eq!(c["owner"], Value::Null);
    assert_eq!(c["acknowledgedAt"], Value::Null);
    assert_eq!(c["resolvedAt"], Value::Null);
    assert_eq!(c["qioNoticeRequired"], false);
    assert_eq!(c["qioNoticeIncluded"], Value::Null);
    assert_eq!(c["clocks"][0]["dueAtLocal"], "2026-02-02T22:30:00-08:00");
    assert_eq!(c["clocks"][1]["dueAtLocal"], "2026-02-10T22:30:00-08:00");
    for clock in c["clocks"].as_array().unwrap() {
        assert_eq!(clock["status"], "STOPPED");
        assert_eq!(clock["missed"], false);
    }
    // Withdrawal was its last change.
    let days = (instant(&raw["updatedAt"]) - instant(&c["receivedAt"])).num_days();
    assert_eq!(c["daysOpen"], days);

    // B: received before the DST change, due after it: same wall time,
    // one hour less of UTC offset.
    let b = &rows[3];
    assert_eq!(b["receivedAtLocal"], "2026-03-07T10:00:00-06:00");
    assert_eq!(b["clocks"][0]["dueAtLocal"], "2026-03-14T10:00:00-05:00");
    assert_eq!(b["clocks"][0]["dueAt"], "2026-03-14T15:00:00+00:00");
    assert_eq!(b["clocks"][1]["dueAtLocal"], "2026-04-06T10:00:00-05:00");
    assert_eq!(b["outcome"], "OPEN");
    assert_eq!(b["status"], "RECEIVED");
    for clock in b["clocks"].as_array().unwrap() {
        assert_eq!(clock["status"], "OVERDUE");
        assert_eq!(clock["missed"], true);
        assert_eq!(clock["metAt"], Value::Null);
    }
    let open_days = (Utc::now() - instant(&b["receivedAt"])).num_days();
    let got = b["daysOpen"].as_i64().unwrap();
    assert!(
        got == open_days || got + 1 == open_days,
        "{got} vs {open_days}"
    );
}

#[tokio::test]
async fn periods_are_local_days_at_each_facility() {
    let fx = log_app().await;
    let k = create(&fx).await;
    // 31 January ends at midnight in each facility's own zone: A (23:30
    // Chicago) and C (22:30 Los Angeles) are January; F (00:45 Chicago on
    // 1 February, 06:45Z) is not, though C is later in UTC than A.
    assert_eq!(
        fx.references(period("2026-01-01", "2026-01-31")).await,
        vec![r(&k.a), r(&k.c)]
    );
    assert_eq!(
        fx.references(period("2026-02-01", "2026-02-28")).await,
        vec![r(&k.f)]
    );
    assert_eq!(
        fx.references(period("2026-03-07", "2026-03-07")).await,
        vec![r(&k.b)]
    );
    assert_eq!(
        fx.references(period("2026-03-08", "2026-03-31")).await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn each_filter_narrows_the_log() {
    let fx = log_app().await;
    let k = create(&fx).await;
    let year = period("2026-01-01", "2026-12-31");
    let all = fx.references(year.clone()).await;
    assert_eq!(all, vec![r(&k.a), r(&k.c), r(&k.f), r(&k.b), r(&k.e)]);
    let only = |key: &str, value: Value| fx.references(with(year.clone(), key, value));
    assert_eq!(only("facilities", json!(["WEST"])).await, vec![r(&k.c)]);
    assert_eq!(
        only("facilities", json!(["MAIN", "WEST"])).await,
        all.clone()
    );
    assert_eq!(
        only("department", json!("Cardiology")).await,
        vec![r(&k.a), r(&k.f)]
    );
    assert_eq!(
        only("classification", json!("COMPLAINT")).await,
        vec![r(&k.d)]
    );
    assert_eq!(only("status", json!(["WITHDRAWN"])).await, vec![r(&k.c)]);
    assert_eq!(
        only("status", json!(["RECEIVED", "ACKNOWLEDGED"])).await,
        vec![r(&k.f), r(&k.b), r(&k.e)]
    );
    assert_eq!(only("category", json!("QUALITY")).await, vec![r(&k.a)]);
    assert_eq!(
        only("category", json!("COMMUNICATION")).await,
        vec![r(&k.c), r(&k.f), r(&k.b), r(&k.e)]
    );
    assert_eq!(
        only("missedDeadline", json!(true)).await,
        vec![r(&k.a), r(&k.f), r(&k.b)]
    );
    assert_eq!(
        only("missedDeadline", json!(false)).await,
        vec![r(&k.c), r(&k.e)]
    );
    let e = fx
        .log(
            &officer(),
            with(year.clone(), "department", json!("Oncology")),
            5,
            Value::Null,
        )
        .await;
    let e = &e["nodes"][0];
    assert_eq!(e["status"], "ACKNOWLEDGED");
    assert_eq!(e["clocks"][0]["status"], "MET_ON_TIME");
    assert_eq!(e["clocks"][1]["status"], "RUNNING");
    assert_eq!(e["daysOpen"], 0);
}

#[tokio::test]
async fn keyset_pages_cover_the_log_once_and_each_run_is_one_access_log_entry() {
    let fx = log_app().await;
    create(&fx).await;
    let year = period("2026-01-01", "2026-12-31");
    let whole = fx.references(year.clone()).await;
    let before = fx.report_runs("grievanceLog").await;
    let (mut seen, mut after, mut pages) = (Vec::new(), Value::Null, 0);
    loop {
        let page = fx.log(&lead(), year.clone(), 2, after).await;
        pages += 1;
        seen.extend(refs(&page));
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, whole, "no duplicate, no gap, same order");
    assert_eq!(pages, 3);
    assert_eq!(fx.report_runs("grievanceLog").await, before + 3);
    let entry = access_log_entry::Entity::find()
        .filter(access_log_entry::Column::Operation.eq("grievanceLog"))
        .filter(access_log_entry::Column::ActorSubject.eq("prm-w"))
        .all(&fx.db)
        .await
        .unwrap();
    assert_eq!(entry.len(), 3);
    let detail: Value = serde_json::from_str(entry[0].detail.as_deref().unwrap()).unwrap();
    assert_eq!(detail["from"], "2026-01-01");
    assert_eq!(detail["classification"], "GRIEVANCE");
    assert_eq!(detail["facilities"], json!(["MAIN", "WEST"]));

    let (_, body) = fx
        .app
        .graphql(
            Some(&officer()),
            LOG,
            json!({ "filter": year, "after": "bm90LWEtY3Vyc29y" }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body:#}");
}

#[tokio::test]
async fn only_managers_and_compliance_read_the_log_and_only_in_scope() {
    let fx = log_app().await;
    let k = create(&fx).await;
    let year = period("2026-01-01", "2026-12-31");
    let before = fx.report_runs("grievanceLog").await;
    for refused in [
        token("st-1", &["STAFF"], &["*"]),
        token("pr-w", &["PATIENT_RELATIONS"], &["*"]),
        admin(),
    ] {
        let (_, body) = fx
            .app
            .graphql(Some(&refused), LOG, json!({ "filter": year }))
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body:#}");
    }
    // MAIN only: WEST is out of scope, so naming it is refused …
    let (_, body) = fx
        .app
        .graphql(
            Some(&compliance()),
            LOG,
            json!({ "filter": with(year.clone(), "facilities", json!(["WEST"])) }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body:#}");
    assert!(body.to_string().contains("WEST"), "{body:#}");
    assert_eq!(fx.report_runs("grievanceLog").await, before);
    // … and without facilities the log is MAIN's.
    let page = fx.log(&compliance(), year, 20, Value::Null).await;
    assert_eq!(refs(&page), vec![r(&k.a), r(&k.f), r(&k.b), r(&k.e)]);
    assert_eq!(fx.report_runs("grievanceLog").await, before + 1);
}
