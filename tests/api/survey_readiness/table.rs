//! The report as a table, as the CSV export will write it: one row per
//! finding in the report's order, times in the facility's zone with their
//! offset.

use std::collections::BTreeSet;

use chrono::{Datelike, Utc};
use redress_api::domain::actor::{Actor, FacilityScope, Role};
use redress_api::domain::report::Period;
use redress_api::services::Caller;
use redress_api::services::reads::{ReadLog, Reader};
use redress_api::services::reports::ReportFilter;
use redress_api::services::reports::survey;
use serde_json::json;

use super::*;

#[tokio::test]
async fn the_table_has_a_row_per_finding_in_local_time() {
    let s = Survey::new().await;
    let y = Utc::now().year() - 1;
    let unacked = s
        .complaint(
            "MAIN",
            "LETTER",
            local(CHICAGO, y, 9, 30, 23, 30),
            json!({}),
        )
        .await;
    let r = s
        .request("WEST", local(LOS_ANGELES, y, 7, 1, 12, 0), json!({}))
        .await;
    let denied = s.request_to(r, "DENY").await;

    let actor = Actor {
        subject: "co-table".into(),
        name: "Table Reader".into(),
        roles: BTreeSet::from([Role::Compliance]),
        facilities: FacilityScope::from_claim(["MAIN", "WEST"]),
    };
    let log = ReadLog::default();
    let (writer, _stopper) = redress_api::services::access_log::spawn(s.db.clone(), 256);
    let reader = Reader::new(
        &s.db,
        Caller {
            actor: &actor,
            request_id: "table-test",
        },
        &log,
        &writer,
    );
    let filter = ReportFilter {
        facilities: Vec::new(),
        department: None,
        period: Period::new(day(y, 1, 1), day(y, 12, 31)).unwrap(),
    };
    let runs = s.runs_logged().await;
    let table = survey::table(&reader, &filter, &Default::default())
        .await
        .unwrap();
    assert_eq!(s.runs_logged().await, runs + 1);
    assert_eq!(
        table.header,
        vec![
            "rule",
            "tag",
            "facility",
            "department",
            "complaint",
            "received_at",
            "accessibility_request",
            "need_type",
            "needed_by",
            "missing"
        ]
    );
    let reference = unacked["reference"].as_str().unwrap();
    let received = format!("{y}-09-30T23:30:00-05:00");
    let rows: Vec<Vec<&str>> = table
        .rows
        .iter()
        .map(|r| r[..9].iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        rows,
        vec![
            vec![
                "FAILED_ACCOMMODATION_WITHOUT_GRIEVANCE",
                "Policy",
                "WEST",
                "Radiology",
                "",
                "",
                denied["id"].as_str().unwrap(),
                "SIGN_LANGUAGE_INTERPRETER",
                &format!("{y}-07-01T12:00:00-07:00"),
            ],
            vec![
                "ACKNOWLEDGEMENT_OVERDUE",
                "A-0122",
                "MAIN",
                "Emergency Department",
                reference,
                &received,
                "",
                "",
                "",
            ],
            vec![
                "RESOLUTION_OVERDUE",
                "A-0122",
                "MAIN",
                "Emergency Department",
                reference,
                &received,
                "",
                "",
                "",
            ],
            vec![
                "PROGRESS_NOTICE_OVERDUE",
                "A-0122",
                "MAIN",
                "Emergency Department",
                reference,
                &received,
                "",
                "",
                "",
            ],
        ]
    );
    assert!(table.rows.iter().all(|r| !r[9].is_empty()));
}
