//! Relay connection helpers: page sizes, cursors and the fields every
//! connection has.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, ObjectType, OutputType, Result, SimpleObject};
use uuid::Uuid;

use crate::graphql::context::ContextExt;
use crate::graphql::errors;

/// Page size when the client does not say.
pub const DEFAULT_PAGE_SIZE: u64 = 20;

/// Extra fields on every connection.
#[derive(SimpleObject)]
pub struct ConnectionFields {
    /// How many records match, across all pages.
    pub total_count: u64,
}

/// Validates `first` against the configured maximum: a clear error, never a
/// silently larger or smaller page.
pub fn page_size(ctx: &Context<'_>, first: Option<i32>) -> Result<u64> {
    let max = ctx.limits()?.max_page_size;
    match first {
        None => Ok(DEFAULT_PAGE_SIZE.min(max)),
        Some(n) if n < 0 => Err(errors::bad_input("`first` must not be negative")),
        Some(n) if n as u64 > max => Err(errors::bad_input(format!(
            "`first` must be at most {max} (page size limit)"
        ))),
        Some(n) => Ok(n as u64),
    }
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
