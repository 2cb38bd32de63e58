//! Notes and contacts: child records added to a complaint, never edited
//! or deleted. `AddNote` and `LogContact` run through the one create path;
//! their setting is the complaint, which must exist for the caller.

use entity::complaint::Entity as Complaint;
use entity::complaint_contact::{self, Entity as ComplaintContact};
use entity::complaint_note::{self, Entity as ComplaintNote};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel,
};
use serde_json::Value;
use uuid::Uuid;

use super::visible;
use crate::domain::actor::{Actor, UserRef};
use crate::domain::command::notes::{
    self as dn, AddNote, ComplaintOf, ContactState, LogContact, NoteState,
};
use crate::domain::complaint::{ContactDirection, ContactMethod};
use crate::services::audit::{RECORD_COMPLAINT, RECORD_CONTACT, RECORD_NOTE};
use crate::services::create::{self, Create};
use crate::services::stored::Stored;
use crate::services::{Caller, Refusal, RefusalCode, ServiceError};

pub const OP_NOTE: &str = "complaintAddNote";
pub const OP_CONTACT: &str = "complaintLogContact";

/// The complaint a note or contact is added to: one the caller may see
/// (anything else does not exist to them), read inside the transaction.
async fn complaint_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
    complaint_id: Uuid,
) -> Result<ComplaintOf, ServiceError> {
    match Complaint::find_by_id(complaint_id).one(db).await? {
        Some(m) if visible(actor, &m) => Ok(ComplaintOf {
            complaint_id,
            facility_code: m.facility_code,
            created_by: m.created_by_subject,
            received_at: m.received_at,
        }),
        _ => Err(Refusal::new(RefusalCode::NotFound, "complaint not found")
            .on(&["input", "complaintId"])
            .into()),
    }
}

/// The facility and creator of a stored note's or contact's complaint
/// (what makes it visible).
async fn owner(db: &impl ConnectionTrait, complaint_id: Uuid) -> Result<(String, String), DbErr> {
    let m = Complaint::find_by_id(complaint_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("complaint {complaint_id}")))?;
    Ok((m.facility_code, m.created_by_subject))
}

/// A code stored by this server that it cannot read.
fn unreadable(what: &str, id: Uuid) -> DbErr {
    DbErr::Custom(format!("{what} {id} holds a value this server cannot read"))
}

pub fn note_row(id: Uuid, s: &NoteState) -> complaint_note::Model {
    complaint_note::Model {
        id,
        complaint_id: s.complaint_id,
        body: s.body.clone(),
        author_subject: s.author.subject.clone(),
        author_name: s.author.name.clone(),
        created_at: s.created_at,
    }
}

pub fn contact_row(id: Uuid, s: &ContactState) -> complaint_contact::Model {
    complaint_contact::Model {
        id,
        complaint_id: s.complaint_id,
        direction: s.direction.as_str().to_owned(),
        method: s.method.as_str().to_owned(),
        contacted_at: s.contacted_at,
        with_whom: s.with_whom.clone(),
        summary: s.summary.clone(),
        author_subject: s.author.subject.clone(),
        author_name: s.author.name.clone(),
        created_at: s.created_at,
    }
}

impl Stored for NoteState {
    const RECORD_TYPE: &'static str = RECORD_NOTE;
    const NOUN: &'static str = "note";

    fn facility_code(&self) -> &str {
        &self.facility_code
    }
    fn complaint_of(&self, _id: Uuid) -> Option<Uuid> {
        Some(self.complaint_id)
    }
    /// The complaint's creator: a note is visible with its complaint.
    fn created_by(&self) -> &str {
        &self.complaint_created_by
    }
    /// Complaint content: read in its complaint's access log, as
    /// `Complaint.notes` is.
    fn read_logged_under(&self, _id: Uuid) -> (&'static str, Uuid) {
        (RECORD_COMPLAINT, self.complaint_id)
    }

    async fn load(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Self>, DbErr> {
        let Some(m) = ComplaintNote::find_by_id(id).one(db).await? else {
            return Ok(None);
        };
        let (facility_code, complaint_created_by) = owner(db, m.complaint_id).await?;
        Ok(Some(NoteState {
            complaint_id: m.complaint_id,
            facility_code,
            complaint_created_by,
            body: m.body,
            author: UserRef {
                subject: m.author_subject,
                name: m.author_name,
            },
            created_at: m.created_at,
        }))
    }

    async fn insert(db: &impl ConnectionTrait, id: Uuid, state: &Self) -> Result<(), DbErr> {
        ComplaintNote::insert(note_row(id, state).into_active_model().reset_all())
            .exec_without_returning(db)
            .await?;
        Ok(())
    }

    fn audit_document(&self) -> Result<Value, DbErr> {
        Ok(self.document())
    }
}

impl Stored for ContactState {
    const RECORD_TYPE: &'static str = RECORD_CONTACT;
    const NOUN: &'static str = "contact";

    fn facility_code(&self) -> &str {
        &self.facility_code
    }
    fn complaint_of(&self, _id: Uuid) -> Option<Uuid> {
        Some(self.complaint_id)
    }
    /// The complaint's creator: a contact is visible with its complaint.
    fn created_by(&self) -> &str {
        &self.complaint_created_by
    }
    /// Complaint content: read in its complaint's access log, as
    /// `Complaint.contacts` is.
    fn read_logged_under(&self, _id: Uuid) -> (&'static str, Uuid) {
        (RECORD_COMPLAINT, self.complaint_id)
    }

    async fn load(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Self>, DbErr> {
        let Some(m) = ComplaintContact::find_by_id(id).one(db).await? else {
            return Ok(None);
        };
        let (facility_code, complaint_created_by) = owner(db, m.complaint_id).await?;
        Ok(Some(ContactState {
            complaint_id: m.complaint_id,
            facility_code,
            complaint_created_by,
            direction: ContactDirection::parse(&m.direction)
                .ok_or_else(|| unreadable("contact", id))?,
            method: ContactMethod::parse(&m.method).ok_or_else(|| unreadable("contact", id))?,
            contacted_at: m.contacted_at,
            with_whom: m.with_whom,
            summary: m.summary,
            author: UserRef {
                subject: m.author_subject,
                name: m.author_name,
            },
            created_at: m.created_at,
        }))
    }

    async fn insert(db: &impl ConnectionTrait, id: Uuid, state: &Self) -> Result<(), DbErr> {
        ComplaintContact::insert(contact_row(id, state).into_active_model().reset_all())
            .exec_without_returning(db)
            .await?;
        Ok(())
    }

    fn audit_document(&self) -> Result<Value, DbErr> {
        Ok(self.document())
    }
}

impl Create for AddNote {
    const OPERATION: &'static str = OP_NOTE;

    async fn setting(
        &self,
        db: &impl ConnectionTrait,
        actor: &Actor,
    ) -> Result<ComplaintOf, ServiceError> {
        complaint_of(db, actor, self.complaint_id).await
    }
}

impl Create for LogContact {
    const OPERATION: &'static str = OP_CONTACT;

    async fn setting(
        &self,
        db: &impl ConnectionTrait,
        actor: &Actor,
    ) -> Result<ComplaintOf, ServiceError> {
        complaint_of(db, actor, self.complaint_id).await
    }
}

/// A note as its creation event records it (`redress verify` replays it).
pub fn note_document(note: &complaint_note::Model) -> Value {
    dn::note_document(&note.body)
}

/// A contact as its creation event records it (`redress verify` replays it).
pub fn contact_document(contact: &complaint_contact::Model) -> Value {
    dn::contact_document(
        &contact.direction,
        &contact.method,
        contact.contacted_at,
        contact.with_whom.as_deref(),
        &contact.summary,
    )
}

/// Appends a note through the one create path. A repeated
/// `idempotency_key` returns the first note (a read: logged) and `true`.
pub async fn add_note(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    command: AddNote,
    idempotency_key: Option<&str>,
) -> Result<(complaint_note::Model, bool), ServiceError> {
    let c = create::create(db, caller, command, idempotency_key).await?;
    Ok((note_row(c.id, &c.state), c.replayed))
}

/// Records a contact through the one create path. A repeated
/// `idempotency_key` returns the first contact (a read: logged) and `true`.
pub async fn log_contact(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    command: LogContact,
    idempotency_key: Option<&str>,
) -> Result<(complaint_contact::Model, bool), ServiceError> {
    let c = create::create(db, caller, command, idempotency_key).await?;
    Ok((contact_row(c.id, &c.state), c.replayed))
}
