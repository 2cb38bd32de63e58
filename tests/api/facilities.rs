//! Facilities: ADMIN-only upsert, validation, versions, facility scope,
//! pagination and concurrent writers.

use reqwest::StatusCode;
use serde_json::{Value, json};

use redress_api::startup::Application;

use crate::helpers::*;

const ROLES: [&str; 5] = [
    "STAFF",
    "PATIENT_RELATIONS",
    "PATIENT_RELATIONS_MANAGER",
    "COMPLIANCE",
    "ADMIN",
];

fn codes(payload: &Value) -> Vec<String> {
    payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_owned())
        .collect()
}

/// role × (inside, outside the token's facilities) × (create, update, read).
#[tokio::test]
async fn permission_table_for_every_role_inside_and_outside_scope() {
    let app = TestApp::spawn().await;
    let main = app.create_facility("MAIN").await;
    app.create_facility("NORTH").await;
    for role in ROLES {
        let token = token(&format!("{role}-user"), &[role], &["MAIN"]);
        let admin_role = role == "ADMIN";

        // Update inside scope.
        let mut input = facility_input("MAIN");
        input["expectedVersion"] = main["version"].clone();
        input["name"] = json!(format!("Main ({role})"));
        let payload = app.upsert_facility(&token, input).await;
        if admin_role {
            assert_eq!(payload["userErrors"], json!([]), "{role}");
            assert_eq!(payload["facility"]["version"], 2);
        } else {
            assert_eq!(codes(&payload), ["FORBIDDEN"], "{role}");
            assert_eq!(payload["facility"], Value::Null);
        }
        // Update and create outside scope: refused for every role, and the
        // answer is the same whether or not the facility exists.
        for code in ["NORTH", "SOUTH"] {
            let mut input = facility_input(code);
            if code == "NORTH" {
                input["expectedVersion"] = json!(1);
            }
            let payload = app.upsert_facility(&token, input).await;
            assert_eq!(codes(&payload), ["FORBIDDEN"], "{role} {code}");
        }
        // Create inside scope (a code in the token that does not exist yet).
        let scoped = token.clone();
        let new_code = format!("NEW-{}", role.replace('_', "-"));
        let token_new =
            crate::helpers::token(&format!("{role}-user"), &[role], &[new_code.as_str()]);
        let payload = app
            .upsert_facility(&token_new, facility_input(&new_code))
            .await;
        assert_eq!(payload["created"], admin_role, "{role}");
        assert_eq!(codes(&payload).is_empty(), admin_role, "{role}");

        // Reads: every role sees MAIN and only MAIN.
        let data = app
            .ok(
                &scoped,
                r#"query($id: ID!) { facilities { totalCount nodes { code } }
                    main: facility(code: "MAIN") { code }
                    north: facility(code: "north") { code }
                    node(id: $id) { id } }"#,
                json!({ "id": main["id"] }),
            )
            .await;
        assert_eq!(
            data["facilities"]["nodes"],
            json!([{ "code": "MAIN" }]),
            "{role}"
        );
        assert_eq!(data["facilities"]["totalCount"], 1, "{role}");
        assert_eq!(data["main"]["code"], "MAIN", "{role}");
        assert_eq!(
            data["north"],
            Value::Null,
            "{role}: outside scope reads as absent"
        );
        assert_eq!(data["node"]["id"], main["id"], "{role}");
    }
    // Five roles tried; only ADMIN created NEW-ADMIN.
    assert_eq!(app.facility_count().await, 3);
}

#[tokio::test]
async fn a_token_without_roles_reads_nothing() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let (status, body) = app
        .graphql(
            Some(&token("nobody", &[], &["*"])),
            "{ facilities { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(error_code(&body), "FORBIDDEN");
}

#[tokio::test]
async fn node_ids_outside_scope_or_malformed_are_null() {
    let app = TestApp::spawn().await;
    let north = app.create_facility("NORTH").await;
    let token = token("pr", &["PATIENT_RELATIONS"], &["MAIN"]);
    for id in [north["id"].clone(), json!("garbage"), json!("")] {
        let data = app
            .ok(
                &token,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(data["node"], Value::Null, "{id}");
    }
    let data = app
        .ok(
            &admin(),
            "query($id: ID!) { node(id: $id) { ... on Facility { code } } }",
            json!({ "id": north["id"] }),
        )
        .await;
    assert_eq!(data["node"]["code"], "NORTH");
}

#[tokio::test]
async fn validation_errors_name_every_field_and_write_nothing() {
    let app = TestApp::spawn().await;
    let payload = app
        .upsert_facility(
            &admin(),
            json!({
                "code": "*",
                "name": " ",
                "timeZone": "Mars/Olympus_Mons",
                "approvalThreshold": { "amount": "10.001", "currency": "USD" },
            }),
        )
        .await;
    let fields: Vec<Value> = payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    assert_eq!(
        fields,
        [
            json!(["input", "code"]),
            json!(["input", "name"]),
            json!(["input", "timeZone"]),
            json!(["input", "approvalThreshold"]),
        ]
    );
    assert!(codes(&payload).iter().all(|c| c == "VALIDATION"));
    assert_eq!(payload["facility"], Value::Null);
    assert_eq!(app.facility_count().await, 0);

    for (amount, currency) in [("-5", "USD"), ("1", "DOLLARS")] {
        let mut input = facility_input("MAIN");
        input["approvalThreshold"] = json!({ "amount": amount, "currency": currency });
        assert_eq!(
            codes(&app.upsert_facility(&admin(), input).await),
            ["VALIDATION"]
        );
    }
    assert_eq!(app.facility_count().await, 0);
}

#[tokio::test]
async fn money_is_exact_and_normalised() {
    let app = TestApp::spawn().await;
    let mut input = facility_input("mercy-north");
    // Below the ceiling of 100000000 major units (domain::money).
    input["approvalThreshold"] = json!({ "amount": "12345678.5", "currency": "usd" });
    let payload = app.upsert_facility(&admin(), input).await;
    assert_eq!(payload["facility"]["code"], "MERCY-NORTH");
    assert_eq!(
        payload["facility"]["approvalThreshold"],
        json!({ "amount": "12345678.50", "currency": "USD" })
    );
}

#[tokio::test]
async fn versions_guard_every_change() {
    let app = TestApp::spawn().await;
    let created = app.create_facility("MAIN").await;
    assert_eq!(created["version"], 1);

    // Creating it again is a conflict, not a silent overwrite.
    let payload = app.upsert_facility(&admin(), facility_input("MAIN")).await;
    assert_eq!(codes(&payload), ["CONFLICT"]);

    // Changing one that does not exist.
    let mut input = facility_input("NOWHERE");
    input["expectedVersion"] = json!(1);
    assert_eq!(
        codes(&app.upsert_facility(&admin(), input).await),
        ["NOT_FOUND"]
    );

    let mut input = facility_input("MAIN");
    input["expectedVersion"] = json!(1);
    input["timeZone"] = json!("America/New_York");
    let payload = app.upsert_facility(&admin(), input.clone()).await;
    assert_eq!(payload["facility"]["version"], 2);
    assert_eq!(payload["facility"]["timeZone"], "America/New_York");
    assert_eq!(payload["created"], false);

    // The same change again, with the version now stale.
    input["timeZone"] = json!("Europe/London");
    let payload = app.upsert_facility(&admin(), input).await;
    assert_eq!(codes(&payload), ["CONFLICT"]);
    let data = app
        .ok(
            &admin(),
            r#"{ facility(code: "MAIN") { timeZone version } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data["facility"],
        json!({ "timeZone": "America/New_York", "version": 2 })
    );
}

#[tokio::test]
async fn pages_are_stable_and_complete() {
    let app = TestApp::spawn().await;
    for code in ["E5", "A1", "C3", "B2", "D4"] {
        app.create_facility(code).await;
    }
    let query = "query($after: String) { facilities(first: 2, after: $after) {
        totalCount edges { cursor node { code } } pageInfo { hasNextPage hasPreviousPage endCursor } } }";
    let mut after = Value::Null;
    let mut seen = Vec::new();
    loop {
        let data = app.ok(&admin(), query, json!({ "after": after })).await;
        let page = &data["facilities"];
        assert_eq!(page["totalCount"], 5);
        for edge in page["edges"].as_array().unwrap() {
            seen.push(edge["node"]["code"].as_str().unwrap().to_owned());
        }
        if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, ["A1", "B2", "C3", "D4", "E5"]);

    let (_, body) = app
        .graphql(Some(&admin()), query, json!({ "after": "!!" }))
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
}

/// Twelve real parallel updates at the same version, spread over `apps`:
/// exactly one wins, the others get CONFLICT, the winner's change is stored.
async fn assert_one_winner(apps: &[&TestApp]) {
    apps[0].create_facility("MAIN").await;
    let token = admin();
    let requests = (0..12).map(|i| {
        let mut input = facility_input("MAIN");
        input["expectedVersion"] = json!(1);
        input["name"] = json!(format!("Writer {i}"));
        apps[i % apps.len()].graphql(Some(&token), UPSERT, json!({ "input": input }))
    });
    let results = futures_util::future::join_all(requests).await;
    let mut winners = Vec::new();
    for (status, body) in &results {
        assert_eq!(*status, StatusCode::OK, "{body}");
        let payload = &body["data"]["facilityUpsert"];
        match codes(payload).as_slice() {
            [] => winners.push(payload["facility"]["name"].clone()),
            [code] => assert_eq!(code, "CONFLICT", "{payload}"),
            other => panic!("unexpected errors {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "{results:?}");
    for app in apps {
        let data = app
            .ok(
                &token,
                r#"{ facility(code: "MAIN") { name version } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            data["facility"],
            json!({ "name": winners[0], "version": 2 })
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_updates_have_exactly_one_winner() {
    assert_one_winner(&[&TestApp::spawn().await]).await;
}

/// Two servers (two connection pools) on one database, as in a deployment
/// with several processes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_updates_through_two_servers_have_exactly_one_winner() {
    let db = TestDb::new().await;
    let first = TestApp::start(Application::build(settings(&db.url)).await.unwrap());
    let second = TestApp::start(Application::build(settings(&db.url)).await.unwrap());
    assert_one_winner(&[&first, &second]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_creates_of_one_code_have_exactly_one_winner() {
    let app = TestApp::spawn().await;
    let token = admin();
    let requests = (0..12).map(|_| {
        app.graphql(
            Some(&token),
            UPSERT,
            json!({ "input": facility_input("MAIN") }),
        )
    });
    let results = futures_util::future::join_all(requests).await;
    let created = results
        .iter()
        .filter(|(status, body)| {
            assert_eq!(*status, StatusCode::OK, "{body}");
            body["data"]["facilityUpsert"]["created"] == true
        })
        .count();
    assert_eq!(created, 1);
    for (_, body) in &results {
        let payload = &body["data"]["facilityUpsert"];
        if payload["created"] == false {
            assert_eq!(codes(payload), ["CONFLICT"], "{payload}");
        }
    }
    assert_eq!(app.facility_count().await, 1);
}
