//! Every limit: a clear error and a 4xx (page size: a clear field error),
//! never a slow answer, a panic or a 500.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

/// `{ __typename }` padded with a comment to exactly `size` bytes of JSON.
fn padded_query(size: usize) -> String {
    let empty = json!({ "query": "{ __typename } # " }).to_string();
    let body = json!({ "query": format!("{{ __typename }} # {}", "x".repeat(size - empty.len())) })
        .to_string();
    assert_eq!(body.len(), size);
    body
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let app = TestApp::spawn_with(|s| s.limits.max_body_bytes = 2048).await;
    assert_eq!(
        app.post_body(padded_query(2048)).await.status(),
        StatusCode::OK
    );
    let response = app.post_body(padded_query(2049)).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "PAYLOAD_TOO_LARGE");

    // Chunked, without Content-Length: still counted.
    let chunks =
        futures_util::stream::iter((0..8).map(|_| Ok::<_, std::io::Error>(vec![b' '; 512])));
    let response = app.post_body(reqwest::Body::wrap_stream(chunks)).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn the_default_body_limit_is_one_mebibyte() {
    let app = TestApp::spawn().await;
    let mib = 1024 * 1024;
    assert_eq!(
        app.post_body(padded_query(mib)).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.post_body(padded_query(mib + 1)).await.status(),
        StatusCode::PAYLOAD_TOO_LARGE
    );
}

#[tokio::test]
async fn over_deep_queries_are_400() {
    let app = TestApp::spawn_with(|s| s.limits.max_query_depth = 3).await;
    let token = admin();
    let (status, _) = app
        .graphql(Some(&token), "{ facilities { nodes { code } } }", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let deep = "{ facilities { edges { node { approvalThreshold { amount } } } } }";
    let (status, body) = app.graphql(Some(&token), deep, json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "QUERY_TOO_DEEP");
    // Under the legacy media type too: a limit is never a 200.
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": deep }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn over_costly_queries_are_400() {
    let app = TestApp::spawn_with(|s| s.limits.max_query_complexity = 50).await;
    let token = admin();
    let (status, body) = app
        .graphql(
            Some(&token),
            "{ facilities(first: 2) { nodes { code name } } }",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .graphql(
            Some(&token),
            "{ facilities(first: 100) { nodes { code name timeZone } } }",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "QUERY_TOO_COMPLEX");
}

#[tokio::test]
async fn too_many_aliases_are_400() {
    let app = TestApp::spawn().await;
    let aliases = |n: usize| {
        let fields: Vec<String> = (0..n).map(|i| format!("a{i}: __typename")).collect();
        format!("{{ {} }}", fields.join(" "))
    };
    let (status, _) = app.graphql(None, &aliases(30), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app.graphql(None, &aliases(31), json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "TOO_MANY_ALIASES");
}

#[tokio::test]
async fn page_size_is_at_most_one_hundred() {
    let app = TestApp::spawn().await;
    let token = admin();
    app.ok(
        &token,
        "{ facilities(first: 100) { totalCount } }",
        json!({}),
    )
    .await;
    for first in [101, 1000, -1] {
        let (status, body) = app
            .graphql(
                Some(&token),
                "query($n: Int) { facilities(first: $n) { totalCount } }",
                json!({ "n": first }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{first}: {body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("first")
        );
    }
}

#[tokio::test]
async fn batches_are_refused() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("batch")
    );
}
