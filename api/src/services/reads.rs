//! The one read path. Record content (complaints with their notes and
//! contacts, service-recovery actions, interpreter sessions, accessibility
//! requests) leaves the services only through a [`Reader`], which
//! authorises the read (role, facility scope, STAFF-own) and records it in
//! the access log, once per request and record.
//!
//! Queries that fetch content without logging it are private to the
//! services (`pub(super)`); what they hand further out is sealed: an
//! [`Unread`] value or a [`Page`], which only a `Reader` opens. Counting
//! (`count`, [`Page::has_next`], [`Page::keys`]) shows no content and logs
//! nothing.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use entity::{complaint_contact, complaint_note};
use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::Mutex;
use uuid::Uuid;

use super::scope::visible;
use super::stored::{Stored, visible_by_id};
use super::{Caller, access_log};
use crate::domain::accessibility::AccessibilityRequestState;
use crate::domain::actor::Actor;
use crate::domain::interpreter::InterpreterSessionState;
use crate::domain::permissions::{Operation, permits};
use crate::domain::service_recovery::ServiceRecoveryState;

/// What one request has recorded so far: a record read twice in a request
/// (two aliases, a list and a `node`, a field per loader batch) is logged
/// once. The HTTP layer puts a fresh one into every request.
#[derive(Debug, Default)]
pub struct ReadLog {
    logged: Mutex<HashSet<(&'static str, Uuid)>>,
}

/// Who reads, in which request: the only way to record content out of the
/// services.
#[derive(Clone, Copy, Debug)]
pub struct Reader<'a> {
    db: &'a DatabaseConnection,
    caller: Caller<'a>,
    log: &'a ReadLog,
    /// Commits the entries, grouped with other requests' (group commit).
    writer: &'a access_log::Writer,
}

/// Content fetched and not yet read: only a [`Reader`] opens it.
#[derive(Clone, Debug, Default)]
pub struct Unread<T>(T);

impl<T> Unread<T> {
    pub(super) fn new(content: T) -> Self {
        Unread(content)
    }

    /// The content, for the services' own readers (which log it).
    pub(super) fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Unread<Vec<T>> {
    /// Several sealed lists as one (still sealed).
    pub fn merge(parts: impl IntoIterator<Item = Unread<Vec<T>>>) -> Self {
        Unread(parts.into_iter().flat_map(|p| p.0).collect())
    }
}

/// One page of a list: its cursor keys and whether more follow, shown
/// freely; its records, only through [`Page::read`].
#[derive(Clone, Debug)]
pub struct Page<T, K> {
    items: Vec<T>,
    keys: Vec<K>,
    has_next: bool,
}

impl<T: Readable, K> Page<T, K> {
    pub(super) fn new(items: Vec<T>, key: impl Fn(&T) -> K, has_next: bool) -> Self {
        let keys = items.iter().map(key).collect();
        Page {
            items,
            keys,
            has_next,
        }
    }

    /// Where each record of the page stands in the order (for cursors).
    pub fn keys(&self) -> &[K] {
        &self.keys
    }

    pub fn has_next(&self) -> bool {
        self.has_next
    }

    /// The records, recorded as read through `operation`.
    pub async fn read(&self, reader: &Reader<'_>, operation: &str) -> Result<Vec<T>, DbErr> {
        reader.open(self.items.clone(), operation).await
    }
}

/// Where a complaint stands in a list, for its cursor.
#[derive(Clone, Debug)]
pub struct ComplaintKey {
    pub id: Uuid,
    pub received_at: DateTime<Utc>,
    pub reference: String,
}

/// A record the access log knows: its type, id, who may read it.
pub trait Readable: Clone + Send + Sync {
    /// The audit trail's name, e.g. `Complaint`.
    const RECORD_TYPE: &'static str;
    /// The permission that reads it.
    const READ: Operation;
    fn id(&self) -> Uuid;
    fn facility_code(&self) -> &str;
    /// Who logged it (STAFF read only their own).
    fn created_by(&self) -> &str;
}

/// The permission that reads each kind of linked record.
pub trait ReadPermission {
    const READ: Operation;
}

impl ReadPermission for ServiceRecoveryState {
    const READ: Operation = Operation::ReadServiceRecovery;
}

impl ReadPermission for InterpreterSessionState {
    const READ: Operation = Operation::ReadInterpreterSessions;
}

impl ReadPermission for AccessibilityRequestState {
    const READ: Operation = Operation::ReadAccessibilityRequests;
}

impl<R: Stored + ReadPermission> Readable for (Uuid, R) {
    const RECORD_TYPE: &'static str = R::RECORD_TYPE;
    const READ: Operation = R::READ;
    fn id(&self) -> Uuid {
        self.0
    }
    fn facility_code(&self) -> &str {
        self.1.facility_code()
    }
    fn created_by(&self) -> &str {
        self.1.created_by()
    }
}

/// Linked work that keeps its complaint from closing until finished.
pub trait Unfinished {
    fn unfinished(&self) -> bool;
}

impl Unfinished for ServiceRecoveryState {
    fn unfinished(&self) -> bool {
        !self.status.is_finished()
    }
}

impl Unfinished for AccessibilityRequestState {
    fn unfinished(&self) -> bool {
        self.status.is_open()
    }
}

impl<R: Unfinished> Unread<Vec<(Uuid, R)>> {
    /// Whether any of these records is unfinished (whoever may read them:
    /// they block closing all the same). Shows no content.
    pub fn any_unfinished(&self) -> bool {
        self.0.iter().any(|(_, r)| r.unfinished())
    }
}

impl<'a> Reader<'a> {
    pub fn new(
        db: &'a DatabaseConnection,
        caller: Caller<'a>,
        log: &'a ReadLog,
        writer: &'a access_log::Writer,
    ) -> Self {
        Reader {
            db,
            caller,
            log,
            writer,
        }
    }

    pub fn actor(&self) -> &'a Actor {
        self.caller.actor
    }

    pub(super) fn db(&self) -> &'a DatabaseConnection {
        self.db
    }

    pub(super) fn caller(&self) -> Caller<'a> {
        self.caller
    }

    pub(super) fn writer(&self) -> &'a access_log::Writer {
        self.writer
    }

    fn may_read<T: Readable>(&self, item: &T) -> bool {
        let actor = self.actor();
        permits(actor, T::READ) && visible(actor, item.facility_code(), item.created_by())
    }

    /// Records reads of these records, but not twice in one request. A
    /// read that cannot be recorded fails: nothing is shown unlogged.
    pub(super) async fn record(
        &self,
        record_type: &'static str,
        ids: impl IntoIterator<Item = Uuid>,
        operation: &str,
    ) -> Result<(), DbErr> {
        // Held across the insert: a second resolver of the same request
        // waits instead of logging the same record again.
        let mut logged = self.log.logged.lock().await;
        let mut fresh: Vec<Uuid> = Vec::new();
        for id in ids {
            if !logged.contains(&(record_type, id)) && !fresh.contains(&id) {
                fresh.push(id);
            }
        }
        // Answered only once the writer has committed the entries.
        self.writer
            .log(access_log::entries(
                &self.caller,
                record_type,
                &fresh,
                operation,
            ))
            .await?;
        logged.extend(fresh.into_iter().map(|id| (record_type, id)));
        Ok(())
    }

    /// What of `items` the reader may read, recorded as read.
    pub(super) async fn open<T: Readable>(
        &self,
        items: Vec<T>,
        operation: &str,
    ) -> Result<Vec<T>, DbErr> {
        let items: Vec<T> = items.into_iter().filter(|i| self.may_read(i)).collect();
        self.record(T::RECORD_TYPE, items.iter().map(Readable::id), operation)
            .await?;
        Ok(items)
    }

    pub(super) async fn open_one<T: Readable>(
        &self,
        item: Option<T>,
        operation: &str,
    ) -> Result<Option<T>, DbErr> {
        Ok(self
            .open(item.into_iter().collect(), operation)
            .await?
            .pop())
    }

    /// A service-recovery action, interpreter session or accessibility
    /// request by id; `None` when it does not exist for the reader.
    pub async fn work<R: Stored + ReadPermission>(
        &self,
        id: Uuid,
        operation: &str,
    ) -> Result<Option<(Uuid, R)>, DbErr> {
        let state = visible_by_id::<R>(self.db, self.actor(), id).await?;
        self.open_one(state.map(|s| (id, s)), operation).await
    }

    /// Linked records (of a complaint, from a loader or rebuilt as of a
    /// moment): those the reader may read, recorded.
    pub async fn linked<R: Stored + ReadPermission>(
        &self,
        rows: Unread<Vec<(Uuid, R)>>,
        operation: &str,
    ) -> Result<Vec<(Uuid, R)>, DbErr> {
        self.open(rows.0, operation).await
    }
}

/// What belongs to a complaint and is read with it.
pub trait ComplaintPart {}

impl ComplaintPart for complaint_note::Model {}
impl ComplaintPart for complaint_contact::Model {}

/// The reads every such table offers, given a `condition(actor, filter)`
/// function in scope: `list` (a page in creation order, UUIDv7 ids as
/// cursors), `count`, and `for_complaints` (for loaders).
macro_rules! listed_in {
    ($entity:ident, $table:ident, $state:ty) => {
        /// One page in creation order, after the record `after`; nothing
        /// is read until `Page::read`.
        pub async fn page(
            reader: &$crate::services::reads::Reader<'_>,
            filter: &Filter,
            after: Option<Uuid>,
            limit: u64,
        ) -> Result<$crate::services::reads::Page<(Uuid, $state), Uuid>, DbErr> {
            let mut query = $entity::find()
                .filter(condition(reader.actor(), filter))
                .order_by_asc($table::Column::Id);
            if let Some(after) = after {
                query = query.filter($table::Column::Id.gt(after));
            }
            let mut rows = query.limit(limit + 1).all(reader.db()).await?;
            let has_next = rows.len() as u64 > limit;
            rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            let page = rows
                .iter()
                .map(|m| Ok((m.id, $crate::services::stored::decode(m.id, &m.record)?)))
                .collect::<Result<Vec<_>, DbErr>>()?;
            Ok($crate::services::reads::Page::new(
                page,
                |(id, _)| *id,
                has_next,
            ))
        }

        pub async fn count(
            db: &impl ConnectionTrait,
            actor: &Actor,
            filter: &Filter,
        ) -> Result<u64, DbErr> {
            $entity::find()
                .filter(condition(actor, filter))
                .count(db)
                .await
        }

        /// Every record linked to these complaints, in creation order, by
        /// complaint (for a DataLoader), sealed: `reads::Reader::linked`
        /// reads what its reader may see.
        pub async fn for_complaints(
            db: &impl ConnectionTrait,
            complaint_ids: &[Uuid],
        ) -> Result<
            std::collections::HashMap<Uuid, $crate::services::reads::Unread<Vec<(Uuid, $state)>>>,
            DbErr,
        > {
            let mut out: std::collections::HashMap<Uuid, Vec<(Uuid, $state)>> =
                std::collections::HashMap::new();
            for m in $entity::find()
                .filter($table::Column::ComplaintId.is_in(complaint_ids.iter().copied()))
                .order_by_asc($table::Column::Id)
                .all(db)
                .await?
            {
                let state: $state = $crate::services::stored::decode(m.id, &m.record)?;
                if let Some(complaint) =
                    $crate::services::stored::Stored::complaint_of(&state, m.id)
                {
                    out.entry(complaint).or_default().push((m.id, state));
                }
            }
            Ok(out
                .into_iter()
                .map(|(k, v)| (k, $crate::services::reads::Unread::new(v)))
                .collect())
        }
    };
}
pub(crate) use listed_in;
