//! Service recovery: the action (`types`), its inputs, its query and its
//! five mutations.

mod inputs;
mod mutations;
mod queries;
mod types;

pub use inputs::*;
pub use mutations::{
    ServiceRecoveryMutation, ServiceRecoveryPayload, ServiceRecoveryProposePayload,
};
pub use queries::{
    ServiceRecoveryConnection, ServiceRecoveryConnectionFields, ServiceRecoveryQuery,
};
pub use types::*;
