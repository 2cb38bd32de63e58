//! What a refused caller reads: the operation in a specialist's words,
//! from the domain's descriptions, never its internal name. Once through
//! the services (a refused change, a `userErrors` entry) and once through
//! a resolver (a refused read, a top-level error).

use serde_json::{Value, json};

use super::seed::FACILITY_A;
use crate::helpers::*;

#[tokio::test]
async fn refusals_name_the_operation_in_plain_words() {
    let app = TestApp::spawn().await;
    app.create_facility(FACILITY_A).await;
    let staff = token("staff-main", &["STAFF"], &[FACILITY_A]);
    let request = app.file_accessibility_request(&staff, &in_hours(48)).await;
    let (mutation, input) = accessibility_call("ACKNOWLEDGE", &request);
    let payload = app.work_mutate(&staff, mutation, input).await;
    assert_eq!(
        payload["userErrors"],
        json!([{ "field": null, "code": "FORBIDDEN",
                 "message": "your roles do not allow you to work accessibility requests" }]),
        "{payload:#}"
    );

    let (_, body) = app
        .graphql(Some(&admin()), "{ complaints { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body:#}");
    assert_eq!(
        body["errors"][0]["message"],
        Value::from("your roles do not allow you to read complaints"),
        "{body:#}"
    );
}
