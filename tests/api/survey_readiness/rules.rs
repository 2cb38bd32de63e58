//! One complaint or request per rule, and the near-misses, over a past
//! period in two zones.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use serde_json::{Value, json};

use super::*;

#[tokio::test]
async fn findings_per_rule_in_each_facility_zone() {
    let s = Survey::new().await;
    let y = Utc::now().year() - 1;
    let mut want = Vec::new();

    // A letter received before the DST change, never acknowledged: both
    // clocks past. Seven calendar days keep the wall clock across the change.
    let dst = dst_start(y);
    let before_dst = dst - Duration::days(3);
    let received = local(CHICAGO, y, 3, before_dst.day(), 10, 0);
    let unacked = s.complaint("MAIN", "LETTER", received, json!({})).await;
    // MAIN runs the CMS policy: no progress notice by day 7 either.
    expect(
        &unacked,
        &[
            "ACKNOWLEDGEMENT_OVERDUE",
            "RESOLUTION_OVERDUE",
            "PROGRESS_NOTICE_OVERDUE",
        ],
        &mut want,
    );
    let ack_due = CHICAGO
        .from_local_datetime(
            &(before_dst + Duration::days(7))
                .and_hms_opt(10, 0, 0)
                .unwrap(),
        )
        .single()
        .unwrap();
    assert_eq!(ack_due.format("%Z").to_string(), "CDT");
    let ack_due_text = ack_due.format("%Y-%m-%d %H:%M %Z").to_string();

    // Acknowledged (late), resolution past.
    let c = s
        .complaint("MAIN", "EMAIL", local(CHICAGO, y, 4, 15, 9, 0), json!({}))
        .await;
    let acked = s
        .act(&c, "complaintAcknowledge", json!({ "method": "LETTER" }))
        .await;
    expect(
        &acked,
        &["RESOLUTION_OVERDUE", "PROGRESS_NOTICE_OVERDUE"],
        &mut want,
    );

    // Medicare quality grievances: one resolved as the guards ask (near
    // miss), one whose record lost its QIO notice.
    let medicare = json!({ "medicareBeneficiary": true, "concernsQualityOfCare": true });
    let c = s
        .complaint(
            "MAIN",
            "LETTER",
            local(CHICAGO, y, 5, 1, 11, 0),
            medicare.clone(),
        )
        .await;
    let clean = s.resolved(c).await;
    assert_eq!(clean["status"], "RESOLVED");
    assert_eq!(s.gap(&clean).await, Some(false), "projected on write");
    // The column is what narrows the finished complaints: a row whose
    // projection says its response is complete is not read (no finding,
    // whatever its record says).
    let c = s
        .complaint("MAIN", "LETTER", local(CHICAGO, y, 5, 4, 9, 0), json!({}))
        .await;
    let narrowed = s.resolved(c).await;
    s.edit(&narrowed, Some(false), |r| {
        r["resolution"]["writtenResponse"] = Value::Null
    })
    .await;
    let c = s
        .complaint("MAIN", "LETTER", local(CHICAGO, y, 5, 1, 12, 0), medicare)
        .await;
    let no_qio = s.resolved(c).await;
    s.edit(&no_qio, Some(true), |r| {
        r["resolution"]["writtenResponse"]["qioNoticeIncluded"] = json!(false)
    })
    .await;
    expect(&no_qio, &["QIO_NOTICE_MISSING"], &mut want);

    // A resolved grievance with no written response; one missing elements.
    let c = s
        .complaint("MAIN", "LETTER", local(CHICAGO, y, 5, 2, 9, 0), json!({}))
        .await;
    let no_response = s.resolved(c).await;
    s.edit(&no_response, None, |r| {
        r["resolution"]["writtenResponse"] = Value::Null
    })
    .await;
    expect(&no_response, &["WRITTEN_RESPONSE_MISSING"], &mut want);
    let c = s
        .complaint("MAIN", "LETTER", local(CHICAGO, y, 5, 3, 9, 0), json!({}))
        .await;
    let incomplete = s.resolved(c).await;
    s.edit(&incomplete, Some(true), |r| {
        r["resolution"]["writtenResponse"]["contactPerson"] = json!("");
        r["resolution"]["writtenResponse"]["investigationSteps"] = json!(" ");
    })
    .await;
    expect(&incomplete, &["WRITTEN_RESPONSE_INCOMPLETE"], &mut want);

    // Resolved at the point of service: a phone complaint (near miss), and
    // one whose record says it came by letter.
    let s = &s;
    let pos = |at: DateTime<Utc>| async move {
        let c = s.complaint("MAIN", "PHONE", at, json!({})).await;
        s.act(
            &c,
            "complaintResolveAtPointOfService",
            json!({ "resolution": "Apologised and explained." }),
        )
        .await
    };
    let phone_pos = pos(local(CHICAGO, y, 6, 1, 9, 0)).await;
    let letter_pos = pos(local(CHICAGO, y, 6, 1, 10, 0)).await;
    s.edit(&letter_pos, None, |r| r["channel"] = json!("LETTER"))
        .await;
    expect(
        &letter_pos,
        &["WRITTEN_COMPLAINT_RESOLVED_AT_POINT_OF_SERVICE"],
        &mut want,
    );

    // Verbal complaints: open at 23:30 on the period's last day (flagged),
    // the next local day (outside the period), the day before the period
    // starts (outside); escalated and acknowledged (a grievance now: its
    // resolution clock, not the point-of-service rule); withdrawn; a
    // survey comment (not verbal).
    let month_end = s
        .complaint("MAIN", "PHONE", local(CHICAGO, y, 9, 30, 23, 30), json!({}))
        .await;
    expect(
        &month_end,
        &["VERBAL_COMPLAINT_OPEN_PAST_POINT_OF_SERVICE"],
        &mut want,
    );
    s.complaint("MAIN", "PHONE", local(CHICAGO, y, 10, 1, 0, 30), json!({}))
        .await;
    s.complaint(
        "MAIN",
        "IN_PERSON",
        local(CHICAGO, y, 2, 28, 23, 30),
        json!({}),
    )
    .await;
    let c = s
        .complaint(
            "MAIN",
            "IN_PERSON",
            local(CHICAGO, y, 6, 10, 9, 0),
            json!({}),
        )
        .await;
    let c = s
        .act(
            &c,
            "complaintEscalate",
            json!({ "reason": "Needs investigation" }),
        )
        .await;
    let escalated = s
        .act(&c, "complaintAcknowledge", json!({ "method": "PHONE" }))
        .await;
    assert_eq!(escalated["classification"], "GRIEVANCE");
    expect(
        &escalated,
        &["RESOLUTION_OVERDUE", "PROGRESS_NOTICE_OVERDUE"],
        &mut want,
    );
    let c = s
        .complaint("MAIN", "PHONE", local(CHICAGO, y, 6, 11, 9, 0), json!({}))
        .await;
    s.act(
        &c,
        "complaintWithdraw",
        json!({ "reason": "Called back, satisfied" }),
    )
    .await;
    s.complaint(
        "MAIN",
        "SURVEY_COMMENT",
        local(CHICAGO, y, 6, 12, 9, 0),
        json!({}),
    )
    .await;

    // WEST (Los Angeles, 1 and 5 days): a letter at 23:30 on the last day
    // (06:30 UTC the next day), acknowledged; one at 00:15 on the first
    // day, never acknowledged.
    let c = s
        .complaint(
            "WEST",
            "LETTER",
            local(LOS_ANGELES, y, 9, 30, 23, 30),
            json!({}),
        )
        .await;
    let west_end = s
        .act(&c, "complaintAcknowledge", json!({ "method": "LETTER" }))
        .await;
    expect(&west_end, &["RESOLUTION_OVERDUE"], &mut want);
    let west_start = s
        .complaint(
            "WEST",
            "LETTER",
            local(LOS_ANGELES, y, 3, 1, 0, 15),
            json!({}),
        )
        .await;
    expect(
        &west_start,
        &["ACKNOWLEDGEMENT_OVERDUE", "RESOLUTION_OVERDUE"],
        &mut want,
    );

    // Accessibility requests needed in the period.
    let r = s
        .request("MAIN", local(CHICAGO, y, 7, 1, 12, 0), json!({}))
        .await;
    let denied = s.request_to(r, "DENY").await;
    expect(
        &denied,
        &["FAILED_ACCOMMODATION_WITHOUT_GRIEVANCE"],
        &mut want,
    );
    let r = s
        .request("MAIN", local(CHICAGO, y, 7, 1, 13, 0), json!({}))
        .await;
    let denied_grieved = s.request_to(r, "DENY").await;
    let mut input = intake("MAIN");
    input["accessibilityRequestId"] = denied_grieved["id"].clone();
    let opened = s.app.create_complaint(&lead(), input).await;
    assert_eq!(opened["classification"], "GRIEVANCE");
    let open_late = s
        .request("WEST", local(LOS_ANGELES, y, 7, 2, 9, 0), json!({}))
        .await;
    expect(
        &open_late,
        &["FAILED_ACCOMMODATION_WITHOUT_GRIEVANCE"],
        &mut want,
    );
    let r = s
        .request("MAIN", local(CHICAGO, y, 7, 3, 9, 0), json!({}))
        .await;
    s.request_to(r, "CANCEL").await;
    let r = s
        .request(
            "MAIN",
            local(CHICAGO, y, 7, 4, 9, 0),
            json!({ "complaintId": month_end["id"] }),
        )
        .await;
    let alternative = s.request_to(r, "PROVIDE_ALTERNATIVE").await;
    expect(
        &alternative,
        &["FAILED_ACCOMMODATION_WITHOUT_GRIEVANCE"],
        &mut want,
    );
    let r = s
        .request("WEST", local(LOS_ANGELES, y, 7, 5, 9, 0), json!({}))
        .await;
    let late = s.request_to(r, "FULFILL").await;
    expect(
        &late,
        &["FAILED_ACCOMMODATION_WITHOUT_GRIEVANCE"],
        &mut want,
    );

    let period = filter(&[], day(y, 3, 1), day(y, 9, 30));
    let found = s.all(&officer(), &period, 100).await;
    assert_eq!(
        sorted(found.iter().map(key).collect()),
        sorted(want.clone()),
        "{found:#?}"
    );
    // Ordered by received (or needed-by) time; paging three at a time
    // gives the same list.
    assert!(found.windows(2).all(|w| when(&w[0]) <= when(&w[1])));
    let paged = s.all(&officer(), &period, 3).await;
    assert_eq!(
        paged.iter().map(key).collect::<Vec<_>>(),
        found.iter().map(key).collect::<Vec<_>>()
    );

    // Each finding's tag, facility and words.
    let by_key: BTreeMap<(String, String), Value> =
        found.iter().map(|f| (key(f), f.clone())).collect();
    let tags = [
        ("ACKNOWLEDGEMENT_OVERDUE", "A_0122", "A-0122"),
        ("RESOLUTION_OVERDUE", "A_0122", "A-0122"),
        ("PROGRESS_NOTICE_OVERDUE", "A_0122", "A-0122"),
        ("WRITTEN_RESPONSE_MISSING", "A_0123", "A-0123"),
        ("WRITTEN_RESPONSE_INCOMPLETE", "A_0123", "A-0123"),
        ("QIO_NOTICE_MISSING", "A_0120", "A-0120"),
        (
            "WRITTEN_COMPLAINT_RESOLVED_AT_POINT_OF_SERVICE",
            "A_0118",
            "A-0118",
        ),
        (
            "VERBAL_COMPLAINT_OPEN_PAST_POINT_OF_SERVICE",
            "A_0118",
            "A-0118",
        ),
        ("FAILED_ACCOMMODATION_WITHOUT_GRIEVANCE", "POLICY", "Policy"),
    ];
    for f in &found {
        let (_, tag, label) = tags.iter().find(|t| t.0 == f["rule"]).unwrap();
        assert_eq!(f["tag"], *tag);
        assert_eq!(f["tagLabel"], *label);
        assert!(!f["missing"].as_str().unwrap().is_empty());
    }
    let text = |record: &Value, rule: &str| -> String {
        let name = record["reference"]
            .as_str()
            .or(record["id"].as_str())
            .unwrap();
        by_key[&(name.to_owned(), rule.to_owned())]["missing"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let ack = text(&unacked, "ACKNOWLEDGEMENT_OVERDUE");
    assert!(ack.contains(&ack_due_text), "{ack} / {ack_due_text}");
    assert_eq!(
        due_local(&unacked, "ACKNOWLEDGEMENT", CHICAGO),
        ack_due_text
    );
    let res = text(&west_end, "RESOLUTION_OVERDUE");
    assert!(
        res.contains(&due_local(&west_end, "RESOLUTION", LOS_ANGELES)),
        "{res}"
    );
    let missing = text(&incomplete, "WRITTEN_RESPONSE_INCOMPLETE");
    assert!(missing.contains("contact person"), "{missing}");
    assert!(missing.contains("steps taken to investigate"), "{missing}");
    assert!(!missing.contains("results"), "{missing}");
    let alt = text(&alternative, "FAILED_ACCOMMODATION_WITHOUT_GRIEVANCE");
    assert!(
        alt.contains(month_end["reference"].as_str().unwrap()),
        "{alt}"
    );
    let west = &by_key[&(
        west_end["reference"].as_str().unwrap().to_owned(),
        "RESOLUTION_OVERDUE".to_owned(),
    )];
    assert_eq!(west["facility"], "WEST");
    assert_eq!(west["complaint"]["id"], west_end["id"]);
    assert_eq!(west["complaint"]["receivedAt"], west_end["receivedAt"]);
    let _ = (&clean, &phone_pos, &opened);

    // One facility: only its findings.
    let west_only = s
        .all(
            &officer(),
            &filter(&["WEST"], day(y, 3, 1), day(y, 9, 30)),
            100,
        )
        .await;
    assert_eq!(
        sorted(west_only.iter().map(key).collect()),
        sorted(
            found
                .iter()
                .filter(|f| f["facility"] == "WEST")
                .map(key)
                .collect()
        )
    );
    assert_eq!(west_only.len(), 5);
}
