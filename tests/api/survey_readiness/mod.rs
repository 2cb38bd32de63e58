//! `surveyReadiness` end to end: one complaint or request per rule, and
//! near-misses that must not be flagged, in two facilities with different
//! zones and policies; the period read in each facility's zone (a
//! complaint at 23:30 local on the last day of a month, a clock across a
//! DST change); paging; who may run it; one access-log entry per run.
//!
//! Some findings describe records the current guards no longer let
//! anyone make (a grievance resolved without its written response, a
//! written complaint resolved at the point of service): those are made
//! through the API and then edited in the database, as a record from
//! before the guards (or imported) would be.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use entity::{access_log_entry, complaint};
use redress_api::startup::Application;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, Set,
};
use serde_json::{Value, json};

use crate::helpers::*;

mod projection;
mod rules;
mod scope;
mod table;

pub(super) const CHICAGO: Tz = chrono_tz::America::Chicago;
pub(super) const LOS_ANGELES: Tz = chrono_tz::America::Los_Angeles;

pub(super) const SURVEY: &str = r#"query S($f: ReportFilterInput!, $first: Int, $after: String) {
  surveyReadiness(filter: $f, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { rule tag tagLabel missing facility department
      complaint { id reference receivedAt }
      accessibilityRequest { id needType status neededBy } } } } }"#;

/// A lead in both facilities: does the work the findings are about.
pub(super) fn lead() -> String {
    token(
        "prm-both",
        &["PATIENT_RELATIONS_MANAGER"],
        &["MAIN", "WEST"],
    )
}

/// A compliance officer in both facilities: runs the report.
pub(super) fn officer() -> String {
    token("co-both", &["COMPLIANCE"], &["MAIN", "WEST"])
}

pub(super) fn local(tz: Tz, y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    tz.with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("an unambiguous local time")
        .with_timezone(&Utc)
}

pub(super) fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The second Sunday of March: US daylight time starts at 02:00 local.
pub(super) fn dst_start(y: i32) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(y, 3, Weekday::Sun, 2).unwrap()
}

pub(super) fn filter(facilities: &[&str], from: NaiveDate, to: NaiveDate) -> Value {
    json!({ "facilities": facilities, "from": from.to_string(), "to": to.to_string() })
}

pub(super) fn uuid_of(global: &Value) -> uuid::Uuid {
    redress_api::ids::decode_id(global.as_str().unwrap())
        .unwrap()
        .1
}

pub(super) struct Survey {
    pub(super) app: TestApp,
    pub(super) db: DatabaseConnection,
    pub(super) url: String,
}

impl Survey {
    pub(super) async fn new() -> Survey {
        Self::counting(None).await
    }

    /// With `statements` counting every SQL statement the app runs.
    pub(super) async fn counting(statements: Option<Arc<AtomicUsize>>) -> Survey {
        let tdb = TestDb::new().await;
        let app = match statements {
            None => Application::build(settings(&tdb.url)).await.unwrap(),
            Some(counter) => {
                let mut conn = tdb.connect().await;
                conn.set_metric_callback(move |_| {
                    counter.fetch_add(1, Ordering::SeqCst);
                });
                Application::build_with_db(settings(&tdb.url), conn)
                    .await
                    .unwrap()
            }
        };
        let app = TestApp::start(app);
        let db = tdb.connect().await;
        app.create_facility("MAIN").await;
        let mut west = facility_input("WEST");
        west["timeZone"] = json!("America/Los_Angeles");
        let payload = app.upsert_facility(&admin(), west).await;
        assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
        // WEST's own policy: acknowledge within 1 day, resolve within 5.
        let data = app
            .ok(
                &admin(),
                r#"{ deadlinePolicies(facilityCode: "WEST") { nodes { program version } } }"#,
                json!({}),
            )
            .await;
        let current = data["deadlinePolicies"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["program"] == "CMS_HOSPITAL")
            .unwrap()
            .clone();
        let payload = app
            .upsert_policy(
                &admin(),
                json!({
                    "facilityCode": "WEST", "program": "CMS_HOSPITAL",
                    "acknowledgement": { "amount": 1, "unit": "CALENDAR_DAYS" },
                    "resolution": { "amount": 5, "unit": "CALENDAR_DAYS" },
                    "expectedVersion": current["version"],
                }),
            )
            .await;
        assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
        Survey {
            app,
            db,
            url: tdb.url.clone(),
        }
    }

    pub(super) async fn complaint(
        &self,
        facility: &str,
        channel: &str,
        at: DateTime<Utc>,
        more: Value,
    ) -> Value {
        let mut input = intake(facility);
        input["channel"] = json!(channel);
        input["receivedAt"] = json!(at.to_rfc3339());
        for (k, v) in more.as_object().unwrap() {
            input[k] = v.clone();
        }
        self.app.create_complaint(&lead(), input).await
    }

    pub(super) async fn act(&self, c: &Value, mutation: &str, extra: Value) -> Value {
        self.app
            .complaint_must(&lead(), mutation, at(c, extra))
            .await
    }

    pub(super) async fn resolved(&self, c: Value) -> Value {
        let c = self
            .act(
                &c,
                "complaintAssign",
                json!({ "ownerSubject": "pr-1", "ownerName": "Pat Rivera" }),
            )
            .await;
        let c = self.act(&c, "complaintStartInvestigation", json!({})).await;
        let qio = c["qioNoticeRequired"].as_bool().unwrap();
        self.app.send_resolution_letter(&lead(), &c, qio).await;
        self.act(&c, "complaintResolve", json!({ "findings": findings(&c) }))
            .await
    }

    /// Edits the stored record (and the channel column) behind the API,
    /// with `response_gap` as given: NULL as on a row written before it
    /// was projected.
    pub(super) async fn edit(&self, c: &Value, gap: Option<bool>, f: impl FnOnce(&mut Value)) {
        let row = complaint::Entity::find_by_id(uuid_of(&c["id"]))
            .one(&self.db)
            .await
            .unwrap()
            .unwrap();
        let mut record: Value = serde_json::from_str(&row.record).unwrap();
        f(&mut record);
        let channel = record["channel"].as_str().unwrap().to_owned();
        let mut active = row.into_active_model();
        active.record = Set(record.to_string());
        active.channel = Set(channel);
        active.response_gap = Set(gap);
        active.update(&self.db).await.unwrap();
    }

    pub(super) async fn request(
        &self,
        facility: &str,
        needed_by: DateTime<Utc>,
        more: Value,
    ) -> Value {
        let mut input = accessibility_input(facility, &needed_by.to_rfc3339());
        for (k, v) in more.as_object().unwrap() {
            input[k] = v.clone();
        }
        self.app
            .work_must(&lead(), "accessibilityRequestCreate", input)
            .await
    }

    pub(super) async fn request_to(&self, r: Value, action: &str) -> Value {
        let (mutation, input) = accessibility_call(action, &r);
        self.app.work_must(&lead(), mutation, input).await
    }

    /// The stored `response_gap` of a complaint.
    pub(super) async fn gap(&self, c: &Value) -> Option<bool> {
        complaint::Entity::find_by_id(uuid_of(&c["id"]))
            .one(&self.db)
            .await
            .unwrap()
            .unwrap()
            .response_gap
    }

    pub(super) async fn runs_logged(&self) -> u64 {
        access_log_entry::Entity::find()
            .filter(access_log_entry::Column::RecordType.eq("Report"))
            .filter(access_log_entry::Column::Operation.eq("surveyReadiness"))
            .count(&self.db)
            .await
            .unwrap()
    }

    pub(super) async fn entries(&self) -> u64 {
        access_log_entry::Entity::find()
            .count(&self.db)
            .await
            .unwrap()
    }

    /// Every finding, read page by page (`first` at a time), checking the
    /// page info and that each run logs exactly one entry.
    pub(super) async fn all(&self, tok: &str, f: &Value, first: i64) -> Vec<Value> {
        let mut out = Vec::new();
        let mut after = Value::Null;
        let mut total = None;
        loop {
            let (runs, entries) = (self.runs_logged().await, self.entries().await);
            let data = self
                .app
                .ok(
                    tok,
                    SURVEY,
                    json!({ "f": f, "first": first, "after": after }),
                )
                .await;
            assert_eq!(self.runs_logged().await, runs + 1, "one entry per run");
            assert_eq!(self.entries().await, entries + 1, "and nothing else");
            let conn = &data["surveyReadiness"];
            let edges = conn["edges"].as_array().unwrap();
            assert!(edges.len() as i64 <= first);
            total.get_or_insert(conn["totalCount"].as_u64().unwrap());
            assert_eq!(total, conn["totalCount"].as_u64(), "stable total");
            out.extend(edges.iter().map(|e| e["node"].clone()));
            if conn["pageInfo"]["hasNextPage"] != json!(true) {
                break;
            }
            after = conn["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(total, Some(out.len() as u64));
        out
    }
}

/// The record a finding is about (reference, or request id) and its rule.
pub(super) fn key(f: &Value) -> (String, String) {
    let record = match f["complaint"]["reference"].as_str() {
        Some(r) => r.to_owned(),
        None => f["accessibilityRequest"]["id"].as_str().unwrap().to_owned(),
    };
    (record, f["rule"].as_str().unwrap().to_owned())
}

pub(super) fn when(f: &Value) -> DateTime<Utc> {
    let t = if f["complaint"].is_null() {
        &f["accessibilityRequest"]["neededBy"]
    } else {
        &f["complaint"]["receivedAt"]
    };
    t.as_str().unwrap().parse().unwrap()
}

pub(super) fn sorted(mut v: Vec<(String, String)>) -> Vec<(String, String)> {
    v.sort();
    v
}

pub(super) fn expect(record: &Value, rules: &[&str], out: &mut Vec<(String, String)>) {
    let name = record["reference"]
        .as_str()
        .or_else(|| record["id"].as_str())
        .unwrap();
    for r in rules {
        out.push((name.to_owned(), (*r).to_owned()));
    }
}

/// The due time of a clock of `c` as read back raw, at the facility.
pub(super) fn due_local(c: &Value, kind: &str, tz: Tz) -> String {
    let clock = c["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == kind)
        .unwrap();
    let due: DateTime<Utc> = clock["dueAt"].as_str().unwrap().parse().unwrap();
    due.with_timezone(&tz)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}
