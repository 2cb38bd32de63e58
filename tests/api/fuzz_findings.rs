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
