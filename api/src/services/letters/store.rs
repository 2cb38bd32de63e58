//! How a letter is stored, found and read: its row, its renditions, the
//! facility's letter settings, and the read path's letter lookups (read as
//! part of the complaint).

use chrono::{DateTime, Utc};
use entity::facility;
use entity::letter::{self, Entity as Letter};
use entity::letter_rendition::{self, Entity as LetterRendition};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::rendition as renditions;
use crate::domain::complaint::ComplaintState;
use crate::domain::facility::FacilityLetters;
use crate::domain::letter::LetterState;
use crate::domain::permissions::{Operation, permits};
use crate::services::audit::{RECORD_COMPLAINT, RECORD_LETTER};
use crate::services::reads::ComplaintPart;
use crate::services::stored::{self, Stored, Versioned, visible_by_id};

impl Stored for LetterState {
    const RECORD_TYPE: &'static str = RECORD_LETTER;
    const NOUN: &'static str = "letter";

    fn facility_code(&self) -> &str {
        &self.facility_code
    }
    fn complaint_of(&self, _id: Uuid) -> Option<Uuid> {
        Some(self.complaint_id)
    }
    /// Letters are seen by whoever sees their complaint.
    fn created_by(&self) -> &str {
        &self.complaint_created_by
    }
    /// A letter is part of its complaint: reading it is reading the
    /// complaint.
    fn read_logged_under(&self, _id: Uuid) -> (&'static str, Uuid) {
        (RECORD_COMPLAINT, self.complaint_id)
    }

    stored::stored_in!(Letter, row);
}

impl Versioned for LetterState {
    fn version(&self) -> i32 {
        self.version
    }
    fn touch(&mut self, version: i32, now: DateTime<Utc>) {
        self.version = version;
        self.updated_at = now;
    }

    stored::versioned_in!(Letter, letter, row);
}

/// The row's columns, projected from the state.
pub fn row(id: Uuid, s: &LetterState) -> Result<letter::Model, DbErr> {
    Ok(letter::Model {
        id,
        facility_id: s.facility_id,
        facility_code: s.facility_code.clone(),
        complaint_id: s.complaint_id,
        kind: s.kind.as_str().to_owned(),
        status: s.status.as_str().to_owned(),
        delivery: s.delivery.map(|d| d.as_str().to_owned()),
        sent_at: s.sent.as_ref().map(|x| x.sent_at),
        created_by_subject: s.complaint_created_by.clone(),
        record: stored::encode(id, s)?,
        version: s.version,
        created_at: s.created_at,
        updated_at: s.updated_at,
    })
}

/// A letter as stored: its id and its state.
/// A letter as a PDF (`GET /letters/{id}/pdf`).
#[derive(Debug)]
pub enum LetterPdf {
    /// The bytes stored when it was sent.
    Stored(Vec<u8>),
    /// Not sent (or sent before PDFs were stored): rendered now.
    Draft(Vec<u8>),
    /// The draft has no text yet (a language gap or a missing fact).
    NoText,
    /// The renderer refused it (a character no configured font has).
    Unprintable(redress_correspondence::RenderError),
}

#[derive(Clone, Debug)]
pub struct LetterRecord {
    pub id: Uuid,
    pub state: LetterState,
}

impl ComplaintPart for LetterRecord {}

fn decode(m: &letter::Model) -> Result<LetterRecord, DbErr> {
    Ok(LetterRecord {
        id: m.id,
        state: stored::decode(m.id, &m.record)?,
    })
}

/// The letters of a complaint, oldest first (unlogged: the caller reads
/// them through the complaint's read path).
pub async fn of_complaint(
    db: &impl ConnectionTrait,
    complaint_id: Uuid,
) -> Result<Vec<LetterRecord>, DbErr> {
    Letter::find()
        .filter(letter::Column::ComplaintId.eq(complaint_id))
        .order_by_asc(letter::Column::CreatedAt)
        .order_by_asc(letter::Column::Id)
        .all(db)
        .await?
        .iter()
        .map(decode)
        .collect()
}

/// The complaint's letters as the change path hands them to the domain.
pub async fn for_context(
    db: &impl ConnectionTrait,
    complaint_id: Uuid,
) -> Result<Vec<(Uuid, LetterState)>, DbErr> {
    Ok(of_complaint(db, complaint_id)
        .await?
        .into_iter()
        .map(|r| (r.id, r.state))
        .collect())
}

/// The stored rendition of a sent letter, by media type.
pub async fn rendition(
    db: &impl ConnectionTrait,
    letter_id: Uuid,
    media_type: &str,
) -> Result<Option<letter_rendition::Model>, DbErr> {
    LetterRendition::find()
        .filter(letter_rendition::Column::LetterId.eq(letter_id))
        .filter(letter_rendition::Column::MediaType.eq(media_type))
        .one(db)
        .await
}

/// A facility's letter settings, strictly: a stored value this server
/// cannot read is a fault, not "no approval needed".
pub fn facility_letters(f: &facility::Model) -> Result<FacilityLetters, DbErr> {
    match f.letters.as_deref() {
        None => Ok(FacilityLetters::default()),
        Some(raw) => serde_json::from_str(raw).map_err(|e| {
            DbErr::Custom(format!(
                "facility {} holds letter settings this server cannot read ({:?} error)",
                f.id,
                e.classify()
            ))
        }),
    }
}

impl crate::services::reads::Reader<'_> {
    /// A letter by id, read as part of its complaint (the complaint's read
    /// is recorded); `None` when it does not exist for the reader.
    pub async fn letter(&self, id: Uuid, operation: &str) -> Result<Option<LetterRecord>, DbErr> {
        if !permits(self.actor(), Operation::ReadComplaints) {
            return Ok(None);
        }
        let Some(state) = visible_by_id::<LetterState>(self.db(), self.actor(), id).await? else {
            return Ok(None);
        };
        self.record(RECORD_COMPLAINT, [state.complaint_id], operation)
            .await?;
        Ok(Some(LetterRecord { id, state }))
    }

    /// The letters of a complaint the reader has, read as part of it.
    pub async fn letters(
        &self,
        complaint_id: Uuid,
        complaint: &ComplaintState,
        operation: &str,
    ) -> Result<Vec<LetterRecord>, DbErr> {
        let rows = of_complaint(self.db(), complaint_id).await?;
        self.of_complaint(
            complaint_id,
            complaint,
            crate::services::reads::Unread::new(rows),
            operation,
        )
        .await
    }

    /// The letter as a PDF, read as part of its complaint (recorded):
    /// the stored bytes once sent, else the draft rendered as it stands;
    /// `None` when the letter does not exist for the reader.
    pub async fn letter_pdf(&self, id: Uuid) -> Result<Option<LetterPdf>, DbErr> {
        let Some(letter) = self.letter(id, "letterPdf").await? else {
            return Ok(None);
        };
        if letter.state.sent.is_some()
            && let Some(stored) = rendition(self.db(), id, renditions::PDF).await?
        {
            return Ok(Some(LetterPdf::Stored(stored.bytes)));
        }
        let Some(doc) = super::compose::document(&letter.state.composition) else {
            return Ok(Some(LetterPdf::NoText));
        };
        Ok(Some(match renditions::pdf(&doc) {
            Ok(bytes) => LetterPdf::Draft(bytes),
            Err(e) => LetterPdf::Unprintable(e),
        }))
    }

    /// What was sent, as stored (the letter was read before this).
    pub async fn sent_text(&self, letter_id: Uuid) -> Result<Option<String>, DbErr> {
        Ok(rendition(self.db(), letter_id, renditions::TEXT)
            .await?
            .map(|r| String::from_utf8_lossy(&r.bytes).into_owned()))
    }

    /// Whether the letter's facility requires approval.
    pub async fn approval_required(&self, facility_id: Uuid) -> Result<bool, DbErr> {
        super::approval_required(self.db(), facility_id).await
    }
}
