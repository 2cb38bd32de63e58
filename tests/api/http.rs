//! GraphQL over HTTP: media types, methods, malformed requests, health.

use reqwest::StatusCode;
use serde_json::{Value, json};

use redress_api::startup::Application;
use sea_orm::ConnectionTrait;

use crate::helpers::*;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json; charset=utf-8";
const JSON: &str = "application/json; charset=utf-8";

#[tokio::test]
async fn response_media_type_follows_accept() {
    let app = TestApp::spawn().await;
    let body = r#"{"query":"{ __typename }"}"#;
    let cases: &[(Option<&str>, StatusCode, &str)] = &[
        (None, StatusCode::OK, JSON),
        (Some("*/*"), StatusCode::OK, JSON),
        (Some("application/json"), StatusCode::OK, JSON),
        (
            Some("application/graphql-response+json"),
            StatusCode::OK,
            GRAPHQL_RESPONSE,
        ),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            StatusCode::OK,
            GRAPHQL_RESPONSE,
        ),
        (Some("text/html"), StatusCode::NOT_ACCEPTABLE, JSON),
        (Some("application/xml"), StatusCode::NOT_ACCEPTABLE, JSON),
    ];
    for (accept, status, ct) in cases {
        let got = app.post_raw(*accept, Some("application/json"), body).await;
        assert_eq!(
            (got.0, got.1.as_str()),
            (*status, *ct),
            "{accept:?}: {}",
            got.2
        );
        if *status == StatusCode::OK {
            assert_eq!(got.2, json!({ "data": { "__typename": "Query" } }));
        }
    }
}

#[tokio::test]
async fn malformed_requests_are_4xx_with_a_clear_error() {
    let app = TestApp::spawn().await;
    let gql = Some("application/graphql-response+json");
    let cases: &[(Option<&str>, &str, StatusCode, &str)] = &[
        (
            Some("text/plain"),
            r#"{"query":"{ __typename }"}"#,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            None,
            r#"{"query":"{ __typename }"}"#,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            Some("application/json; charset=latin1"),
            r#"{"query":"{ __typename }"}"#,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            Some("application/json"),
            "",
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
        ),
        (
            Some("application/json"),
            r#"{ "not a JSON"#,
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
        ),
        (
            Some("application/json"),
            r#"[{"query":"{ __typename }"}]"#,
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
        ),
        (
            Some("application/json"),
            r#"{"qeury":"{ __typename }"}"#,
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
        ),
        (
            Some("application/json"),
            r#"{"query":{"obj":"ect"}}"#,
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
        ),
        (
            Some("application/json"),
            r#"{"query":"{ __typename }","variables":"x"}"#,
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
        ),
        (
            Some("application/json"),
            r#"{"query":"{ __typename }","operationName":false}"#,
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
        ),
        (
            Some("application/json"),
            r#"{"query":"{ __typename }","extensions":[1]}"#,
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
        ),
    ];
    for (ct, body, status, code) in cases {
        let (got_status, got_ct, got) = app.post_raw(gql, *ct, body).await;
        assert_eq!(got_status, *status, "{ct:?} {body}: {got}");
        assert_eq!(got_ct, GRAPHQL_RESPONSE, "{body}");
        assert_eq!(error_code(&got), *code, "{body}: {got}");
        assert!(
            got["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
}

#[tokio::test]
async fn request_errors_are_400_without_data_under_graphql_response_json() {
    let app = TestApp::spawn().await;
    let token = admin();
    let cases = [
        ("{", "GRAPHQL_PARSE_FAILED"),
        ("{ noSuchField }", "GRAPHQL_VALIDATION_FAILED"),
        (
            "query Q($id: ID!) { node(id: $id) { id } }",
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ];
    for (query, code) in cases {
        let (status, body) = app
            .graphql(Some(&token), query, json!({ "id": null }))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert!(body.get("data").is_none(), "{query}: {body}");
        assert_eq!(error_code(&body), code, "{query}: {body}");
        // The legacy media type keeps 200, as the specification asks.
        let (status, _, body) = app
            .post_raw(
                Some("application/json"),
                Some("application/json"),
                &json!({ "query": query, "variables": { "id": null } }).to_string(),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        assert!(body.get("data").is_none(), "{query}: {body}");
    }
    // An operation that ran and failed in a field is not a request error:
    // 200, with `data` (null here: the field is non-null) and the field's
    // path.
    let (status, body) = app
        .graphql(
            Some(&specialist()),
            "{ auditCheckpoints(first: 1) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body.get("data"), Some(&Value::Null), "{body}");
    assert_eq!(
        body["errors"][0]["path"],
        json!(["auditCheckpoints"]),
        "{body}"
    );
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
}

#[tokio::test]
async fn get_runs_queries_but_never_mutations() {
    let app = TestApp::spawn().await;
    let token = admin();
    let get = |query: &str| {
        app.client
            .get(app.url("/graphql"))
            .query(&[("query", query)])
            .header("Accept", "application/graphql-response+json")
            .bearer_auth(&token)
            .send()
    };
    let response = get("{ me { subject } }").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap()["data"]["me"]["subject"],
        "admin-1"
    );

    let mutation = r#"mutation { facilityUpsert(input: {code: "MAIN", name: "Main", timeZone: "UTC",
        approvalThreshold: {amount: "1", currency: "USD"}}) { created } }"#;
    let response = get(mutation).await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "POST");
    // Nothing was created.
    let data = app
        .ok(&token, "{ facilities { totalCount } }", json!({}))
        .await;
    assert_eq!(data["facilities"]["totalCount"], 0);

    let response = app.client.put(app.url("/graphql")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn introspection_and_suggestions_can_be_switched_off() {
    let app = TestApp::spawn_with(|s| {
        s.introspection = false;
        s.field_suggestions = false;
    })
    .await;
    let token = admin();
    let (_, body) = app
        .graphql(
            Some(&token),
            r#"{ __schema { types { name } } __type(name: "Facility") { name } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"],
        json!({ "__schema": null, "__type": null }),
        "{body}"
    );
    let (_, body) = app
        .graphql(Some(&token), "{ facilitie { totalCount } }", json!({}))
        .await;
    assert!(!body.to_string().contains("Did you mean"), "{body}");

    let app = TestApp::spawn().await;
    let (status, _) = app
        .graphql(Some(&token), "{ __schema { types { name } } }", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, body) = app
        .graphql(Some(&token), "{ facilitie { totalCount } }", json!({}))
        .await;
    assert!(body.to_string().contains("Did you mean"), "{body}");
}

#[tokio::test]
async fn health_and_readiness() {
    let db = TestDb::new().await;
    let conn = db.connect().await;
    let app = TestApp::start(
        Application::build_with_db(settings(&db.url), conn.clone())
            .await
            .unwrap(),
    );
    let (client, base) = (&app.client, &app.address);

    let response = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get("x-request-id").is_some());
    assert_eq!(
        client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );

    // The database goes away: not ready, but still alive.
    conn.close().await.unwrap();
    assert_eq!(
        client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        client
            .get(format!("{base}/nowhere"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}

/// A database that cannot serve the request is not a fault of Redress: a
/// 503 the client may retry, with `Retry-After`, quickly, and in words that
/// name nothing internal.
#[tokio::test]
async fn a_database_that_cannot_serve_is_a_retryable_503() {
    let db = TestDb::new().await;
    let conn = db.connect().await;
    let app = TestApp::start(
        Application::build_with_db(settings(&db.url), conn.clone())
            .await
            .unwrap(),
    );
    conn.close().await.unwrap();
    for (query, variables) in [
        ("{ facilities { totalCount } }", json!({})),
        (UPSERT, json!({ "input": facility_input("MAIN") })),
    ] {
        let started = std::time::Instant::now();
        let response = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(admin())
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .unwrap();
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "fails fast"
        );
        assert_eq!(
            response.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "{query}"
        );
        assert_eq!(response.headers()["retry-after"], "1");
        let request_id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_code(&body), "DATABASE_UNAVAILABLE", "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["requestId"],
            request_id.as_str()
        );
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("retry"), "{message}");
        let lower = message.to_lowercase();
        for leak in ["sql", "pool", "sqlx", "closed", "timed out"] {
            assert!(!lower.contains(leak), "{message}");
        }
    }
}

/// A fault in Redress itself stays an opaque error quoting the request id.
#[tokio::test]
async fn an_internal_fault_is_an_opaque_error_with_the_request_id() {
    let db = TestDb::new().await;
    let conn = db.connect().await;
    let app = TestApp::start(
        Application::build_with_db(settings(&db.url), conn.clone())
            .await
            .unwrap(),
    );
    conn.execute_unprepared("ALTER TABLE facility RENAME TO facility_gone")
        .await
        .unwrap();
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(admin())
        .json(&json!({ "query": "{ facilities { totalCount } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "INTERNAL_SERVER_ERROR");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains(&request_id), "{message}");
    let lower = message.to_lowercase();
    for leak in ["sql", "pool", "sqlx", "database", "facility", "table"] {
        assert!(!lower.contains(leak), "{message}");
    }
}

/// A fault inside a mutation's service call (through its payload, not a
/// read) is the same opaque error, not a `userErrors` entry.
#[tokio::test]
async fn an_internal_fault_in_a_mutation_is_an_opaque_error() {
    let db = TestDb::new().await;
    let conn = db.connect().await;
    let app = TestApp::start(
        Application::build_with_db(settings(&db.url), conn.clone())
            .await
            .unwrap(),
    );
    conn.execute_unprepared("ALTER TABLE facility RENAME TO facility_gone")
        .await
        .unwrap();
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(admin())
        .json(&json!({ "query": UPSERT, "variables": { "input": facility_input("MAIN") } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "INTERNAL_SERVER_ERROR", "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["requestId"],
        request_id.as_str()
    );
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains(&request_id), "{message}");
    let lower = message.to_lowercase();
    for leak in ["sql", "pool", "sqlx", "database", "facility", "table"] {
        assert!(!lower.contains(leak), "{message}");
    }
}

/// Several processes starting at once on one new database: each migrates
/// or waits, none fails, and the schema is complete.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_start_ups_migrate_one_database_once() {
    let db = TestDb::empty().await;
    let starts = (0..4).map(|_| {
        let url = db.url.clone();
        tokio::spawn(async move {
            let conn = redress_api::db::connect(&url).await.unwrap();
            redress_api::db::migrate(&conn).await
        })
    });
    for result in futures_util::future::join_all(starts).await {
        result.unwrap().unwrap();
    }
    let app = TestApp::start(Application::build(settings(&db.url)).await.unwrap());
    let data = app
        .ok(&admin(), UPSERT, json!({ "input": facility_input("MAIN") }))
        .await;
    assert_eq!(data["facilityUpsert"]["created"], true, "{data}");
}

#[tokio::test]
async fn cors_answers_the_configured_origins_only() {
    let client_origin = "https://patient-relations.example.org";
    let app = TestApp::spawn_with(|s| s.cors_origins = vec![client_origin.to_owned()]).await;
    let preflight = |origin: &str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type",
            )
            .send()
    };
    let response = preflight(client_origin).await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        client_origin
    );

    let response = preflight("https://evil.example.com").await.unwrap();
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    for (origin, allowed) in [(client_origin, true), ("https://evil.example.com", false)] {
        let response = app
            .client
            .post(app.url("/graphql"))
            .header("Origin", origin)
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_some(),
            allowed,
            "{origin}"
        );
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    }
}
