//! One facility's full set of record content, seeded through the API by a
//! PATIENT_RELATIONS user of facility A (`MAIN`): a complaint with issues,
//! people, an escalation, an owner, a note, a contact, findings, a
//! resolution and its written response; a completed service-recovery
//! action, a corrected interpreter session and a fulfilled accessibility
//! request linked to it; and the history all of that wrote. Every
//! free-text field holds its own sentinel, so a leak is found by
//! substring and the positive control can tell which fields it reached.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::*;

/// What every sentinel starts with: a leak is this substring anywhere.
pub const SENTINEL: &str = "SENTINEL-7f3a";
/// The content of the seeded attachment: only a download reaches it.
pub const ATTACHMENT_CONTENT: &str = "SENTINEL-7f3a-attachment-content";

pub const FACILITY_A: &str = "MAIN";
pub const FACILITY_B: &str = "NORTH";

/// The PATIENT_RELATIONS user of facility A who created everything.
pub fn owner() -> String {
    token("pr-owner", &["PATIENT_RELATIONS"], &[FACILITY_A])
}

/// What was seeded: the ids and reference callers may name, and the
/// sentinels put in.
pub struct Seeded {
    pub complaint: String,
    pub reference: String,
    pub service_recovery: String,
    pub interpreter_session: String,
    pub accessibility_request: String,
    /// The download path of the complaint's attachment.
    pub attachment: String,
    /// Every seeded record's global id and its raw UUID (simple and
    /// hyphenated), and the complaint's reference: none may reach an
    /// outsider's `data`.
    pub identifiers: Vec<String>,
    pub sentinels: BTreeSet<String>,
    /// Yesterday to tomorrow (local days): a report period covering it all.
    pub from: String,
    pub to: String,
    /// A time after everything was seeded (`complaintAsOf`).
    pub after: String,
}

impl Seeded {
    pub fn record_ids(&self) -> [&str; 4] {
        [
            &self.complaint,
            &self.service_recovery,
            &self.interpreter_session,
            &self.accessibility_request,
        ]
    }
}

struct Sentinels(BTreeSet<String>);

impl Sentinels {
    fn text(&mut self, tag: &str) -> String {
        let text = format!("{SENTINEL}-{tag}");
        self.0.insert(text.clone());
        text
    }
}

/// Runs a mutation that returns `userErrors`, asserting there are none.
async fn must(app: &TestApp, token: &str, mutation: &str, input: Value) {
    let query = format!(
        "mutation M($input: {}!) {{ {mutation}(input: $input) {{ userErrors {{ field message code }} }} }}",
        input_type(mutation)
    );
    let data = app.ok(token, &query, json!({ "input": input })).await;
    assert_eq!(
        data[mutation]["userErrors"],
        json!([]),
        "{mutation}: {data:#}"
    );
}

pub async fn seed(app: &TestApp) -> Seeded {
    app.create_facility(FACILITY_A).await;
    app.create_facility(FACILITY_B).await;
    let owner = owner();
    let mut s = Sentinels(BTreeSet::new());

    let mut intake = intake(FACILITY_A);
    intake["department"] = json!(s.text("department"));
    intake["receivedBy"] = json!(s.text("received-by"));
    intake["complainant"] = json!({
        "name": s.text("complainant-name"), "relationship": "SELF",
        "contact": s.text("complainant-contact"), "preferredLanguage": "es",
        "communicationNeeds": s.text("communication-needs"),
    });
    intake["patient"] = json!({ "mrn": s.text("mrn"), "name": s.text("patient-name") });
    intake["description"] = json!(s.text("description"));
    intake["desiredOutcome"] = json!(s.text("desired-outcome"));
    intake["peopleInvolved"] =
        json!([{ "name": s.text("person-name"), "role": s.text("person-role") }]);
    intake["issues"][0]["summary"] = json!(s.text("issue-summary"));
    let complaint = app.create_complaint(&owner, intake).await;
    let complaint = app
        .complaint_must(
            &owner,
            "complaintAssign",
            at(
                &complaint,
                json!({ "ownerSubject": "pr-owner", "ownerName": s.text("owner-name") }),
            ),
        )
        .await;
    let complaint = app
        .complaint_must(
            &owner,
            "complaintEscalate",
            at(&complaint, json!({ "reason": s.text("escalation-reason") })),
        )
        .await;
    let id = complaint["id"].clone();
    must(
        app,
        &owner,
        "complaintAddNote",
        json!({ "complaintId": id, "body": s.text("note-body") }),
    )
    .await;
    must(
        app,
        &owner,
        "complaintLogContact",
        json!({
            "complaintId": id, "direction": "OUTBOUND", "method": "PHONE",
            "contactedAt": chrono::Utc::now().to_rfc3339(),
            "withWhom": s.text("contact-with-whom"), "summary": s.text("contact-summary"),
        }),
    )
    .await;

    let mut propose = proposal(&id, "APOLOGY", None);
    propose["description"] = json!(s.text("recovery-description"));
    let action = app
        .work_must(&owner, "serviceRecoveryPropose", propose)
        .await;

    let mut entry = session_entry();
    entry["patient"] = json!({ "mrn": s.text("session-mrn"), "name": s.text("session-patient") });
    entry["encounter"] = json!(s.text("encounter"));
    entry["department"] = json!(s.text("session-department"));
    entry["requestedBy"] = json!(s.text("requested-by"));
    entry["interpreter"]["vendor"] = json!(s.text("vendor"));
    entry["interpreter"]["interpreterId"] = json!(s.text("interpreter-id"));
    entry["notes"] = json!(s.text("session-notes"));
    let log_entry = entry.clone();
    let mut log = session_input(FACILITY_A, entry);
    log["complaintId"] = id.clone();
    let session = app.work_must(&owner, "interpreterSessionLog", log).await;

    let mut filing = accessibility_input(FACILITY_A, &in_hours(48));
    filing["complaintId"] = id.clone();
    filing["patient"] = json!({ "mrn": s.text("request-mrn"), "name": s.text("request-patient") });
    filing["department"] = json!(s.text("request-department"));
    filing["details"] = json!(s.text("request-details"));
    filing["requestedAid"] = json!(s.text("requested-aid"));
    let request = app
        .work_must(&owner, "accessibilityRequestCreate", filing)
        .await;

    // Their later states hold text too: a completion note, a correction's
    // reason, a provider and a fulfilment note, the resolution and its
    // written response.
    let action = app
        .work_must(
            &owner,
            "serviceRecoveryComplete",
            at_version(&action, json!({ "note": s.text("completion-note") })),
        )
        .await;
    let mut corrected = log_entry;
    corrected["notes"] = json!(s.text("amended-notes"));
    let session = app
        .work_must(
            &owner,
            "interpreterSessionAmend",
            at_version(
                &session,
                json!({ "reason": s.text("amend-reason"), "entry": corrected }),
            ),
        )
        .await;
    let request = app
        .work_must(
            &owner,
            "accessibilityRequestAcknowledge",
            at_version(&request, json!({})),
        )
        .await;
    let request = app
        .work_must(
            &owner,
            "accessibilityRequestSchedule",
            at_version(
                &request,
                json!({ "scheduledFor": in_hours(24), "provider": s.text("provider") }),
            ),
        )
        .await;
    let request = app
        .work_must(
            &owner,
            "accessibilityRequestFulfill",
            at_version(&request, json!({ "note": s.text("fulfilment-note") })),
        )
        .await;
    let (_, version) = app.complaint_version(&id).await;
    let current = json!({ "id": id, "version": version });
    let complaint = app
        .complaint_must(
            &owner,
            "complaintStartInvestigation",
            at(&current, json!({})),
        )
        .await;
    let findings: Vec<Value> = complaint["issues"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, issue)| json!({ "issueId": issue["id"], "finding": s.text(&format!("finding-{i}")) }))
        .collect();
    let mut content = resolution_content(false);
    content["contact"]["name"] = json!(s.text("contact-person"));
    content["investigationSteps"] = json!(s.text("investigation-steps"));
    content["results"] = json!(s.text("results"));
    let letter = app
        .draft_letter(&owner, &complaint, "RESOLUTION", content)
        .await;
    app.send_letter(&owner, &letter).await;
    let complaint = app
        .complaint_must(
            &owner,
            "complaintResolve",
            at(
                &complaint,
                json!({ "findings": findings, "summary": s.text("resolution-summary") }),
            ),
        )
        .await;

    // A document on the complaint: its file name is a sentinel (listed by
    // `Complaint.attachments`); its content is one too, reached only by
    // downloading it (authz_walk/attachments.rs), so it is not among the
    // sentinels the schema walk must find.
    let filename = format!("{}.txt", s.text("attachment-filename"));
    let uploaded = app
        .client
        .post(app.url(&format!(
            "/complaints/{}/attachments?kind=INCOMING_CORRESPONDENCE",
            id.as_str().unwrap()
        )))
        .bearer_auth(&owner)
        .header(
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        )
        .body(format!("{ATTACHMENT_CONTENT}\n"))
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), reqwest::StatusCode::CREATED);
    let uploaded: Value = uploaded.json().await.unwrap();
    let attachment_id = uploaded["id"].as_str().unwrap().to_owned();

    let global = |v: &Value| v.as_str().unwrap().to_owned();
    let reference = global(&complaint["reference"]);
    let ids = [
        global(&id),
        global(&action["id"]),
        global(&session["id"]),
        global(&request["id"]),
    ];
    let mut identifiers = vec![reference.clone(), attachment_id.clone()];
    for id in &ids {
        let (_, uuid) = redress_api::ids::decode_id(id).expect("a global id");
        identifiers.extend([
            id.clone(),
            uuid.simple().to_string(),
            uuid.hyphenated().to_string(),
        ]);
    }
    let today = chrono::Utc::now().date_naive();
    let [
        complaint,
        service_recovery,
        interpreter_session,
        accessibility_request,
    ] = ids;
    Seeded {
        complaint,
        reference,
        service_recovery,
        interpreter_session,
        accessibility_request,
        attachment: format!("/attachments/{attachment_id}"),
        identifiers,
        sentinels: s.0,
        from: (today - chrono::Duration::days(2)).to_string(),
        to: (today + chrono::Duration::days(2)).to_string(),
        after: chrono::Utc::now().to_rfc3339(),
    }
}
