//! Relay connection helpers: page sizes and the fields every connection has.

use async_graphql::{Context, Result, SimpleObject};

use super::context::ContextExt;
use super::errors;

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
