//! `complaint.response_gap`, the projection that narrows the finished
//! complaints: `redress verify` accepts it unset (a row from before it)
//! and names it when it disagrees with the record.

use chrono::Utc;
use serde_json::json;

use super::*;

/// `redress verify --json` on the test's database: exit code and report.
async fn verify(url: String) -> (i32, serde_json::Value) {
    let out = tokio::task::spawn_blocking(move || {
        crate::cli::redress()
            .args(["verify", "--json", "--database-url", &url])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn verify_accepts_an_unprojected_gap_and_names_a_wrong_one() {
    let s = Survey::new().await;
    let c = s
        .complaint(
            "MAIN",
            "PHONE",
            Utc::now() - chrono::Duration::hours(1),
            json!({}),
        )
        .await;
    let c = s
        .act(
            &c,
            "complaintResolveAtPointOfService",
            json!({ "resolution": "Apologised and explained." }),
        )
        .await;
    assert_eq!(s.gap(&c).await, Some(false));
    let (code, report) = verify(s.url.clone()).await;
    assert_eq!((code, &report["whole"]), (0, &json!(true)), "{report:#}");
    // A row from before the column: not known yet, not damage.
    s.edit(&c, None, |_| {}).await;
    let (code, report) = verify(s.url.clone()).await;
    assert_eq!((code, &report["whole"]), (0, &json!(true)), "{report:#}");
    // A projection that disagrees with the record is.
    s.edit(&c, Some(true), |_| {}).await;
    let (code, report) = verify(s.url.clone()).await;
    assert_ne!(code, 0, "{report:#}");
    assert_eq!(report["whole"], json!(false));
}
