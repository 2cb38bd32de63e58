//! No N+1: a page of complaints with their facility, notes, contacts,
//! clocks, issues, allowed actions, service recovery, interpreter sessions
//! and accessibility requests costs the same number of SQL statements for 3
//! complaints as for 15. Counted with sea-orm's metric callback, not timed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;

use redress_api::startup::Application;

use crate::helpers::*;

const PAGE: &str = "{ complaints(first: 20) { nodes {
  reference allowedActions facility { code timeZone } notes { body } contacts { summary }
  clocks { status dueAtLocal } issues { category }
  serviceRecoveryActions { status amount { amount } }
  interpreterSessions { entry { language } }
  accessibilityRequests { status overdue } } } }";

#[tokio::test]
async fn a_page_of_complaints_costs_the_same_statements_whatever_its_size() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = statements.clone();
    conn.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let app = TestApp::start(
        Application::build_with_db(settings(&db.url), conn)
            .await
            .unwrap(),
    );
    app.create_facility("MAIN").await;

    let mut cost = Vec::new();
    for n in [3, 12] {
        app.add_complaints(n).await;
        statements.store(0, Ordering::SeqCst);
        let data = app.ok(&compliance(), PAGE, json!({})).await;
        let rows = data["complaints"]["nodes"].as_array().unwrap().len();
        cost.push((rows, statements.load(Ordering::SeqCst)));
    }
    assert_eq!(cost[0].0, 3);
    assert_eq!(cost[1].0, 15);
    assert_eq!(
        cost[0].1, cost[1].1,
        "statements for (rows, statements) {cost:?} must not grow with the page"
    );
}

const LOG_PAGE: &str =
    "query L($filter: GrievanceLogFilter!) { grievanceLog(filter: $filter, first: 50) {
  pageInfo { hasNextPage } nodes { reference facilityName receivedAtLocal issues { category }
  owner { name } clocks { dueAtLocal missed } outcome daysOpen } } }";

#[tokio::test]
async fn a_grievance_log_page_costs_the_same_statements_whatever_its_size() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = statements.clone();
    conn.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let app = TestApp::start(
        Application::build_with_db(settings(&db.url), conn)
            .await
            .unwrap(),
    );
    app.create_facility("MAIN").await;
    let today = chrono::Utc::now().date_naive();
    let filter =
        json!({ "from": today - chrono::Days::new(2), "to": today + chrono::Days::new(2) });
    let mut cost = Vec::new();
    for n in [3, 12] {
        for _ in 0..n {
            let mut input = intake("MAIN");
            input["channel"] = json!("LETTER");
            app.create_complaint(&manager(), input).await;
        }
        statements.store(0, Ordering::SeqCst);
        let data = app
            .ok(&compliance(), LOG_PAGE, json!({ "filter": filter }))
            .await;
        let rows = data["grievanceLog"]["nodes"].as_array().unwrap().len();
        cost.push((rows, statements.load(Ordering::SeqCst)));
    }
    assert_eq!(cost[0].0, 3);
    assert_eq!(cost[1].0, 15);
    assert_eq!(
        cost[0].1, cost[1].1,
        "statements for (rows, statements) {cost:?} must not grow with the page"
    );
}
