//! The domain's enums as the API shows them. They are the domain's own
//! types: `spelled_enum!` derives async-graphql's `Enum` for them (the
//! domain crate's `graphql` feature), with the domain's doc comments as
//! descriptions, so a variant, spelling or doc cannot drift between the
//! two. Only the GraphQL names that differ from the Rust names are given in
//! the domain (`ComplaintStatus`, `ComplainantRelationship`,
//! `ComplaintAction`).

pub use crate::domain::clocks::{ClockKind, ClockStatus, Program, TimeUnit};
pub use crate::domain::complaint::lifecycle::Action as ComplaintAction;
pub use crate::domain::complaint::{
    Channel, Classification, ClassificationReason, ContactDirection, ContactMethod, HcatCategory,
    HcatDomain, Relationship as ComplainantRelationship, ResponseFormat, StageOfCare,
    Status as ComplaintStatus,
};
