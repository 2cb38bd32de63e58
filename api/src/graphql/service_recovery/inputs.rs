//! Service recovery's input objects.

use async_graphql::{ID, InputObject};

use super::types::{ServiceRecoveryKind, ServiceRecoveryStatus};
use crate::graphql::money::MoneyInput;

#[derive(InputObject, Default)]
pub struct ServiceRecoveryFilterInput {
    pub complaint_id: Option<ID>,
    pub facility_codes: Option<Vec<String>>,
    pub statuses: Option<Vec<ServiceRecoveryStatus>>,
    pub kinds: Option<Vec<ServiceRecoveryKind>>,
}

#[derive(InputObject)]
pub struct ServiceRecoveryProposeInput {
    /// The complaint it makes right; it must be open or resolved.
    pub complaint_id: ID,
    pub kind: ServiceRecoveryKind,
    pub description: String,
    /// Leave out for an action without money. In the facility's currency;
    /// at or above its approval threshold a manager must approve it.
    pub amount: Option<MoneyInput>,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct ServiceRecoveryApproveInput {
    pub id: ID,
    pub expected_version: i32,
}

#[derive(InputObject)]
pub struct ServiceRecoveryDeclineInput {
    pub id: ID,
    pub expected_version: i32,
    pub reason: String,
}

#[derive(InputObject)]
pub struct ServiceRecoveryCompleteInput {
    pub id: ID,
    pub expected_version: i32,
    /// What was actually done.
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct ServiceRecoveryCancelInput {
    pub id: ID,
    pub expected_version: i32,
    pub reason: String,
}
