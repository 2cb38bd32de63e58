//! Intake: validation, classification, references, idempotency, updates
//! that reclassify, escalation, and the `complaints` filters and paging.

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn classification_from_each_trigger() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let cases: &[(&str, Value, &[&str])] = &[
        ("plain phone call", json!({}), &[]),
        ("email", json!({ "channel": "EMAIL" }), &["WRITTEN"]),
        ("portal", json!({ "channel": "PORTAL" }), &["WRITTEN"]),
        (
            "survey comment",
            json!({ "channel": "SURVEY_COMMENT" }),
            &[],
        ),
        (
            "asks for a written answer",
            json!({ "formalHandlingRequested": true }),
            &["FORMAL_HANDLING_REQUESTED"],
        ),
        (
            "alleges harm",
            json!({ "allegesAbuseNeglectOrHarm": true }),
            &["ABUSE_NEGLECT_OR_HARM"],
        ),
        (
            "CoP",
            json!({ "concernsConditionsOfParticipation": true }),
            &["CONDITIONS_OF_PARTICIPATION"],
        ),
        (
            "Medicare billing",
            json!({ "medicareBeneficiary": true, "medicareBillingRights": true }),
            &["MEDICARE_BILLING_RIGHTS"],
        ),
        (
            "billing, not Medicare",
            json!({ "medicareBillingRights": true }),
            &[],
        ),
        (
            "fax alleging neglect",
            json!({ "channel": "FAX", "allegesAbuseNeglectOrHarm": true }),
            &["WRITTEN", "ABUSE_NEGLECT_OR_HARM"],
        ),
    ];
    for (name, extra, reasons) in cases {
        let mut input = intake("MAIN");
        for (k, v) in extra.as_object().unwrap() {
            input[k] = v.clone();
        }
        let c = app.create_complaint(&manager(), input).await;
        assert_eq!(c["classificationReasons"], json!(reasons), "{name}");
        let expected = if reasons.is_empty() {
            "COMPLAINT"
        } else {
            "GRIEVANCE"
        };
        assert_eq!(c["classification"], expected, "{name}");
        let prefix = if reasons.is_empty() { "CMP-" } else { "GRV-" };
        assert!(
            c["reference"].as_str().unwrap().starts_with(prefix),
            "{name}"
        );
    }
}

#[tokio::test]
async fn invalid_intake_is_refused_field_by_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let mut input = intake("MAIN");
    input["department"] = json!(" ");
    input["receivedAt"] = json!((chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339());
    input["issues"] = json!([{ "category": "SAFETY", "severity": 4, "stageOfCare": "OTHER" }]);
    input["patient"] = json!({ "name": "" });
    let data = app
        .ok(&manager(), &create_mutation(), json!({ "input": input }))
        .await;
    let payload = &data["complaintCreate"];
    assert_eq!(payload["complaint"], Value::Null);
    let fields: Vec<Value> = payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    for expected in [
        json!(["input", "department"]),
        json!(["input", "receivedAt"]),
        json!(["input", "issues", "0", "severity"]),
        json!(["input", "patient", "name"]),
    ] {
        assert!(
            fields.contains(&expected),
            "{expected} missing from {fields:?}"
        );
    }
    assert!(user_error_codes(payload).iter().all(|c| c == "VALIDATION"));
    let mut no_issues = intake("MAIN");
    no_issues["issues"] = json!([]);
    let data = app
        .ok(
            &manager(),
            &create_mutation(),
            json!({ "input": no_issues }),
        )
        .await;
    assert_eq!(
        data["complaintCreate"]["userErrors"][0]["field"],
        json!(["input", "issues"])
    );

    let count = app
        .ok(
            &compliance(),
            "{ complaints { totalCount } auditEvents { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(count["complaints"]["totalCount"], 0);
    // Only the facility's creation and its default policy are on the trail.
    assert_eq!(count["auditEvents"]["totalCount"], 2);
    // A refusal burns no reference number.
    let c = app.create_complaint(&manager(), intake("MAIN")).await;
    assert!(
        c["reference"].as_str().unwrap().ends_with("-000001"),
        "{}",
        c["reference"]
    );
}

#[tokio::test]
async fn the_same_idempotency_key_returns_the_first_complaint() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let mut input = intake("MAIN");
    input["idempotencyKey"] = json!("intake-form-42");
    let first = app
        .ok(
            &manager(),
            &create_mutation(),
            json!({ "input": input.clone() }),
        )
        .await;
    let second = app
        .ok(
            &manager(),
            &create_mutation(),
            json!({ "input": input.clone() }),
        )
        .await;
    assert_eq!(first["complaintCreate"]["replayed"], false);
    assert_eq!(second["complaintCreate"]["replayed"], true);
    assert_eq!(
        first["complaintCreate"]["complaint"]["id"],
        second["complaintCreate"]["complaint"]["id"]
    );
    // Another user's identical key is theirs alone.
    let other = app
        .ok(
            &specialist(),
            &create_mutation(),
            json!({ "input": input.clone() }),
        )
        .await;
    assert_eq!(other["complaintCreate"]["replayed"], false);
    assert_ne!(
        other["complaintCreate"]["complaint"]["id"],
        first["complaintCreate"]["complaint"]["id"]
    );
    let count = app
        .ok(&compliance(), "{ complaints { totalCount } }", json!({}))
        .await;
    assert_eq!(count["complaints"]["totalCount"], 2);

    // A replay is a read: logged, and refused once the complaint is out of
    // the user's sight.
    let id = first["complaintCreate"]["complaint"]["id"].clone();
    let log =
        "query($id: ID!) { accessLog(complaintId: $id) { nodes { operation actor { subject } } } }";
    let entries = app.ok(&compliance(), log, json!({ "id": id })).await;
    let replays: Vec<&Value> = entries["accessLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["operation"] == "complaintCreate (replay)")
        .collect();
    assert_eq!(replays.len(), 1, "{entries:#}");
    assert_eq!(replays[0]["actor"]["subject"], "prm-1");
    app.create_facility("WEST").await;
    let moved = token("prm-1", &["PATIENT_RELATIONS_MANAGER"], &["WEST"]);
    let mut west = input.clone();
    west["facilityCode"] = json!("WEST");
    let data = app
        .ok(&moved, &create_mutation(), json!({ "input": west }))
        .await;
    assert_eq!(data["complaintCreate"]["complaint"], Value::Null);
    assert_eq!(user_error_codes(&data["complaintCreate"]), ["NOT_FOUND"]);
}

#[tokio::test]
async fn escalation_is_one_way_and_keeps_the_clocks() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let c = app.create_complaint(&specialist(), intake("MAIN")).await;
    assert_eq!(c["classification"], "COMPLAINT");
    let p = app
        .complaint_mutate(
            &specialist(),
            "complaintEscalate",
            at(&c, json!({ "reason": "" })),
        )
        .await;
    assert_eq!(user_error_codes(&p), ["VALIDATION"]);
    let e = app
        .complaint_must(
            &specialist(),
            "complaintEscalate",
            at(&c, json!({ "reason": "Family wants a formal review" })),
        )
        .await;
    assert_eq!(e["classification"], "GRIEVANCE");
    assert_eq!(e["classificationReasons"], json!(["NOT_RESOLVED_AT_TIME"]));
    assert_eq!(e["escalation"]["reason"], "Family wants a formal review");
    assert_eq!(e["clocks"][0]["dueAt"], c["clocks"][0]["dueAt"]);
    assert_eq!(e["clocks"][1]["dueAt"], c["clocks"][1]["dueAt"]);
    assert_eq!(
        e["reference"], c["reference"],
        "the reference never changes"
    );
    let p = app
        .complaint_mutate(
            &specialist(),
            "complaintEscalate",
            at(&e, json!({ "reason": "again" })),
        )
        .await;
    assert_eq!(user_error_codes(&p), ["INVALID_TRANSITION"]);

    // Facts that made it a grievance can be corrected; it stays one.
    let mut harm = intake("MAIN");
    harm["allegesAbuseNeglectOrHarm"] = json!(true);
    let g = app.create_complaint(&specialist(), harm).await;
    let u = app
        .complaint_must(
            &specialist(),
            "complaintUpdate",
            at(&g, json!({ "allegesAbuseNeglectOrHarm": false })),
        )
        .await;
    assert_eq!(u["classification"], "GRIEVANCE");

    // Investigating a complaint means it was not resolved at the time.
    let c = app.create_complaint(&specialist(), intake("MAIN")).await;
    let c = app
        .complaint_must(
            &specialist(),
            "complaintAssign",
            at(&c, json!({ "ownerSubject": "pr-1", "ownerName": "Pat" })),
        )
        .await;
    let c = app
        .complaint_must(
            &specialist(),
            "complaintStartInvestigation",
            at(&c, json!({})),
        )
        .await;
    assert_eq!(c["classification"], "GRIEVANCE");
    assert_eq!(c["classificationReasons"], json!(["NOT_RESOLVED_AT_TIME"]));
}

#[tokio::test]
async fn update_keeps_issue_findings_by_id_and_reassignment_needs_a_manager() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let c = app.create_complaint(&specialist(), intake("MAIN")).await;
    let first_issue = c["issues"][0].clone();
    let c = app.complaint_must(&specialist(), "complaintUpdate", at(&c, json!({
        "department": "Radiology",
        "issues": [
            { "id": first_issue["id"], "category": "INSTITUTIONAL_PROCESSES", "severity": 3, "stageOfCare": "ADMISSION" },
            { "category": "RESPECT_AND_PATIENT_RIGHTS", "severity": 2, "stageOfCare": "CARE_ON_WARD" }
        ]
    }))).await;
    assert_eq!(c["issues"][0]["id"], first_issue["id"]);
    assert_eq!(c["issues"][0]["severity"], 3);
    assert_eq!(c["issues"].as_array().unwrap().len(), 2);
    let p = app.complaint_mutate(&specialist(), "complaintUpdate", at(&c, json!({
        "issues": [{ "id": "not-an-id", "category": "SAFETY", "severity": 1, "stageOfCare": "OTHER" }]
    }))).await;
    assert_eq!(user_error_codes(&p), ["VALIDATION"]);

    let c = app
        .complaint_must(
            &specialist(),
            "complaintAssign",
            at(&c, json!({ "ownerSubject": "pr-1", "ownerName": "Pat" })),
        )
        .await;
    let p = app
        .complaint_mutate(
            &specialist(),
            "complaintAssign",
            at(&c, json!({ "ownerSubject": "pr-2", "ownerName": "Sam" })),
        )
        .await;
    assert_eq!(user_error_codes(&p), ["FORBIDDEN"]);
    let c = app
        .complaint_must(
            &manager(),
            "complaintAssign",
            at(&c, json!({ "ownerSubject": "pr-2", "ownerName": "Sam" })),
        )
        .await;
    assert_eq!(c["owner"]["subject"], "pr-2");

    // Filters: category, severity on the same issue, department, owner.
    let q = "query($f: ComplaintFilterInput) { complaints(filter: $f) { totalCount } }";
    let n = |data: Value| data["complaints"]["totalCount"].as_i64().unwrap();
    app.create_complaint(&specialist(), intake("MAIN")).await;
    assert_eq!(
        n(app
            .ok(
                &compliance(),
                q,
                json!({ "f": { "hcatCategories": ["RESPECT_AND_PATIENT_RIGHTS"] } })
            )
            .await),
        1
    );
    assert_eq!(
        n(app
            .ok(
                &compliance(),
                q,
                json!({ "f": { "hcatCategories": ["INSTITUTIONAL_PROCESSES"], "severities": [3] } })
            )
            .await),
        1
    );
    assert_eq!(
        n(app
            .ok(
                &compliance(),
                q,
                json!({ "f": { "hcatCategories": ["INSTITUTIONAL_PROCESSES"] } })
            )
            .await),
        2
    );
    assert_eq!(
        n(app
            .ok(
                &compliance(),
                q,
                json!({ "f": { "departments": ["Radiology"] } })
            )
            .await),
        1
    );
    assert_eq!(
        n(app
            .ok(&compliance(), q, json!({ "f": { "owner": "pr-2" } }))
            .await),
        1
    );
    assert_eq!(
        n(app
            .ok(
                &compliance(),
                q,
                json!({ "f": { "classifications": ["GRIEVANCE"] } })
            )
            .await),
        0
    );
    assert_eq!(
        n(app
            .ok(&compliance(), q, json!({ "f": { "reopened": true } }))
            .await),
        0
    );
    assert_eq!(
        n(app
            .ok(
                &compliance(),
                q,
                json!({ "f": { "statuses": ["RECEIVED"] } })
            )
            .await),
        2
    );
}

#[tokio::test]
async fn complaints_page_in_a_stable_order() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let base = chrono::Utc::now() - chrono::Duration::hours(1);
    for i in 0..7 {
        let mut input = intake("MAIN");
        // Two share a received time: the id breaks the tie.
        input["receivedAt"] = json!((base + chrono::Duration::minutes(i / 2)).to_rfc3339());
        app.create_complaint(&manager(), input).await;
    }
    for order in [
        json!({ "field": "RECEIVED_AT", "direction": "DESC" }),
        json!({ "field": "REFERENCE", "direction": "ASC" }),
    ] {
        let q = "query($o: ComplaintOrder, $after: String) { complaints(orderBy: $o, first: 3, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { reference receivedAt } } }";
        let mut seen: Vec<String> = Vec::new();
        let mut after = Value::Null;
        loop {
            let data = app
                .ok(&compliance(), q, json!({ "o": order, "after": after }))
                .await;
            let page = &data["complaints"];
            assert_eq!(page["totalCount"], 7);
            seen.extend(
                page["nodes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n["reference"].as_str().unwrap().to_owned()),
            );
            if page["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(seen.len(), 7, "{order}: {seen:?}");
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 7, "no duplicates across pages");
        if order["field"] == "REFERENCE" {
            assert_eq!(seen, unique, "ascending references");
        }
    }
    let (status, body) = app
        .graphql(
            Some(&compliance()),
            "{ complaints(first: 101) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    let (_, body) = app
        .graphql(
            Some(&compliance()),
            "{ complaints(after: \"garbage\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
}
