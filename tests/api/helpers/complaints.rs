//! Complaints in tests: the fields every test reads, intake and other
//! inputs, and the app's methods that create, change, move and read back
//! complaints.

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
  resolution { atPointOfService summary writtenResponse { contactPerson qioNoticeIncluded letterId } writtenNoticeException }
  clocks { kind dueAt dueAtLocal metAt metOnTime status extensions }
  closedAt updatedAt
"#;

/// What [`TestApp::complaint_read_back`] reads.
const READ_BACK: &str = "query R($id: ID!) { complaint(id: $id) {
  id version status classification description reopenCount
  owner { subject } escalation { reason } resolution { atPointOfService }
  clocks { kind extensions } notes { body } contacts { summary } } }";

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

/// The input type name of a mutation: `complaintAcknowledge` → `ComplaintAcknowledgeInput`.
pub fn input_type(mutation: &str) -> String {
    let mut chars = mutation.chars();
    let first = chars
        .next()
        .map(|c| c.to_ascii_uppercase())
        .unwrap_or_default();
    format!("{first}{}Input", chars.as_str())
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

pub const VERIFY: &str =
    "{ auditTrailVerification { intact checkedCount firstBrokenLink { sequence problem } } }";

pub const HISTORY: &str = "query H($id: ID!) { complaint(id: $id) { history(first: 100) { totalCount nodes { sequence action reason actor { subject roles } before after } } } }";

impl TestApp {
    /// Creates a complaint and asserts it was accepted.
    pub async fn create_complaint(&self, token: &str, input: Value) -> Value {
        let data = self
            .ok(token, &create_mutation(), json!({ "input": input }))
            .await;
        let payload = &data["complaintCreate"];
        assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
        payload["complaint"].clone()
    }

    /// Runs a complaint mutation that returns `ComplaintPayload`; returns the payload.
    pub async fn complaint_mutate(&self, token: &str, mutation: &str, input: Value) -> Value {
        let query = format!(
            "mutation M($input: {}!) {{ {mutation}(input: $input) {{ complaint {{ {COMPLAINT_FIELDS} }} userErrors {{ field message code }} }} }}",
            input_type(mutation)
        );
        let data = self.ok(token, &query, json!({ "input": input })).await;
        data[mutation].clone()
    }

    /// Like [`complaint_mutate`](TestApp::complaint_mutate), asserting success; returns the complaint.
    pub async fn complaint_must(&self, token: &str, mutation: &str, input: Value) -> Value {
        let payload = self.complaint_mutate(token, mutation, input).await;
        assert_eq!(payload["userErrors"], json!([]), "{mutation}: {payload:#}");
        payload["complaint"].clone()
    }

    /// `{ id version status }` of a complaint, as `token` reads it.
    pub async fn complaint_status(&self, token: &str, id: &Value) -> Value {
        let data = self
            .ok(
                token,
                "query Q($id: ID!) { complaint(id: $id) { id version status } }",
                json!({ "id": id }),
            )
            .await;
        data["complaint"].clone()
    }

    /// The status and version of a complaint, as compliance over every
    /// facility reads it.
    pub async fn complaint_version(&self, id: &Value) -> (Value, Value) {
        let c = self.complaint_status(&auditor(), id).await;
        (c["status"].clone(), c["version"].clone())
    }

    /// A complaint with its notes, contacts and clocks, as compliance over
    /// every facility reads it (it must exist).
    pub async fn complaint_read_back(&self, id: &Value) -> Value {
        let data = self.ok(&auditor(), READ_BACK, json!({ "id": id })).await;
        assert_ne!(data["complaint"], Value::Null, "{id} is gone");
        data["complaint"].clone()
    }

    /// A complaint's history (the connection), as `token` reads it.
    pub async fn history(&self, token: &str, id: &Value) -> Value {
        let data = self.ok(token, HISTORY, json!({ "id": id })).await;
        data["complaint"]["history"].clone()
    }

    /// The actions of a complaint's history, in order, as compliance reads it.
    pub async fn history_actions(&self, id: &Value) -> Vec<String> {
        self.history(&compliance(), id).await["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// How many events of a complaint's history have one of `actions`.
    pub async fn history_count(&self, id: &Value, actions: &[&str]) -> usize {
        self.history_actions(id)
            .await
            .iter()
            .filter(|a| actions.contains(&a.as_str()))
            .count()
    }

    /// `selection` of the complaint as it stood at `at`, as compliance reads it.
    pub async fn complaint_as_of(&self, selection: &str, id: &Value, at: &str) -> Value {
        let query = format!(
            "query A($id: ID!, $at: DateTime!) {{ complaintAsOf(id: $id, at: $at) {{ {selection} }} }}"
        );
        self.ok(&compliance(), &query, json!({ "id": id, "at": at }))
            .await["complaintAsOf"]
            .clone()
    }

    /// How many complaints match `filter`, for compliance over every facility.
    pub async fn complaint_count(&self, filter: Value) -> i64 {
        let data = self
            .ok(
                &auditor(),
                "query C($f: ComplaintFilterInput) { complaints(filter: $f) { totalCount } }",
                json!({ "f": filter }),
            )
            .await;
        data["complaints"]["totalCount"].as_i64().unwrap()
    }

    /// The actions a manager may take on a complaint now.
    pub async fn complaint_allowed_actions(&self, id: &Value) -> Value {
        let data = self
            .ok(
                &manager(),
                "query Q($id: ID!) { complaint(id: $id) { allowedActions } }",
                json!({ "id": id }),
            )
            .await;
        data["complaint"]["allowedActions"].clone()
    }

    /// A complaint with an owner, moved into `state` by a manager.
    pub async fn complaint_in(&self, state: &str) -> Value {
        let m = manager();
        let c = self.create_complaint(&m, intake("MAIN")).await;
        let c = self
            .complaint_must(
                &m,
                "complaintAssign",
                at(
                    &c,
                    json!({ "ownerSubject": "pr-1", "ownerName": "Pat Rivera" }),
                ),
            )
            .await;
        let investigating = |c: Value| async move {
            self.complaint_must(&manager(), "complaintStartInvestigation", at(&c, json!({})))
                .await
        };
        let resolved = |c: Value| async move {
            let c = investigating(c).await;
            if c["classification"] == "GRIEVANCE" {
                self.send_resolution_letter(&manager(), &c, false).await;
            }
            self.complaint_must(
                &manager(),
                "complaintResolve",
                at(&c, json!({ "findings": findings(&c) })),
            )
            .await
        };
        let c = match state {
            "RECEIVED" => c,
            "ACKNOWLEDGED" => {
                self.complaint_must(
                    &m,
                    "complaintAcknowledge",
                    at(&c, json!({ "method": "PHONE" })),
                )
                .await
            }
            "INVESTIGATING" => investigating(c).await,
            "RESOLVED" => resolved(c).await,
            "CLOSED" => {
                let c = resolved(c).await;
                self.complaint_must(&m, "complaintClose", at(&c, json!({})))
                    .await
            }
            "WITHDRAWN" => {
                self.complaint_must(
                    &m,
                    "complaintWithdraw",
                    at(&c, json!({ "reason": "Complainant asked to withdraw" })),
                )
                .await
            }
            other => panic!("no such state {other}"),
        };
        assert_eq!(c["status"], state);
        c
    }

    /// A plain complaint, acknowledged.
    pub async fn acknowledged_complaint(&self) -> Value {
        let c = self.create_complaint(&specialist(), intake("MAIN")).await;
        self.complaint_must(
            &specialist(),
            "complaintAcknowledge",
            at(&c, json!({ "method": "PHONE" })),
        )
        .await
    }

    /// A plain complaint resolved on the spot: ready to close.
    pub async fn resolved_at_point_of_service(&self) -> Value {
        let c = self.create_complaint(&manager(), intake("MAIN")).await;
        self.complaint_must(
            &manager(),
            "complaintResolveAtPointOfService",
            at(
                &c,
                json!({ "resolution": "Apologised and explained the delay." }),
            ),
        )
        .await
    }

    /// A written grievance, resolved, with linked service recovery.
    pub async fn resolved_grievance(&self) -> Value {
        let pr = specialist();
        let mut input = intake("MAIN");
        input["channel"] = json!("LETTER");
        let c = self.create_complaint(&pr, input).await;
        assert_eq!(c["classification"], "GRIEVANCE");
        let c = self
            .complaint_must(
                &pr,
                "complaintAssign",
                at(
                    &c,
                    json!({ "ownerSubject": "pr-1", "ownerName": "Pat Rivera" }),
                ),
            )
            .await;
        let c = self
            .complaint_must(&pr, "complaintStartInvestigation", at(&c, json!({})))
            .await;
        let qio = c["qioNoticeRequired"].as_bool().unwrap();
        self.send_resolution_letter(&pr, &c, qio).await;
        let c = self
            .complaint_must(
                &pr,
                "complaintResolve",
                at(&c, json!({ "findings": findings(&c) })),
            )
            .await;
        assert_eq!(c["status"], "RESOLVED");
        c
    }

    /// A plain phone complaint in MAIN, logged by patient relations.
    pub async fn open_complaint(&self) -> Value {
        self.create_complaint(&specialist(), intake("MAIN")).await
    }

    /// A facility, a complaint, its acknowledgement and a note: at least four
    /// events, the third onward about the complaint.
    pub async fn some_history(&self) -> Value {
        self.create_facility("MAIN").await;
        let c = self.create_complaint(&manager(), intake("MAIN")).await;
        let c = self
            .complaint_must(
                &manager(),
                "complaintAcknowledge",
                at(&c, json!({ "method": "PHONE" })),
            )
            .await;
        let data = self
        .ok(
            &specialist(),
            "mutation N($input: ComplaintAddNoteInput!) { complaintAddNote(input: $input) { note { id } userErrors { code } } }",
            json!({ "input": { "complaintId": c["id"], "body": "Left a voicemail." } }),
        )
        .await;
        assert_eq!(
            data["complaintAddNote"]["userErrors"],
            json!([]),
            "{data:#}"
        );
        c
    }

    pub async fn add_complaints(&self, n: usize) {
        for _ in 0..n {
            let c = self.create_complaint(&manager(), intake("MAIN")).await;
            // Resolved, so `allowedActions` asks whether linked work is unfinished.
            let c = self
                .complaint_must(
                    &manager(),
                    "complaintResolveAtPointOfService",
                    at(&c, json!({ "resolution": "Apologised on the spot." })),
                )
                .await;
            let note = self
            .ok(
                &manager(),
                "mutation($input: ComplaintAddNoteInput!) { complaintAddNote(input: $input) { userErrors { code } } }",
                json!({ "input": { "complaintId": c["id"], "body": "Called back." } }),
            )
            .await;
            assert_eq!(note["complaintAddNote"]["userErrors"], json!([]));
            self.work_must(
                &manager(),
                "serviceRecoveryPropose",
                proposal(&c["id"], "MEAL_VOUCHER", Some("20.00")),
            )
            .await;
            let mut session = session_input("MAIN", session_entry());
            session["complaintId"] = c["id"].clone();
            self.work_must(&manager(), "interpreterSessionLog", session)
                .await;
            let mut request = accessibility_input("MAIN", "2099-01-01T00:00:00Z");
            request["complaintId"] = c["id"].clone();
            self.work_must(&manager(), "accessibilityRequestCreate", request)
                .await;
        }
    }

    /// A facility (its creation and its default deadline policy) and `n`
    /// complaints: `n + 2` events.
    pub async fn events(&self, n: usize) {
        self.create_facility("MAIN").await;
        self.more_events(n).await;
    }

    pub async fn more_events(&self, n: usize) {
        for _ in 0..n {
            self.create_complaint(&manager(), intake("MAIN")).await;
        }
    }
}
