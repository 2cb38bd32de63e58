//! The records beside complaints in tests: the fields tests read, valid
//! inputs, and the app's methods that change, move and read back service
//! recovery, interpreter sessions and accessibility requests.

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

/// `node(id:)` with the fields of every record beside complaints.
pub fn node_query() -> String {
    format!(
        "query N($id: ID!) {{ node(id: $id) {{ id
           ... on ServiceRecoveryAction {{ {SERVICE_RECOVERY_FIELDS} }}
           ... on InterpreterSession {{ {INTERPRETER_SESSION_FIELDS} }}
           ... on AccessibilityRequest {{ {ACCESSIBILITY_REQUEST_FIELDS} }} }} }}"
    )
}

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

/// An RFC 3339 time `hours` from now (negative: in the past).
pub fn in_hours(hours: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(hours)).to_rfc3339()
}

pub fn tomorrow() -> String {
    in_hours(24)
}

pub fn accessibility_list_query() -> String {
    format!(
        "query L($f: AccessibilityRequestFilterInput) {{ accessibilityRequests(filter: $f, first: 100) {{
           totalCount nodes {{ {ACCESSIBILITY_REQUEST_FIELDS} }} }} }}"
    )
}

/// The mutation and an input meeting every requirement of the action.
pub fn accessibility_call(action: &str, r: &Value) -> (&'static str, Value) {
    match action {
        "ACKNOWLEDGE" => ("accessibilityRequestAcknowledge", at_version(r, json!({}))),
        "SCHEDULE" => (
            "accessibilityRequestSchedule",
            at_version(
                r,
                json!({ "scheduledFor": in_hours(20), "provider": "ASL Services Inc." }),
            ),
        ),
        "FULFILL" => (
            "accessibilityRequestFulfill",
            at_version(
                r,
                json!({ "note": "Interpreter present for the consent talk" }),
            ),
        ),
        "PROVIDE_ALTERNATIVE" => (
            "accessibilityRequestProvideAlternative",
            at_version(
                r,
                json!({ "alternative": "Video remote interpreting", "reason": "No on-site interpreter available tonight" }),
            ),
        ),
        "DENY" => (
            "accessibilityRequestDeny",
            at_version(
                r,
                json!({ "ground": "UNDUE_BURDEN", "reason": "Documented undue burden, reviewed by the lead" }),
            ),
        ),
        "CANCEL" => (
            "accessibilityRequestCancel",
            at_version(r, json!({ "reason": "Patient rescheduled the MRI" })),
        ),
        other => panic!("no such action {other}"),
    }
}

/// The shortest way from REQUESTED to `status`.
fn path_to(status: &str) -> &'static [&'static str] {
    match status {
        "REQUESTED" => &[],
        "ACKNOWLEDGED" => &["ACKNOWLEDGE"],
        "SCHEDULED" => &["ACKNOWLEDGE", "SCHEDULE"],
        "FULFILLED" => &["FULFILL"],
        "ALTERNATIVE_PROVIDED" => &["PROVIDE_ALTERNATIVE"],
        "DENIED" => &["DENY"],
        "CANCELLED" => &["CANCEL"],
        other => panic!("no such status {other}"),
    }
}

/// The mutation for a transition and an input that meets its other rules
/// (a reason where one is needed).
pub fn service_recovery_call(action: &str, a: &Value) -> (&'static str, Value) {
    match action {
        "APPROVE" => ("serviceRecoveryApprove", at_version(a, json!({}))),
        "DECLINE" => (
            "serviceRecoveryDecline",
            at_version(a, json!({ "reason": "Not warranted by the findings" })),
        ),
        "COMPLETE" => (
            "serviceRecoveryComplete",
            at_version(
                a,
                json!({ "note": "Voucher handed to the patient's daughter" }),
            ),
        ),
        "CANCEL" => (
            "serviceRecoveryCancel",
            at_version(
                a,
                json!({ "reason": "The patient went home before it was given" }),
            ),
        ),
        other => panic!("no such action {other}"),
    }
}

/// `entry` with the top-level fields of `changes` set; a `null` removes one.
pub fn with_changes(entry: &Value, changes: Value) -> Value {
    let mut e = entry.clone();
    let o = e.as_object_mut().unwrap();
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            o.remove(k);
        } else {
            o.insert(k.clone(), v.clone());
        }
    }
    e
}

pub const INTERPRETER_SESSION_LIST: &str = r#"
query L($filter: InterpreterSessionFilterInput, $first: Int, $after: String) {
  interpreterSessions(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    nodes { id version entry { language modality outcome requestedAt waitMinutes durationMinutes } logged { by { subject } } }
  }
}"#;

impl TestApp {
    /// Runs any service-recovery, interpreter or accessibility mutation;
    /// returns its payload (`replayed` is asked for only on creates).
    pub async fn work_mutate(&self, token: &str, mutation: &str, input: Value) -> Value {
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
        let data = self.ok(token, &query, json!({ "input": input })).await;
        data[mutation].clone()
    }

    /// Like [`work_mutate`](TestApp::work_mutate), asserting success; returns the record.
    pub async fn work_must(&self, token: &str, mutation: &str, input: Value) -> Value {
        let payload = self.work_mutate(token, mutation, input).await;
        assert_eq!(payload["userErrors"], json!([]), "{mutation}: {payload:#}");
        let (field, _) = record_field(mutation);
        payload[field].clone()
    }

    /// A service-recovery action, interpreter session or accessibility
    /// request by `node(id:)`, as `token` sees it (null when not visible).
    pub async fn node(&self, token: &str, id: &Value) -> Value {
        self.ok(token, &node_query(), json!({ "id": id })).await["node"].clone()
    }

    /// Like [`node`](Self::node), asserting the record is visible.
    pub async fn read_as(&self, token: &str, id: &Value) -> Value {
        let node = self.node(token, id).await;
        assert_ne!(node, Value::Null, "{id} is not visible");
        node
    }

    /// The record as stored, read by compliance over every facility.
    pub async fn read_back(&self, id: &Value) -> Value {
        self.read_as(&auditor(), id).await
    }

    /// The ids `accessibilityRequests(filter)` returns to `tok`, checked
    /// against `totalCount`.
    pub async fn accessibility_request_ids(&self, tok: &str, filter: Value) -> Vec<Value> {
        let data = self
            .ok(tok, &accessibility_list_query(), json!({ "f": filter }))
            .await;
        let conn = &data["accessibilityRequests"];
        let ids: Vec<Value> = conn["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].clone())
            .collect();
        assert_eq!(conn["totalCount"], json!(ids.len()), "{conn:#}");
        ids
    }

    /// Files a request in MAIN as `tok`, needed by `needed_by`.
    pub async fn file_accessibility_request(&self, tok: &str, needed_by: &str) -> Value {
        let r = self
            .work_must(
                tok,
                "accessibilityRequestCreate",
                accessibility_input("MAIN", needed_by),
            )
            .await;
        assert_eq!(r["status"], "REQUESTED", "{r:#}");
        assert_eq!(r["version"], 1);
        r
    }

    /// Performs `action` as `tok`, asserting success.
    pub async fn accessibility_act(&self, tok: &str, action: &str, r: &Value) -> Value {
        let (mutation, input) = accessibility_call(action, r);
        self.work_must(tok, mutation, input).await
    }

    /// Moves `r` to `status` as a manager.
    pub async fn move_accessibility_request(&self, mut r: Value, status: &str) -> Value {
        for action in path_to(status) {
            r = self.accessibility_act(&manager(), action, &r).await;
        }
        assert_eq!(r["status"], status, "{r:#}");
        r
    }

    /// A fresh request filed by `creator`, moved to `status` by a manager.
    pub async fn accessibility_request_in(
        &self,
        creator: &str,
        status: &str,
        needed_by: &str,
    ) -> Value {
        let r = self.file_accessibility_request(creator, needed_by).await;
        self.move_accessibility_request(r, status).await
    }

    /// A MEAL_VOUCHER proposed by `pr-1` on `complaint_id`, moved into
    /// `status` by `prm-1` (approvals) and `pr-1` (the rest).
    pub async fn service_recovery_action_in(
        &self,
        complaint_id: &Value,
        amount: Option<&str>,
        status: &str,
    ) -> Value {
        let pr = specialist();
        let prm = manager();
        let a = self
            .work_must(
                &pr,
                "serviceRecoveryPropose",
                proposal(complaint_id, "MEAL_VOUCHER", amount),
            )
            .await;
        let step = |token: String, action: &'static str, a: Value| async move {
            let (mutation, input) = service_recovery_call(action, &a);
            self.work_must(&token, mutation, input).await
        };
        let a = match status {
            "PROPOSED" => a,
            "APPROVED" => step(prm.clone(), "APPROVE", a).await,
            "COMPLETED" => {
                let a = step(prm.clone(), "APPROVE", a).await;
                step(pr.clone(), "COMPLETE", a).await
            }
            "DECLINED" => step(prm.clone(), "DECLINE", a).await,
            "CANCELLED" => step(pr.clone(), "CANCEL", a).await,
            other => panic!("no such status {other}"),
        };
        assert_eq!(a["status"], status, "{a:#}");
        a
    }

    /// The audit trail's length and the number of sessions on record: what a
    /// refusal must leave alone.
    pub async fn interpreter_written(&self) -> (u64, u64) {
        let data = self
            .ok(
                &auditor(),
                "{ interpreterSessions(first: 1) { totalCount } }",
                json!({}),
            )
            .await;
        (
            self.audit_event_count().await,
            data["interpreterSessions"]["totalCount"].as_u64().unwrap(),
        )
    }

    pub async fn interpreter_sessions(&self, tok: &str, vars: Value) -> Value {
        self.ok(tok, INTERPRETER_SESSION_LIST, vars).await["interpreterSessions"].clone()
    }

    /// An amendment that changes only the notes, at the session's current version.
    pub async fn amend_notes(&self, tok: &str, id: &Value, note: &str) -> Value {
        let current = self.node(&auditor(), id).await;
        self.work_mutate(
            tok,
            "interpreterSessionAmend",
            json!({
                "id": id,
                "expectedVersion": current["version"],
                "reason": "note added",
                "entry": with_changes(&self.session_entry_of(id).await, json!({ "notes": note })),
            }),
        )
        .await
    }

    /// The current entry of a session as an input (what an amendment resends).
    pub async fn session_entry_of(&self, id: &Value) -> Value {
        let data = self
        .ok(
            &auditor(),
            &format!(
                "query N($id: ID!) {{ node(id: $id) {{ ... on InterpreterSession {{ {INTERPRETER_SESSION_FIELDS} }} }} }}"
            ),
            json!({ "id": id }),
        )
        .await;
        let mut e = data["node"]["entry"].clone();
        let o = e.as_object_mut().unwrap();
        o.remove("waitMinutes");
        o.remove("durationMinutes");
        // Inputs leave out what is absent.
        o.retain(|_, v| !v.is_null());
        if let Some(i) = o.get_mut("interpreter").and_then(Value::as_object_mut) {
            i.retain(|_, v| !v.is_null());
        }
        e
    }

    /// Requests in one department, as compliance over all facilities sees them.
    pub async fn accessibility_request_count(&self, department: &str) -> usize {
        self.accessibility_request_ids(&auditor(), json!({ "departments": [department] }))
            .await
            .len()
    }
}
