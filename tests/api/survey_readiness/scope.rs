//! Each complaint's own policy and local day; who may run the report.

use chrono::{DateTime, Datelike, Duration, Utc};
use serde_json::{Value, json};

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

#[tokio::test]
async fn each_complaint_is_judged_by_its_own_policy_and_local_day() {
    let s = Survey::new().await;
    let now = Utc::now();
    let ten_days_ago = now - Duration::days(10);
    // MAIN resolves within 30 days, WEST within 5: the same facts, one finding.
    let c = s.complaint("MAIN", "LETTER", ten_days_ago, json!({})).await;
    let main = s
        .act(&c, "complaintAcknowledge", json!({ "method": "LETTER" }))
        .await;
    let c = s.complaint("WEST", "LETTER", ten_days_ago, json!({})).await;
    let west = s
        .act(&c, "complaintAcknowledge", json!({ "method": "LETTER" }))
        .await;
    // A phone complaint a minute old: flagged only if Chicago's day has
    // turned since.
    let received = now - Duration::minutes(1);
    let phone = s.complaint("MAIN", "PHONE", received, json!({})).await;
    // Requests: fulfilled before needed, open and not yet needed.
    let r = s.request("MAIN", now + Duration::days(1), json!({})).await;
    s.request_to(r, "FULFILL").await;
    s.request("WEST", now + Duration::days(2), json!({})).await;

    let from = now.with_timezone(&CHICAGO).date_naive() - Duration::days(40);
    let to = now.with_timezone(&CHICAGO).date_naive() + Duration::days(10);
    let before = Utc::now();
    let found = s
        .all(&officer(), &filter(&["MAIN", "WEST"], from, to), 100)
        .await;
    // MAIN's CMS policy also owed a progress notice by day 7 (WEST's
    // policy has none).
    let mut want = vec![
        (
            west["reference"].as_str().unwrap().to_owned(),
            "RESOLUTION_OVERDUE".to_owned(),
        ),
        (
            main["reference"].as_str().unwrap().to_owned(),
            "PROGRESS_NOTICE_OVERDUE".to_owned(),
        ),
    ];
    let turned = |at: DateTime<Utc>| {
        at.with_timezone(&CHICAGO).date_naive() != received.with_timezone(&CHICAGO).date_naive()
    };
    if turned(before) {
        want.push((
            phone["reference"].as_str().unwrap().to_owned(),
            "VERBAL_COMPLAINT_OPEN_PAST_POINT_OF_SERVICE".to_owned(),
        ));
    }
    if turned(before) == turned(Utc::now()) {
        assert_eq!(sorted(found.iter().map(key).collect()), sorted(want));
    }
}

#[tokio::test]
async fn only_compliance_and_leads_run_it_in_their_facilities() {
    let s = Survey::new().await;
    let y = Utc::now().year() - 1;
    s.complaint("MAIN", "LETTER", local(CHICAGO, y, 5, 1, 9, 0), json!({}))
        .await;
    s.complaint(
        "WEST",
        "LETTER",
        local(LOS_ANGELES, y, 5, 1, 9, 0),
        json!({}),
    )
    .await;
    let period = filter(&[], day(y, 1, 1), day(y, 12, 31));
    let vars = json!({ "f": period });
    for (who, tok) in [
        ("STAFF", token("staff-1", &["STAFF"], &["*"])),
        (
            "PATIENT_RELATIONS",
            token("pr-9", &["PATIENT_RELATIONS"], &["*"]),
        ),
        ("ADMIN", admin()),
    ] {
        let runs = s.runs_logged().await;
        let got = s
            .app
            .read_or_forbidden(&tok, SURVEY, vars.clone(), who)
            .await;
        assert!(got.is_none(), "{who} ran it: {got:?}");
        assert_eq!(s.runs_logged().await, runs, "{who}: a refusal logs no run");
    }
    // A lead and compliance in MAIN see MAIN's findings only (its letter
    // is past acknowledgement, resolution and the progress notice).
    for tok in [manager(), compliance()] {
        let found = s.all(&tok, &period, 100).await;
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(found.iter().all(|f| f["facility"] == "MAIN"));
    }
    // Naming a facility out of scope is refused, and logs nothing.
    let runs = s.runs_logged().await;
    let (_, body) = s
        .app
        .graphql(
            Some(&compliance()),
            SURVEY,
            json!({ "f": filter(&["WEST"], day(y, 1, 1), day(y, 12, 31)) }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body:#}");
    assert!(body.to_string().contains("no facility WEST in your scope"));
    assert_eq!(body["data"], Value::Null);
    assert_eq!(s.runs_logged().await, runs);
    // A cursor from elsewhere is refused.
    let (_, body) = s
        .app
        .graphql(
            Some(&officer()),
            SURVEY,
            json!({ "f": period, "after": "bm90LWEtY3Vyc29y" }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body:#}");
}

#[tokio::test]
async fn a_run_costs_the_same_statements_whatever_it_finds() {
    let statements = Arc::new(AtomicUsize::new(0));
    let s = Survey::counting(Some(statements.clone())).await;
    let y = Utc::now().year() - 1;
    let period = filter(&[], day(y, 1, 1), day(y, 12, 31));
    let mut cost = Vec::new();
    for n in [1, 6] {
        for i in 0..n {
            let at = local(CHICAGO, y, 4, 1 + i, 9, 0);
            let c = s.complaint("MAIN", "PHONE", at, json!({})).await;
            let r = s
                .request("MAIN", at, json!({ "complaintId": c["id"] }))
                .await;
            s.request_to(r, "DENY").await;
        }
        statements.store(0, Ordering::SeqCst);
        let data = s
            .app
            .ok(&officer(), SURVEY, json!({ "f": period, "first": 100 }))
            .await;
        let found = data["surveyReadiness"]["totalCount"].as_u64().unwrap();
        cost.push((found, statements.load(Ordering::SeqCst)));
    }
    // Each phone complaint is still open (verbal rule) and its request was
    // denied while linked to a plain complaint (accommodation rule).
    assert_eq!((cost[0].0, cost[1].0), (2, 14));
    assert_eq!(
        cost[0].1, cost[1].1,
        "statements grew with the findings: {cost:?}"
    );
}
