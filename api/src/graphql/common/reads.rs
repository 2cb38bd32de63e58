//! Connections over records whose content is logged when read: `edges`
//! and `nodes` read the page through the services (recorded in the access
//! log, once per request); `pageInfo` and `totalCount` only count, and log
//! nothing. Same schema as async-graphql's `Connection`.

use std::borrow::Cow;

use async_graphql::connection::{Edge, EmptyFields, PageInfo};
use async_graphql::{Context, Lookahead, Object, ObjectType, OutputType, Result, TypeName};
use uuid::Uuid;

use crate::graphql::context::ContextExt;
use crate::services::reads::{Page, Readable};

/// A GraphQL node made from record content.
pub trait ReadNode: OutputType + Sized {
    /// The content a service page holds.
    type Content: Readable + 'static;
    /// Where a record stands in the order.
    type Key: Send + Sync + 'static;
    /// The connection's own fields (`totalCount`).
    type Fields: ObjectType;
    fn wrap(content: Self::Content) -> Self;
    /// Reads, for the whole page at once, what `selection` asks of each
    /// node (so a page costs the same statements whatever its size).
    fn read_with_page(
        ctx: &Context<'_>,
        page: &[Self::Content],
        selection: Lookahead<'_>,
    ) -> impl std::future::Future<Output = Result<()>> + Send {
        let _ = (ctx, page, selection);
        async { Ok(()) }
    }
}

pub struct ReadConnection<N: ReadNode> {
    page: Page<N::Content, N::Key>,
    /// Each record's id and cursor, in page order.
    cursors: Vec<(Uuid, String)>,
    has_previous_page: bool,
    fields: N::Fields,
    /// The query that reads it, for the access log.
    operation: &'static str,
}

impl<N: ReadNode> ReadConnection<N> {
    pub fn new(
        page: Page<N::Content, N::Key>,
        cursor: impl Fn(&N::Key) -> (Uuid, String),
        has_previous_page: bool,
        fields: N::Fields,
        operation: &'static str,
    ) -> Self {
        let cursors = page.keys().iter().map(cursor).collect();
        ReadConnection {
            page,
            cursors,
            has_previous_page,
            fields,
            operation,
        }
    }

    /// The page's records, read (and logged) now, with their cursors.
    async fn read(&self, ctx: &Context<'_>, node: Lookahead<'_>) -> Result<Vec<(String, N)>> {
        let reader = ctx.reader()?;
        let records = self.page.read(&reader, self.operation).await?;
        N::read_with_page(ctx, &records, node).await?;
        Ok(records
            .into_iter()
            .filter_map(|r| {
                let id = r.id();
                self.cursors
                    .iter()
                    .find(|(c, _)| *c == id)
                    .map(|(_, cursor)| (cursor.clone(), N::wrap(r)))
            })
            .collect())
    }
}

#[Object(name_type)]
impl<N: ReadNode> ReadConnection<N> {
    /// Information to aid in pagination.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_previous_page: self.has_previous_page,
            has_next_page: self.page.has_next(),
            start_cursor: self.cursors.first().map(|(_, c)| c.clone()),
            end_cursor: self.cursors.last().map(|(_, c)| c.clone()),
        }
    }

    /// A list of edges.
    async fn edges(&self, ctx: &Context<'_>) -> Result<Vec<Edge<String, N, EmptyFields>>> {
        Ok(self
            .read(ctx, ctx.look_ahead().field("node"))
            .await?
            .into_iter()
            .map(|(cursor, node)| Edge::new(cursor, node))
            .collect())
    }

    /// A list of nodes.
    async fn nodes(&self, ctx: &Context<'_>) -> Result<Vec<N>> {
        let read = self.read(ctx, ctx.look_ahead()).await?;
        Ok(read.into_iter().map(|(_, n)| n).collect())
    }

    #[graphql(flatten)]
    async fn additional_fields(&self) -> &N::Fields {
        &self.fields
    }
}

impl<N: ReadNode> TypeName for ReadConnection<N> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Connection", N::type_name()).into()
    }
}
