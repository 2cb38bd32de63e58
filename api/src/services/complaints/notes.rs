//! Notes and contacts: child records added to a complaint, never edited
//! or deleted.

use chrono::{DateTime, SubsecRound, Utc};
use entity::complaint::{self, Entity as Complaint};
use entity::complaint_contact::{self, Entity as ComplaintContact};
use entity::complaint_note::{self, Entity as ComplaintNote};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::visible;
use crate::db;
use crate::domain::actor::Actor;
use crate::domain::command::AuditAction;
use crate::domain::complaint::{ContactDirection, ContactMethod};
use crate::domain::permissions::{Operation, permits};
use crate::domain::text::{LongText, Name, TextKind};
use crate::services::audit::{self, NewEvent, RECORD_CONTACT, RECORD_NOTE};
use crate::services::scope::forbidden;
use crate::services::{Caller, Refusal, RefusalCode, ServiceError, finish, idempotency};

/// Loads a complaint the caller may add to, inside the transaction.
async fn target(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    complaint_id: Uuid,
) -> Result<complaint::Model, ServiceError> {
    match Complaint::find_by_id(complaint_id).one(txn).await? {
        Some(m) if visible(actor, &m) => Ok(m),
        _ => Err(Refusal::new(RefusalCode::NotFound, "complaint not found")
            .on(&["input", "complaintId"])
            .into()),
    }
}

/// A text of kind `K` for a note or contact (see `domain::text`).
fn body_text<K: TextKind>(value: &str, field: &[&str]) -> Result<String, ServiceError> {
    K::parse(field, value)
        .map(K::into_string)
        .map_err(|v| Refusal::from(v).into())
}

pub const OP_NOTE: &str = "complaintAddNote";
pub const OP_CONTACT: &str = "complaintLogContact";

/// Appends a note. Notes are never edited or deleted.
pub async fn add_note(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    complaint_id: Uuid,
    body: &str,
    idempotency_key: Option<&str>,
) -> Result<complaint_note::Model, ServiceError> {
    let actor = caller.actor;
    if !permits(actor, Operation::AddNote) {
        return Err(forbidden(Operation::AddNote));
    }
    let key = idempotency::clean(idempotency_key)?;
    let body = body_text::<LongText>(body, &["input", "body"])?;
    let txn = db::begin_write(db).await?;
    let outcome = async {
        if let Some(key) = &key
            && let Some(id) = idempotency::find(&txn, &actor.subject, OP_NOTE, key).await?
            && let Some(existing) = ComplaintNote::find_by_id(id).one(&txn).await?
        {
            target(&txn, actor, existing.complaint_id).await?;
            return Ok(existing);
        }
        let complaint = target(&txn, actor, complaint_id).await?;
        let now = Utc::now().trunc_subsecs(6);
        let note = complaint_note::Model {
            id: Uuid::now_v7(),
            complaint_id,
            body,
            author_subject: actor.subject.clone(),
            author_name: actor.name.clone(),
            created_at: now,
        };
        note.clone()
            .into_active_model()
            .reset_all()
            .insert(&txn)
            .await?;
        audit::append(
            &txn,
            caller,
            NewEvent::change(
                AuditAction::ComplaintNoteAdd.as_str(),
                RECORD_NOTE,
                note.id,
                None,
                &note_document(&note),
            )
            .complaint(complaint_id)
            .facility(&complaint.facility_code),
            now,
        )
        .await?;
        if let Some(key) = &key {
            idempotency::remember(&txn, &actor.subject, OP_NOTE, key, note.id, now).await?;
        }
        Ok(note)
    }
    .await;
    finish(txn, outcome).await
}

/// A note as its creation event records it (`redress verify` replays it).
pub fn note_document(note: &complaint_note::Model) -> Value {
    json!({ "body": note.body })
}

/// A contact as its creation event records it (`redress verify` replays it).
pub fn contact_document(contact: &complaint_contact::Model) -> Value {
    json!({
        "direction": contact.direction,
        "method": contact.method,
        "contactedAt": contact.contacted_at,
        "withWhom": contact.with_whom,
        "summary": contact.summary,
    })
}

/// A contact with the complainant, as logged.
#[derive(Clone, Debug)]
pub struct ContactDraft {
    pub complaint_id: Uuid,
    pub direction: ContactDirection,
    pub method: ContactMethod,
    pub contacted_at: DateTime<Utc>,
    pub with_whom: Option<String>,
    pub summary: String,
    pub idempotency_key: Option<String>,
}

/// Appends a contact record. Contacts are never edited or deleted.
pub async fn log_contact(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    draft: &ContactDraft,
) -> Result<complaint_contact::Model, ServiceError> {
    let actor = caller.actor;
    if !permits(actor, Operation::LogContact) {
        return Err(forbidden(Operation::LogContact));
    }
    let key = idempotency::clean(draft.idempotency_key.as_deref())?;
    let summary = body_text::<LongText>(&draft.summary, &["input", "summary"])?;
    let with_whom = match draft.with_whom.as_deref().map(str::trim) {
        Some(w) if !w.is_empty() => Some(body_text::<Name>(w, &["input", "withWhom"])?),
        _ => None,
    };
    let txn = db::begin_write(db).await?;
    let outcome = async {
        if let Some(key) = &key
            && let Some(id) = idempotency::find(&txn, &actor.subject, OP_CONTACT, key).await?
            && let Some(existing) = ComplaintContact::find_by_id(id).one(&txn).await?
        {
            target(&txn, actor, existing.complaint_id).await?;
            return Ok(existing);
        }
        let complaint = target(&txn, actor, draft.complaint_id).await?;
        let now = Utc::now().trunc_subsecs(6);
        let contacted_at = draft.contacted_at.trunc_subsecs(6);
        if contacted_at < complaint.received_at || contacted_at > now + chrono::Duration::minutes(5)
        {
            return Err(Refusal::new(
                RefusalCode::Validation,
                "must be between the complaint's receipt and now",
            )
            .on(&["input", "contactedAt"])
            .into());
        }
        let contact = complaint_contact::Model {
            id: Uuid::now_v7(),
            complaint_id: draft.complaint_id,
            direction: draft.direction.as_str().to_owned(),
            method: draft.method.as_str().to_owned(),
            contacted_at,
            with_whom,
            summary,
            author_subject: actor.subject.clone(),
            author_name: actor.name.clone(),
            created_at: now,
        };
        contact
            .clone()
            .into_active_model()
            .reset_all()
            .insert(&txn)
            .await?;
        audit::append(
            &txn,
            caller,
            NewEvent::change(
                AuditAction::ComplaintContactLog.as_str(),
                RECORD_CONTACT,
                contact.id,
                None,
                &contact_document(&contact),
            )
            .complaint(draft.complaint_id)
            .facility(&complaint.facility_code),
            now,
        )
        .await?;
        if let Some(key) = &key {
            idempotency::remember(&txn, &actor.subject, OP_CONTACT, key, contact.id, now).await?;
        }
        Ok(contact)
    }
    .await;
    finish(txn, outcome).await
}
