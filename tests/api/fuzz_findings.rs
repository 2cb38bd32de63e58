//! Regressions for what the GraphQL fuzzer (`.ci/fuzz/run`) found: each
//! answer a client got that it should not have.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

/// An `Int` literal beyond 32 bits passes validation and fails when the
/// argument is parsed during execution; async-graphql reports that with no
/// `extensions.code`, which a client cannot tell from a fault. Found by the
/// fuzzer on `accessibilityRequests(first:)`, `interpreterSessions(first:)`,
/// `serviceRecoveryActions(first:)` and `surveyReadiness(first:)`. (Where the
/// page size also prices the query, validation refuses it first: a 400.)
#[tokio::test]
async fn an_int_beyond_32_bits_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let token = token("fuzz", &["PATIENT_RELATIONS_MANAGER", "ADMIN"], &["*"]);
    let cases = [
        (
            "a page size",
            "{ accessibilityRequests(first: 2147483648) { totalCount } }",
        ),
        (
            "a negative page size",
            "{ interpreterSessions(filter: null, first: -820769022063) { totalCount } }",
        ),
        (
            "a list in a filter",
            "{ complaints(filter: { severities: [1, 4294967296] }) { totalCount } }",
        ),
        (
            "an input object's field",
            "mutation { complaintClose(input: { id: \"x\", expectedVersion: 99999999999 }) { userErrors { code } } }",
        ),
    ];
    for (what, query) in cases {
        let (status, body) = app.graphql(Some(&token), query, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{what}: {body:#}");
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{what}: {body:#}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("Int"), "{what}: {message}");
    }
    // In range, the same fields answer.
    let data = app
        .ok(
            &token,
            "{ accessibilityRequests(first: 5) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(data["accessibilityRequests"]["totalCount"], 0);
}

/// A NUL character in a read's argument: PostgreSQL refuses it in text, so
/// `facility(code: "…\u0000…")` was an INTERNAL_SERVER_ERROR there (SQLite
/// simply found nothing). Found by the fuzzer on PostgreSQL. A read's
/// arguments are lookups and filters, so a NUL is refused up front, written
/// in the document or sent as a variable, on both databases alike; a
/// mutation's text still answers with a VALIDATION user error on its field
/// (tests/api/validated_values.rs).
#[tokio::test]
async fn a_nul_in_a_read_argument_is_bad_user_input() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let token = token("fuzz", &["PATIENT_RELATIONS_MANAGER", "ADMIN"], &["*"]);
    let cases = [
        (
            "a literal",
            r#"{ facility(code: "MA\u0000IN") { code } }"#,
            json!({}),
        ),
        (
            "a variable",
            "query($code: String!) { facility(code: $code) { code } }",
            json!({ "code": "MA\u{0}IN" }),
        ),
        (
            "a reference",
            "query($r: String!) { complaintByReference(reference: $r) { id } }",
            json!({ "r": "C-\u{0}" }),
        ),
        (
            "a filter list",
            r#"{ complaints(filter: { facilityCodes: ["MAIN", "\u0000"] }) { totalCount } }"#,
            json!({}),
        ),
    ];
    for (what, query, variables) in cases {
        let (status, body) = app.graphql(Some(&token), query, variables).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {body:#}");
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{what}: {body:#}");
        assert!(body.get("data").is_none(), "{what}: {body:#}");
    }
    // Without the NUL, the same lookup answers.
    let data = app
        .ok(&token, r#"{ facility(code: "MAIN") { code } }"#, json!({}))
        .await;
    assert_eq!(data["facility"]["code"], "MAIN");
}
