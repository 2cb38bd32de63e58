//! `GET /exports/<report>.csv`: the grievance log as CSV, parsed back with
//! the `csv` crate and checked against the log and what was created;
//! formula cells neutralised; 401/403/404/400; one access-log entry per
//! export; a streamed export of a few thousand rows.

use chrono::{DateTime, Duration, Utc};
use entity::complaint;
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::grievance_log::fixture::{Fixture, create, grievance, log_app, officer, refs};
use crate::helpers::*;

const HEADER: [&str; 34] = [
    "reference",
    "facility_code",
    "facility_name",
    "department",
    "received_at",
    "channel",
    "classification",
    "classification_reasons",
    "hcat_issues",
    "owner_name",
    "owner_subject",
    "status",
    "acknowledged_at",
    "acknowledgement_method",
    "resolved_at",
    "written_response_sent_at",
    "written_response_method",
    "qio_notice_required",
    "qio_notice_included",
    "acknowledgement_due_at",
    "acknowledgement_met_at",
    "acknowledgement_clock",
    "acknowledgement_missed",
    "resolution_due_at",
    "resolution_met_at",
    "resolution_clock",
    "resolution_missed",
    "progress_notice_due_at",
    "progress_notice_met_at",
    "progress_notice_clock",
    "progress_notice_missed",
    "outcome",
    "reopen_count",
    "days_open",
];

struct Csv {
    status: StatusCode,
    content_type: String,
    disposition: String,
    chunked: bool,
    body: String,
}

impl Csv {
    fn records(&self) -> (Vec<String>, Vec<Vec<String>>) {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(self.body.as_bytes());
        let header = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        let rows = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect();
        (header, rows)
    }

    fn error_code(&self) -> String {
        let body: Value = serde_json::from_str(&self.body).unwrap();
        body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

async fn get(app: &TestApp, token: Option<&str>, path: &str) -> Csv {
    let mut request = app.client.get(app.url(path));
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    let response = request.send().await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (content_type, disposition) = (header("content-type"), header("content-disposition"));
    let chunked = header("transfer-encoding") == "chunked";
    Csv {
        status: response.status(),
        content_type,
        disposition,
        chunked,
        body: response.text().await.unwrap(),
    }
}

const YEAR: &str = "/exports/grievance-log.csv?from=2026-01-01&to=2026-12-31";

#[tokio::test]
async fn the_log_exports_as_csv_with_local_times_and_one_access_log_entry() {
    let fx = log_app().await;
    let k = create(&fx).await;
    let before = fx.report_runs("export:grievance-log").await;
    let csv = get(&fx.app, Some(&officer()), YEAR).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    assert_eq!(csv.content_type, "text/csv; charset=utf-8");
    assert_eq!(
        csv.disposition,
        "attachment; filename=\"grievance-log_2026-01-01_2026-12-31.csv\""
    );
    assert!(csv.chunked, "the log is streamed");
    assert!(csv.body.contains("\r\n"), "RFC 4180 line ends");
    assert_eq!(fx.report_runs("export:grievance-log").await, before + 1);
    assert_eq!(fx.report_runs("grievanceLog").await, 0);

    let (header, rows) = csv.records();
    assert_eq!(header, HEADER);
    let col = |name: &str| HEADER.iter().position(|h| *h == name).unwrap();
    let references: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    let expected = [&k.a, &k.c, &k.f, &k.b, &k.e].map(|c| c["reference"].as_str().unwrap());
    assert_eq!(references, expected);

    let a = &rows[0];
    assert_eq!(a[col("facility_code")], "MAIN");
    assert_eq!(a[col("facility_name")], "MAIN Hospital");
    assert_eq!(a[col("department")], "Cardiology");
    assert_eq!(a[col("received_at")], "2026-01-31T23:30:00-06:00");
    assert_eq!(a[col("channel")], "LETTER");
    assert_eq!(a[col("classification")], "GRIEVANCE");
    assert!(a[col("classification_reasons")].contains("WRITTEN"));
    assert_eq!(a[col("hcat_issues")], "QUALITY/3/CARE_ON_WARD");
    assert_eq!(a[col("owner_name")], "Pat Rivera");
    assert_eq!(a[col("owner_subject")], "pr-1");
    assert_eq!(a[col("status")], "RESOLVED");
    // 15:00Z on 9 February is 09:00 in Chicago.
    assert_eq!(a[col("acknowledged_at")], "2026-02-09T09:00:00-06:00");
    assert_eq!(a[col("acknowledgement_method")], "EMAIL");
    assert_eq!(a[col("written_response_method")], "LETTER");
    assert_eq!(a[col("qio_notice_required")], "true");
    assert_eq!(a[col("qio_notice_included")], "true");
    assert_eq!(
        a[col("acknowledgement_due_at")],
        "2026-02-07T23:30:00-06:00"
    );
    assert_eq!(
        a[col("acknowledgement_met_at")],
        "2026-02-09T09:00:00-06:00"
    );
    assert_eq!(a[col("acknowledgement_clock")], "MET_LATE");
    assert_eq!(a[col("acknowledgement_missed")], "true");
    assert_eq!(a[col("resolution_due_at")], "2026-03-02T23:30:00-06:00");
    assert_eq!(a[col("outcome")], "RESOLVED_IN_WRITING");
    assert_eq!(a[col("reopen_count")], "1");
    // Resolved (twice) today: its local time carries Chicago's offset.
    assert!(a[col("resolved_at")].ends_with("-06:00"), "{a:?}");

    let c = &rows[1];
    assert_eq!(c[col("facility_code")], "WEST");
    assert_eq!(c[col("received_at")], "2026-01-31T22:30:00-08:00");
    assert_eq!(
        c[col("acknowledgement_due_at")],
        "2026-02-02T22:30:00-08:00"
    );
    assert_eq!(c[col("acknowledged_at")], "");
    assert_eq!(c[col("qio_notice_included")], "");
    assert_eq!(c[col("acknowledgement_clock")], "STOPPED");
    assert_eq!(c[col("outcome")], "WITHDRAWN");

    let b = &rows[3];
    assert_eq!(
        b[col("acknowledgement_due_at")],
        "2026-03-14T10:00:00-05:00"
    );
    assert_eq!(b[col("resolution_clock")], "OVERDUE");

    // The same rows as the GraphQL log, with its filters as parameters.
    let csv = get(
        &fx.app,
        Some(&officer()),
        &format!("{YEAR}&facilities=MAIN&department=Cardiology&status=RESOLVED,RECEIVED&missedDeadline=true"),
    )
    .await;
    let (_, rows) = csv.records();
    let got: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    let page = fx
        .log(
            &officer(),
            json!({ "from": "2026-01-01", "to": "2026-12-31", "facilities": ["MAIN"],
                    "department": "Cardiology", "status": ["RESOLVED", "RECEIVED"], "missedDeadline": true }),
            50,
            Value::Null,
        )
        .await;
    assert_eq!(got, refs(&page));
    assert_eq!(got.len(), 2);
    let csv = get(
        &fx.app,
        Some(&officer()),
        &format!("{YEAR}&classification=COMPLAINT&category=INSTITUTIONAL_PROCESSES"),
    )
    .await;
    let (_, rows) = csv.records();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][0], k.d["reference"].as_str().unwrap());
}

#[tokio::test]
async fn cells_a_spreadsheet_would_run_are_written_as_text() {
    let fx = log_app().await;
    fx.app.create_facility("MAIN").await;
    let m = manager();
    let mut made = Vec::new();
    for department in [
        "=HYPERLINK(\"http://x\")",
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "Plain",
    ] {
        let input = grievance("MAIN", "LETTER", "2026-05-05T15:00:00Z", department);
        made.push(fx.app.create_complaint(&m, input).await);
    }
    fx.app
        .complaint_must(
            &m,
            "complaintAssign",
            at(
                &made[4],
                json!({ "ownerSubject": "pr-1", "ownerName": "=cmd|' /C calc'!A0" }),
            ),
        )
        .await;
    let csv = get(
        &fx.app,
        Some(&officer()),
        "/exports/grievance-log.csv?from=2026-05-01&to=2026-05-31",
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    let (_, rows) = csv.records();
    let mut departments: Vec<&str> = rows.iter().map(|r| r[3].as_str()).collect();
    departments.sort_unstable();
    assert_eq!(
        departments,
        [
            "'+1+1",
            "'-2+3",
            "'=HYPERLINK(\"http://x\")",
            "'@SUM(A1)",
            "Plain"
        ]
    );
    let plain = rows.iter().find(|r| r[3] == "Plain").unwrap();
    assert_eq!(plain[9], "'=cmd|' /C calc'!A0");
    // Nothing else starts with a formula character.
    for row in &rows {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?} in {row:?}"
            );
        }
    }
}

#[tokio::test]
async fn refusals_have_their_status_and_say_why() {
    let fx = log_app().await;
    fx.app.create_facility("MAIN").await;
    let app = &fx.app;
    let none = app.client.get(app.url(YEAR)).send().await.unwrap();
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(none.headers()["www-authenticate"], "Bearer");
    let bad = get(app, Some("not.a.token"), YEAR).await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad.error_code(), "UNAUTHENTICATED");
    for refused in [
        token("st-1", &["STAFF"], &["*"]),
        token("pr-w", &["PATIENT_RELATIONS"], &["*"]),
        admin(),
    ] {
        let csv = get(app, Some(&refused), YEAR).await;
        assert_eq!(csv.status, StatusCode::FORBIDDEN, "{}", csv.body);
        assert_eq!(csv.error_code(), "FORBIDDEN");
    }
    for path in [
        "/exports/no-such-report.csv?from=2026-01-01&to=2026-12-31",
        "/exports/grievance-log?from=2026-01-01&to=2026-12-31",
        "/exports/grievance-log.json?from=2026-01-01&to=2026-12-31",
    ] {
        let csv = get(app, Some(&officer()), path).await;
        assert_eq!(csv.status, StatusCode::NOT_FOUND, "{path}");
        assert!(csv.body.contains("no report export"), "{}", csv.body);
    }
    for (query, says) in [
        ("to=2026-12-31", "`from` is required"),
        ("from=2026-13-01&to=2026-12-31", "`from` must be a day"),
        ("from=2026-12-31&to=2026-01-01", "to"),
        ("from=2026-01-01&to=2026-12-31&groupBy=MONTH", "groupBy"),
        ("from=2026-01-01&to=2026-12-31&status=LOST", "LOST"),
        (
            "from=2026-01-01&to=2026-12-31&missedDeadline=yes",
            "missedDeadline",
        ),
        ("from=2026-01-01&to=2026-01-31&from=2026-02-01", "twice"),
        // Out of scope reads as unknown.
        (
            "from=2026-01-01&to=2026-12-31&facilities=MAIN,ELSEWHERE",
            "ELSEWHERE",
        ),
    ] {
        let csv = get(
            app,
            Some(&compliance()),
            &format!("/exports/grievance-log.csv?{query}"),
        )
        .await;
        assert_eq!(csv.status, StatusCode::BAD_REQUEST, "{query}: {}", csv.body);
        assert!(csv.body.contains(says), "{query}: {}", csv.body);
    }
    assert_eq!(fx.report_runs("export:grievance-log").await, 0);
}

/// `n` copies of `model`, two to each second from `start` (ties on the
/// receipt instant, some across a batch boundary), each with its own
/// id and reference in the row and in its record: enough rows to stream,
/// written straight to the table (the export only reads them).
async fn copies(fx: &Fixture, model: &complaint::Model, start: DateTime<Utc>, n: usize) {
    let mut batch = Vec::new();
    for i in 0..n {
        let received = start + Duration::seconds(i as i64 / 2);
        let reference = format!("GRV-2026-9{i:05}");
        let mut record: Value = serde_json::from_str(&model.record).unwrap();
        record["reference"] = json!(reference);
        record["receivedAt"] = json!(received);
        let mut row = model.clone().into_active_model();
        row.id = Set(Uuid::now_v7());
        row.reference = Set(reference);
        row.received_at = Set(received);
        row.record = Set(record.to_string());
        batch.push(row.reset_all());
        if batch.len() == 200 {
            complaint::Entity::insert_many(std::mem::take(&mut batch))
                .exec(&fx.db)
                .await
                .unwrap();
        }
    }
    if !batch.is_empty() {
        complaint::Entity::insert_many(batch)
            .exec(&fx.db)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_large_export_streams_in_batches_every_row_once_in_order() {
    let fx = log_app().await;
    fx.app.create_facility("MAIN").await;
    let one = grievance("MAIN", "LETTER", "2026-06-01T12:00:00Z", "Cardiology");
    let one = fx.app.create_complaint(&manager(), one).await;
    let model = complaint::Entity::find()
        .one(&fx.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(model.reference, one["reference"].as_str().unwrap());
    let n = 3_500;
    copies(&fx, &model, "2026-06-02T00:00:00Z".parse().unwrap(), n).await;
    let before = fx.report_runs("export:grievance-log").await;
    let csv = get(
        &fx.app,
        Some(&officer()),
        "/exports/grievance-log.csv?from=2026-06-01&to=2026-06-30&facilities=MAIN",
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.chunked);
    assert_eq!(fx.report_runs("export:grievance-log").await, before + 1);
    let (header, rows) = csv.records();
    assert_eq!(header, HEADER);
    assert_eq!(
        rows.len(),
        n + 1,
        "batches of 1000: no row lost or repeated"
    );
    assert_eq!(rows[0][0], model.reference);
    for (i, row) in rows[1..].iter().enumerate() {
        assert_eq!(row[0], format!("GRV-2026-9{i:05}"));
    }
    // 2 June 00:00Z + 1,749 s is 1 June 19:00 CDT + 29 min 9 s.
    assert_eq!(rows[n][4], "2026-06-01T19:29:09-05:00");
}
