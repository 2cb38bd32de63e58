//! Complaints: intake (`create`: `OpenComplaint` through
//! `services::create`), how they are stored and projected (`store`: every
//! change goes through `services::change`), the reads the API offers
//! (`reads`, and `reader`: the read path's complaint lookups), and the
//! notes and contacts added to them (`notes`); a progress notice sent
//! meets its clock (`progress_notice`).

mod create;
mod notes;
mod reader;
mod reads;
mod store;

pub use crate::services::progress_notice::record_progress_notice;
pub use create::{CreateDraft, OP_CREATE, create};
pub use notes::{OP_CONTACT, OP_NOTE, add_note, contact_document, log_contact, note_document};
pub use reads::*;
pub use store::issue_rows;

use entity::complaint;
use sea_orm::DbErr;
use uuid::Uuid;

use crate::domain::actor::Actor;
use crate::domain::complaint::ComplaintState;
use crate::services::{scope, stored};

/// A complaint as stored: its id and its state.
#[derive(Clone, Debug)]
pub struct Record {
    pub id: Uuid,
    pub state: ComplaintState,
}

pub fn record_of(m: &complaint::Model) -> Result<Record, DbErr> {
    Ok(Record {
        id: m.id,
        state: serde_json::from_str(&m.record)
            .map_err(|e| stored::corrupt("complaint", m.id, &e))?,
    })
}

/// Whether the actor may see this complaint at all: in their facilities,
/// and for STAFF, logged by them. Anything else does not exist to them.
pub fn visible(actor: &Actor, m: &complaint::Model) -> bool {
    scope::visible(actor, &m.facility_code, &m.created_by_subject)
}

/// The row's columns, projected from the state (`redress verify` checks
/// stored rows against it).
pub fn row(id: Uuid, s: &ComplaintState) -> Result<complaint::Model, DbErr> {
    Ok(complaint::Model {
        id,
        reference: s.reference.clone(),
        facility_id: s.facility_id,
        facility_code: s.facility_code.clone(),
        department: s.department.clone(),
        channel: s.channel.as_str().to_owned(),
        classification: s.classification.as_str().to_owned(),
        status: s.status.as_str().to_owned(),
        received_at: s.received_at,
        medicare_beneficiary: s.medicare_beneficiary,
        owner_subject: s.owner.as_ref().map(|o| o.subject.clone()),
        created_by_subject: s.created_by.subject.clone(),
        reopen_count: i32::try_from(s.reopenings.len()).unwrap_or(i32::MAX),
        policy_id: s.clocks.policy_id,
        acknowledgement_due_at: s.clocks.acknowledgement_due_at,
        acknowledgement_met_at: s.clocks.acknowledgement_met_at,
        resolution_due_at: s.clocks.resolution_due_at,
        resolution_met_at: s.clocks.resolution_met_at,
        progress_notice_due_at: s.clocks.progress_notice_due_at,
        progress_notice_met_at: s.clocks.progress_notice_met_at,
        response_gap: Some(crate::domain::survey::response_falls_short(s)),
        extension_count: i32::try_from(s.clocks.extensions.len()).unwrap_or(i32::MAX),
        record: serde_json::to_string(s).map_err(|e| stored::corrupt("complaint", id, &e))?,
        version: s.version,
        created_at: s.created_at,
        updated_at: s.updated_at,
    })
}
