//! The complaint's side of the read path: the `Reader`'s complaint
//! lookups, and the notes and contacts read as part of a complaint.

use chrono::{DateTime, Utc};
use sea_orm::DbErr;
use uuid::Uuid;

use super::{ComplaintFilter, Cursor, Order, Record, by_id, by_reference, is_visible, list};
use crate::domain::complaint::ComplaintState;
use crate::domain::permissions::{Operation, permits};
use crate::services::audit::{self, RECORD_COMPLAINT, RebuildError};
use crate::services::reads::{ComplaintKey, ComplaintPart, Page, Readable, Reader, Unread};
use crate::services::scope::visible;

impl Readable for Record {
    const RECORD_TYPE: &'static str = RECORD_COMPLAINT;
    const READ: Operation = Operation::ReadComplaints;
    fn id(&self) -> Uuid {
        self.id
    }
    fn facility_code(&self) -> &str {
        &self.state.facility_code
    }
    fn created_by(&self) -> &str {
        &self.state.created_by.subject
    }
}

impl Reader<'_> {
    /// A complaint by id; `None` when it does not exist for the reader.
    pub async fn complaint(&self, id: Uuid, operation: &str) -> Result<Option<Record>, DbErr> {
        let record = by_id(self.db(), self.actor(), id).await?;
        self.open_one(record, operation).await
    }

    /// A complaint by reference (case-insensitive).
    pub async fn complaint_by_reference(
        &self,
        reference: &str,
        operation: &str,
    ) -> Result<Option<Record>, DbErr> {
        let record = by_reference(self.db(), self.actor(), reference).await?;
        self.open_one(record, operation).await
    }

    /// One page of the complaints the reader may see; nothing is read
    /// until [`Page::read`].
    pub async fn complaints(
        &self,
        filter: &ComplaintFilter,
        order: Order,
        after: Option<&Cursor>,
        limit: u64,
        now: DateTime<Utc>,
    ) -> Result<Page<Record, ComplaintKey>, DbErr> {
        let (records, has_next) =
            list(self.db(), self.actor(), filter, order, after, limit, now).await?;
        let key = |r: &Record| ComplaintKey {
            id: r.id,
            received_at: r.state.received_at,
            reference: r.state.reference.clone(),
        };
        Ok(Page::new(records, key, has_next))
    }

    /// The complaint as it stood at `at`, rebuilt from its audit events,
    /// if the complaint exists for the reader now and existed then.
    pub async fn complaint_as_of(
        &self,
        id: Uuid,
        at: DateTime<Utc>,
        operation: &str,
    ) -> Result<Option<ComplaintState>, RebuildError> {
        if !permits(self.actor(), Operation::ReadComplaints)
            || !is_visible(self.db(), self.actor(), id).await?
        {
            return Ok(None);
        }
        let Some(state) = audit::complaint_as_of(self.db(), id, at).await? else {
            return Ok(None);
        };
        self.record(RECORD_COMPLAINT, [id], operation).await?;
        Ok(Some(state))
    }

    /// A complaint's notes or contacts, read as part of the complaint
    /// (recorded as a read of it, unless this request already did).
    pub async fn of_complaint<T>(
        &self,
        complaint_id: Uuid,
        complaint: &ComplaintState,
        rows: Unread<Vec<T>>,
        operation: &str,
    ) -> Result<Vec<T>, DbErr>
    where
        T: ComplaintPart,
    {
        let rows = rows.into_inner();
        let actor = self.actor();
        let allowed = permits(actor, Operation::ReadComplaints)
            && visible(
                actor,
                &complaint.facility_code,
                &complaint.created_by.subject,
            );
        if !allowed || rows.is_empty() {
            return Ok(Vec::new());
        }
        self.record(RECORD_COMPLAINT, [complaint_id], operation)
            .await?;
        Ok(rows)
    }
}
