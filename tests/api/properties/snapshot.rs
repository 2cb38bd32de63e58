//! The database as the invariants see it: every record's version, status
//! and stored document, and the head of the audit trail.

use std::collections::BTreeMap;

use entity::{
    accessibility_request, audit_event, complaint, complaint_contact, complaint_note,
    interpreter_session, service_recovery_action,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// One stored record. Notes and contacts are never changed: version 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub version: i32,
    pub status: String,
    pub record: String,
}

#[derive(Clone, Debug)]
pub struct Snapshot {
    /// By record type (as the audit trail names it) and id.
    pub rows: BTreeMap<(&'static str, Uuid), Row>,
    /// The newest event's sequence (0 when the trail is empty).
    pub head: i64,
}

impl Snapshot {
    pub async fn take(db: &DatabaseConnection) -> Snapshot {
        let mut rows = BTreeMap::new();
        let mut put = |t: &'static str, id: Uuid, version: i32, status: &str, record: String| {
            let status = status.to_owned();
            rows.insert(
                (t, id),
                Row {
                    version,
                    status,
                    record,
                },
            );
        };
        for m in complaint::Entity::find().all(db).await.expect("complaints") {
            put("Complaint", m.id, m.version, &m.status, m.record);
        }
        for m in service_recovery_action::Entity::find()
            .all(db)
            .await
            .expect("service recovery")
        {
            put(
                "ServiceRecoveryAction",
                m.id,
                m.version,
                &m.status,
                m.record,
            );
        }
        for m in accessibility_request::Entity::find()
            .all(db)
            .await
            .expect("requests")
        {
            put("AccessibilityRequest", m.id, m.version, &m.status, m.record);
        }
        for m in interpreter_session::Entity::find()
            .all(db)
            .await
            .expect("sessions")
        {
            put("InterpreterSession", m.id, m.version, &m.outcome, m.record);
        }
        for m in complaint_note::Entity::find().all(db).await.expect("notes") {
            put("ComplaintNote", m.id, 1, "-", m.body);
        }
        for m in complaint_contact::Entity::find()
            .all(db)
            .await
            .expect("contacts")
        {
            put("ComplaintContact", m.id, 1, "-", m.summary);
        }
        let head = audit_event::Entity::find()
            .order_by_desc(audit_event::Column::Sequence)
            .one(db)
            .await
            .expect("head")
            .map_or(0, |e| e.sequence);
        Snapshot { rows, head }
    }

    /// The events written after `self` was taken, in chain order.
    pub async fn events_since(&self, db: &DatabaseConnection) -> Vec<audit_event::Model> {
        audit_event::Entity::find()
            .filter(audit_event::Column::Sequence.gt(self.head))
            .order_by_asc(audit_event::Column::Sequence)
            .all(db)
            .await
            .expect("new events")
    }

    /// The rows of `self` without the listed records.
    pub fn without(&self, keys: &[(&'static str, Uuid)]) -> BTreeMap<(&'static str, Uuid), Row> {
        let mut rows = self.rows.clone();
        for k in keys {
            rows.remove(k);
        }
        rows
    }
}
