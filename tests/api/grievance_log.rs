//! `grievanceLog`: every column of a row against what the test created
//! (expected times written out by hand, in each facility's zone), each
//! filter, local-day period edges (23:30 on a month's last day, two zones,
//! a DST change), keyset paging, authorisation and one access-log entry
//! per run.

use chrono::{DateTime, Duration, Utc};
use entity::access_log_entry;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use redress_api::startup::Application;

use crate::helpers::*;

pub const LOG: &str = "query L($filter: GrievanceLogFilter!, $first: Int, $after: String) {
  grievanceLog(filter: $filter, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { complaintId reference facilityCode facilityName department receivedAt receivedAtLocal
      channel classification classificationReasons issues { category severity stageOfCare }
      owner { subject name } status acknowledgedAt acknowledgementMethod resolvedAt
      writtenResponseSentAt writtenResponseMethod qioNoticeRequired qioNoticeIncluded
      clocks { kind dueAt dueAtLocal metAt status missed } outcome reopenCount daysOpen } } }";

/// Every facility, the log's two zones.
pub fn officer() -> String {
    token("co-all", &["COMPLIANCE"], &["*"])
}

fn lead() -> String {
    token("prm-w", &["PATIENT_RELATIONS_MANAGER"], &["MAIN", "WEST"])
}

/// The app, a connection to its database (to count access-log entries)
/// and the database's guard.
pub struct Fixture {
    pub app: TestApp,
    pub db: DatabaseConnection,
    _guard: TestDb,
}

pub async fn fixture() -> Fixture {
    let guard = TestDb::new().await;
    let db = guard.connect().await;
    let app = TestApp::start(
        Application::build_with_db(settings(&guard.url), db.clone())
            .await
            .unwrap(),
    );
    Fixture {
        app,
        db,
        _guard: guard,
    }
}

impl Fixture {
    /// Report runs in the access log, by operation.
    pub async fn report_runs(&self, operation: &str) -> u64 {
        access_log_entry::Entity::find()
            .filter(access_log_entry::Column::RecordType.eq("Report"))
            .filter(access_log_entry::Column::Operation.eq(operation))
            .count(&self.db)
            .await
            .unwrap()
    }

    pub async fn log(&self, token: &str, filter: Value, first: i64, after: Value) -> Value {
        self.app
            .ok(
                token,
                LOG,
                json!({ "filter": filter, "first": first, "after": after }),
            )
            .await["grievanceLog"]
            .clone()
    }

    /// The references of every row, following pages of `first`.
    pub async fn references(&self, filter: Value) -> Vec<String> {
        let page = self.log(&officer(), filter, 50, Value::Null).await;
        assert_eq!(page["pageInfo"]["hasNextPage"], false);
        refs(&page)
    }
}

pub fn refs(page: &Value) -> Vec<String> {
    page["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["reference"].as_str().unwrap().to_owned())
        .collect()
}

pub fn grievance(facility: &str, channel: &str, received: &str, department: &str) -> Value {
    let mut input = intake(facility);
    input["channel"] = json!(channel);
    input["receivedAt"] = json!(received);
    input["department"] = json!(department);
    input
}

/// What the log tests look at: MAIN (Chicago, default policy: 7 and 30
/// calendar days) and WEST (Los Angeles, 2 and 10 calendar days).
pub struct Created {
    /// MAIN, 23:30 on 31 January in Chicago; Medicare, quality of care;
    /// acknowledged late by email, resolved in writing with the QIO
    /// notice, reopened and resolved again.
    pub a: Value,
    /// When A was first resolved: its resolution clock was met then.
    pub a_first_resolution: Value,
    /// MAIN, 7 March 10:00 CST (the clocks fall after the DST change); open.
    pub b: Value,
    /// WEST, 22:30 on 31 January in Los Angeles (1 February in Chicago); withdrawn.
    pub c: Value,
    /// MAIN, a phone complaint (not a grievance), 15 January.
    pub d: Value,
    /// MAIN, two hours ago, acknowledged an hour ago: no clock missed.
    pub e: Value,
    /// MAIN, 00:45 on 1 February in Chicago; open.
    pub f: Value,
}

pub async fn create(fx: &Fixture) -> Created {
    let app = &fx.app;
    app.create_facility("MAIN").await;
    let mut west = facility_input("WEST");
    west["timeZone"] = json!("America/Los_Angeles");
    let payload = app.upsert_facility(&admin(), west).await;
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
    let policy = app
        .upsert_policy(
            &admin(),
            json!({
                "facilityCode": "WEST", "program": "CMS_HOSPITAL",
                "acknowledgement": { "amount": 2, "unit": "CALENDAR_DAYS" },
                "resolution": { "amount": 10, "unit": "CALENDAR_DAYS" },
                "expectedVersion": 1,
            }),
        )
        .await;
    assert_eq!(policy["userErrors"], json!([]), "{policy:#}");
    let m = lead();

    let mut input = grievance("MAIN", "LETTER", "2026-02-01T05:30:00Z", "Cardiology");
    input["medicareBeneficiary"] = json!(true);
    input["concernsQualityOfCare"] = json!(true);
    input["issues"] =
        json!([{ "category": "QUALITY", "severity": 3, "stageOfCare": "CARE_ON_WARD" }]);
    let a = app.create_complaint(&m, input).await;
    let a = app
        .complaint_must(
            &m,
            "complaintAssign",
            at(
                &a,
                json!({ "ownerSubject": "pr-1", "ownerName": "Pat Rivera" }),
            ),
        )
        .await;
    let a = app
        .complaint_must(
            &m,
            "complaintAcknowledge",
            at(
                &a,
                json!({ "method": "EMAIL", "acknowledgedAt": "2026-02-09T15:00:00Z" }),
            ),
        )
        .await;
    let resolve = |c: Value| async move {
        let c = if c["status"] == "INVESTIGATING" {
            c
        } else {
            app.complaint_must(&lead(), "complaintStartInvestigation", at(&c, json!({})))
                .await
        };
        app.complaint_must(
            &lead(),
            "complaintResolve",
            at(
                &c,
                json!({ "findings": findings(&c), "writtenResponse": written_response(true) }),
            ),
        )
        .await
    };
    let a = resolve(a).await;
    let a_first_resolution = a["clocks"][1]["metAt"].clone();
    assert_ne!(a_first_resolution, Value::Null);
    let a = app
        .complaint_must(
            &m,
            "complaintReopen",
            at(&a, json!({ "reason": "The family wrote again." })),
        )
        .await;
    let a = resolve(a).await;

    let b = grievance(
        "MAIN",
        "EMAIL",
        "2026-03-07T16:00:00Z",
        "Emergency Department",
    );
    let b = app.create_complaint(&m, b).await;

    let c = grievance("WEST", "PORTAL", "2026-02-01T06:30:00Z", "Radiology");
    let c = app.create_complaint(&m, c).await;
    let c = app
        .complaint_must(
            &m,
            "complaintWithdraw",
            at(&c, json!({ "reason": "Complainant asked to withdraw" })),
        )
        .await;

    let d = grievance("MAIN", "PHONE", "2026-01-15T15:00:00Z", "Cardiology");
    let d = app.create_complaint(&m, d).await;
    assert_eq!(d["classification"], "COMPLAINT");

    let now = Utc::now();
    let e = grievance(
        "MAIN",
        "LETTER",
        &(now - Duration::hours(2)).to_rfc3339(),
        "Oncology",
    );
    let e = app.create_complaint(&m, e).await;
    let e = app
        .complaint_must(
            &m,
            "complaintAcknowledge",
            at(
                &e,
                json!({ "method": "PHONE", "acknowledgedAt": (now - Duration::hours(1)).to_rfc3339() }),
            ),
        )
        .await;

    let f = grievance("MAIN", "LETTER", "2026-02-01T06:45:00Z", "Cardiology");
    let f = app.create_complaint(&m, f).await;
    Created {
        a,
        a_first_resolution,
        b,
        c,
        d,
        e,
        f,
    }
}

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
    let fx = fixture().await;
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
    let fx = fixture().await;
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
    let fx = fixture().await;
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
    let fx = fixture().await;
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
    let fx = fixture().await;
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
