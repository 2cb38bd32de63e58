//! A complaint's clocks and their extensions.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};

use crate::graphql::common::{Span, UserRef};
use crate::graphql::enums::*;

#[derive(SimpleObject)]
pub struct DeadlineExtension {
    pub clock: ClockKind,
    pub by: Span,
    pub previous_due_at: DateTime<Utc>,
    pub new_due_at: DateTime<Utc>,
    pub reason: String,
    pub granted_by: UserRef,
    pub granted_at: DateTime<Utc>,
}

/// One clock of a complaint, started at receipt.
#[derive(SimpleObject)]
pub struct Clock {
    pub kind: ClockKind,
    pub started_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    /// The due time in the facility's time zone (RFC 3339 with its offset).
    pub due_at_local: String,
    pub met_at: Option<DateTime<Utc>>,
    /// Null while running.
    pub met_on_time: Option<bool>,
    pub status: ClockStatus,
    pub extensions: i32,
}
