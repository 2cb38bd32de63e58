//! Attachments: documents on a complaint. Adding one is `AddAttachment`
//! through the one create path (permission, the complaint in the caller's
//! scope, idempotency, the `ATTACHMENT_ADD` event with the hash, one
//! transaction), after the upload endpoint has stored the bytes. They are
//! read as part of their complaint (`Complaint.attachments`, logged as a
//! read of it) and downloaded through [`Reader::attachment`] (logged with
//! which attachment). Never edited or deleted.

use entity::attachment::{self, Entity as Attachment};
use entity::complaint::Entity as Complaint;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder,
};
use serde_json::Value;
use uuid::Uuid;

use super::audit::{RECORD_ATTACHMENT, RECORD_COMPLAINT};
use super::create::{self, Create};
use super::reads::{ComplaintPart, Reader, Unread};
use super::stored::Stored;
use super::{Caller, Refusal, RefusalCode, ServiceError, access_log, facilities};
use crate::domain::actor::{Actor, UserRef};
use crate::domain::attachment::required::DocumentsOnFile;
use crate::domain::attachment::{AttachmentKind, AttachmentState, attachment_document};
use crate::domain::command::attachment::AddAttachment;
use crate::domain::command::notes::ComplaintOf;
use crate::domain::complaint::ComplaintState;
use crate::domain::permissions::{Operation, permits};
use crate::services::scope::visible;

/// The name under which idempotency keys are kept and reads are logged.
pub const OP_UPLOAD: &str = "attachmentUpload";
pub const OP_DOWNLOAD: &str = "attachmentDownload";

pub fn row(id: Uuid, s: &AttachmentState) -> attachment::Model {
    attachment::Model {
        id,
        complaint_id: s.complaint_id,
        kind: s.kind.as_str().to_owned(),
        filename: s.filename.clone(),
        media_type: s.media_type.clone(),
        size_bytes: s.size_bytes,
        sha256: s.sha256.clone(),
        uploaded_by_subject: s.uploaded_by.subject.clone(),
        uploaded_by_name: s.uploaded_by.name.clone(),
        uploaded_at: s.uploaded_at,
    }
}

/// The audit document of a stored attachment (`redress verify` replays it).
pub fn document(m: &attachment::Model) -> Value {
    attachment_document(&m.kind, &m.filename, &m.media_type, m.size_bytes, &m.sha256)
}

fn state_of(
    m: attachment::Model,
    facility_code: String,
    complaint_created_by: String,
) -> Result<AttachmentState, DbErr> {
    let kind = AttachmentKind::parse(&m.kind).ok_or_else(|| {
        DbErr::Custom(format!(
            "attachment {} holds a kind this server cannot read",
            m.id
        ))
    })?;
    Ok(AttachmentState {
        complaint_id: m.complaint_id,
        facility_code,
        complaint_created_by,
        kind,
        filename: m.filename,
        media_type: m.media_type,
        size_bytes: m.size_bytes,
        sha256: m.sha256,
        uploaded_by: UserRef {
            subject: m.uploaded_by_subject,
            name: m.uploaded_by_name,
        },
        uploaded_at: m.uploaded_at,
    })
}

impl Stored for AttachmentState {
    const RECORD_TYPE: &'static str = RECORD_ATTACHMENT;
    const NOUN: &'static str = "attachment";

    fn facility_code(&self) -> &str {
        &self.facility_code
    }
    fn complaint_of(&self, _id: Uuid) -> Option<Uuid> {
        Some(self.complaint_id)
    }
    /// The complaint's creator: an attachment is visible with its complaint.
    fn created_by(&self) -> &str {
        &self.complaint_created_by
    }
    /// Complaint content: read in its complaint's access log.
    fn read_logged_under(&self, _id: Uuid) -> (&'static str, Uuid) {
        (RECORD_COMPLAINT, self.complaint_id)
    }

    async fn load(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Self>, DbErr> {
        let Some(m) = Attachment::find_by_id(id).one(db).await? else {
            return Ok(None);
        };
        let Some(c) = Complaint::find_by_id(m.complaint_id).one(db).await? else {
            return Err(DbErr::RecordNotFound(format!(
                "complaint {}",
                m.complaint_id
            )));
        };
        state_of(m, c.facility_code, c.created_by_subject).map(Some)
    }

    async fn insert(db: &impl ConnectionTrait, id: Uuid, state: &Self) -> Result<(), DbErr> {
        row(id, state)
            .into_active_model()
            .reset_all()
            .insert(db)
            .await?;
        Ok(())
    }

    fn audit_document(&self) -> Result<Value, DbErr> {
        Ok(self.document())
    }
}

/// The complaint a document is added to: one the caller may see (anything
/// else does not exist to them).
async fn complaint_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
    complaint_id: Uuid,
) -> Result<ComplaintOf, ServiceError> {
    match Complaint::find_by_id(complaint_id).one(db).await? {
        Some(m) if visible(actor, &m.facility_code, &m.created_by_subject) => Ok(ComplaintOf {
            complaint_id,
            facility_code: m.facility_code,
            created_by: m.created_by_subject,
            received_at: m.received_at,
        }),
        _ => Err(not_found()),
    }
}

fn not_found() -> ServiceError {
    Refusal::new(RefusalCode::NotFound, "complaint not found")
        .on(&["complaintId"])
        .into()
}

impl Create for AddAttachment {
    const OPERATION: &'static str = OP_UPLOAD;

    async fn setting(
        &self,
        db: &impl ConnectionTrait,
        actor: &Actor,
    ) -> Result<ComplaintOf, ServiceError> {
        complaint_of(db, actor, self.complaint_id).await
    }
}

/// Whether the caller may add a document to this complaint: checked
/// before the bytes are read and stored (the create path checks again in
/// its transaction). Refuses as the create path would.
pub async fn check_upload(
    db: &DatabaseConnection,
    actor: &Actor,
    complaint_id: Uuid,
) -> Result<(), ServiceError> {
    if !permits(actor, Operation::AddAttachment) {
        return Err(super::scope::forbidden(Operation::AddAttachment));
    }
    complaint_of(db, actor, complaint_id).await.map(drop)
}

/// Records an attachment whose bytes are already stored. A repeated
/// `idempotency_key` returns the first one (a read: logged) and `true`.
pub async fn add(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    command: AddAttachment,
    idempotency_key: Option<&str>,
) -> Result<(Uuid, AttachmentState, bool), ServiceError> {
    let c = create::create(db, caller, command, idempotency_key).await?;
    Ok((c.id, c.state, c.replayed))
}

/// An attachment row, read as part of its complaint.
impl ComplaintPart for attachment::Model {}

/// A complaint's attachments, oldest first, sealed until a `Reader` reads
/// them as part of the complaint (`Reader::of_complaint`).
pub async fn of_complaint(
    db: &impl ConnectionTrait,
    complaint_id: Uuid,
) -> Result<Unread<Vec<attachment::Model>>, DbErr> {
    let rows = Attachment::find()
        .filter(attachment::Column::ComplaintId.eq(complaint_id))
        .order_by_asc(attachment::Column::Id)
        .all(db)
        .await?;
    Ok(Unread::new(rows))
}

/// What the resolve guard sees: the facility's required documents and the
/// kinds attached to the complaint (no content: read unlogged).
pub async fn documents_on_file(
    db: &impl ConnectionTrait,
    complaint_id: Uuid,
    complaint: &ComplaintState,
) -> Result<DocumentsOnFile, DbErr> {
    let facility = facilities::by_id(
        db,
        &crate::domain::actor::FacilityScope::All,
        complaint.facility_id,
    )
    .await?
    .ok_or_else(|| DbErr::RecordNotFound(format!("facility {}", complaint.facility_id)))?;
    let mut attached: Vec<AttachmentKind> = Attachment::find()
        .filter(attachment::Column::ComplaintId.eq(complaint_id))
        .all(db)
        .await?
        .iter()
        .filter_map(|m| AttachmentKind::parse(&m.kind))
        .collect();
    attached.sort();
    attached.dedup();
    Ok(DocumentsOnFile {
        required: facilities::required_documents_of(&facility),
        attached,
    })
}

impl Reader<'_> {
    /// An attachment to download, by id: `None` when it (or its complaint)
    /// does not exist for the reader. Recorded in the complaint's access
    /// log with which attachment was read.
    pub async fn attachment(&self, id: Uuid) -> Result<Option<(Uuid, AttachmentState)>, DbErr> {
        let actor = self.actor();
        if !permits(actor, Operation::ReadComplaints) {
            return Ok(None);
        }
        let Some(state) = AttachmentState::load(self.db(), id).await? else {
            return Ok(None);
        };
        if !visible(actor, &state.facility_code, &state.complaint_created_by) {
            return Ok(None);
        }
        access_log::record_run(
            self.writer(),
            &self.caller(),
            RECORD_COMPLAINT,
            state.complaint_id,
            OP_DOWNLOAD,
            &format!("attachment {id} sha256 {}", state.sha256),
        )
        .await?;
        Ok(Some((id, state)))
    }
}
