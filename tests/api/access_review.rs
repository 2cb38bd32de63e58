//! `accessReview` through real HTTP: reads per user and per complaint,
//! flagged reads and report runs, checked against the test's own
//! computation over access-log entries it wrote at chosen instants (local
//! times with their offsets, so "in the period at the complaint's
//! facility" is read off the fixture), keyset paging, authorisation
//! (COMPLIANCE only) and one access-log entry per run.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use entity::{access_log_entry, complaint};
use redress_api::startup::Application;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Database, DatabaseConnection, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;
use crate::report_linked::{as_officer, report_filter};

const REVIEW: &str = "query Q($f: ReportFilterInput!, $p: AccessReviewPaging) {
  accessReview(filter: $f, paging: $p) {
    users { nodes { subject name reads complaints flagged usualDepartment } pageInfo { endCursor hasNextPage } }
    complaints { nodes { complaintId reference facilityCode reads readers flagged } pageInfo { endCursor hasNextPage } }
    flagged { nodes { accessedAt subject complaintId department notInvolved outsideUsualDepartment } pageInfo { endCursor hasNextPage } }
    reportRuns { nodes { subject runs } pageInfo { endCursor hasNextPage } } } }";

const ED: &str = "Emergency Department";
const RAD: &str = "Radiology";

/// (reader, complaint, accessed at local, inside January at the
/// complaint's facility — by hand).
const READS: [(&str, &str, &str, bool); 11] = [
    ("prm-1", "A", "2026-01-31T23:30:00-06:00", true),
    ("prm-1", "A", "2026-01-10T09:00:00-06:00", true),
    ("prm-1", "B", "2026-01-11T09:00:00-06:00", true),
    ("nurse-x", "A", "2026-01-12T09:00:00-06:00", true),
    ("nurse-x", "A", "2026-01-13T09:00:00-06:00", true),
    ("nurse-x", "B", "2026-01-14T09:00:00-06:00", true),
    ("nurse-x", "A", "2026-02-01T00:10:00-06:00", false),
    ("prm-1", "A", "2025-12-31T23:59:00-06:00", false),
    // NORTH is New York: 23:30 on January 31 there is inside…
    ("nurse-x", "N", "2026-01-31T23:30:00-05:00", true),
    // …00:30 on February 1 is not, though in UTC (05:30) it is still
    // before the end of January in Chicago.
    ("nurse-x", "N", "2026-02-01T00:30:00-05:00", false),
    ("auditor-z", "N", "2026-01-05T09:00:00-05:00", true),
];

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn entry(
    record_type: &str,
    record_id: Uuid,
    subject: &str,
    at: DateTime<Utc>,
) -> access_log_entry::Model {
    access_log_entry::Model {
        id: Uuid::now_v7(),
        record_type: record_type.to_owned(),
        record_id,
        actor_subject: subject.to_owned(),
        actor_name: format!("Name of {subject}"),
        actor_roles: "PATIENT_RELATIONS".to_owned(),
        request_id: Uuid::now_v7().to_string(),
        operation: "complaint".to_owned(),
        accessed_at: at,
        detail: None,
    }
}

async fn runs(db: &DatabaseConnection) -> u64 {
    access_log_entry::Entity::find()
        .filter(access_log_entry::Column::RecordType.eq("Report"))
        .count(db)
        .await
        .unwrap()
}

fn jan(facilities: &[&str]) -> Value {
    json!({ "facilities": facilities, "from": "2026-01-01", "to": "2026-01-31" })
}

/// A flagged read: reader, time, not involved, outside usual department.
type Flag = (String, String, bool, bool);

/// The review computed from the fixtures: users, complaints, flagged.
fn expected(
    complaints: &BTreeMap<&str, complaint::Model>,
    facilities: &[&str],
) -> (Value, Value, BTreeSet<Flag>) {
    let inside: Vec<(&str, &complaint::Model, DateTime<Utc>)> = READS
        .iter()
        .filter(|r| r.3 && facilities.contains(&complaints[r.1].facility_code.as_str()))
        .map(|r| (r.0, &complaints[r.1], utc(r.2)))
        .collect();
    let mut per_dept: BTreeMap<&str, BTreeMap<&str, u64>> = BTreeMap::new();
    for (who, c, _) in &inside {
        *per_dept
            .entry(who)
            .or_default()
            .entry(&c.department)
            .or_default() += 1;
    }
    let usual: BTreeMap<&str, &str> = per_dept
        .iter()
        .map(|(who, depts)| {
            let top = depts.values().max().unwrap();
            // BTreeMap order: the first name among the most read.
            (*who, *depts.iter().find(|(_, n)| *n == top).unwrap().0)
        })
        .collect();
    let flags = |who: &str, c: &complaint::Model| {
        let not_involved = c.owner_subject.as_deref() != Some(who) && c.created_by_subject != who;
        let outside = usual[who] != c.department;
        (not_involved, outside)
    };
    let mut users = Vec::new();
    for who in per_dept.keys() {
        let mine: Vec<_> = inside.iter().filter(|r| r.0 == *who).collect();
        let distinct: BTreeSet<Uuid> = mine.iter().map(|r| r.1.id).collect();
        let flagged = mine
            .iter()
            .filter(|r| {
                let (a, b) = flags(who, r.1);
                a || b
            })
            .count();
        users.push(
            json!({ "subject": who, "name": format!("Name of {who}"), "reads": mine.len(),
            "complaints": distinct.len(), "flagged": flagged, "usualDepartment": usual[who] }),
        );
    }
    let mut by_complaint: BTreeMap<Uuid, Value> = BTreeMap::new();
    for c in complaints.values() {
        let reads: Vec<_> = inside.iter().filter(|r| r.1.id == c.id).collect();
        if reads.is_empty() {
            continue;
        }
        let readers: BTreeSet<&str> = reads.iter().map(|r| r.0).collect();
        let flagged = reads
            .iter()
            .filter(|r| {
                let (a, b) = flags(r.0, c);
                a || b
            })
            .count();
        by_complaint.insert(
            c.id,
            json!({ "reference": c.reference, "facilityCode": c.facility_code, "reads": reads.len(),
                    "readers": readers.len(), "flagged": flagged }),
        );
    }
    let flagged = inside
        .iter()
        .filter_map(|(who, c, at)| {
            let (a, b) = flags(who, c);
            (a || b).then(|| (who.to_string(), at.to_rfc3339(), a, b))
        })
        .collect();
    (
        json!(users),
        json!(by_complaint.into_values().collect::<Vec<_>>()),
        flagged,
    )
}

fn actual_flagged(review: &Value) -> BTreeSet<Flag> {
    review["flagged"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["subject"].as_str().unwrap().to_owned(),
                utc(f["accessedAt"].as_str().unwrap()).to_rfc3339(),
                f["notInvolved"].as_bool().unwrap(),
                f["outsideUsualDepartment"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn without_ids(complaints: &Value) -> Value {
    let mut v = complaints.clone();
    for c in v.as_array_mut().unwrap() {
        c.as_object_mut().unwrap().remove("complaintId");
    }
    v
}

#[tokio::test]
async fn reads_per_user_and_complaint_flags_and_runs() {
    let test_db = TestDb::new().await;
    let app = TestApp::start(Application::build(settings(&test_db.url)).await.unwrap());
    let db = Database::connect(&test_db.url).await.unwrap();
    for (code, zone) in [("MAIN", "America/Chicago"), ("NORTH", "America/New_York")] {
        let mut input = facility_input(code);
        input["timeZone"] = json!(zone);
        assert_eq!(
            app.upsert_facility(&admin(), input).await["userErrors"],
            json!([])
        );
    }
    let north_lead = token("prm-n", &["PATIENT_RELATIONS_MANAGER"], &["NORTH"]);
    let mut ids = BTreeMap::new();
    for (key, fac, dept, who) in [
        ("A", "MAIN", ED, manager()),
        ("B", "MAIN", RAD, manager()),
        ("N", "NORTH", ED, north_lead),
    ] {
        let mut input = intake(fac);
        input["department"] = json!(dept);
        let c = app.create_complaint(&who, input).await;
        ids.insert(key, c["reference"].as_str().unwrap().to_owned());
    }
    let mut complaints: BTreeMap<&str, complaint::Model> = BTreeMap::new();
    for (key, reference) in &ids {
        let row = complaint::Entity::find()
            .filter(complaint::Column::Reference.eq(reference.as_str()))
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        complaints.insert(key, row);
    }
    for (who, key, at, _) in READS {
        entry("Complaint", complaints[key].id, who, utc(at))
            .into_active_model()
            .insert(&db)
            .await
            .unwrap();
    }
    // Report runs: one in January, one in March.
    for at in ["2026-01-20T12:00:00Z", "2026-03-01T12:00:00Z"] {
        entry("Report", Uuid::now_v7(), "co-x", utc(at))
            .into_active_model()
            .insert(&db)
            .await
            .unwrap();
    }

    let officer = token("co-r", &["COMPLIANCE"], &["MAIN", "NORTH"]);
    let before = runs(&db).await;
    let data = app.ok(&officer, REVIEW, json!({ "f": jan(&[]) })).await;
    assert_eq!(runs(&db).await, before + 1, "one entry per run");
    let r = &data["accessReview"];
    let (users, by_complaint, flagged) = expected(&complaints, &["MAIN", "NORTH"]);
    assert_eq!(r["users"]["nodes"], users, "{r:#}");
    assert_eq!(
        without_ids(&r["complaints"]["nodes"]),
        by_complaint,
        "{r:#}"
    );
    assert_eq!(actual_flagged(r), flagged, "{r:#}");
    assert_eq!(
        r["reportRuns"]["nodes"],
        json!([{ "subject": "co-x", "runs": 1 }])
    );
    // By hand: nurse-x read A twice, B once and N once (usual: ED); every
    // read is flagged (not involved), and the read of B also as outside.
    let nurse = r["users"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["subject"] == json!("nurse-x"))
        .unwrap();
    assert_eq!(nurse["reads"], json!(4));
    assert_eq!(nurse["flagged"], json!(4));
    assert_eq!(nurse["usualDepartment"], json!(ED));

    // MAIN only (a MAIN officer): NORTH's reads are not in it.
    let before = runs(&db).await;
    let data = app
        .ok(&compliance(), REVIEW, json!({ "f": jan(&["MAIN"]) }))
        .await;
    assert_eq!(runs(&db).await, before + 1);
    let r = &data["accessReview"];
    let (users, by_complaint, flagged) = expected(&complaints, &["MAIN"]);
    assert_eq!(r["users"]["nodes"], users, "{r:#}");
    assert_eq!(without_ids(&r["complaints"]["nodes"]), by_complaint);
    assert_eq!(actual_flagged(r), flagged);

    // Paged one at a time, each list gives the same items.
    let mut paging = json!({ "first": 1 });
    let (mut seen_users, mut seen_flagged, mut seen_complaints) = (Vec::new(), BTreeSet::new(), 0);
    for _ in 0..20 {
        let data = app
            .ok(&officer, REVIEW, json!({ "f": jan(&[]), "p": paging }))
            .await;
        let r = &data["accessReview"];
        seen_users.extend(r["users"]["nodes"].as_array().unwrap().iter().cloned());
        seen_flagged.extend(actual_flagged(r));
        seen_complaints += r["complaints"]["nodes"].as_array().unwrap().len();
        let mut more = false;
        for (list, key) in [
            ("users", "usersAfter"),
            ("flagged", "flaggedAfter"),
            ("complaints", "complaintsAfter"),
        ] {
            let info = &r[list]["pageInfo"];
            if info["hasNextPage"] == json!(true) {
                more = true;
                paging[key] = info["endCursor"].clone();
            } else {
                // Past its end: an empty page from here on.
                paging[key] = json!(cursor_past_end(list));
            }
        }
        if !more {
            break;
        }
    }
    let (users, by_complaint, flagged) = expected(&complaints, &["MAIN", "NORTH"]);
    assert_eq!(json!(seen_users), users);
    assert_eq!(seen_flagged, flagged);
    assert_eq!(seen_complaints, by_complaint.as_array().unwrap().len());

    // The CSV export's table of flagged reads (times at the facility).
    let table = as_officer(&db, &["MAIN", "NORTH"], async |r| {
        let f = report_filter(&[], "2026-01-01", "2026-01-31");
        let params = [("list".to_owned(), "flagged".to_owned())].into();
        redress_api::services::reports::access_review::table(r, &f, &params)
            .await
            .unwrap()
    })
    .await;
    assert_eq!(table.header[0], "accessed_at");
    let from_table: BTreeSet<Flag> = table
        .rows
        .iter()
        .map(|row| {
            (
                row[1].clone(),
                utc(&row[0]).to_rfc3339(),
                row[6] == "true",
                row[7] == "true",
            )
        })
        .collect();
    assert_eq!(from_table, flagged);
    assert!(
        table
            .rows
            .iter()
            .any(|row| row[0] == "2026-01-31T23:30:00-05:00")
    );

    // Today: the reviews' own runs are there (co-1 and co-table ran one
    // each above).
    let today = Utc::now().date_naive();
    let f = json!({ "from": (today - Duration::days(1)).to_string(), "to": (today + Duration::days(1)).to_string() });
    let before = access_log_entry::Entity::find()
        .filter(access_log_entry::Column::RecordType.eq("Report"))
        .filter(access_log_entry::Column::ActorSubject.eq("co-r"))
        .count(&db)
        .await
        .unwrap();
    let data = app.ok(&officer, REVIEW, json!({ "f": f })).await;
    assert_eq!(
        data["accessReview"]["reportRuns"]["nodes"],
        json!([
            { "subject": "co-1", "runs": 1 },
            { "subject": "co-r", "runs": before + 1 },
            { "subject": "co-table", "runs": 1 },
        ])
    );
}

/// A cursor after every item of a list (base64url of a key that sorts
/// last): `~` after every subject, `ffff…` after every id.
fn cursor_past_end(list: &str) -> String {
    let key = if list == "users" {
        "~".to_owned()
    } else {
        Uuid::max().to_string()
    };
    base64_url(&key)
}

fn base64_url(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

#[tokio::test]
async fn only_compliance_reviews_and_only_its_facilities() {
    let test_db = TestDb::new().await;
    let app = TestApp::start(Application::build(settings(&test_db.url)).await.unwrap());
    let db = Database::connect(&test_db.url).await.unwrap();
    app.create_facility("MAIN").await;
    app.create_facility("NORTH").await;
    for (who, t) in [
        ("STAFF", token("st-1", &["STAFF"], &["MAIN"])),
        ("PATIENT_RELATIONS", specialist()),
        ("PATIENT_RELATIONS_MANAGER", manager()),
        ("ADMIN", admin()),
    ] {
        let before = runs(&db).await;
        let (_, body) = app
            .graphql(Some(&t), REVIEW, json!({ "f": jan(&["MAIN"]) }))
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{who}: {body:#}");
        assert_eq!(runs(&db).await, before, "{who}");
    }
    let before = runs(&db).await;
    let (_, body) = app
        .graphql(Some(&compliance()), REVIEW, json!({ "f": jan(&["NORTH"]) }))
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body:#}");
    assert_eq!(runs(&db).await, before);
    // A cursor the review did not give.
    let (_, body) = app
        .graphql(
            Some(&compliance()),
            REVIEW,
            json!({ "f": jan(&["MAIN"]), "p": { "complaintsAfter": "not a cursor!" } }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body:#}");
    assert_eq!(runs(&db).await, before);
    app.ok(&compliance(), REVIEW, json!({ "f": jan(&["MAIN"]) }))
        .await;
    assert_eq!(runs(&db).await, before + 1);
}
