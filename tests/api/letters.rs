//! Letters end to end: draft → send → deliver for each kind, the proof of
//! what was sent on the audit trail, a sent letter never edited, a
//! correction superseding it, approval where the facility requires it, the
//! resolution letter A-0123/A-0120 require before a grievance is resolved,
//! and a letter never sent in a language it has no text in.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::*;

/// A written grievance (channel LETTER) by a complainant who prefers
/// `language`, under investigation.
async fn grievance(app: &TestApp, language: &str, extra: Value) -> Value {
    let mut input = intake("MAIN");
    input["channel"] = json!("LETTER");
    input["complainant"]["preferredLanguage"] = json!(language);
    if let (Some(obj), Some(more)) = (input.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            obj.insert(k.clone(), v.clone());
        }
    }
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

/// The complaint's history as compliance reads it: action, after, reason.
async fn history(app: &TestApp, complaint: &Value) -> Vec<Value> {
    let data = app
        .ok(
            &compliance(),
            "query H($id: ID!) { complaint(id: $id) { history(first: 100) { nodes { action recordId after reason } } } }",
            json!({ "id": complaint["id"] }),
        )
        .await;
    data["complaint"]["history"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

fn content_for(kind: &str) -> Value {
    let by = (chrono::Utc::now().date_naive() + chrono::Days::new(20)).to_string();
    match kind {
        "RESOLUTION" => resolution_content(false),
        "PROGRESS_NOTICE" => json!({ "contact": { "name": "Pat Rivera" }, "responseBy": by }),
        "EXTENSION" => json!({ "contact": { "name": "Pat Rivera" }, "responseBy": by,
                               "extensionReason": "We are waiting for the records." }),
        "OTHER" => {
            json!({ "contact": { "name": "Pat Rivera" }, "body": "We will call you on Monday." })
        }
        _ => json!({ "contact": { "name": "Pat Rivera", "phone": "555-0100" } }),
    }
}

#[tokio::test]
async fn each_kind_is_drafted_sent_and_delivered_with_its_hash_on_the_trail() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let pr = specialist();
    let c = grievance(&app, "en", json!({})).await;
    let kinds = [
        ("ACKNOWLEDGEMENT", "DELIVERED"),
        ("PROGRESS_NOTICE", "RETURNED"),
        ("EXTENSION", "FAILED"),
        ("RESOLUTION", "DELIVERED"),
        ("OTHER", "DELIVERED"),
    ];
    for (kind, outcome) in kinds {
        let letter = app.draft_letter(&pr, &c, kind, content_for(kind)).await;
        assert_eq!(letter["status"], "DRAFT", "{kind}");
        assert_eq!(letter["language"], "en", "{kind}");
        assert_eq!(letter["languageGap"], false, "{kind}");
        assert_eq!(
            letter["allowedActions"],
            json!(["UPDATE", "MARK_SENT"]),
            "{kind}"
        );
        assert_eq!(
            letter["compositionProblem"],
            Value::Null,
            "{kind}: {letter:#}"
        );
        let draft_text = letter["text"].as_str().unwrap().to_owned();
        assert!(draft_text.contains("Maria Lopez"), "{kind}: {draft_text}");
        let sent = app.send_letter(&pr, &letter).await;
        assert_eq!(sent["status"], "SENT", "{kind}");
        assert_eq!(sent["delivery"], "SENT", "{kind}");
        assert_eq!(sent["allowedActions"], json!(["RECORD_DELIVERY"]), "{kind}");
        // What was sent is stored: the PDF (whose hash is the letter's and
        // the trail's) and the text beside it.
        assert_eq!(sent["text"], json!(draft_text), "{kind}");
        let pdf = app.letter_pdf(&pr, &sent).await;
        let sha = hex::encode(Sha256::digest(&pdf));
        assert_eq!(sent["sending"]["sha256"], sha, "{kind}");
        assert_eq!(sent["sending"]["bytes"], pdf.len(), "{kind}");
        assert_eq!(sent["sending"]["mediaType"], "application/pdf");
        let events = history(&app, &c).await;
        let event = events
            .iter()
            .rev()
            .find(|e| e["action"] == "LETTER_MARK_SENT" && e["recordId"] == sent["id"])
            .unwrap_or_else(|| panic!("{kind}: no LETTER_MARK_SENT in {events:#?}"));
        assert_eq!(event["after"]["sent"]["sha256"], sha, "{kind}");
        let delivered = app
            .letter_must(
                &pr,
                "letterRecordDelivery",
                json!({ "id": sent["id"], "expectedVersion": sent["version"],
                        "outcome": outcome, "note": "Recorded from the post office slip." }),
            )
            .await;
        assert_eq!(delivered["delivery"], outcome, "{kind}");
        assert_eq!(delivered["deliveryRecord"]["outcome"], outcome, "{kind}");
        assert_eq!(delivered["allowedActions"], json!([]), "{kind}");
        // Recorded once.
        let again = app
            .letter_mutate(
                &pr,
                "letterRecordDelivery",
                json!({ "id": delivered["id"], "expectedVersion": delivered["version"],
                        "outcome": "DELIVERED" }),
            )
            .await;
        assert_eq!(user_error_codes(&again), ["INVALID_TRANSITION"], "{kind}");
    }
    // Read with the complaint, oldest first; the read is the complaint's.
    let data = app
        .ok(
            &compliance(),
            "query Q($id: ID!) { complaint(id: $id) { letters { kind delivery } } }",
            json!({ "id": c["id"] }),
        )
        .await;
    let letters = data["complaint"]["letters"].as_array().unwrap();
    assert_eq!(letters.len(), 5);
    assert_eq!(letters[0]["kind"], "ACKNOWLEDGEMENT");
    assert_eq!(letters[2]["delivery"], "FAILED");
    // The audit trail still verifies with letters on it.
    let data = app
        .ok(
            &compliance(),
            "{ auditTrailVerification { intact } }",
            json!({}),
        )
        .await;
    assert_eq!(data["auditTrailVerification"]["intact"], true);
}

#[tokio::test]
async fn a_sent_letter_is_never_edited_and_a_correction_supersedes_it() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let pr = specialist();
    let c = grievance(&app, "en", json!({})).await;
    let first = app.send_resolution_letter(&pr, &c, false).await;
    let trail = app.audit_event_count().await;
    let p = app
        .letter_mutate(
            &pr,
            "letterUpdate",
            json!({ "id": first["id"], "expectedVersion": first["version"],
                    "content": resolution_content(false) }),
        )
        .await;
    assert_eq!(user_error_codes(&p), ["INVALID_TRANSITION"], "{p:#}");
    assert!(
        p["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("never edited")
    );
    assert_eq!(
        app.audit_event_count().await,
        trail,
        "a refusal writes nothing"
    );

    // A correction of another kind, or of a draft, is refused.
    let p = app
        .letter_mutate(
            &pr,
            "letterDraft",
            json!({ "complaintId": c["id"], "kind": "OTHER", "supersedes": first["id"],
                    "content": content_for("OTHER") }),
        )
        .await;
    assert_eq!(user_error_codes(&p), ["VALIDATION"], "{p:#}");

    let mut corrected = resolution_content(false);
    corrected["results"] = json!("Triage staffing gap confirmed; evening and night rotas changed.");
    let correction = app
        .letter_must(
            &pr,
            "letterDraft",
            json!({ "complaintId": c["id"], "kind": "RESOLUTION", "supersedes": first["id"],
                    "content": corrected }),
        )
        .await;
    assert_eq!(correction["supersedes"], first["id"]);
    let correction = app.send_letter(&pr, &correction).await;
    let data = app
        .ok(
            &pr,
            "query Q($id: ID!) { node(id: $id) { ... on Letter { status supersededBy delivery } } }",
            json!({ "id": first["id"] }),
        )
        .await;
    assert_eq!(data["node"]["status"], "SUPERSEDED");
    assert_eq!(data["node"]["supersededBy"], correction["id"]);
    assert_eq!(
        data["node"]["delivery"], "SENT",
        "its delivery can still be recorded"
    );
    let actions: Vec<String> = history(&app, &c)
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        actions.contains(&"LETTER_SUPERSEDE".to_owned()),
        "{actions:?}"
    );

    // The resolution copies the correction, not the superseded letter.
    let resolved = app
        .complaint_must(
            &pr,
            "complaintResolve",
            at(&c, json!({ "findings": findings(&c) })),
        )
        .await;
    assert_eq!(
        resolved["resolution"]["writtenResponse"]["letterId"],
        correction["id"]
    );
    // Naming the superseded one is refused.
    let c2 = grievance(&app, "en", json!({})).await;
    let old = app.send_resolution_letter(&pr, &c2, false).await;
    let new = app
        .letter_must(
            &pr,
            "letterDraft",
            json!({ "complaintId": c2["id"], "kind": "RESOLUTION", "supersedes": old["id"],
                    "content": resolution_content(false) }),
        )
        .await;
    app.send_letter(&pr, &new).await;
    let p = app
        .complaint_mutate(
            &pr,
            "complaintResolve",
            at(
                &c2,
                json!({ "findings": findings(&c2), "letterId": old["id"] }),
            ),
        )
        .await;
    assert_eq!(user_error_codes(&p), ["GUARD_FAILED"], "{p:#}");
}

#[tokio::test]
async fn approval_where_the_facility_requires_it() {
    let app = TestApp::spawn().await;
    let facility = app.create_facility("MAIN").await;
    let mut input = facility_input("MAIN");
    input["expectedVersion"] = facility["version"].clone();
    input["letters"] = json!({ "addressLines": ["1 River Road", "Springfield, IL 62701"],
                               "qioName": "Livanta", "qioPhone": "1-888-524-9900",
                               "requireApproval": true });
    let p = app.upsert_facility(&admin(), input).await;
    assert_eq!(p["userErrors"], json!([]), "{p:#}");
    let pr = specialist();
    let c = grievance(&app, "en", json!({})).await;
    let letter = app
        .draft_letter(&pr, &c, "ACKNOWLEDGEMENT", content_for("ACKNOWLEDGEMENT"))
        .await;
    assert_eq!(letter["allowedActions"], json!(["UPDATE"]));
    assert!(
        letter["text"].as_str().unwrap().contains("1 River Road"),
        "the address block"
    );
    let p = app
        .letter_mutate(
            &pr,
            "letterMarkSent",
            json!({ "id": letter["id"], "expectedVersion": letter["version"], "method": "MAIL" }),
        )
        .await;
    assert_eq!(user_error_codes(&p), ["GUARD_FAILED"], "{p:#}");
    assert!(
        p["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("approval")
    );
    // A specialist may not approve; a manager may, unless they drafted it.
    let p = app
        .letter_mutate(
            &pr,
            "letterApprove",
            json!({ "id": letter["id"], "expectedVersion": letter["version"] }),
        )
        .await;
    assert_eq!(user_error_codes(&p), ["FORBIDDEN"], "{p:#}");
    let own = app
        .draft_letter(&manager(), &c, "OTHER", content_for("OTHER"))
        .await;
    let p = app
        .letter_mutate(
            &manager(),
            "letterApprove",
            json!({ "id": own["id"], "expectedVersion": own["version"] }),
        )
        .await;
    assert_eq!(user_error_codes(&p), ["GUARD_FAILED"], "{p:#}");
    let approved = app
        .letter_must(
            &manager(),
            "letterApprove",
            json!({ "id": letter["id"], "expectedVersion": letter["version"] }),
        )
        .await;
    assert_eq!(approved["status"], "APPROVED");
    assert_eq!(approved["approval"]["by"]["subject"], "prm-1");
    // Sending the acknowledgement acknowledges the complaint it answers
    // only while it is RECEIVED; this one is being investigated.
    let sent = app.send_letter(&pr, &approved).await;
    assert_eq!(sent["status"], "SENT");
}

#[tokio::test]
async fn an_acknowledgement_letter_acknowledges_a_received_complaint() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let pr = specialist();
    let c = app.create_complaint(&pr, intake("MAIN")).await;
    assert_eq!(c["status"], "RECEIVED");
    let letter = app
        .draft_letter(&pr, &c, "ACKNOWLEDGEMENT", content_for("ACKNOWLEDGEMENT"))
        .await;
    let sent = app.send_letter(&pr, &letter).await;
    let data = app
        .ok(
            &pr,
            "query Q($id: ID!) { complaint(id: $id) { status acknowledgement { method at } } }",
            json!({ "id": c["id"] }),
        )
        .await;
    assert_eq!(data["complaint"]["status"], "ACKNOWLEDGED");
    assert_eq!(data["complaint"]["acknowledgement"]["method"], "LETTER");
    assert_eq!(
        data["complaint"]["acknowledgement"]["at"],
        sent["sending"]["sentAt"]
    );
}

#[tokio::test]
async fn a_grievance_is_resolved_with_its_sent_resolution_letter_or_a_recorded_exception() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let pr = specialist();
    let c = grievance(&app, "en", json!({})).await;
    let trail = app.audit_event_count().await;
    let p = app
        .complaint_mutate(
            &pr,
            "complaintResolve",
            at(&c, json!({ "findings": findings(&c) })),
        )
        .await;
    assert_eq!(user_error_codes(&p), ["GUARD_FAILED"], "{p:#}");
    assert_eq!(p["userErrors"][0]["field"], json!(["input", "letterId"]));
    assert_eq!(app.audit_event_count().await, trail);
    // A drafted letter is not a sent one.
    let letter = app
        .draft_letter(&pr, &c, "RESOLUTION", resolution_content(false))
        .await;
    let p = app
        .complaint_mutate(
            &pr,
            "complaintResolve",
            at(
                &c,
                json!({ "findings": findings(&c), "letterId": letter["id"] }),
            ),
        )
        .await;
    assert_eq!(user_error_codes(&p), ["GUARD_FAILED"], "{p:#}");
    let sent = app.send_letter(&pr, &letter).await;
    let resolved = app
        .complaint_must(
            &pr,
            "complaintResolve",
            at(
                &c,
                json!({ "findings": findings(&c), "letterId": sent["id"] }),
            ),
        )
        .await;
    let w = &resolved["resolution"]["writtenResponse"];
    assert_eq!(w["letterId"], sent["id"]);
    assert_eq!(w["contactPerson"], "Pat Rivera");

    // The lawful exception: no letter, the reason audited.
    let c = grievance(&app, "en", json!({})).await;
    let reason = "The complainant asked for the response by secure email, which is on file.";
    let resolved = app
        .complaint_must(
            &pr,
            "complaintResolve",
            at(
                &c,
                json!({ "findings": findings(&c),
                           "writtenNoticeException": { "reason": reason } }),
            ),
        )
        .await;
    assert_eq!(resolved["resolution"]["writtenNoticeException"], reason);
    assert_eq!(resolved["resolution"]["writtenResponse"], Value::Null);
    let events = history(&app, &c).await;
    let resolve = events
        .iter()
        .find(|e| e["action"] == "COMPLAINT_RESOLVE")
        .unwrap();
    assert_eq!(
        resolve["after"]["resolution"]["writtenNoticeException"],
        reason
    );
}

#[tokio::test]
async fn the_qio_notice_is_owed_on_a_medicare_quality_of_care_grievance() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let pr = specialist();
    let c = grievance(
        &app,
        "en",
        json!({ "medicareBeneficiary": true, "concernsQualityOfCare": true }),
    )
    .await;
    assert_eq!(c["qioNoticeRequired"], true);
    let letter = app
        .draft_letter(&pr, &c, "RESOLUTION", resolution_content(false))
        .await;
    let p = app
        .letter_mutate(
            &pr,
            "letterMarkSent",
            json!({ "id": letter["id"], "expectedVersion": letter["version"], "method": "MAIL" }),
        )
        .await;
    assert_eq!(user_error_codes(&p), ["GUARD_FAILED"], "{p:#}");
    assert!(
        p["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("QIO"),
        "{p:#}"
    );
    let letter = app
        .letter_must(
            &pr,
            "letterUpdate",
            json!({ "id": letter["id"], "expectedVersion": letter["version"],
                    "content": resolution_content(true) }),
        )
        .await;
    let sent = app.send_letter(&pr, &letter).await;
    assert!(
        sent["text"].as_str().unwrap().contains("QIO"),
        "{}",
        sent["text"]
    );
    let resolved = app
        .complaint_must(
            &pr,
            "complaintResolve",
            at(&c, json!({ "findings": findings(&c) })),
        )
        .await;
    assert_eq!(
        resolved["resolution"]["writtenResponse"]["qioNoticeIncluded"],
        true
    );
}

#[tokio::test]
async fn a_letter_without_a_template_in_its_language_is_not_sent_until_its_text_is_given() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let pr = specialist();
    // No template exists in Vietnamese.
    let c = grievance(&app, "vi", json!({})).await;
    let letter = app
        .letter_must(
            &pr,
            "letterDraft",
            json!({ "complaintId": c["id"], "kind": "ACKNOWLEDGEMENT",
                    "content": content_for("ACKNOWLEDGEMENT") }),
        )
        .await;
    assert_eq!(letter["language"], "vi");
    assert_eq!(letter["languageGap"], true);
    assert_eq!(letter["needsTranslation"], true);
    assert_eq!(
        letter["text"],
        Value::Null,
        "never composed in another language"
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
    assert!(
        p["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no template in vi")
    );
    assert_eq!(app.audit_event_count().await, trail);
    // English instead needs a reason.
    let p = app
        .letter_mutate(
            &pr,
            "letterUpdate",
            json!({ "id": letter["id"], "expectedVersion": letter["version"], "language": "en",
                    "content": content_for("ACKNOWLEDGEMENT") }),
        )
        .await;
    assert_eq!(user_error_codes(&p), ["VALIDATION"], "{p:#}");
    // The text given in Vietnamese: sent as given.
    let mut content = content_for("ACKNOWLEDGEMENT");
    content["text"] = json!("Chúng tôi đã nhận được khiếu nại của quý vị.");
    let letter = app
        .letter_must(
            &pr,
            "letterUpdate",
            json!({ "id": letter["id"], "expectedVersion": letter["version"], "content": content }),
        )
        .await;
    assert_eq!(letter["needsTranslation"], false);
    let sent = app.send_letter(&pr, &letter).await;
    assert!(
        sent["text"]
            .as_str()
            .unwrap()
            .contains("Chúng tôi đã nhận được khiếu nại của quý vị.")
    );
    // Or another language with the reason, recorded on the trail.
    let other = app
        .letter_must(
            &pr,
            "letterDraft",
            json!({ "complaintId": c["id"], "kind": "OTHER", "language": "en",
                    "languageReason": "The complainant's daughter reads the letters to her in English.",
                    "content": content_for("OTHER") }),
        )
        .await;
    assert_eq!(other["languageGap"], false);
    assert_eq!(other["language"], "en");
}

#[tokio::test]
async fn large_print_follows_the_complainants_communication_needs() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let mut input = intake("MAIN");
    input["complainant"]["preferredLanguage"] = json!("en");
    input["complainant"]["communicationNeeds"] = json!("Low vision: large print, please.");
    let c = app.create_complaint(&specialist(), input).await;
    let letter = app
        .draft_letter(
            &specialist(),
            &c,
            "ACKNOWLEDGEMENT",
            content_for("ACKNOWLEDGEMENT"),
        )
        .await;
    assert_eq!(letter["format"], "LARGE_PRINT");
}

#[tokio::test]
async fn who_may_draft_send_and_read_letters() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let c = grievance(&app, "en", json!({})).await;
    let staff = token("st-1", &["STAFF"], &["MAIN"]);
    for token in [staff.clone(), compliance(), admin()] {
        let p = app
            .letter_mutate(
                &token,
                "letterDraft",
                json!({ "complaintId": c["id"], "kind": "OTHER", "content": content_for("OTHER") }),
            )
            .await;
        assert_eq!(user_error_codes(&p), ["FORBIDDEN"], "{p:#}");
    }
    // Outside the facility, the complaint does not exist.
    app.create_facility("EAST").await;
    let outsider = token("pr-east", &["PATIENT_RELATIONS"], &["EAST"]);
    let p = app
        .letter_mutate(
            &outsider,
            "letterDraft",
            json!({ "complaintId": c["id"], "kind": "OTHER", "content": content_for("OTHER") }),
        )
        .await;
    assert_eq!(user_error_codes(&p), ["NOT_FOUND"], "{p:#}");
    let letter = app
        .draft_letter(&specialist(), &c, "OTHER", content_for("OTHER"))
        .await;
    let data = app
        .ok(
            &outsider,
            "query Q($id: ID!) { node(id: $id) { id } }",
            json!({ "id": letter["id"] }),
        )
        .await;
    assert_eq!(data["node"], Value::Null);
    // A compliance officer reads it; the read is logged as the complaint's.
    let data = app
        .ok(
            &compliance(),
            "query Q($id: ID!) { node(id: $id) { ... on Letter { kind allowedActions } } }",
            json!({ "id": letter["id"] }),
        )
        .await;
    assert_eq!(data["node"]["kind"], "OTHER");
    assert_eq!(data["node"]["allowedActions"], json!([]));
}

#[tokio::test]
async fn a_spanish_speaking_complainant_gets_a_spanish_letter() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let pr = specialist();
    let c = grievance(&app, "es-MX", json!({})).await;
    let letter = app
        .letter_must(
            &pr,
            "letterDraft",
            json!({ "complaintId": c["id"], "kind": "RESOLUTION",
                    "content": resolution_content(false) }),
        )
        .await;
    assert_eq!(letter["language"], "es-MX");
    assert_eq!(letter["languageGap"], false);
    let text = letter["text"].as_str().unwrap();
    assert!(text.contains("Cómo investigamos su queja"), "{text}");
    assert!(text.contains("Maria Lopez"), "{text}");
    let sent = app.send_letter(&pr, &letter).await;
    let text = sent["text"].as_str().unwrap();
    assert!(
        text.contains(" de 20"),
        "the date written out in Spanish: {text}"
    );
    app.complaint_must(
        &pr,
        "complaintResolve",
        at(&c, json!({ "findings": findings(&c) })),
    )
    .await;
    let data = app
        .ok(
            &pr,
            "query Q($id: ID!) { complaint(id: $id) { resolution { writtenResponse { language letterId } } } }",
            json!({ "id": c["id"] }),
        )
        .await;
    let w = &data["complaint"]["resolution"]["writtenResponse"];
    assert_eq!(w["language"], "es-MX");
    assert_eq!(w["letterId"], sent["id"]);
}
