//! `redress seed --demo`: the demo data set goes through the services, so it
//! is valid, on the audit trail, and covers every state of the lifecycle.

use std::process::Command;

use serde_json::json;

use redress_api::startup::Application;

use crate::helpers::*;

#[tokio::test]
async fn demo_data_covers_every_state_and_verifies() {
    let db = TestDb::new().await;
    let conn = db.connect().await;
    let seeded = redress_api::seed::demo(&conn).await.unwrap();
    assert_eq!(seeded.facilities, 2);
    assert!(seeded.complaints >= 6);
    // Never twice.
    let again = redress_api::seed::demo(&conn).await;
    assert!(again.is_err());

    let app = TestApp::start(Application::build(settings(&db.url)).await.unwrap());
    let compliance = token("co-all", &["COMPLIANCE"], &["*"]);
    let data = app
        .ok(
            &compliance,
            "{ complaints(first: 100) { totalCount nodes { status classification } } auditTrailVerification { intact } }",
            json!({}),
        )
        .await;
    assert_eq!(data["complaints"]["totalCount"], seeded.complaints);
    let statuses: std::collections::BTreeSet<String> = data["complaints"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["status"].as_str().unwrap().to_owned())
        .collect();
    for status in [
        "RECEIVED",
        "ACKNOWLEDGED",
        "INVESTIGATING",
        "RESOLVED",
        "CLOSED",
        "WITHDRAWN",
    ] {
        assert!(
            statuses.contains(status),
            "{status} missing from {statuses:?}"
        );
    }
    assert_eq!(data["auditTrailVerification"]["intact"], true);

    // Letters: acknowledgements (one in Spanish to a Spanish-speaking
    // complainant), progress notices and a sent resolution letter.
    let letters = app
        .ok(
            &compliance,
            "{ complaints(first: 100) { nodes { letters { kind language status text } } } }",
            json!({}),
        )
        .await;
    let letters: Vec<&serde_json::Value> = letters["complaints"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|n| n["letters"].as_array().unwrap())
        .collect();
    for kind in ["ACKNOWLEDGEMENT", "PROGRESS_NOTICE", "RESOLUTION"] {
        assert!(
            letters
                .iter()
                .any(|l| l["kind"] == kind && l["status"] == "SENT"),
            "no sent {kind} letter"
        );
    }
    assert!(
        letters
            .iter()
            .any(|l| l["language"] == "es"
                && l["text"].as_str().is_some_and(|t| t.contains("queja"))),
        "no Spanish letter"
    );

    // The records beside complaints: a completed voucher, a gift card
    // awaiting a second manager, sessions, an overdue, a scheduled and a
    // denied request, and the grievance opened from the denied one.
    assert_eq!(
        (
            seeded.service_recovery_actions,
            seeded.interpreter_sessions,
            seeded.accessibility_requests
        ),
        (2, 2, 3)
    );
    let linked = app
        .ok(
            &compliance,
            "{ serviceRecoveryActions { nodes { status approvalRequired } }
               interpreterSessions { totalCount }
               accessibilityRequests { nodes { status overdue complaintId } }
               complaints(first: 100) { nodes { classificationReasons openedFromAccessibilityRequestId } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        linked["serviceRecoveryActions"]["nodes"],
        json!([
            { "status": "COMPLETED", "approvalRequired": false },
            { "status": "PROPOSED", "approvalRequired": true }
        ])
    );
    assert_eq!(linked["interpreterSessions"]["totalCount"], 2);
    let requests = linked["accessibilityRequests"]["nodes"].as_array().unwrap();
    let statuses: Vec<(&str, bool)> = requests
        .iter()
        .map(|r| {
            (
                r["status"].as_str().unwrap(),
                r["overdue"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [("REQUESTED", true), ("SCHEDULED", false), ("DENIED", false)]
    );
    assert!(requests[2]["complaintId"].is_string(), "{requests:#?}");
    let from_request: Vec<&serde_json::Value> = linked["complaints"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["openedFromAccessibilityRequestId"].is_string())
        .collect();
    assert_eq!(from_request.len(), 1);
    assert!(
        from_request[0]["classificationReasons"]
            .as_array()
            .unwrap()
            .contains(&json!("ACCESSIBILITY_FAILURE"))
    );
}

/// The README's order: a facility made by hand (MERCY-NORTH), then the demo
/// data. Refused before anything is written, with a message a person can
/// act on, so a fresh data directory then works.
#[tokio::test]
async fn demo_data_refuses_a_database_with_a_demo_facility_and_writes_nothing() {
    let db = TestDb::new().await;
    let app = TestApp::start(Application::build(settings(&db.url)).await.unwrap());
    app.create_facility("MERCY-NORTH").await;
    let before = app.audit_event_count().await;
    let conn = db.connect().await;
    let refused = redress_api::seed::demo(&conn)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("facility MERCY-NORTH already exists"),
        "{refused}"
    );
    assert!(!refused.contains("Refusal {"), "{refused}");
    assert_eq!(app.audit_event_count().await, before);
    assert_eq!(app.facility_count().await, 1);
}

#[test]
fn seed_demo_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("redress-seed-{}", uuid::Uuid::now_v7()));
    let run = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_redress"));
        for (key, _) in std::env::vars() {
            if key.starts_with("REDRESS_") {
                command.env_remove(key);
            }
        }
        command
            .args(["seed", "--demo"])
            .env("REDRESS_DATA_DIR", &dir)
            .output()
            .unwrap()
    };
    let first = run();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stdout).contains("complaints"));
    let second = run();
    assert!(!second.status.success());
    assert!(String::from_utf8_lossy(&second.stderr).contains("already exists"));
    let _ = std::fs::remove_dir_all(&dir);
}
