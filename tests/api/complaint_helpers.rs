//! Shared pieces for complaint tests: the fields every test reads, intake
//! input, and one call per mutation.

use serde_json::{Value, json};

use crate::helpers::*;

/// The complaint fields tests look at.
pub const COMPLAINT_FIELDS: &str = r#"
  id reference version status classification classificationReasons
  facilityCode department channel receivedAt
  owner { subject name } createdBy { subject }
  escalation { reason }
  allowedActions overdue reopenCount qioNoticeRequired
  issues { id category severity finding }
  acknowledgement { method at }
  resolution { atPointOfService summary writtenResponse { contactPerson qioNoticeIncluded } }
  clocks { kind dueAt dueAtLocal metAt metOnTime status extensions }
  closedAt updatedAt
"#;

/// A phone complaint about a long wait: a plain complaint at intake.
pub fn intake(facility: &str) -> Value {
    json!({
        "facilityCode": facility,
        "department": "Emergency Department",
        "channel": "PHONE",
        "receivedAt": chrono::Utc::now().to_rfc3339(),
        "complainant": { "name": "Maria Lopez", "relationship": "SELF", "preferredLanguage": "es" },
        "patient": { "mrn": "MRN-0001", "name": "Maria Lopez" },
        "description": "Waited four hours in triage without an update.",
        "issues": [
            { "category": "INSTITUTIONAL_PROCESSES", "severity": 2, "stageOfCare": "ADMISSION" },
            { "category": "COMMUNICATION", "severity": 1, "stageOfCare": "ADMISSION" }
        ]
    })
}

pub fn create_mutation() -> String {
    format!(
        "mutation Create($input: ComplaintCreateInput!) {{
           complaintCreate(input: $input) {{ replayed complaint {{ {COMPLAINT_FIELDS} }} userErrors {{ field message code }} }}
         }}"
    )
}

/// Creates a complaint and asserts it was accepted.
pub async fn create_complaint(app: &TestApp, token: &str, input: Value) -> Value {
    let data = app
        .ok(token, &create_mutation(), json!({ "input": input }))
        .await;
    let payload = &data["complaintCreate"];
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
    payload["complaint"].clone()
}

/// The input type name of a mutation: `complaintAcknowledge` → `ComplaintAcknowledgeInput`.
fn input_type(mutation: &str) -> String {
    let mut chars = mutation.chars();
    let first = chars
        .next()
        .map(|c| c.to_ascii_uppercase())
        .unwrap_or_default();
    format!("{first}{}Input", chars.as_str())
}

/// Runs a complaint mutation that returns `ComplaintPayload`; returns the payload.
pub async fn mutate(app: &TestApp, token: &str, mutation: &str, input: Value) -> Value {
    let query = format!(
        "mutation M($input: {}!) {{ {mutation}(input: $input) {{ complaint {{ {COMPLAINT_FIELDS} }} userErrors {{ field message code }} }} }}",
        input_type(mutation)
    );
    let data = app.ok(token, &query, json!({ "input": input })).await;
    data[mutation].clone()
}

/// Like [`mutate`], asserting success; returns the complaint.
pub async fn must(app: &TestApp, token: &str, mutation: &str, input: Value) -> Value {
    let payload = mutate(app, token, mutation, input).await;
    assert_eq!(payload["userErrors"], json!([]), "{mutation}: {payload:#}");
    payload["complaint"].clone()
}

/// The codes of a payload's user errors.
pub fn user_error_codes(payload: &Value) -> Vec<String> {
    payload["userErrors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["code"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// `{ id, expectedVersion }` plus extra fields.
pub fn at(complaint: &Value, extra: Value) -> Value {
    let mut input = json!({ "id": complaint["id"], "expectedVersion": complaint["version"] });
    if let (Some(obj), Some(more)) = (input.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            obj.insert(k.clone(), v.clone());
        }
    }
    input
}

/// A written response meeting A-0123, sent now.
pub fn written_response(qio: bool) -> Value {
    let now = chrono::Utc::now();
    json!({
        "contactPerson": "Pat Rivera, Patient Relations",
        "investigationSteps": "Reviewed the triage log; interviewed the charge nurse.",
        "results": "Triage staffing gap confirmed; evening rota changed.",
        "completedOn": now.date_naive().to_string(),
        "sentAt": now.to_rfc3339(),
        "sentBy": "LETTER",
        "language": "es",
        "qioNoticeIncluded": qio
    })
}

/// Findings for every issue of the complaint.
pub fn findings(complaint: &Value) -> Value {
    Value::Array(
        complaint["issues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| json!({ "issueId": i["id"], "finding": "Confirmed and addressed." }))
            .collect(),
    )
}

pub fn manager() -> String {
    token("prm-1", &["PATIENT_RELATIONS_MANAGER"], &["MAIN"])
}

pub fn specialist() -> String {
    token("pr-1", &["PATIENT_RELATIONS"], &["MAIN"])
}

pub fn compliance() -> String {
    token("co-1", &["COMPLIANCE"], &["MAIN"])
}

pub const VERIFY: &str =
    "{ auditTrailVerification { intact checkedCount firstBrokenLink { sequence problem } } }";

pub const HISTORY: &str = "query H($id: ID!) { complaint(id: $id) { history(first: 100) { totalCount nodes { sequence action reason actor { subject roles } before after } } } }";
