//! The grievance log's test data: two facilities in two zones with their
//! own policies, and complaints on the period edges (shared with the
//! export tests).

use chrono::{Duration, Utc};
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

pub fn lead() -> String {
    token("prm-w", &["PATIENT_RELATIONS_MANAGER"], &["MAIN", "WEST"])
}

/// The app, a connection to its database (to count access-log entries)
/// and the database's guard.
pub struct Fixture {
    pub app: TestApp,
    pub db: DatabaseConnection,
    _guard: TestDb,
}

pub async fn log_app() -> Fixture {
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
        app.send_resolution_letter(&lead(), &c, true).await;
        app.complaint_must(
            &lead(),
            "complaintResolve",
            at(&c, json!({ "findings": findings(&c) })),
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
