//! Clocks and deadline policies: the seeded CMS default, Medicare Advantage
//! with an expedited clock and one extension, a business-days policy,
//! overdue complaints, and extensions within the policy's limits.

use serde_json::{Value, json};

use crate::helpers::*;

const POLICIES: &str = r#"query($code: String) { deadlinePolicies(facilityCode: $code) { totalCount nodes {
  id facilityCode program name version maxExtensions
  acknowledgement { amount unit } resolution { amount unit }
  expeditedResolution { amount unit } maxExtension { amount unit } } } }"#;

fn clock<'a>(c: &'a Value, kind: &str) -> &'a Value {
    c["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == kind)
        .unwrap()
}

fn time(v: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc)
}

#[tokio::test]
async fn every_new_facility_gets_the_cms_default_policy() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let data = app
        .ok(&specialist(), POLICIES, json!({ "code": "MAIN" }))
        .await;
    let policies = &data["deadlinePolicies"];
    assert_eq!(policies["totalCount"], 1);
    let p = &policies["nodes"][0];
    assert_eq!(p["program"], "CMS_HOSPITAL");
    assert_eq!(
        p["acknowledgement"],
        json!({ "amount": 7, "unit": "CALENDAR_DAYS" })
    );
    assert_eq!(
        p["resolution"],
        json!({ "amount": 30, "unit": "CALENDAR_DAYS" })
    );
    assert_eq!(p["maxExtensions"], 0);
    // Seeding is audited with the facility's creation.
    let events = app
        .ok(
            &token("co-all", &["COMPLIANCE"], &["*"]),
            "{ auditEvents { nodes { action } } }",
            json!({}),
        )
        .await;
    let actions: Vec<&str> = events["auditEvents"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["FACILITY_CREATE", "DEADLINE_POLICY_CREATE"]);
}

#[tokio::test]
async fn policy_upsert_rules() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let ma = json!({
        "facilityCode": "MAIN", "program": "MEDICARE_ADVANTAGE",
        "acknowledgement": { "amount": 7, "unit": "CALENDAR_DAYS" },
        "resolution": { "amount": 30, "unit": "CALENDAR_DAYS" },
        "expeditedResolution": { "amount": 24, "unit": "HOURS" },
        "maxExtensions": 1, "maxExtension": { "amount": 14, "unit": "CALENDAR_DAYS" }
    });
    // Not an administrator.
    let p = app.upsert_policy(&manager(), ma.clone()).await;
    assert_eq!(user_error_codes(&p), ["FORBIDDEN"]);
    // Outside the administrator's facilities: does not exist.
    let p = app
        .upsert_policy(&token("admin-n", &["ADMIN"], &["NORTH"]), ma.clone())
        .await;
    assert_eq!(user_error_codes(&p), ["NOT_FOUND"]);
    // Invalid rules, all reported.
    let mut bad = ma.clone();
    bad["resolution"] = json!({ "amount": 0, "unit": "CALENDAR_DAYS" });
    bad["maxExtension"] = Value::Null;
    let p = app.upsert_policy(&admin(), bad).await;
    assert!(user_error_codes(&p).len() >= 2, "{p:#}");
    assert!(user_error_codes(&p).iter().all(|c| c == "VALIDATION"));
    // Created, then a second create conflicts, a stale change conflicts.
    let p = app.upsert_policy(&admin(), ma.clone()).await;
    assert_eq!(p["userErrors"], json!([]), "{p:#}");
    assert_eq!(p["deadlinePolicy"]["version"], 1);
    assert_eq!(
        user_error_codes(&app.upsert_policy(&admin(), ma.clone()).await),
        ["CONFLICT"]
    );
    let mut change = ma.clone();
    change["expectedVersion"] = json!(1);
    change["resolution"] = json!({ "amount": 21, "unit": "CALENDAR_DAYS" });
    let p = app.upsert_policy(&admin(), change.clone()).await;
    assert_eq!(p["deadlinePolicy"]["version"], 2);
    assert_eq!(
        user_error_codes(&app.upsert_policy(&admin(), change).await),
        ["CONFLICT"]
    );
}

/// Medicare Advantage: 24 hours when expedited; one extension of at most
/// 14 days, by a manager, with a reason.
#[tokio::test]
async fn expedited_clock_and_extensions_within_policy() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let p = app
        .upsert_policy(
            &admin(),
            json!({
                "facilityCode": "MAIN", "program": "MEDICARE_ADVANTAGE",
                "acknowledgement": { "amount": 7, "unit": "CALENDAR_DAYS" },
                "resolution": { "amount": 30, "unit": "CALENDAR_DAYS" },
                "expeditedResolution": { "amount": 24, "unit": "HOURS" },
                "maxExtensions": 1, "maxExtension": { "amount": 14, "unit": "CALENDAR_DAYS" }
            }),
        )
        .await;
    assert_eq!(p["userErrors"], json!([]));

    let mut input = intake("MAIN");
    input["program"] = json!("MEDICARE_ADVANTAGE");
    input["expedited"] = json!(true);
    let c = app.create_complaint(&manager(), input).await;
    let received = time(&c["receivedAt"]);
    assert_eq!(
        time(&clock(&c, "RESOLUTION")["dueAt"]),
        received + chrono::Duration::hours(24)
    );
    // The acknowledgement is never due after the resolution.
    assert_eq!(
        time(&clock(&c, "ACKNOWLEDGEMENT")["dueAt"]),
        received + chrono::Duration::hours(24)
    );

    let mut input = intake("MAIN");
    input["program"] = json!("MEDICARE_ADVANTAGE");
    let c = app.create_complaint(&manager(), input).await;
    let due = time(&clock(&c, "RESOLUTION")["dueAt"]);
    let extend = |c: &Value, amount: i64, reason: &str| {
        at(
            c,
            json!({ "clock": "RESOLUTION", "by": { "amount": amount, "unit": "CALENDAR_DAYS" }, "reason": reason }),
        )
    };
    // Specialists may not extend.
    let p = app
        .complaint_mutate(
            &specialist(),
            "complaintExtendDeadline",
            extend(&c, 14, "records pending"),
        )
        .await;
    assert_eq!(user_error_codes(&p), ["FORBIDDEN"]);
    // Longer than the policy allows, or without a reason: refused.
    let p = app
        .complaint_mutate(
            &manager(),
            "complaintExtendDeadline",
            extend(&c, 15, "records pending"),
        )
        .await;
    assert_eq!(user_error_codes(&p), ["VALIDATION"], "{p:#}");
    let p = app
        .complaint_mutate(&manager(), "complaintExtendDeadline", extend(&c, 14, "  "))
        .await;
    assert_eq!(user_error_codes(&p), ["VALIDATION"], "{p:#}");
    // Granted.
    let c = app
        .complaint_must(
            &manager(),
            "complaintExtendDeadline",
            extend(&c, 14, "Awaiting records from the SNF"),
        )
        .await;
    assert_eq!(
        time(&clock(&c, "RESOLUTION")["dueAt"]),
        due + chrono::Duration::days(14)
    );
    assert_eq!(clock(&c, "RESOLUTION")["extensions"], 1);
    // The policy allows one.
    let p = app
        .complaint_mutate(
            &manager(),
            "complaintExtendDeadline",
            extend(&c, 1, "still waiting"),
        )
        .await;
    assert_eq!(user_error_codes(&p), ["VALIDATION"], "{p:#}");
    let h = app
        .ok(&compliance(), HISTORY, json!({ "id": c["id"] }))
        .await;
    let last = h["complaint"]["history"]["nodes"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["action"], "COMPLAINT_EXTEND_DEADLINE");
    assert_eq!(last["reason"], "Awaiting records from the SNF");
}

/// Two business days from a Friday morning in Chicago: due at local
/// midnight starting Wednesday.
#[tokio::test]
async fn business_day_clock_skips_the_weekend_in_the_facility_zone() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let p = app
        .upsert_policy(
            &admin(),
            json!({
                "facilityCode": "MAIN", "program": "COMMERCIAL",
                "acknowledgement": { "amount": 2, "unit": "BUSINESS_DAYS" },
                "resolution": { "amount": 30, "unit": "CALENDAR_DAYS" }
            }),
        )
        .await;
    assert_eq!(p["userErrors"], json!([]), "{p:#}");
    let mut input = intake("MAIN");
    input["program"] = json!("COMMERCIAL");
    input["receivedAt"] = json!("2026-11-20T15:00:00Z"); // Friday 09:00 CST
    let c = app.create_complaint(&manager(), input).await;
    let ack = clock(&c, "ACKNOWLEDGEMENT");
    assert_eq!(
        time(&ack["dueAt"]),
        time(&json!("2026-11-25T06:00:00Z")),
        "{ack:#}"
    );
    assert_eq!(ack["dueAtLocal"], "2026-11-25T00:00:00-06:00");
}

#[tokio::test]
async fn overdue_is_visible_and_filterable() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let mut old = intake("MAIN");
    old["receivedAt"] = json!((chrono::Utc::now() - chrono::Duration::days(10)).to_rfc3339());
    let late = app.create_complaint(&manager(), old).await;
    let fresh = app.create_complaint(&manager(), intake("MAIN")).await;
    assert_eq!(late["overdue"], true);
    assert_eq!(clock(&late, "ACKNOWLEDGEMENT")["status"], "OVERDUE");
    assert_eq!(clock(&late, "RESOLUTION")["status"], "RUNNING");
    assert_eq!(fresh["overdue"], false);

    let q = "query($f: ComplaintFilterInput) { complaints(filter: $f) { totalCount nodes { reference } } }";
    let refs = |data: &Value| -> Vec<String> {
        data["complaints"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["reference"].as_str().unwrap().to_owned())
            .collect()
    };
    let overdue = app
        .ok(&compliance(), q, json!({ "f": { "overdue": true } }))
        .await;
    assert_eq!(refs(&overdue), [late["reference"].as_str().unwrap()]);
    let on_time = app
        .ok(&compliance(), q, json!({ "f": { "overdue": false } }))
        .await;
    assert_eq!(refs(&on_time), [fresh["reference"].as_str().unwrap()]);

    // Acknowledging late meets the clock, late. Still overdue: ten days
    // unresolved with no progress notice (the CMS seven-day notice).
    let c = app
        .complaint_must(
            &manager(),
            "complaintAcknowledge",
            at(&late, json!({ "method": "PHONE" })),
        )
        .await;
    assert_eq!(clock(&c, "ACKNOWLEDGEMENT")["status"], "MET_LATE");
    assert_eq!(clock(&c, "ACKNOWLEDGEMENT")["metOnTime"], false);
    assert_eq!(clock(&c, "PROGRESS_NOTICE")["status"], "OVERDUE");
    assert_eq!(c["overdue"], true);

    // Which clocks were met, and which were missed, are filterable.
    let met = app
        .ok(
            &compliance(),
            q,
            json!({ "f": { "acknowledgementMet": true } }),
        )
        .await;
    assert_eq!(refs(&met), [late["reference"].as_str().unwrap()]);
    let unmet = app
        .ok(
            &compliance(),
            q,
            json!({ "f": { "acknowledgementMet": false } }),
        )
        .await;
    assert_eq!(refs(&unmet), [fresh["reference"].as_str().unwrap()]);
    let missed = app
        .ok(&compliance(), q, json!({ "f": { "missedDeadline": true } }))
        .await;
    assert_eq!(
        refs(&missed),
        [late["reference"].as_str().unwrap()],
        "met late counts as missed"
    );
    let kept = app
        .ok(
            &compliance(),
            q,
            json!({ "f": { "missedDeadline": false } }),
        )
        .await;
    assert_eq!(refs(&kept), [fresh["reference"].as_str().unwrap()]);
    let resolved = app
        .ok(&compliance(), q, json!({ "f": { "resolutionMet": true } }))
        .await;
    assert_eq!(refs(&resolved), Vec::<String>::new());
}

/// A new complaint finds its facility and the policy of its program in one
/// statement. Each way that lookup can fail is refused on the field it
/// names and writes nothing: no complaint, no event, no reference number;
/// with two policies at the facility, the complaint's program picks its
/// own.
#[tokio::test]
async fn a_complaint_needs_its_facility_in_scope_and_a_policy_for_its_program() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    app.create_facility("EAST").await;
    let main_only = token("pr-main", &["PATIENT_RELATIONS_MANAGER"], &["MAIN"]);
    // (facility, program, the refusal: code, field, what its message says)
    let cases = [
        (
            "NOWHERE",
            "CMS_HOSPITAL",
            Some(("NOT_FOUND", "facilityCode", "facility NOWHERE not found")),
        ),
        (
            "EAST",
            "CMS_HOSPITAL",
            Some(("NOT_FOUND", "facilityCode", "facility EAST not found")),
        ),
        (
            "MAIN",
            "COMMERCIAL",
            Some((
                "GUARD_FAILED",
                "program",
                "facility MAIN has no COMMERCIAL deadline policy",
            )),
        ),
        ("main", "CMS_HOSPITAL", None),
    ];
    for (facility, program, refusal) in cases {
        let mut input = intake(facility);
        input["program"] = json!(program);
        let data = app
            .ok(&main_only, &create_mutation(), json!({ "input": input }))
            .await;
        let payload = &data["complaintCreate"];
        match refusal {
            Some((code, field, message)) => {
                assert_eq!(
                    user_error_codes(payload),
                    [code],
                    "{facility} {program}: {payload:#}"
                );
                let error = &payload["userErrors"][0];
                assert_eq!(error["field"], json!(["input", field]), "{payload:#}");
                assert!(
                    error["message"].as_str().unwrap().contains(message),
                    "{facility} {program}: {payload:#}"
                );
                assert_eq!(payload["complaint"], Value::Null);
            }
            None => {
                assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
                assert_eq!(payload["complaint"]["facilityCode"], "MAIN");
                assert!(
                    payload["complaint"]["reference"]
                        .as_str()
                        .unwrap()
                        .ends_with("-000001"),
                    "the refusals burned reference numbers: {payload:#}"
                );
            }
        }
    }
    // Two facility creations with their default policies, and one complaint.
    let actions: Vec<String> = app
        .audit_events()
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        actions,
        [
            "FACILITY_CREATE",
            "DEADLINE_POLICY_CREATE",
            "FACILITY_CREATE",
            "DEADLINE_POLICY_CREATE",
            "COMPLAINT_CREATE"
        ]
    );

    // With a second policy at MAIN, each program gets its own clock.
    let p = app
        .upsert_policy(
            &admin(),
            json!({
                "facilityCode": "MAIN", "program": "COMMERCIAL",
                "acknowledgement": { "amount": 3, "unit": "CALENDAR_DAYS" },
                "resolution": { "amount": 45, "unit": "CALENDAR_DAYS" }
            }),
        )
        .await;
    assert_eq!(p["userErrors"], json!([]), "{p:#}");
    for (program, days) in [("COMMERCIAL", 45), ("CMS_HOSPITAL", 30)] {
        let mut input = intake("MAIN");
        input["program"] = json!(program);
        let c = app.create_complaint(&main_only, input).await;
        assert_eq!(
            time(&clock(&c, "RESOLUTION")["dueAt"]) - time(&c["receivedAt"]),
            chrono::Duration::days(days),
            "{program}: {c:#}"
        );
    }
}
