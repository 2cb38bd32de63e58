//! What the GraphQL faces of service recovery, the interpreter log and
//! accessibility requests share: ids, cursors, stamps, payload plumbing and
//! the read log.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, ID, ObjectType, OutputType, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::complaints::UserRef;
use super::context::ContextExt;
use super::errors;
use super::node::{NodeKind, decode_id};
use super::user_error::UserError;
use crate::domain::work::Stamp;
use crate::services::{Caller, Refusal, RefusalCode, ServiceError};

/// The UUID behind a global id of the expected kind; anything else is
/// "not found" on `field`.
pub fn uuid_of(id: &ID, kind: NodeKind, noun: &str, field: &str) -> Result<Uuid, ServiceError> {
    match decode_id(id) {
        Some((k, uuid)) if k == kind => Ok(uuid),
        _ => Err(
            Refusal::new(RefusalCode::NotFound, format!("{noun} not found"))
                .on(&["input", field])
                .into(),
        ),
    }
}

/// Like `uuid_of`, for an optional link.
pub fn optional_uuid_of(
    id: Option<&ID>,
    kind: NodeKind,
    noun: &str,
    field: &str,
) -> Result<Option<Uuid>, ServiceError> {
    id.map(|id| uuid_of(id, kind, noun, field)).transpose()
}

/// A page cursor: the last record's id.
pub fn after_cursor(after: Option<&str>) -> Result<Option<Uuid>> {
    after
        .map(|c| {
            Uuid::try_parse(c)
                .map_err(|_| errors::bad_input("`after` is not a cursor from this connection"))
        })
        .transpose()
}

/// A complaint id in a list filter; a malformed or foreign id matches
/// nothing.
pub fn complaint_filter(id: Option<&ID>) -> Option<Uuid> {
    id.map(|id| uuid_of(id, NodeKind::Complaint, "complaint", "complaintId").unwrap_or(Uuid::nil()))
}

/// A page of records as a connection; cursors are the records' ids.
pub fn connection<R, T, F>(
    after: bool,
    has_next: bool,
    fields: F,
    rows: Vec<(Uuid, R)>,
    wrap: impl Fn((Uuid, R)) -> T,
) -> Connection<String, T, F, EmptyFields>
where
    T: OutputType,
    F: ObjectType,
{
    let mut connection = Connection::with_additional_fields(after, has_next, fields);
    connection.edges.extend(
        rows.into_iter()
            .map(|r| Edge::new(r.0.to_string(), wrap(r))),
    );
    connection
}

pub fn user_errors(refusals: Vec<Refusal>) -> Vec<UserError> {
    refusals.into_iter().map(UserError::from).collect()
}

/// A refused change becomes `userErrors`; a fault, an opaque error.
pub fn split<T>(
    ctx: &Context<'_>,
    r: Result<T, ServiceError>,
) -> Result<Result<T, Vec<UserError>>> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(ServiceError::Refused(refusals)) => Ok(Err(user_errors(refusals))),
        Err(ServiceError::Db(e)) => Err(ctx.internal(e)),
    }
}

/// Records that the caller read these records.
pub async fn logged(
    ctx: &Context<'_>,
    caller: &Caller<'_>,
    record_type: &str,
    ids: &[Uuid],
    operation: &str,
) -> Result<()> {
    crate::services::access_log::record(ctx.db()?, caller, record_type, ids, operation)
        .await
        .map_err(|e| ctx.internal(e))
}

/// Who did something and when.
#[derive(SimpleObject)]
pub struct Stamped {
    pub by: UserRef,
    pub at: DateTime<Utc>,
}

/// Who did something, when, and why.
#[derive(SimpleObject)]
pub struct Reasoned {
    pub by: UserRef,
    pub at: DateTime<Utc>,
    pub reason: String,
}

impl From<&Stamp> for Stamped {
    fn from(s: &Stamp) -> Self {
        Stamped {
            by: UserRef::from(&s.by),
            at: s.at,
        }
    }
}

impl From<&Stamp> for Reasoned {
    fn from(s: &Stamp) -> Self {
        Reasoned {
            by: UserRef::from(&s.by),
            at: s.at,
            reason: s.reason.clone().unwrap_or_default(),
        }
    }
}
