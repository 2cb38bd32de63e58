//! Shared pieces for the records beside complaints: the fields tests read,
//! valid inputs, and one call per mutation.

use serde_json::{Value, json};

use crate::helpers::*;

pub const SERVICE_RECOVERY_FIELDS: &str = r#"
  id version complaintId facilityCode department kind description
  amount { amount currency } approvalThreshold { amount currency } approvalRequired
  status finished allowedActions
  proposedBy { subject } proposedAt
  approved { by { subject } at } declined { by { subject } reason }
  completed { by { subject } at } completionNote cancelled { by { subject } reason }
"#;

pub const INTERPRETER_SESSION_FIELDS: &str = r#"
  id version facilityCode complaintId
  entry { patient { mrn name } encounter department language modality
          interpreter { staffId vendor interpreterId qualification }
          requestedBy requestedAt connectedAt endedAt waitMinutes durationMinutes
          purpose outcome
          companion { name relationship minor patientRequested companionAgreed emergency }
          notes }
  original { language modality outcome }
  amendments { by { subject } reason changedFields previous { language modality outcome } }
  logged { by { subject } at }
"#;

pub const ACCESSIBILITY_REQUEST_FIELDS: &str = r#"
  id version facilityCode complaintId patient { mrn name } department needType details
  requestedAid neededBy status open overdue failed allowedActions
  requested { by { subject } } acknowledged { by { subject } }
  scheduled { scheduledFor provider } fulfilled { by { subject } } fulfillmentNote
  alternative { provided reason } denial { ground reason } cancelled { reason }
"#;

/// The payload field that holds the record, by mutation name.
fn record_field(mutation: &str) -> (&'static str, &'static str) {
    if mutation.starts_with("serviceRecovery") {
        ("serviceRecoveryAction", SERVICE_RECOVERY_FIELDS)
    } else if mutation.starts_with("interpreterSession") {
        ("interpreterSession", INTERPRETER_SESSION_FIELDS)
    } else {
        ("accessibilityRequest", ACCESSIBILITY_REQUEST_FIELDS)
    }
}

fn input_type(mutation: &str) -> String {
    let mut chars = mutation.chars();
    let first = chars
        .next()
        .map(|c| c.to_ascii_uppercase())
        .unwrap_or_default();
    format!("{first}{}Input", chars.as_str())
}

/// Runs any service-recovery, interpreter or accessibility mutation;
/// returns its payload (`replayed` is asked for only on creates).
pub async fn work_mutate(app: &TestApp, token: &str, mutation: &str, input: Value) -> Value {
    let (field, fields) = record_field(mutation);
    let replayed = if matches!(
        mutation,
        "serviceRecoveryPropose" | "interpreterSessionLog" | "accessibilityRequestCreate"
    ) {
        "replayed"
    } else {
        ""
    };
    let query = format!(
        "mutation M($input: {}!) {{ {mutation}(input: $input) {{ {replayed} {field} {{ {fields} }} userErrors {{ field message code }} }} }}",
        input_type(mutation)
    );
    let data = app.ok(token, &query, json!({ "input": input })).await;
    data[mutation].clone()
}

/// Like [`work_mutate`], asserting success; returns the record.
pub async fn work_must(app: &TestApp, token: &str, mutation: &str, input: Value) -> Value {
    let payload = work_mutate(app, token, mutation, input).await;
    assert_eq!(payload["userErrors"], json!([]), "{mutation}: {payload:#}");
    let (field, _) = record_field(mutation);
    payload[field].clone()
}

/// A service-recovery proposal; `amount` like `"300.00"` or `None`.
pub fn proposal(complaint_id: &Value, kind: &str, amount: Option<&str>) -> Value {
    let mut input = json!({
        "complaintId": complaint_id,
        "kind": kind,
        "description": "Cafeteria voucher for the long wait",
    });
    if let Some(a) = amount {
        input["amount"] = json!({ "amount": a, "currency": "USD" });
    }
    input
}

/// A valid PROVIDED interpreter session entry, requested an hour ago.
pub fn session_entry() -> Value {
    let now = chrono::Utc::now();
    let m = |mins: i64| (now - chrono::Duration::minutes(mins)).to_rfc3339();
    json!({
        "patient": { "mrn": "MRN-0001", "name": "Maria Lopez" },
        "encounter": "ENC-2026-0042",
        "department": "Emergency Department",
        "language": "es",
        "modality": "VIDEO_REMOTE",
        "interpreter": { "vendor": "LanguageLine", "interpreterId": "LL-4411", "qualification": "CERTIFIED_MEDICAL_INTERPRETER" },
        "requestedBy": "RN Kim",
        "requestedAt": m(60),
        "connectedAt": m(55),
        "endedAt": m(30),
        "purpose": "CONSENT",
        "outcome": "PROVIDED"
    })
}

/// A DECLINED entry with a companion.
pub fn declined_entry(minor: bool, asked: bool, agreed: bool, emergency: bool) -> Value {
    let mut e = session_entry();
    let o = e.as_object_mut().unwrap();
    o.remove("interpreter");
    o.remove("connectedAt");
    o.remove("endedAt");
    o.insert("outcome".into(), json!("DECLINED"));
    o.insert(
        "companion".into(),
        json!({ "name": "Luis Lopez", "relationship": "son", "minor": minor,
                "patientRequested": asked, "companionAgreed": agreed, "emergency": emergency }),
    );
    e
}

pub fn session_input(facility: &str, entry: Value) -> Value {
    json!({ "facilityCode": facility, "entry": entry })
}

/// An accessibility request needed by `needed_by` (RFC 3339).
pub fn accessibility_input(facility: &str, needed_by: &str) -> Value {
    json!({
        "facilityCode": facility,
        "patient": { "mrn": "MRN-0002", "name": "Sam Lee" },
        "department": "Radiology",
        "needType": "SIGN_LANGUAGE_INTERPRETER",
        "details": "Deaf patient; MRI consent conversation",
        "requestedAid": "On-site ASL interpreter",
        "neededBy": needed_by,
    })
}

/// `{ id, expectedVersion }` of a record plus extra fields.
pub fn at_version(record: &Value, extra: Value) -> Value {
    let mut input = json!({ "id": record["id"], "expectedVersion": record["version"] });
    if let (Some(obj), Some(more)) = (input.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            obj.insert(k.clone(), v.clone());
        }
    }
    input
}

/// How many audit events the whole trail holds (COMPLIANCE on every facility).
pub async fn audit_count(app: &TestApp) -> u64 {
    let co = token("co-all", &["COMPLIANCE"], &["*"]);
    let data = app
        .ok(
            &co,
            "{ auditTrailVerification { checkedCount } }",
            json!({}),
        )
        .await;
    data["auditTrailVerification"]["checkedCount"]
        .as_u64()
        .unwrap()
}
