//! The complaint queries: `complaint`, `complaintByReference`,
//! `complaints` and `complaintAsOf`. Every read of complaint content goes
//! through `services::reads::Reader`, which records it in the access log.

use std::sync::Arc;

use async_graphql::{Context, ID, Lookahead, Object, Result};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::inputs::{ComplaintFilterInput, ComplaintOrder, ComplaintOrderField, OrderDirection};
use super::types::Complaint;
use crate::domain::permissions::Operation;
use crate::graphql::common::{DEFAULT_PAGE_SIZE, ReadConnection, ReadNode, page_size};
use crate::graphql::context::ContextExt;
use crate::graphql::errors;
use crate::ids::{NodeKind, decode_id};
use crate::services::complaints::{self as svc, ComplaintFilter, Cursor, Order, OrderField};
use crate::services::reads::ComplaintKey;

fn encode_cursor(order: OrderField, key: &ComplaintKey) -> String {
    let raw = match order {
        OrderField::ReceivedAt => format!(
            "r:{}:{}",
            key.received_at.timestamp_micros(),
            key.id.simple()
        ),
        OrderField::Reference => format!("n:{}", key.reference),
    };
    URL_SAFE_NO_PAD.encode(raw)
}

fn decode_cursor(order: OrderField, cursor: &str) -> Result<Cursor> {
    let bad = || errors::bad_input("`after` is not a cursor from this connection and order");
    let raw = URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(bad)?;
    match (order, raw.split_once(':')) {
        (OrderField::ReceivedAt, Some(("r", rest))) => {
            let (micros, id) = rest.split_once(':').ok_or_else(bad)?;
            let at = micros
                .parse::<i64>()
                .ok()
                .and_then(DateTime::<Utc>::from_timestamp_micros)
                .ok_or_else(bad)?;
            let id = Uuid::try_parse(id).map_err(|_| bad())?;
            Ok(Cursor::ReceivedAt(at, id))
        }
        (OrderField::Reference, Some(("n", rest))) => Ok(Cursor::Reference(rest.to_owned())),
        _ => Err(bad()),
    }
}

/// `totalCount` runs its query only when asked for.
pub struct ComplaintConnectionFields {
    filter: ComplaintFilter,
    now: DateTime<Utc>,
}

#[Object]
impl ComplaintConnectionFields {
    /// How many complaints match, across all pages (a second query; ask
    /// only when needed).
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        let actor = ctx.actor()?;
        Ok(svc::count(ctx.db()?, actor, &self.filter, self.now).await?)
    }
}

impl ReadNode for Complaint {
    type Content = svc::Record;
    type Key = ComplaintKey;
    type Fields = ComplaintConnectionFields;
    fn wrap(record: svc::Record) -> Self {
        Complaint::new(record)
    }
    async fn read_with_page(
        ctx: &Context<'_>,
        page: &[svc::Record],
        selection: Lookahead<'_>,
    ) -> Result<()> {
        let ids: Vec<Uuid> = page.iter().map(|r| r.id).collect();
        Complaint::read_linked_of_page(ctx, &ids, selection).await
    }
}

/// Its `edges` and `nodes` read (and log) the page; `pageInfo` and
/// `totalCount` do not.
pub type ComplaintConnection = ReadConnection<Complaint>;

#[derive(Default)]
pub struct ComplaintQuery;

#[Object]
impl ComplaintQuery {
    /// A complaint by id; null when it does not exist for you. Recorded in
    /// the access log.
    async fn complaint(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Complaint>> {
        ctx.authorize(Operation::ReadComplaints)?;
        let Some((NodeKind::Complaint, uuid)) = decode_id(&id) else {
            return Ok(None);
        };
        complaint_by_uuid(ctx, uuid, "complaint").await
    }

    /// A complaint by its reference (`GRV-2026-000123`); null when it does
    /// not exist for you. Recorded in the access log.
    async fn complaint_by_reference(
        &self,
        ctx: &Context<'_>,
        reference: String,
    ) -> Result<Option<Complaint>> {
        ctx.authorize(Operation::ReadComplaints)?;
        let record = ctx
            .reader()?
            .complaint_by_reference(&reference, "complaintByReference")
            .await?;
        Ok(record.map(Complaint::new))
    }

    /// Complaints you may see, filtered, newest received first unless
    /// `orderBy` says otherwise. Each complaint returned is recorded in the
    /// access log.
    #[graphql(
        complexity = "first.map_or(DEFAULT_PAGE_SIZE as usize, |n| n.max(0) as usize) * child_complexity + 1"
    )]
    async fn complaints(
        &self,
        ctx: &Context<'_>,
        filter: Option<ComplaintFilterInput>,
        order_by: Option<ComplaintOrder>,
        #[graphql(desc = "Page size: at most 100 (the configured limit), 20 when omitted.")]
        first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<ComplaintConnection> {
        ctx.authorize(Operation::ReadComplaints)?;
        let limit = page_size(ctx, first)?;
        let filter = filter.unwrap_or_default().to_service()?;
        let order_by = order_by.unwrap_or_default();
        let order = Order {
            field: match order_by.field {
                ComplaintOrderField::ReceivedAt => OrderField::ReceivedAt,
                ComplaintOrderField::Reference => OrderField::Reference,
            },
            descending: order_by.direction == OrderDirection::Desc,
        };
        let cursor = after
            .as_deref()
            .map(|c| decode_cursor(order.field, c))
            .transpose()?;
        let now = Utc::now();
        let page = ctx
            .reader()?
            .complaints(&filter, order, cursor.as_ref(), limit, now)
            .await?;
        Ok(ReadConnection::new(
            page,
            |key: &ComplaintKey| (key.id, encode_cursor(order.field, key)),
            cursor.is_some(),
            ComplaintConnectionFields { filter, now },
            "complaints",
        ))
    }

    /// The complaint as it stood at `at`, rebuilt from its audit events;
    /// null when it did not exist then (or does not exist for you).
    async fn complaint_as_of(
        &self,
        ctx: &Context<'_>,
        id: ID,
        at: DateTime<Utc>,
    ) -> Result<Option<Complaint>> {
        ctx.authorize(Operation::ReadComplaints)?;
        let Some((NodeKind::Complaint, uuid)) = decode_id(&id) else {
            return Ok(None);
        };
        let state = ctx
            .reader()?
            .complaint_as_of(uuid, at, "complaintAsOf")
            .await?;
        let Some(state) = state else { return Ok(None) };
        Ok(Some(Complaint {
            uuid,
            state: Arc::new(state),
            as_of: Some(at),
        }))
    }
}

/// `complaint(id:)` and `node(id:)`: one visible complaint, logged.
pub async fn complaint_by_uuid(
    ctx: &Context<'_>,
    uuid: Uuid,
    operation: &str,
) -> Result<Option<Complaint>> {
    let record = ctx.reader()?.complaint(uuid, operation).await?;
    Ok(record.map(Complaint::new))
}
