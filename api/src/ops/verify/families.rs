//! How each kind of record is stored, for `redress verify`: its table, its
//! id, the document its audit events rebuild, and how that document
//! projects back to the row.

use entity::{
    accessibility_request, attachment, complaint, complaint_contact, complaint_note, facility,
    interpreter_session, letter, service_recovery_action,
};
use sea_orm::EntityTrait;
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

use crate::domain::accessibility::AccessibilityRequestState;
use crate::domain::complaint::ComplaintState;
use crate::domain::interpreter::InterpreterSessionState;
use crate::domain::letter::LetterState;
use crate::domain::service_recovery::ServiceRecoveryState;
use crate::services::audit::{
    RECORD_ACCESSIBILITY_REQUEST, RECORD_ATTACHMENT, RECORD_COMPLAINT, RECORD_CONTACT,
    RECORD_FACILITY, RECORD_INTERPRETER_SESSION, RECORD_LETTER, RECORD_NOTE,
    RECORD_SERVICE_RECOVERY,
};
use crate::services::{
    accessibility, attachments, complaints, facilities, interpreter, letters, service_recovery,
};

/// How one kind of record is stored, for the document, replay and
/// projection checks.
pub(super) struct Family<E: EntityTrait> {
    pub(super) record_type: &'static str,
    pub(super) id_column: E::Column,
    pub(super) id: fn(&E::Model) -> Uuid,
    /// The document its audit events rebuild, from the stored row.
    pub(super) document: fn(&E::Model) -> Result<Value, serde_json::Error>,
    /// For a record kept as a document beside projection columns: decodes
    /// the document as its domain record and projects it back to a row.
    pub(super) project: Option<Projector<E>>,
}

/// Decodes a row's document and projects it back to the row it implies.
pub(super) type Projector<E> =
    fn(&<E as EntityTrait>::Model) -> Result<<E as EntityTrait>::Model, Undecodable>;

pub(super) enum Undecodable {
    Json(serde_json::Error),
    Projection,
}

pub(super) fn decode_as<T: DeserializeOwned>(record: &str) -> Result<T, Undecodable> {
    serde_json::from_str(record).map_err(Undecodable::Json)
}

pub(super) fn complaint_family() -> Family<complaint::Entity> {
    Family {
        record_type: RECORD_COMPLAINT,
        id_column: complaint::Column::Id,
        id: |m| m.id,
        document: |m| serde_json::from_str(&m.record),
        project: Some(|m| {
            let state: ComplaintState = decode_as(&m.record)?;
            let mut row = complaints::row(m.id, &state).map_err(|_| Undecodable::Projection)?;
            // Rows written before `response_gap` was projected hold NULL:
            // not known yet, which the survey report treats as a candidate.
            if m.response_gap.is_none() {
                row.response_gap = None;
            }
            Ok(row)
        }),
    }
}

pub(super) fn service_recovery_family() -> Family<service_recovery_action::Entity> {
    Family {
        record_type: RECORD_SERVICE_RECOVERY,
        id_column: service_recovery_action::Column::Id,
        id: |m| m.id,
        document: |m| serde_json::from_str(&m.record),
        project: Some(|m| {
            let state: ServiceRecoveryState = decode_as(&m.record)?;
            service_recovery::row(m.id, &state).map_err(|_| Undecodable::Projection)
        }),
    }
}

pub(super) fn interpreter_family() -> Family<interpreter_session::Entity> {
    Family {
        record_type: RECORD_INTERPRETER_SESSION,
        id_column: interpreter_session::Column::Id,
        id: |m| m.id,
        document: |m| serde_json::from_str(&m.record),
        project: Some(|m| {
            let state: InterpreterSessionState = decode_as(&m.record)?;
            interpreter::row(m.id, &state).map_err(|_| Undecodable::Projection)
        }),
    }
}

pub(super) fn accessibility_family() -> Family<accessibility_request::Entity> {
    Family {
        record_type: RECORD_ACCESSIBILITY_REQUEST,
        id_column: accessibility_request::Column::Id,
        id: |m| m.id,
        document: |m| serde_json::from_str(&m.record),
        project: Some(|m| {
            let state: AccessibilityRequestState = decode_as(&m.record)?;
            accessibility::row(m.id, &state).map_err(|_| Undecodable::Projection)
        }),
    }
}

pub(super) fn letter_family() -> Family<letter::Entity> {
    Family {
        record_type: RECORD_LETTER,
        id_column: letter::Column::Id,
        id: |m| m.id,
        document: |m| serde_json::from_str(&m.record),
        project: Some(|m| {
            let state: LetterState = decode_as(&m.record)?;
            letters::row(m.id, &state).map_err(|_| Undecodable::Projection)
        }),
    }
}

pub(super) fn note_family() -> Family<complaint_note::Entity> {
    Family {
        record_type: RECORD_NOTE,
        id_column: complaint_note::Column::Id,
        id: |m| m.id,
        document: |m| Ok(complaints::note_document(m)),
        project: None,
    }
}

pub(super) fn contact_family() -> Family<complaint_contact::Entity> {
    Family {
        record_type: RECORD_CONTACT,
        id_column: complaint_contact::Column::Id,
        id: |m| m.id,
        document: |m| Ok(complaints::contact_document(m)),
        project: None,
    }
}

pub(super) fn attachment_family() -> Family<attachment::Entity> {
    Family {
        record_type: RECORD_ATTACHMENT,
        id_column: attachment::Column::Id,
        id: |m| m.id,
        document: |m| Ok(attachments::document(m)),
        project: None,
    }
}

pub(super) fn facility_family() -> Family<facility::Entity> {
    Family {
        record_type: RECORD_FACILITY,
        id_column: facility::Column::Id,
        id: |m| m.id,
        document: |m| Ok(facilities::document(m)),
        project: None,
    }
}
