//! The audit trail, the access log and signed checkpoints, as the test
//! app's methods.

use serde_json::{Value, json};

use crate::helpers::*;

const EVENTS: &str = "query E($after: String) {
  auditEvents(first: 100, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { sequence action occurredAt complaintId previousHash hash }
  }
}";

const VERIFY_RANGE: &str = "query V($from: DateTime, $to: DateTime) {
  auditTrailVerification(from: $from, to: $to) {
    intact checkedCount firstSequence lastSequence from to
    firstBrokenLink { sequence eventId problem }
  }
}";

const ACCESS_LOG: &str = "query L($id: ID!) {
  accessLog(complaintId: $id, first: 100) {
    totalCount
    nodes { accessedAt operation requestId actor { subject roles } }
  }
}";

const CHECKPOINT_FIELDS: &str =
    "id sequence hash signedAt keyId publicKey signature createdBy export";

pub fn checkpoint_mutation() -> String {
    format!(
        "mutation C($input: AuditCheckpointInput) {{ auditCheckpoint(input: $input) {{
           checkpoint {{ {CHECKPOINT_FIELDS} }} userErrors {{ field message code }} }} }}"
    )
}

pub fn checkpoint_list_query() -> String {
    format!(
        "query L($first: Int, $after: String) {{ auditCheckpoints(first: $first, after: $after) {{
           totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {CHECKPOINT_FIELDS} }} }} }}"
    )
}

pub const VERIFY_WITH: &str = "query V($checkpoints: [String!]) {
  auditTrailVerification(checkpoints: $checkpoints) {
    intact checkedCount lastSequence
    firstBrokenLink { sequence problem }
    checkpointsChecked latestVerifiedCheckpointSequence
    firstCheckpointProblem { sequence problem keyId checkpointId line }
  }
}";

impl TestApp {
    /// Every audit event, in chain order; `totalCount` must agree.
    pub async fn audit_events(&self) -> Vec<Value> {
        let mut events = Vec::new();
        let mut after = Value::Null;
        loop {
            let data = self.ok(&auditor(), EVENTS, json!({ "after": after })).await;
            let page = &data["auditEvents"];
            events.extend(page["nodes"].as_array().unwrap().iter().cloned());
            if page["pageInfo"]["hasNextPage"] != true {
                assert_eq!(
                    page["totalCount"].as_u64().unwrap() as usize,
                    events.len(),
                    "auditEvents.totalCount disagrees with the events listed"
                );
                return events;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
    }

    /// How many audit events the whole trail holds.
    pub async fn audit_event_count(&self) -> u64 {
        let data = self
            .ok(
                &auditor(),
                "{ auditEvents(first: 1) { totalCount } }",
                json!({}),
            )
            .await;
        data["auditEvents"]["totalCount"].as_u64().unwrap()
    }

    pub async fn verify_range(&self, from: Value, to: Value) -> Value {
        let data = self
            .ok(
                &compliance(),
                VERIFY_RANGE,
                json!({ "from": from, "to": to }),
            )
            .await;
        data["auditTrailVerification"].clone()
    }

    pub async fn access_log(&self, id: &Value) -> Value {
        let data = self
            .ok(&compliance(), ACCESS_LOG, json!({ "id": id }))
            .await;
        data["accessLog"].clone()
    }

    /// Takes a checkpoint as `token`; returns the payload.
    pub async fn take_checkpoint(&self, token: &str, input: Value) -> Value {
        let data = self
            .ok(token, &checkpoint_mutation(), json!({ "input": input }))
            .await;
        data["auditCheckpoint"].clone()
    }

    /// Takes a checkpoint as a compliance officer and asserts it was signed.
    pub async fn checkpoint(&self) -> Value {
        let payload = self.take_checkpoint(&compliance(), json!({})).await;
        assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
        payload["checkpoint"].clone()
    }

    pub async fn checkpoints_page(&self, first: i64, after: Value) -> Value {
        self.ok(
            &admin(),
            &checkpoint_list_query(),
            json!({ "first": first, "after": after }),
        )
        .await["auditCheckpoints"]
            .clone()
    }

    pub async fn verify_with(&self, lines: &[&str]) -> Value {
        self.ok(&compliance(), VERIFY_WITH, json!({ "checkpoints": lines }))
            .await["auditTrailVerification"]
            .clone()
    }

    /// Polls until there are `n` checkpoints (at most 10 s); returns the page.
    pub async fn until_checkpoint_count(&self, n: u64) -> Value {
        for _ in 0..100 {
            let page = self.checkpoints_page(10, Value::Null).await;
            if page["totalCount"].as_u64().unwrap() >= n {
                assert_eq!(page["totalCount"].as_u64().unwrap(), n, "{page:#}");
                return page;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no checkpoint number {n} within 10 s");
    }
}
