//! The records against their events and their projections: every stored
//! record decodes, equals the replay of its audit events, and agrees with
//! its projection columns; events never name a record that is not stored.

use std::collections::HashMap;

use entity::audit_event::{self, Entity as AuditEvent};
use entity::{complaint, complaint_issue};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IdenStatic, Iterable, ModelTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::families::*;
use super::report::{MAX_LISTED_PROBLEMS, Problem, Section};
use crate::domain::audit as chain;
use crate::domain::complaint::ComplaintState;
use crate::services::audit::RECORD_COMPLAINT;
use crate::services::complaints;

/// Rows read per batch.
const BATCH: u64 = 250;
/// The `record_documents`, `replay` and `projections` sections, over every
/// kind of record, in the caller's read transaction.
pub(super) async fn check(db: &impl ConnectionTrait) -> Result<[Section; 3], DbErr> {
    let mut records = RecordChecks::new();
    records.scan(db, &complaint_family()).await?;
    records.complaint_issues(db).await?;
    records.scan(db, &service_recovery_family()).await?;
    records.scan(db, &interpreter_family()).await?;
    records.scan(db, &accessibility_family()).await?;
    records.scan(db, &letter_family()).await?;
    records.scan(db, &note_family()).await?;
    records.scan(db, &contact_family()).await?;
    records.scan(db, &facility_family()).await?;
    records.scan(db, &attachment_family()).await?;
    Ok(records.into_sections())
}

/// Where serde failed, without its message (which can quote a value).
fn position(e: &serde_json::Error) -> String {
    format!(
        "{:?} error at line {}, column {}",
        e.classify(),
        e.line(),
        e.column()
    )
}

/// The columns whose values differ between two rows, but `record` (the
/// document itself, checked by decoding and replay).
fn differing_columns<E: EntityTrait>(stored: &E::Model, expected: &E::Model) -> Vec<String> {
    E::Column::iter()
        .filter(|c| c.as_str() != "record")
        .filter(|c| stored.get(*c) != expected.get(*c))
        .map(|c| c.as_str().to_owned())
        .collect()
}

/// The top-level fields that differ between a stored document and its
/// replay. A field that is absent on one side and null on the other is
/// the same: a change that removes a field records it as null.
fn differing_fields(stored: &Map<String, Value>, replayed: &Map<String, Value>) -> Vec<String> {
    let mut fields: Vec<String> = stored
        .keys()
        .chain(replayed.keys().filter(|k| !stored.contains_key(*k)))
        .filter(|k| {
            stored.get(*k).unwrap_or(&Value::Null) != replayed.get(*k).unwrap_or(&Value::Null)
        })
        .cloned()
        .collect();
    fields.sort();
    fields
}

/// A record rebuilt from its events.
#[derive(Default)]
struct Replay {
    document: Map<String, Value>,
    events: u64,
    /// The first event whose `after` is not a JSON object.
    unreadable: Option<i64>,
}

/// The document, replay and projection sections, filled record type by
/// record type.
struct RecordChecks {
    documents: Section,
    replay: Section,
    projections: Section,
}

impl RecordChecks {
    fn new() -> Self {
        RecordChecks {
            documents: Section::new("record_documents", "Stored records decode"),
            replay: Section::new(
                "replay",
                "Each record equals the replay of its audit events",
            ),
            projections: Section::new(
                "projections",
                "Projection columns agree with the record document",
            ),
        }
    }

    fn into_sections(self) -> [Section; 3] {
        [self.documents, self.replay, self.projections]
    }

    async fn scan<E>(&mut self, db: &impl ConnectionTrait, family: &Family<E>) -> Result<(), DbErr>
    where
        E: EntityTrait,
        E::Model: ModelTrait<Entity = E> + Sync,
    {
        let rt = family.record_type;
        let mut cursor: Option<Uuid> = None;
        loop {
            let mut query = E::find().order_by_asc(family.id_column).limit(BATCH);
            if let Some(c) = cursor {
                query = query.filter(family.id_column.gt(c));
            }
            let rows = query.all(db).await?;
            let Some(last) = rows.last() else { break };
            cursor = Some((family.id)(last));
            let replays = replay_batch(db, rt, rows.iter().map(family.id)).await?;
            for row in &rows {
                self.check_row(family, row, replays.get(&(family.id)(row)));
            }
            if (rows.len() as u64) < BATCH {
                break;
            }
        }
        self.missing_rows::<E>(db, family).await
    }

    fn check_row<E: EntityTrait>(
        &mut self,
        family: &Family<E>,
        row: &E::Model,
        replay: Option<&Replay>,
    ) where
        E::Model: ModelTrait<Entity = E>,
    {
        let rt = family.record_type;
        let id = (family.id)(row);
        self.documents.count(rt, 1);
        let document = match (family.document)(row) {
            Ok(Value::Object(map)) => Some(map),
            Ok(_) => {
                self.documents.problem(
                    Problem::new(
                        "RECORD_NOT_AN_OBJECT",
                        "the stored record is not a JSON object",
                    )
                    .record(rt, id),
                );
                None
            }
            Err(e) => {
                self.documents.problem(
                    Problem::new(
                        "RECORD_UNDECODABLE",
                        format!("the stored record is not JSON ({})", position(&e)),
                    )
                    .record(rt, id),
                );
                None
            }
        };
        if let (Some(project), Some(_)) = (family.project, &document) {
            match project(row) {
                Ok(expected) => {
                    self.projections.count(rt, 1);
                    let columns = differing_columns::<E>(row, &expected);
                    if !columns.is_empty() {
                        self.projections.problem(
                            Problem::new(
                                "PROJECTION_MISMATCH",
                                "columns disagree with the record document",
                            )
                            .record(rt, id)
                            .fields(columns),
                        );
                    }
                }
                Err(Undecodable::Json(e)) => {
                    self.documents.problem(
                        Problem::new(
                            "RECORD_UNDECODABLE",
                            format!("the stored record is not a {rt} ({})", position(&e)),
                        )
                        .record(rt, id),
                    );
                }
                Err(Undecodable::Projection) => {
                    self.projections.problem(
                        Problem::new("PROJECTION_FAILED", "the record cannot be projected")
                            .record(rt, id),
                    );
                }
            }
        }
        let Some(document) = document else { return };
        match replay {
            None => {
                self.replay.problem(
                    Problem::new("NO_EVENTS", "the record has no audit events").record(rt, id),
                );
            }
            Some(Replay {
                unreadable: Some(sequence),
                ..
            }) => {
                self.replay.problem(
                    Problem::new(
                        "EVENT_UNREADABLE",
                        "an event's `after` is not a JSON object",
                    )
                    .record(rt, id)
                    .sequence(*sequence),
                );
            }
            Some(replay) => {
                self.replay.count(rt, 1);
                self.replay.count("events", replay.events);
                let fields = differing_fields(&document, &replay.document);
                if !fields.is_empty() {
                    self.replay.problem(
                        Problem::new(
                            "REPLAY_MISMATCH",
                            "the stored record differs from the replay of its events",
                        )
                        .record(rt, id)
                        .fields(fields),
                    );
                }
            }
        }
    }

    /// The `complaint_issue` rows of each complaint agree with the issues
    /// in its document.
    async fn complaint_issues(&mut self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        let mut cursor: Option<Uuid> = None;
        loop {
            let mut query = complaint::Entity::find()
                .select_only()
                .column(complaint::Column::Id)
                .column(complaint::Column::Record)
                .order_by_asc(complaint::Column::Id)
                .limit(BATCH);
            if let Some(c) = cursor {
                query = query.filter(complaint::Column::Id.gt(c));
            }
            let rows: Vec<(Uuid, String)> = query.into_tuple().all(db).await?;
            let Some((last, _)) = rows.last() else { break };
            cursor = Some(*last);
            let mut stored: HashMap<Uuid, Vec<complaint_issue::Model>> = HashMap::new();
            for issue in complaint_issue::Entity::find()
                .filter(complaint_issue::Column::ComplaintId.is_in(rows.iter().map(|(id, _)| *id)))
                .order_by_asc(complaint_issue::Column::Position)
                .all(db)
                .await?
            {
                stored.entry(issue.complaint_id).or_default().push(issue);
            }
            for (id, record) in &rows {
                // One that does not decode is already named.
                let Ok(state) = serde_json::from_str::<ComplaintState>(record) else {
                    continue;
                };
                self.projections.count("ComplaintIssues", 1);
                let expected = complaints::issue_rows(*id, &state);
                if stored.remove(id).unwrap_or_default() != expected {
                    self.projections.problem(
                        Problem::new(
                            "PROJECTION_MISMATCH",
                            "the complaint_issue rows disagree with the document's issues",
                        )
                        .record(RECORD_COMPLAINT, *id)
                        .fields(vec!["complaint_issue".to_owned()]),
                    );
                }
            }
            if (rows.len() as u64) < BATCH {
                break;
            }
        }
        Ok(())
    }

    /// Records that have events but no row (deleted outside the API).
    async fn missing_rows<E>(
        &mut self,
        db: &impl ConnectionTrait,
        family: &Family<E>,
    ) -> Result<(), DbErr>
    where
        E: EntityTrait,
    {
        let rt = family.record_type;
        let query = AuditEvent::find()
            .select_only()
            .column(audit_event::Column::RecordId)
            .distinct()
            .filter(audit_event::Column::RecordType.eq(rt))
            .filter(
                audit_event::Column::RecordId.not_in_subquery(
                    Query::select()
                        .column(family.id_column)
                        .from(E::default())
                        .to_owned(),
                ),
            );
        let total = query.clone().count(db).await?;
        if total == 0 {
            return Ok(());
        }
        let ids: Vec<Uuid> = query
            .order_by_asc(audit_event::Column::RecordId)
            .limit(MAX_LISTED_PROBLEMS as u64)
            .into_tuple()
            .all(db)
            .await?;
        for id in ids {
            self.replay.problem(
                Problem::new(
                    "RECORD_MISSING",
                    "audit events name a record that is not stored",
                )
                .record(rt, id),
            );
        }
        self.replay
            .unlisted_problems(total.saturating_sub(MAX_LISTED_PROBLEMS as u64));
        Ok(())
    }
}

/// Replays the events of these records, in chain order.
async fn replay_batch(
    db: &impl ConnectionTrait,
    record_type: &str,
    ids: impl Iterator<Item = Uuid>,
) -> Result<HashMap<Uuid, Replay>, DbErr> {
    let events: Vec<(i64, Uuid, Option<String>)> = AuditEvent::find()
        .select_only()
        .column(audit_event::Column::Sequence)
        .column(audit_event::Column::RecordId)
        .column(audit_event::Column::After)
        .filter(audit_event::Column::RecordType.eq(record_type))
        .filter(audit_event::Column::RecordId.is_in(ids))
        .order_by_asc(audit_event::Column::Sequence)
        .into_tuple()
        .all(db)
        .await?;
    let mut replays: HashMap<Uuid, Replay> = HashMap::new();
    for (sequence, record_id, after) in events {
        let replay = replays.entry(record_id).or_default();
        replay.events += 1;
        let Some(after) = after else { continue };
        match serde_json::from_str::<Value>(&after) {
            Ok(Value::Object(fields)) => chain::apply(&mut replay.document, &fields),
            _ => {
                replay.unreadable.get_or_insert(sequence);
            }
        }
    }
    Ok(replays)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn fields_that_differ() {
        let stored = map(json!({"status": "CLOSED", "owner": null, "version": 3}));
        // Absent and null are the same; order does not matter.
        let replayed = map(json!({"version": 3, "status": "CLOSED"}));
        assert!(differing_fields(&stored, &replayed).is_empty());
        let replayed = map(json!({"version": 2, "status": "CLOSED", "extra": 1}));
        assert_eq!(differing_fields(&stored, &replayed), ["extra", "version"]);
    }
}
