//! `complaint.extension_count`, the projection the timeliness report counts
//! extensions from: written with every change, and backfilled from each
//! record by its migration (run down, then up again, here).

use chrono::{Duration, Utc};
use entity::complaint;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, EntityTrait, Statement};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::report_support::*;

const TOTALS: &str = r#"query T($filter: ReportFilterInput!) { timelinessReport(filter: $filter) {
  totals { facilityCode extensionsGranted }
} }"#;

fn extend(clock: &str) -> Value {
    json!({ "clock": clock, "by": { "amount": 3, "unit": "CALENDAR_DAYS" }, "reason": "Awaiting records" })
}

async fn stored_counts(r: &Reports, ids: &[&Value]) -> Vec<i32> {
    let mut counts = Vec::new();
    for c in ids {
        let row = complaint::Entity::find_by_id(uuid_of_global(&c["id"]))
            .one(&r.db)
            .await
            .expect("read")
            .expect("stored");
        counts.push(row.extension_count);
    }
    counts
}

async fn west_extensions(r: &Reports) -> Value {
    let body = r
        .run(
            &officer(),
            TOTALS,
            json!({ "filter": filter_since(14, &["WEST"]) }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    body["data"]["timelinessReport"]["totals"][0]["extensionsGranted"].clone()
}

#[tokio::test]
async fn extension_count_is_projected_on_write_and_backfilled_by_its_migration() {
    // WEST allows one extension per clock.
    let r = Reports::start().await;
    let now = Utc::now();
    let none = r
        .complaint("WEST", now - Duration::days(3), json!({}))
        .await;
    let one = r
        .complaint("WEST", now - Duration::days(3), json!({}))
        .await;
    let one = r
        .act(&one, "complaintExtendDeadline", extend("RESOLUTION"))
        .await;
    let two = r
        .complaint("WEST", now - Duration::days(1), json!({}))
        .await;
    let two = r
        .act(&two, "complaintExtendDeadline", extend("ACKNOWLEDGEMENT"))
        .await;
    let two = r
        .act(&two, "complaintExtendDeadline", extend("RESOLUTION"))
        .await;
    // Withdrawn after an extension: counted in the row, not in the report.
    let gone = r
        .complaint("WEST", now - Duration::days(2), json!({}))
        .await;
    let gone = r
        .act(&gone, "complaintExtendDeadline", extend("RESOLUTION"))
        .await;
    let gone = r
        .act(
            &gone,
            "complaintWithdraw",
            json!({ "reason": "Complainant withdrew" }),
        )
        .await;
    let all = [&none, &one, &two, &gone];

    assert_eq!(stored_counts(&r, &all).await, [0, 1, 2, 1], "on write");
    assert_eq!(west_extensions(&r).await, 3);

    // Back to the schema before the column, then forward: the migration
    // fills it from each record alone.
    Migrator::down(&r.db, Some(1)).await.expect("down one");
    let column =
        r.db.query_all_raw(Statement::from_string(
            r.db.get_database_backend(),
            "SELECT extension_count FROM complaint",
        ))
        .await;
    assert!(column.is_err(), "the column is gone after down");
    Migrator::up(&r.db, None).await.expect("up again");
    assert_eq!(stored_counts(&r, &all).await, [0, 1, 2, 1], "backfilled");
    assert_eq!(west_extensions(&r).await, 3);
}
