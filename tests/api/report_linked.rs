//! The linked-record reports through real HTTP: `serviceRecoveryCostReport`,
//! `interpreterUsageReport` and `accessibilityReport`. Every figure is
//! checked against the test's own computation from the fixtures it wrote
//! (local times written by hand with their offsets, so the expected local
//! month or day is read off the fixture, not computed by the server's
//! code), with month and period edges at 23:30 local on a last day, a DST
//! change, and facilities in three zones. Authorisation: STAFF,
//! PATIENT_RELATIONS and ADMIN are refused, a facility out of scope is
//! refused, and each run writes exactly one access-log entry.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{access_log_entry, service_recovery_action};
use redress_api::domain::actor::{Actor, FacilityScope, Role};
use redress_api::domain::report::Period;
use redress_api::services::Caller;
use redress_api::services::reads::{ReadLog, Reader};
use redress_api::services::reports::{
    ReportFilter, accessibility_report, interpreter_usage, recovery_cost,
};
use redress_api::startup::Application;
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Database, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};

use crate::helpers::*;

/// Runs `f` with a compliance officer's reader over `db`, for the
/// reports' `table()` (the CSV export's entry, with no HTTP route here).
pub async fn as_officer<T>(
    db: &DatabaseConnection,
    facilities: &[&str],
    f: impl AsyncFnOnce(&Reader<'_>) -> T,
) -> T {
    let actor = Actor {
        subject: "co-table".to_owned(),
        name: "Table Officer".to_owned(),
        roles: [Role::Compliance].into_iter().collect(),
        facilities: FacilityScope::from_claim(facilities.iter().copied()),
    };
    let caller = Caller {
        actor: &actor,
        request_id: "table-test",
    };
    let log = ReadLog::default();
    let (writer, _stopper) = redress_api::services::access_log::spawn(db.clone(), 256);
    let reader = Reader::new(db, caller, &log, &writer);
    f(&reader).await
}

pub fn report_filter(facilities: &[&str], from: &str, to: &str) -> ReportFilter {
    ReportFilter {
        facilities: facilities.iter().map(|s| s.to_string()).collect(),
        department: None,
        period: Period::new(from.parse().unwrap(), to.parse().unwrap()).unwrap(),
    }
}

/// A test app and a connection to its database (to place rows in time
/// and to count access-log entries).
async fn spawn_with_db() -> (TestApp, DatabaseConnection, TestDb) {
    let db = TestDb::new().await;
    let app = TestApp::start(Application::build(settings(&db.url)).await.unwrap());
    let conn = Database::connect(&db.url).await.unwrap();
    (app, conn, db)
}

async fn facility(app: &TestApp, code: &str, zone: &str) {
    let mut input = facility_input(code);
    input["timeZone"] = json!(zone);
    let payload = app.upsert_facility(&admin(), input).await;
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
}

fn lead() -> String {
    token(
        "prm-all",
        &["PATIENT_RELATIONS_MANAGER"],
        &["MAIN", "WEST", "DESERT"],
    )
}

fn lead2() -> String {
    token(
        "prm-two",
        &["PATIENT_RELATIONS_MANAGER"],
        &["MAIN", "WEST", "DESERT"],
    )
}

fn officer() -> String {
    token("co-r", &["COMPLIANCE"], &["MAIN", "WEST", "DESERT"])
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn filter(facilities: &[&str], department: Option<&str>, from: &str, to: &str) -> Value {
    json!({ "facilities": facilities, "department": department, "from": from, "to": to })
}

async fn report_runs(db: &DatabaseConnection) -> u64 {
    access_log_entry::Entity::find()
        .filter(access_log_entry::Column::RecordType.eq("Report"))
        .count(db)
        .await
        .unwrap()
}

const COST: &str = "query Q($f: ReportFilterInput!) { serviceRecoveryCostReport(filter: $f) {
  facilityCode month kind department status actions total { amount currency } } }";

const USAGE_FIELDS: &str = "sessions provided delayed unavailable declined minutes
  medianWaitSeconds p90WaitSeconds unavailableRate delayedRate";

fn usage_query() -> String {
    format!(
        "query Q($f: ReportFilterInput!) {{ interpreterUsageReport(filter: $f) {{
           rows {{ language modality figures {{ {USAGE_FIELDS} }} }}
           total {{ {USAGE_FIELDS} }}
           companions {{ minor emergency patientRequested companionAgreed sessions }} }} }}"
    )
}

const ACCESS: &str = "query Q($f: ReportFilterInput!) { accessibilityReport(filter: $f) {
  needType requested fulfilled fulfilledOnTime alternativeProvided denied
  deniedByGround { ground requests } cancelled open overdueNow } }";

// ---------------------------------------------------------------------
// Service-recovery cost

/// (facility, kind, department, amount, final status, proposed at local).
type Action = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
);

const ED: &str = "Emergency Department";
const RAD: &str = "Radiology";

const ACTIONS: [Action; 11] = [
    // 23:30 on January 31 in Chicago is February 1 in UTC: January.
    (
        "MAIN",
        "MEAL_VOUCHER",
        ED,
        Some("15.00"),
        "COMPLETED",
        "2026-01-31T23:30:00-06:00",
    ),
    (
        "MAIN",
        "MEAL_VOUCHER",
        ED,
        Some("15.00"),
        "COMPLETED",
        "2026-01-10T09:00:00-06:00",
    ),
    (
        "MAIN",
        "MEAL_VOUCHER",
        ED,
        Some("7.50"),
        "PROPOSED",
        "2026-02-01T00:30:00-06:00",
    ),
    // Just after the spring-forward change in Chicago.
    (
        "MAIN",
        "REFUND",
        ED,
        Some("300.00"),
        "APPROVED",
        "2026-03-08T03:30:00-05:00",
    ),
    (
        "MAIN",
        "REFUND",
        ED,
        Some("300.10"),
        "COMPLETED",
        "2026-03-31T23:45:00-05:00",
    ),
    (
        "MAIN",
        "APOLOGY",
        ED,
        None,
        "COMPLETED",
        "2026-02-15T12:00:00-06:00",
    ),
    (
        "MAIN",
        "GIFT_CARD",
        RAD,
        Some("25.00"),
        "COMPLETED",
        "2026-02-20T10:00:00-06:00",
    ),
    // 23:30 on January 31 in Los Angeles is 07:30 UTC on February 1.
    (
        "WEST",
        "MEAL_VOUCHER",
        ED,
        Some("10.00"),
        "COMPLETED",
        "2026-01-31T23:30:00-08:00",
    ),
    (
        "WEST",
        "MEAL_VOUCHER",
        ED,
        Some("10.00"),
        "COMPLETED",
        "2026-01-31T22:00:00-08:00",
    ),
    // Outside the period, either side.
    (
        "MAIN",
        "MEAL_VOUCHER",
        ED,
        Some("99.00"),
        "COMPLETED",
        "2026-04-01T00:10:00-05:00",
    ),
    (
        "MAIN",
        "REFUND",
        RAD,
        Some("300.00"),
        "DECLINED",
        "2025-12-31T23:59:00-06:00",
    ),
];

type CostKey = (String, String, String, String, String, Option<String>);

/// The expected rows: the local month is the fixture's own date, the sum
/// is exact decimal arithmetic over the fixtures in the period.
fn expected_cost(department: Option<&str>) -> BTreeMap<CostKey, (u64, Decimal)> {
    let mut out = BTreeMap::new();
    for (fac, kind, dept, amount, status, local) in ACTIONS {
        let month = format!("{}-01", &local[..7]);
        if !("2026-01-01".."2026-04-01").contains(&month.as_str()) {
            continue;
        }
        if department.is_some_and(|d| d != dept) {
            continue;
        }
        let key = (
            fac.to_owned(),
            month,
            kind.to_owned(),
            dept.to_owned(),
            status.to_owned(),
            amount.map(|_| "USD".to_owned()),
        );
        let e = out.entry(key).or_insert((0, Decimal::ZERO));
        e.0 += 1;
        e.1 += amount.map_or(Decimal::ZERO, |a| Decimal::from_str(a).unwrap());
    }
    out
}

fn actual_cost(rows: &Value) -> BTreeMap<CostKey, (u64, Decimal)> {
    let mut out = BTreeMap::new();
    for r in rows.as_array().unwrap() {
        let s = |k: &str| r[k].as_str().unwrap().to_owned();
        let key = (
            s("facilityCode"),
            s("month"),
            s("kind"),
            s("department"),
            s("status"),
            r["total"]["currency"].as_str().map(str::to_owned),
        );
        let total = r["total"]["amount"]
            .as_str()
            .map_or(Decimal::ZERO, |a| Decimal::from_str(a).unwrap());
        let prev = out.insert(key, (r["actions"].as_u64().unwrap(), total));
        assert!(prev.is_none(), "one row per group: {r}");
    }
    out
}

#[tokio::test]
async fn service_recovery_cost_by_kind_department_and_local_month() {
    let (app, db, _keep) = spawn_with_db().await;
    facility(&app, "MAIN", "America/Chicago").await;
    facility(&app, "WEST", "America/Los_Angeles").await;
    let mut complaints = BTreeMap::new();
    for (fac, dept) in [("MAIN", ED), ("MAIN", RAD), ("WEST", ED)] {
        let mut input = intake(fac);
        input["department"] = json!(dept);
        let c = app.create_complaint(&lead(), input).await;
        complaints.insert((fac, dept), c["id"].clone());
    }
    for (fac, kind, dept, amount, status, _) in ACTIONS {
        let complaint = &complaints[&(fac, dept)];
        let mut a = app
            .work_must(
                &lead(),
                "serviceRecoveryPropose",
                proposal(complaint, kind, amount),
            )
            .await;
        let above = amount.is_some_and(|x| Decimal::from_str(x).unwrap() >= Decimal::from(250));
        let steps: &[&str] = match (status, above) {
            ("PROPOSED", _) => &[],
            ("APPROVED", _) => &["APPROVE"],
            ("COMPLETED", true) => &["APPROVE", "COMPLETE"],
            ("COMPLETED", false) => &["COMPLETE"],
            ("DECLINED", _) => &["DECLINE"],
            other => panic!("{other:?}"),
        };
        for step in steps {
            let (mutation, input) = service_recovery_call(step, &a);
            a = app.work_must(&lead2(), mutation, input).await;
        }
        assert_eq!(a["status"], json!(status));
    }
    // Place each action at its proposal time (ids are in creation order).
    let rows = service_recovery_action::Entity::find()
        .order_by_asc(service_recovery_action::Column::Id)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(rows.len(), ACTIONS.len());
    for (row, (.., local)) in rows.iter().zip(ACTIONS) {
        service_recovery_action::Entity::update_many()
            .col_expr(
                service_recovery_action::Column::CreatedAt,
                Expr::value(utc(local)),
            )
            .filter(service_recovery_action::Column::Id.eq(row.id))
            .exec(&db)
            .await
            .unwrap();
    }

    for department in [None, Some(ED)] {
        let before = report_runs(&db).await;
        let data = app
            .ok(
                &officer(),
                COST,
                json!({ "f": filter(&[], department, "2026-01-01", "2026-03-31") }),
            )
            .await;
        assert_eq!(report_runs(&db).await, before + 1, "one entry per run");
        let rows = &data["serviceRecoveryCostReport"];
        assert_eq!(actual_cost(rows), expected_cost(department), "{rows:#}");
    }
    // The January edge at each facility, by hand.
    let expected = expected_cost(None);
    let jan_main = &expected[&(
        "MAIN".into(),
        "2026-01-01".into(),
        "MEAL_VOUCHER".into(),
        ED.into(),
        "COMPLETED".into(),
        Some("USD".into()),
    )];
    assert_eq!(*jan_main, (2, Decimal::from_str("30.00").unwrap()));
    // One facility only.
    let data = app
        .ok(
            &officer(),
            COST,
            json!({ "f": filter(&["WEST"], None, "2026-01-01", "2026-01-31") }),
        )
        .await;
    let rows = data["serviceRecoveryCostReport"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["actions"], json!(2));
    assert_eq!(
        rows[0]["total"],
        json!({ "amount": "20.00", "currency": "USD" })
    );

    // The CSV export's table: the same rows as text, one run logged.
    let before = report_runs(&db).await;
    let table = as_officer(&db, &["MAIN", "WEST"], async |r| {
        let f = report_filter(&[], "2026-01-01", "2026-03-31");
        recovery_cost::table(r, &f, &Default::default())
            .await
            .unwrap()
    })
    .await;
    assert_eq!(report_runs(&db).await, before + 1);
    assert_eq!(
        table.header,
        [
            "facility",
            "month",
            "kind",
            "department",
            "status",
            "actions",
            "total",
            "currency"
        ]
    );
    let mut from_table = BTreeMap::new();
    for row in &table.rows {
        let currency = (!row[7].is_empty()).then(|| row[7].clone());
        let total = if row[6].is_empty() {
            Decimal::ZERO
        } else {
            Decimal::from_str(&row[6]).unwrap()
        };
        from_table.insert(
            (
                row[0].clone(),
                format!("{}-01", row[1]),
                row[2].clone(),
                row[3].clone(),
                row[4].clone(),
                currency,
            ),
            (row[5].parse::<u64>().unwrap(), total),
        );
    }
    assert_eq!(from_table, expected_cost(None));
}

// ---------------------------------------------------------------------
// Interpreter usage

/// (facility, language, modality, outcome, requested at local, wait s,
/// duration s, companion (minor, asked, agreed, emergency)).
type Session = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    i64,
    Option<(bool, bool, bool, bool)>,
);

const SESSIONS: [Session; 11] = [
    (
        "MAIN",
        "es",
        "VIDEO_REMOTE",
        "PROVIDED",
        "2026-01-31T23:30:00-06:00",
        120,
        600,
        None,
    ),
    (
        "MAIN",
        "es",
        "VIDEO_REMOTE",
        "PROVIDED",
        "2026-01-05T10:00:00-06:00",
        60,
        61,
        None,
    ),
    (
        "MAIN",
        "es",
        "VIDEO_REMOTE",
        "DELAYED",
        "2026-01-06T10:00:00-06:00",
        1800,
        900,
        None,
    ),
    (
        "MAIN",
        "es",
        "VIDEO_REMOTE",
        "PROVIDED",
        "2026-01-07T10:00:00-06:00",
        30,
        59,
        None,
    ),
    (
        "MAIN",
        "es",
        "PHONE",
        "UNAVAILABLE",
        "2026-01-07T11:00:00-06:00",
        0,
        0,
        None,
    ),
    (
        "MAIN",
        "zh-Hant",
        "IN_PERSON",
        "PROVIDED",
        "2026-01-08T10:00:00-06:00",
        300,
        1200,
        None,
    ),
    (
        "MAIN",
        "es",
        "PHONE",
        "DECLINED",
        "2026-01-09T10:00:00-06:00",
        0,
        0,
        Some((false, true, true, false)),
    ),
    (
        "MAIN",
        "es",
        "PHONE",
        "DECLINED",
        "2026-01-10T10:00:00-06:00",
        0,
        0,
        Some((true, false, false, true)),
    ),
    (
        "WEST",
        "es",
        "VIDEO_REMOTE",
        "PROVIDED",
        "2026-01-31T23:30:00-08:00",
        240,
        300,
        None,
    ),
    // Outside January at their facility.
    (
        "MAIN",
        "es",
        "VIDEO_REMOTE",
        "PROVIDED",
        "2026-02-01T00:10:00-06:00",
        10,
        60,
        None,
    ),
    (
        "WEST",
        "es",
        "PHONE",
        "UNAVAILABLE",
        "2025-12-31T23:50:00-08:00",
        0,
        0,
        None,
    ),
];

/// Nearest rank, written out: the value at rank ceil(p·n/100), at least 1.
fn nearest_rank(values: &[i64], p: usize) -> Value {
    if values.is_empty() {
        return Value::Null;
    }
    let mut v = values.to_vec();
    v.sort();
    let rank = ((p * v.len()) as f64 / 100.0).ceil().max(1.0) as usize;
    json!(v[rank - 1])
}

fn expected_usage(sessions: &[&Session]) -> Value {
    let n = |o: &str| sessions.iter().filter(|s| s.3 == o).count() as u64;
    let connected: Vec<&&Session> = sessions
        .iter()
        .filter(|s| matches!(s.3, "PROVIDED" | "DELAYED"))
        .collect();
    let waits: Vec<i64> = connected.iter().map(|s| s.5).collect();
    // Whole minutes, a started one counting: (d + 59) / 60.
    let minutes: i64 = connected.iter().map(|s| (s.6 + 59) / 60).sum();
    let total = sessions.len() as u64;
    let rate = |k: u64| {
        if total == 0 {
            Value::Null
        } else {
            json!(k as f64 / total as f64)
        }
    };
    json!({
        "sessions": total,
        "provided": n("PROVIDED"),
        "delayed": n("DELAYED"),
        "unavailable": n("UNAVAILABLE"),
        "declined": n("DECLINED"),
        "minutes": minutes,
        "medianWaitSeconds": nearest_rank(&waits, 50),
        "p90WaitSeconds": nearest_rank(&waits, 90),
        "unavailableRate": rate(n("UNAVAILABLE")),
        "delayedRate": rate(n("DELAYED")),
    })
}

#[tokio::test]
async fn interpreter_usage_by_language_and_modality_in_local_days() {
    let (app, db, _keep) = spawn_with_db().await;
    facility(&app, "MAIN", "America/Chicago").await;
    facility(&app, "WEST", "America/Los_Angeles").await;
    for s @ (fac, language, modality, outcome, local, wait, duration, companion) in &SESSIONS {
        let requested = utc(local);
        let mut entry = match companion {
            Some((minor, asked, agreed, emergency)) => {
                declined_entry(*minor, *asked, *agreed, *emergency)
            }
            None => session_entry(),
        };
        entry["language"] = json!(language);
        entry["modality"] = json!(modality);
        entry["outcome"] = json!(outcome);
        entry["requestedAt"] = json!(requested.to_rfc3339());
        let o = entry.as_object_mut().unwrap();
        if matches!(*outcome, "PROVIDED" | "DELAYED") {
            let connected = requested + Duration::seconds(*wait);
            o.insert("connectedAt".into(), json!(connected.to_rfc3339()));
            o.insert(
                "endedAt".into(),
                json!((connected + Duration::seconds(*duration)).to_rfc3339()),
            );
        } else {
            o.remove("connectedAt");
            o.remove("endedAt");
            o.remove("interpreter");
        }
        app.work_must(&lead(), "interpreterSessionLog", session_input(fac, entry))
            .await;
        let _ = s;
    }

    let before = report_runs(&db).await;
    let data = app
        .ok(
            &officer(),
            &usage_query(),
            json!({ "f": filter(&[], None, "2026-01-01", "2026-01-31") }),
        )
        .await;
    assert_eq!(report_runs(&db).await, before + 1, "one entry per run");
    let r = &data["interpreterUsageReport"];
    // In January at their own facility: all but the last two.
    let inside: Vec<&Session> = SESSIONS[..9].iter().collect();
    assert_eq!(r["total"], expected_usage(&inside), "{r:#}");
    let mut groups: BTreeMap<(&str, &str), Vec<&Session>> = BTreeMap::new();
    for s in &inside {
        groups.entry((s.1, s.2)).or_default().push(s);
    }
    let expected_rows: Vec<Value> = groups
        .iter()
        .map(|((language, modality), ss)| {
            json!({ "language": language, "modality": modality, "figures": expected_usage(ss) })
        })
        .collect();
    assert_eq!(r["rows"], json!(expected_rows), "{r:#}");
    // Hand check of one group: es video waits 30, 60, 120, 240, 1800.
    let video = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["language"] == json!("es") && row["modality"] == json!("VIDEO_REMOTE"))
        .unwrap();
    assert_eq!(video["figures"]["medianWaitSeconds"], json!(120));
    assert_eq!(video["figures"]["p90WaitSeconds"], json!(1800));
    // 10 + 2 + 15 + 1 at MAIN and 5 at WEST (a started minute counts).
    assert_eq!(video["figures"]["minutes"], json!(33));
    assert_eq!(
        r["companions"],
        json!([
            { "minor": false, "emergency": false, "patientRequested": true, "companionAgreed": true, "sessions": 1 },
            { "minor": true, "emergency": true, "patientRequested": false, "companionAgreed": false, "sessions": 1 },
        ])
    );

    // A department that no session has: nothing, but still one run.
    let data = app
        .ok(
            &officer(),
            &usage_query(),
            json!({ "f": filter(&["MAIN"], Some("Radiology"), "2026-01-01", "2026-01-31") }),
        )
        .await;
    assert_eq!(report_runs(&db).await, before + 2);
    assert_eq!(data["interpreterUsageReport"]["total"], expected_usage(&[]));

    // The CSV export's table: the ALL row is the total, as text.
    let table = as_officer(&db, &["MAIN", "WEST"], async |r| {
        let f = report_filter(&[], "2026-01-01", "2026-01-31");
        interpreter_usage::table(r, &f, &Default::default())
            .await
            .unwrap()
    })
    .await;
    let all = table.rows.iter().find(|row| row[0] == "ALL").unwrap();
    let total = expected_usage(&inside);
    let cells: Vec<String> = [
        "sessions",
        "provided",
        "delayed",
        "unavailable",
        "declined",
        "minutes",
        "medianWaitSeconds",
        "p90WaitSeconds",
    ]
    .iter()
    .map(|k| total[k].to_string())
    .collect();
    assert_eq!(all[2..10], cells[..]);
    // Rates are written as short decimals (four places), like every share.
    for (cell, k) in all[10..12].iter().zip(["unavailableRate", "delayedRate"]) {
        let rate: f64 = cell.parse().unwrap();
        assert!(
            (rate - total[k].as_f64().unwrap()).abs() < 5e-5,
            "{k}: {cell}"
        );
        assert!(cell.len() <= 6, "{k}: {cell}");
    }
    let companions = table
        .rows
        .iter()
        .filter(|row| row[0] == "COMPANION")
        .count();
    assert_eq!(companions, 2);
    assert_eq!(table.rows.len(), groups.len() + 1 + 2);
}

// ---------------------------------------------------------------------
// Accessibility

/// (facility, need, needed by, final action and ground, in the period).
type Request = (
    &'static str,
    &'static str,
    DateTime<Utc>,
    Option<(&'static str, Option<&'static str>)>,
    bool,
);

#[tokio::test]
async fn accessibility_by_need_type_with_on_time_denials_and_overdue() {
    let (app, db, _keep) = spawn_with_db().await;
    facility(&app, "MAIN", "America/Chicago").await;
    // Phoenix keeps −07:00 all year, so the fixtures' offsets hold whenever
    // the test runs.
    facility(&app, "DESERT", "America/Phoenix").await;
    let now = Utc::now();
    let today = (now - Duration::hours(7)).date_naive();
    let from = today - Duration::days(30);
    let to = today + Duration::days(10);
    let at = |day: NaiveDate, time: &str| utc(&format!("{day}T{time}-07:00"));
    // (facility, need, needed by, final action, in the period)
    let fixtures: Vec<Request> = vec![
        (
            "DESERT",
            "SIGN_LANGUAGE_INTERPRETER",
            at(today + Duration::days(5), "12:00:00"),
            Some(("FULFILL", None)),
            true,
        ),
        (
            "DESERT",
            "SIGN_LANGUAGE_INTERPRETER",
            at(today - Duration::days(5), "12:00:00"),
            Some(("FULFILL", None)),
            true,
        ),
        (
            "DESERT",
            "SIGN_LANGUAGE_INTERPRETER",
            at(to, "23:30:00"),
            None,
            true,
        ),
        (
            "DESERT",
            "SIGN_LANGUAGE_INTERPRETER",
            at(to + Duration::days(1), "00:10:00"),
            None,
            false,
        ),
        (
            "DESERT",
            "SIGN_LANGUAGE_INTERPRETER",
            at(from - Duration::days(1), "23:50:00"),
            None,
            false,
        ),
        (
            "DESERT",
            "SIGN_LANGUAGE_INTERPRETER",
            at(from, "00:10:00"),
            Some(("ACKNOWLEDGE", None)),
            true,
        ),
        (
            "DESERT",
            "LARGE_PRINT",
            at(today - Duration::days(2), "09:00:00"),
            Some(("DENY", Some("UNDUE_BURDEN"))),
            true,
        ),
        (
            "DESERT",
            "LARGE_PRINT",
            at(today - Duration::days(2), "10:00:00"),
            Some(("DENY", Some("FUNDAMENTAL_ALTERATION"))),
            true,
        ),
        (
            "DESERT",
            "LARGE_PRINT",
            at(today - Duration::days(2), "11:00:00"),
            Some(("DENY", Some("UNDUE_BURDEN"))),
            true,
        ),
        (
            "DESERT",
            "LARGE_PRINT",
            at(today - Duration::days(3), "11:00:00"),
            Some(("PROVIDE_ALTERNATIVE", None)),
            true,
        ),
        (
            "DESERT",
            "LARGE_PRINT",
            at(today + Duration::days(2), "11:00:00"),
            Some(("CANCEL", None)),
            true,
        ),
        ("MAIN", "WHEELCHAIR", now - Duration::hours(48), None, true),
    ];
    let mut expected: BTreeMap<&str, Value> = BTreeMap::new();
    for (fac, need, needed_by, action, inside) in &fixtures {
        let mut input = accessibility_input(fac, &needed_by.to_rfc3339());
        input["needType"] = json!(need);
        let mut r = app
            .work_must(&lead(), "accessibilityRequestCreate", input)
            .await;
        let mut acted_at = None;
        if let Some((action, ground)) = action {
            let (mutation, mut input) = accessibility_call(action, &r);
            if let Some(g) = ground {
                input["ground"] = json!(g);
            }
            acted_at = Some(Utc::now());
            r = app.work_must(&lead(), mutation, input).await;
        }
        if !inside {
            continue;
        }
        let e = expected.entry(need).or_insert_with(|| {
            json!({ "needType": need, "requested": 0, "fulfilled": 0, "fulfilledOnTime": 0,
                    "alternativeProvided": 0, "denied": 0, "deniedByGround": {}, "cancelled": 0,
                    "open": 0, "overdueNow": 0 })
        });
        let bump = |e: &mut Value, k: &str| {
            e[k] = json!(e[k].as_u64().unwrap() + 1);
        };
        bump(e, "requested");
        match action.map(|a| a.0) {
            Some("FULFILL") => {
                bump(e, "fulfilled");
                if acted_at.unwrap() <= *needed_by {
                    bump(e, "fulfilledOnTime");
                }
            }
            Some("PROVIDE_ALTERNATIVE") => bump(e, "alternativeProvided"),
            Some("DENY") => {
                bump(e, "denied");
                let g = action.unwrap().1.unwrap();
                let by = &mut e["deniedByGround"];
                by[g] = json!(by[g].as_u64().unwrap_or(0) + 1);
            }
            Some("CANCEL") => bump(e, "cancelled"),
            None | Some("ACKNOWLEDGE") => {
                bump(e, "open");
                if *needed_by < Utc::now() {
                    bump(e, "overdueNow");
                }
            }
            other => panic!("{other:?}"),
        }
        let _ = r;
    }

    let before = report_runs(&db).await;
    let data = app
        .ok(
            &officer(),
            ACCESS,
            json!({ "f": filter(&[], None, &from.to_string(), &to.to_string()) }),
        )
        .await;
    assert_eq!(report_runs(&db).await, before + 1, "one entry per run");
    let mut actual: BTreeMap<String, Value> = BTreeMap::new();
    for row in data["accessibilityReport"].as_array().unwrap() {
        let mut row = row.clone();
        let mut by = serde_json::Map::new();
        for g in row["deniedByGround"].as_array().unwrap() {
            by.insert(
                g["ground"].as_str().unwrap().to_owned(),
                g["requests"].clone(),
            );
        }
        row["deniedByGround"] = Value::Object(by);
        actual.insert(row["needType"].as_str().unwrap().to_owned(), row);
    }
    let expected: BTreeMap<String, Value> = expected
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    assert_eq!(actual, expected);
    // By hand: one of the two fulfilments was on time; two overdue.
    assert_eq!(
        actual["SIGN_LANGUAGE_INTERPRETER"]["fulfilledOnTime"],
        json!(1)
    );
    assert_eq!(actual["SIGN_LANGUAGE_INTERPRETER"]["overdueNow"], json!(1));
    assert_eq!(actual["WHEELCHAIR"]["overdueNow"], json!(1));
    assert_eq!(
        actual["LARGE_PRINT"]["deniedByGround"],
        json!({ "UNDUE_BURDEN": 2, "FUNDAMENTAL_ALTERATION": 1 })
    );

    // The CSV export's table: one row per need type, the same counts.
    let table = as_officer(&db, &["MAIN", "DESERT"], async |r| {
        let f = report_filter(&[], &from.to_string(), &to.to_string());
        accessibility_report::table(r, &f, &Default::default())
            .await
            .unwrap()
    })
    .await;
    assert_eq!(table.rows.len(), actual.len());
    for row in &table.rows {
        let a = &actual[&row[0]];
        let n = |k: &str| a[k].to_string();
        let g = |k: &str| a["deniedByGround"][k].as_u64().unwrap_or(0).to_string();
        let cells: Vec<&String> = [1, 2, 3, 5, 6, 7, 8, 9, 10, 11]
            .iter()
            .map(|i| &row[*i])
            .collect();
        let expected = [
            n("requested"),
            n("fulfilled"),
            n("fulfilledOnTime"),
            n("alternativeProvided"),
            n("denied"),
            g("FUNDAMENTAL_ALTERATION"),
            g("UNDUE_BURDEN"),
            n("cancelled"),
            n("open"),
            n("overdueNow"),
        ];
        assert_eq!(cells, expected.iter().collect::<Vec<_>>(), "{row:?}");
    }
}

// ---------------------------------------------------------------------
// Authorisation and the access log

#[tokio::test]
async fn only_managers_and_compliance_run_them_in_their_facilities() {
    let (app, db, _keep) = spawn_with_db().await;
    facility(&app, "MAIN", "America/Chicago").await;
    facility(&app, "NORTH", "America/New_York").await;
    let f = json!({ "f": filter(&["MAIN"], None, "2026-01-01", "2026-01-31") });
    let queries = [COST.to_owned(), usage_query(), ACCESS.to_owned()];
    for query in &queries {
        for (who, t) in [
            ("STAFF", token("st-1", &["STAFF"], &["MAIN"])),
            ("PATIENT_RELATIONS", specialist()),
            ("ADMIN", admin()),
        ] {
            let before = report_runs(&db).await;
            let (_, body) = app.graphql(Some(&t), query, f.clone()).await;
            assert_eq!(error_code(&body), "FORBIDDEN", "{who}: {body:#}");
            assert_eq!(
                report_runs(&db).await,
                before,
                "{who}: a refusal logs nothing"
            );
        }
        // NORTH exists but is outside the token's facilities: refused as
        // unknown, nothing logged.
        let before = report_runs(&db).await;
        let outside = json!({ "f": filter(&["NORTH"], None, "2026-01-01", "2026-01-31") });
        let (_, body) = app.graphql(Some(&compliance()), query, outside).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body:#}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("NORTH")
        );
        assert_eq!(report_runs(&db).await, before);
        for t in [manager(), compliance()] {
            let before = report_runs(&db).await;
            app.ok(&t, query, f.clone()).await;
            assert_eq!(report_runs(&db).await, before + 1, "{query}");
        }
    }
    // The run's entry names the report and its filter.
    let entries = access_log_entry::Entity::find()
        .filter(access_log_entry::Column::RecordType.eq("Report"))
        .order_by_asc(access_log_entry::Column::Id)
        .all(&db)
        .await
        .unwrap();
    let ops: Vec<&str> = entries.iter().map(|e| e.operation.as_str()).collect();
    assert_eq!(
        ops,
        [
            "serviceRecoveryCostReport",
            "serviceRecoveryCostReport",
            "interpreterUsageReport",
            "interpreterUsageReport",
            "accessibilityReport",
            "accessibilityReport",
        ]
    );
    let detail: Value = serde_json::from_str(entries[0].detail.as_deref().unwrap()).unwrap();
    assert_eq!(detail["facilities"], json!(["MAIN"]));
    assert_eq!(detail["from"], json!("2026-01-01"));
}
