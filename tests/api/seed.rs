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
    assert!(String::from_utf8_lossy(&second.stderr).contains("already there"));
    let _ = std::fs::remove_dir_all(&dir);
}
