//! Facilities and their deadline policies, as the test app's methods.

use serde_json::{Value, json};

use crate::helpers::*;

const POLICY_UPSERT: &str = r#"mutation($input: DeadlinePolicyUpsertInput!) { deadlinePolicyUpsert(input: $input) {
  deadlinePolicy { program version acknowledgement { amount unit } resolution { amount unit } maxExtensions }
  userErrors { field message code } } }"#;

/// The MAIN CMS_HOSPITAL policy's change: one extension of up to 14
/// calendar days, the clocks as they are.
pub fn extension_policy(current: &Value) -> Value {
    json!({
        "facilityCode": "MAIN",
        "program": "CMS_HOSPITAL",
        "acknowledgement": current["acknowledgement"],
        "resolution": current["resolution"],
        "maxExtensions": 1,
        "maxExtension": { "amount": 14, "unit": "CALENDAR_DAYS" },
        "expectedVersion": current["version"],
    })
}

pub const UPSERT: &str = r#"
mutation Upsert($input: FacilityUpsertInput!) {
  facilityUpsert(input: $input) {
    created
    facility { id code name timeZone version approvalThreshold { amount currency } }
    userErrors { field message code }
  }
}"#;

pub fn facility_input(code: &str) -> Value {
    json!({
        "code": code,
        "name": format!("{code} Hospital"),
        "timeZone": "America/Chicago",
        "approvalThreshold": { "amount": "250.00", "currency": "USD" },
    })
}

impl TestApp {
    /// Creates a facility as an all-facilities ADMIN and returns it.
    pub async fn create_facility(&self, code: &str) -> Value {
        let data = self
            .ok(&admin(), UPSERT, json!({ "input": facility_input(code) }))
            .await;
        assert_eq!(data["facilityUpsert"]["userErrors"], json!([]), "{data:#}");
        data["facilityUpsert"]["facility"].clone()
    }
    pub async fn facility_count(&self) -> i64 {
        let data = self
            .ok(&admin(), "{ facilities { totalCount } }", json!({}))
            .await;
        data["facilities"]["totalCount"].as_i64().unwrap()
    }

    pub async fn upsert_facility(&self, token: &str, input: Value) -> Value {
        self.ok(token, UPSERT, json!({ "input": input })).await["facilityUpsert"].clone()
    }

    pub async fn upsert_policy(&self, token: &str, input: Value) -> Value {
        self.ok(token, POLICY_UPSERT, json!({ "input": input }))
            .await["deadlinePolicyUpsert"]
            .clone()
    }

    /// The MAIN CMS_HOSPITAL policy, as ADMIN reads it.
    pub async fn main_policy(&self) -> Value {
        let data = self
            .ok(
                &admin(),
                r#"{ deadlinePolicies(facilityCode: "MAIN") { nodes {
                 facilityCode program version maxExtensions
                 acknowledgement { amount unit } resolution { amount unit } } } }"#,
                json!({}),
            )
            .await;
        data["deadlinePolicies"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["program"] == "CMS_HOSPITAL")
            .expect("MAIN has its CMS_HOSPITAL policy")
            .clone()
    }

    /// MAIN and NORTH, and a MAIN policy that allows an extension.
    pub async fn main_and_north_with_an_extension(&self) {
        self.create_facility("MAIN").await;
        self.create_facility("NORTH").await;
        let current = self.main_policy().await;
        let payload = self
            .upsert_policy(&admin(), extension_policy(&current))
            .await;
        assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
        assert_eq!(payload["deadlinePolicy"]["maxExtensions"], 1);
    }
}
