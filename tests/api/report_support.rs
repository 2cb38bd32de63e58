//! What the report tests share: two facilities in different zones with
//! different policies, a database handle to count access-log entries, and
//! grievances moved to a state at chosen times.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use entity::access_log_entry;
use redress_api::startup::Application;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::*;

pub const MAIN_TZ: Tz = chrono_tz::America::Chicago;
pub const WEST_TZ: Tz = chrono_tz::America::Los_Angeles;

/// A lead in both facilities (does the work).
pub fn lead() -> String {
    token(
        "prm-both",
        &["PATIENT_RELATIONS_MANAGER"],
        &["MAIN", "WEST"],
    )
}

/// Compliance in both facilities (runs the reports).
pub fn officer() -> String {
    token("co-both", &["COMPLIANCE"], &["MAIN", "WEST"])
}

pub struct Reports {
    pub app: TestApp,
    pub db: DatabaseConnection,
    _test_db: TestDb,
}

impl Reports {
    /// MAIN (Chicago, the CMS default: acknowledge in 7, resolve in 30
    /// calendar days) and WEST (Los Angeles, Spanish, acknowledge in 2,
    /// resolve in 14 calendar days, one extension of up to 14).
    pub async fn start() -> Reports {
        let test_db = TestDb::new().await;
        let app = TestApp::start(
            Application::build(settings(&test_db.url))
                .await
                .expect("app builds"),
        );
        let db = test_db.connect().await;
        app.create_facility("MAIN").await;
        let mut west = facility_input("WEST");
        west["timeZone"] = json!("America/Los_Angeles");
        west["defaultLanguage"] = json!("es");
        let payload = app.upsert_facility(&admin(), west).await;
        assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
        let data = app
            .ok(
                &admin(),
                r#"{ deadlinePolicies(facilityCode: "WEST") { nodes { program version } } }"#,
                json!({}),
            )
            .await;
        let version = data["deadlinePolicies"]["nodes"][0]["version"].clone();
        let payload = app
            .upsert_policy(
                &admin(),
                json!({
                    "facilityCode": "WEST", "program": "CMS_HOSPITAL",
                    "acknowledgement": { "amount": 2, "unit": "CALENDAR_DAYS" },
                    "resolution": { "amount": 14, "unit": "CALENDAR_DAYS" },
                    "maxExtensions": 1,
                    "maxExtension": { "amount": 14, "unit": "CALENDAR_DAYS" },
                    "expectedVersion": version,
                }),
            )
            .await;
        assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
        Reports {
            app,
            db,
            _test_db: test_db,
        }
    }

    /// Access-log entries of report runs so far.
    pub async fn report_runs(&self, operation: &str) -> u64 {
        access_log_entry::Entity::find()
            .filter(access_log_entry::Column::RecordType.eq("Report"))
            .filter(access_log_entry::Column::Operation.eq(operation))
            .count(&self.db)
            .await
            .expect("count")
    }

    /// A complaint received at `at`: a letter (a grievance) unless `channel`
    /// says otherwise.
    pub async fn complaint(&self, facility: &str, at: DateTime<Utc>, extra: Value) -> Value {
        let mut input = intake(facility);
        input["channel"] = json!("LETTER");
        input["receivedAt"] = json!(at.to_rfc3339());
        if let (Some(obj), Some(more)) = (input.as_object_mut(), extra.as_object()) {
            for (k, v) in more {
                obj.insert(k.clone(), v.clone());
            }
        }
        self.app.create_complaint(&lead(), input).await
    }

    pub async fn acknowledge(&self, c: &Value, at: DateTime<Utc>) -> Value {
        self.app
            .complaint_must(
                &lead(),
                "complaintAcknowledge",
                crate::helpers::at(
                    c,
                    json!({ "method": "LETTER", "acknowledgedAt": at.to_rfc3339() }),
                ),
            )
            .await
    }

    /// Investigates (unless it already is) and resolves now, with findings
    /// and a written response.
    pub async fn resolve(&self, c: &Value) -> Value {
        let mut c = c.clone();
        if c["status"] != "INVESTIGATING" {
            c = self
                .act(
                    &c,
                    "complaintAssign",
                    json!({ "ownerSubject": "pr-1", "ownerName": "Pat Rivera" }),
                )
                .await;
            c = self.act(&c, "complaintStartInvestigation", json!({})).await;
        }
        let qio = c["qioNoticeRequired"].as_bool().unwrap_or(false);
        if c["classification"] == "GRIEVANCE" {
            self.app.send_resolution_letter(&lead(), &c, qio).await;
        }
        self.act(&c, "complaintResolve", json!({ "findings": findings(&c) }))
            .await
    }

    pub async fn act(&self, c: &Value, mutation: &str, extra: Value) -> Value {
        self.app
            .complaint_must(&lead(), mutation, crate::helpers::at(c, extra))
            .await
    }

    /// The complaint as stored, read back by an all-facilities auditor.
    pub async fn read_back(&self, c: &Value) -> Value {
        let q = format!("query R($id: ID!) {{ complaint(id: $id) {{ {COMPLAINT_FIELDS} }} }}");
        self.app.ok(&auditor(), &q, json!({ "id": c["id"] })).await["complaint"].clone()
    }

    /// Runs a report query; the body (errors included).
    pub async fn run(&self, token: &str, query: &str, variables: Value) -> Value {
        self.app.graphql(Some(token), query, variables).await.1
    }
}

pub fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().expect("a time"))
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

pub fn clock<'a>(c: &'a Value, kind: &str) -> &'a Value {
    c["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == kind)
        .unwrap()
}

/// 23:30 local at `tz` on the last day of the month `back` months before
/// the current month.
///
/// "The current month" is WEST's, whichever `tz` is asked for, as in
/// [`filter_since`]: on the first of a month, between Chicago's midnight
/// and Los Angeles' (06:00–08:00 UTC), each zone's own month differs, and
/// the same `back` would name different months in the two facilities.
pub fn late_on_last_day(tz: Tz, back: u32) -> DateTime<Utc> {
    // Counted from a week ago: in the first days of a month the last day of
    // the previous one is only hours old, younger than the tests' "a day
    // ago" fixtures, and their order would flip.
    let today = (Utc::now() - Duration::days(7))
        .with_timezone(&WEST_TZ)
        .date_naive();
    let first = today.with_day(1).unwrap() - chrono::Months::new(back - 1);
    let last = first.pred_opt().unwrap();
    tz.from_local_datetime(&last.and_hms_opt(23, 30, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

/// 01:30 local on the most recent day (at least ten days ago) whose
/// offset changes at 02:00 (a DST change), as an instant.
pub fn before_dst_change(tz: Tz) -> DateTime<Utc> {
    let today = Utc::now().with_timezone(&tz).date_naive();
    for back in 10..800 {
        let day = today - Duration::days(back);
        let morning = tz
            .from_local_datetime(&day.and_hms_opt(1, 30, 0).unwrap())
            .earliest()
            .unwrap();
        let noon = tz
            .from_local_datetime(&day.and_hms_opt(12, 0, 0).unwrap())
            .earliest()
            .unwrap();
        if morning.offset().to_string() != noon.offset().to_string() {
            return morning.with_timezone(&Utc);
        }
    }
    panic!("no DST change in {tz} in 800 days");
}

/// The local month (`2026-03`) of an instant at a zone.
pub fn month_of(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m").to_string()
}

/// Nearest rank: the smallest value with at least p % at or below it.
pub fn nearest_rank(values: &[i64], p: usize) -> Option<i64> {
    let mut v = values.to_vec();
    v.sort_unstable();
    if v.is_empty() {
        return None;
    }
    let rank = ((p * v.len()) as f64 / 100.0).ceil().max(1.0) as usize;
    Some(v[rank - 1])
}

/// A filter from the first of the month `months` back to today (a day of
/// slack at the end).
///
/// "Today" is WEST's (the zone furthest behind UTC of the two): from
/// 00:00 UTC until local midnight, UTC's month may already be the next
/// one, and a period built from it would leave out the fixtures placed
/// on the last local day of a month ([`late_on_last_day`]).
pub fn filter_since(months: u32, facilities: &[&str]) -> Value {
    let today = Utc::now().with_timezone(&WEST_TZ).date_naive();
    let from = today.with_day(1).unwrap() - chrono::Months::new(months);
    let to = today + Duration::days(1);
    json!({ "facilities": facilities, "from": from.to_string(), "to": to.to_string() })
}

pub fn period_from(filter: &Value) -> NaiveDate {
    filter["from"].as_str().unwrap().parse().unwrap()
}
