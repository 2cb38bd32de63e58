//! Letters as PDFs and their effect on the clocks, end to end: the draft
//! and the sent letter download through the read path (authorised like the
//! complaint, recorded in its access log), the sent bytes are those whose
//! SHA-256 the trail holds, the A-0123/A-0120 elements are in the printed
//! text, and a sent PROGRESS_NOTICE meets the seven-day clock.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::*;

/// A written grievance in English by a Medicare beneficiary about quality
/// of care (the QIO notice is owed), under investigation.
async fn grievance(app: &TestApp) -> Value {
    let mut input = intake("MAIN");
    input["channel"] = json!("LETTER");
    input["complainant"]["preferredLanguage"] = json!("en");
    input["medicareBeneficiary"] = json!(true);
    input["concernsQualityOfCare"] = json!(true);
    let m = manager();
    let c = app.create_complaint(&m, input).await;
    let c = app
        .complaint_must(
            &m,
            "complaintAssign",
            at(
                &c,
                json!({ "ownerSubject": "pr-1", "ownerName": "Pat Rivera" }),
            ),
        )
        .await;
    app.complaint_must(&m, "complaintStartInvestigation", at(&c, json!({})))
        .await
}

async fn letter_reads(app: &TestApp, complaint: &Value) -> usize {
    let data = app
        .ok(
            &compliance(),
            "query($id: ID!) { accessLog(complaintId: $id, first: 100) { nodes { operation } } }",
            json!({ "id": complaint["id"] }),
        )
        .await;
    data["accessLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["operation"] == "letterPdf")
        .count()
}

#[tokio::test]
async fn a_resolution_letter_prints_every_required_element_and_the_sent_pdf_is_the_one_on_the_trail()
 {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let pr = specialist();
    let c = grievance(&app).await;
    assert_eq!(c["qioNoticeRequired"], true, "{c:#}");
    let draft = app
        .draft_letter(&pr, &c, "RESOLUTION", resolution_content(true))
        .await;

    // The draft renders as it stands, for review.
    let response = app.letter_pdf_response(&pr, &draft).await;
    assert_eq!(response.status(), 200);
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.contains("-draft.pdf"), "{disposition}");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let preview = pdf_text(&response.bytes().await.unwrap());
    for element in [
        "Pat Rivera",                                             // the contact person
        "Reviewed the triage log; interviewed the charge nurse.", // steps taken
        "Triage staffing gap confirmed; evening rota changed.",   // results
        c["reference"].as_str().unwrap(),
    ] {
        assert!(preview.contains(element), "{element:?} not in {preview}");
    }
    assert!(
        preview.contains("Quality Improvement Organization"),
        "the A-0120 notice is printed: {preview}"
    );

    // Sent: the stored bytes answer, and their hash is the trail's.
    let sent = app.send_letter(&pr, &draft).await;
    let pdf = app.letter_pdf(&pr, &sent).await;
    assert_eq!(
        app.letter_pdf(&pr, &sent).await,
        pdf,
        "the same bytes each time"
    );
    let sha = hex::encode(Sha256::digest(&pdf));
    assert_eq!(sent["sending"]["sha256"], sha);
    assert_eq!(sent["sending"]["mediaType"], "application/pdf");
    assert!(pdf_text(&pdf).contains("Pat Rivera"));

    // Each download is a read of the complaint, on its access log.
    assert_eq!(letter_reads(&app, &c).await, 3);

    // Outside the caller's scope the letter does not exist; no token is 401.
    let elsewhere = token("pr-west", &["PATIENT_RELATIONS"], &["WEST"]);
    assert_eq!(
        app.letter_pdf_response(&elsewhere, &sent).await.status(),
        404
    );
    let anonymous = app
        .client
        .get(app.url(sent["pdfPath"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let bogus = json!({ "pdfPath": "/letters/not-an-id/pdf" });
    assert_eq!(app.letter_pdf_response(&pr, &bogus).await.status(), 404);
    assert_eq!(letter_reads(&app, &c).await, 3, "refusals read nothing");
}

#[tokio::test]
async fn a_sent_progress_notice_meets_the_seven_day_clock() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let pr = specialist();
    let c = grievance(&app).await;
    let clock = |c: &Value| {
        c["clocks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kind"] == "PROGRESS_NOTICE")
            .cloned()
            .unwrap_or_else(|| panic!("no PROGRESS_NOTICE clock in {c:#}"))
    };
    assert_eq!(clock(&c)["status"], "RUNNING");
    let by = (chrono::Utc::now().date_naive() + chrono::Days::new(20)).to_string();
    let draft = app
        .draft_letter(
            &pr,
            &c,
            "PROGRESS_NOTICE",
            json!({ "contact": { "name": "Pat Rivera" }, "responseBy": by }),
        )
        .await;
    // A draft meets nothing.
    let unchanged = app.complaint_status(&pr, &c["id"]).await;
    assert_eq!(unchanged["version"], c["version"]);
    let sent = app.send_letter(&pr, &draft).await;
    let read = app
        .ok(
            &pr,
            "query($id: ID!) { complaint(id: $id) { version clocks { kind status metAt } history(first: 100) { nodes { action } } } }",
            json!({ "id": c["id"] }),
        )
        .await;
    let now = &read["complaint"];
    let met = clock(now);
    assert_eq!(met["status"], "MET_ON_TIME", "{now:#}");
    assert_eq!(met["metAt"], sent["sending"]["sentAt"]);
    assert!(
        now["history"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "COMPLAINT_PROGRESS_NOTICE_RECORDED"),
        "{now:#}"
    );
    // A second notice changes nothing more on the complaint.
    let version = now["version"].clone();
    let again = app
        .draft_letter(
            &pr,
            &c,
            "PROGRESS_NOTICE",
            json!({ "contact": { "name": "Pat Rivera" }, "responseBy": by }),
        )
        .await;
    app.send_letter(&pr, &again).await;
    let status = app.complaint_status(&pr, &c["id"]).await;
    assert_eq!(status["version"], version);
}

#[tokio::test]
async fn a_letter_no_configured_font_can_print_is_not_sent_and_says_which_script() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let pr = specialist();
    let mut input = intake("MAIN");
    input["complainant"]["preferredLanguage"] = json!("am");
    let c = app.create_complaint(&manager(), input).await;
    // No template in Amharic: the text is given by hand, in Ethiopic
    // script, which the built-in font does not have.
    let letter = app
        .letter_must(
            &pr,
            "letterDraft",
            json!({ "complaintId": c["id"], "kind": "ACKNOWLEDGEMENT",
                    "content": { "contact": { "name": "Pat Rivera" }, "text": "ቅሬታዎን ተቀብለናል።" } }),
        )
        .await;
    assert_eq!(letter["needsTranslation"], false, "{letter:#}");
    let preview = app.letter_pdf_response(&pr, &letter).await;
    assert_eq!(preview.status(), 422);
    let body: Value = preview.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "LETTER_UNPRINTABLE"
    );
    let trail = app.audit_event_count().await;
    let p = app
        .letter_mutate(
            &pr,
            "letterMarkSent",
            json!({ "id": letter["id"], "expectedVersion": letter["version"], "method": "MAIL" }),
        )
        .await;
    assert_eq!(user_error_codes(&p), ["GUARD_FAILED"], "{p:#}");
    let message = p["userErrors"][0]["message"].as_str().unwrap();
    assert!(message.contains("Ethiopic"), "{message}");
    assert_eq!(app.audit_event_count().await, trail, "nothing written");
}
