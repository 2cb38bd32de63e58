//! `redress verify`: is this database whole? It reads everything inside
//! one read transaction (one consistent snapshot), in batches keyed by id,
//! so memory stays flat however large the database, and changes nothing.
//!
//! The result is an [`IntegrityReport`]: one [`Section`] per check, each
//! with its counts and the problems it found. A problem names a record
//! type and id, an event sequence, field or column names: never content,
//! so the report can be shown and kept anywhere.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use entity::audit_event::{self, Entity as AuditEvent};
use entity::{
    accessibility_request, complaint, complaint_contact, complaint_issue, complaint_note, facility,
    interpreter_session, service_recovery_action,
};
use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, IdenStatic,
    Iterable, ModelTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::backup::link_problem;
use super::{last_event, snapshot, sqlite_integrity};
use crate::domain::accessibility::AccessibilityRequestState;
use crate::domain::audit as chain;
use crate::domain::complaint::ComplaintState;
use crate::domain::interpreter::InterpreterSessionState;
use crate::domain::service_recovery::ServiceRecoveryState;
use crate::services::audit::{
    self, RECORD_ACCESSIBILITY_REQUEST, RECORD_COMPLAINT, RECORD_CONTACT, RECORD_FACILITY,
    RECORD_INTERPRETER_SESSION, RECORD_NOTE, RECORD_SERVICE_RECOVERY,
};
use crate::services::{accessibility, complaints, facilities, interpreter, service_recovery};

/// At most this many problems are listed per section (all are counted).
pub const MAX_LISTED_PROBLEMS: usize = 100;

/// Rows read per batch.
const BATCH: u64 = 250;

/// The outcome of a check.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SectionStatus {
    Ok,
    Failed,
    /// Not applicable to this database (e.g. a SQLite check on PostgreSQL).
    Skipped,
}

/// One thing wrong, named without content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// What is wrong, e.g. `REPLAY_MISMATCH`.
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_id: Option<Uuid>,
    /// An audit event's sequence number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence: Option<i64>,
    /// Field or column names involved.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// A sentence for people; it holds no record content.
    pub detail: String,
}

impl Problem {
    pub fn new(code: &'static str, detail: impl Into<String>) -> Self {
        Problem {
            code,
            record_type: None,
            record_id: None,
            sequence: None,
            fields: Vec::new(),
            detail: detail.into(),
        }
    }

    pub fn record(mut self, record_type: &str, id: Uuid) -> Self {
        self.record_type = Some(record_type.to_owned());
        self.record_id = Some(id);
        self
    }

    pub fn sequence(mut self, sequence: i64) -> Self {
        self.sequence = Some(sequence);
        self
    }

    pub fn fields(mut self, fields: Vec<String>) -> Self {
        self.fields = fields;
        self
    }
}

/// One check's result. Build it with [`Section::new`], then `count`,
/// `fact`, `problem` or `skip`; its status follows from what was added.
#[derive(Clone, Debug)]
pub struct Section {
    name: &'static str,
    title: &'static str,
    counts: BTreeMap<String, u64>,
    facts: BTreeMap<String, String>,
    problems: Vec<Problem>,
    problems_total: u64,
    skipped: Option<String>,
}

impl Section {
    /// `name` is the stable key (`audit_chain`), `title` the heading.
    pub fn new(name: &'static str, title: &'static str) -> Self {
        Section {
            name,
            title,
            counts: BTreeMap::new(),
            facts: BTreeMap::new(),
            problems: Vec::new(),
            problems_total: 0,
            skipped: None,
        }
    }

    /// Adds `n` to the count `key`.
    pub fn count(&mut self, key: &str, n: u64) -> &mut Self {
        *self.counts.entry(key.to_owned()).or_default() += n;
        self
    }

    pub fn fact(&mut self, key: &str, value: impl ToString) -> &mut Self {
        self.facts.insert(key.to_owned(), value.to_string());
        self
    }

    /// Records a problem (listed while fewer than [`MAX_LISTED_PROBLEMS`]).
    pub fn problem(&mut self, problem: Problem) -> &mut Self {
        self.problems_total += 1;
        if self.problems.len() < MAX_LISTED_PROBLEMS {
            self.problems.push(problem);
        }
        self
    }

    /// Counts `n` problems found but not listed.
    pub fn unlisted_problems(&mut self, n: u64) -> &mut Self {
        self.problems_total += n;
        self
    }

    /// Marks the check as not applicable, saying why.
    pub fn skip(&mut self, reason: &str) -> &mut Self {
        self.skipped = Some(reason.to_owned());
        self
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn status(&self) -> SectionStatus {
        if self.problems_total > 0 {
            SectionStatus::Failed
        } else if self.skipped.is_some() {
            SectionStatus::Skipped
        } else {
            SectionStatus::Ok
        }
    }

    pub fn counts(&self) -> &BTreeMap<String, u64> {
        &self.counts
    }

    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    pub fn problems_total(&self) -> u64 {
        self.problems_total
    }
}

impl Serialize for Section {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct View<'a> {
            name: &'a str,
            title: &'a str,
            status: SectionStatus,
            #[serde(skip_serializing_if = "Option::is_none")]
            skipped: Option<&'a str>,
            counts: &'a BTreeMap<String, u64>,
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            facts: &'a BTreeMap<String, String>,
            problems_total: u64,
            problems: &'a [Problem],
        }
        View {
            name: self.name,
            title: self.title,
            status: self.status(),
            skipped: self.skipped.as_deref(),
            counts: &self.counts,
            facts: &self.facts,
            problems_total: self.problems_total,
            problems: &self.problems,
        }
        .serialize(serializer)
    }
}

/// Everything `redress verify` found, section by section. Other checks
/// (e.g. signed checkpoints) add their own section with [`push`](Self::push).
#[derive(Clone, Debug, Serialize)]
pub struct IntegrityReport {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    pub sections: Vec<Section>,
}

impl IntegrityReport {
    pub fn new(backend: DbBackend) -> Self {
        IntegrityReport {
            backend: match backend {
                DbBackend::Postgres => "postgres",
                DbBackend::Sqlite => "sqlite",
                _ => "other",
            },
            sections: Vec::new(),
        }
    }

    pub fn push(&mut self, section: Section) {
        self.sections.push(section);
    }

    /// No section found a problem.
    pub fn is_whole(&self) -> bool {
        self.sections
            .iter()
            .all(|s| s.status() != SectionStatus::Failed)
    }

    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// The report as JSON, with `whole` on top.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("whole".into(), Value::Bool(self.is_whole()));
        if let Ok(Value::Object(rest)) = serde_json::to_value(self) {
            map.extend(rest);
        }
        Value::Object(map)
    }

    /// The report for people.
    pub fn to_text(&self) -> String {
        let mut out = format!("redress verify ({} database)\n", self.backend);
        for s in &self.sections {
            let mark = match s.status() {
                SectionStatus::Ok => "ok     ",
                SectionStatus::Failed => "FAILED ",
                SectionStatus::Skipped => "skipped",
            };
            let _ = write!(out, "[{mark}] {}", s.title);
            if let Some(reason) = &s.skipped {
                let _ = write!(out, ": {reason}");
            }
            out.push('\n');
            if !s.counts.is_empty() {
                let counts: Vec<String> =
                    s.counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
                let _ = writeln!(out, "          {}", counts.join(", "));
            }
            for (k, v) in &s.facts {
                let _ = writeln!(out, "          {k}: {v}");
            }
            for p in &s.problems {
                let _ = write!(out, "          - {}", p.code);
                if let (Some(t), Some(id)) = (&p.record_type, &p.record_id) {
                    let _ = write!(out, " {t} {id}");
                }
                if let Some(seq) = p.sequence {
                    let _ = write!(out, " sequence {seq}");
                }
                if !p.fields.is_empty() {
                    let _ = write!(out, " [{}]", p.fields.join(", "));
                }
                let _ = writeln!(out, ": {}", p.detail);
            }
            let unlisted = s.problems_total.saturating_sub(s.problems.len() as u64);
            if unlisted > 0 {
                let _ = writeln!(out, "          … and {unlisted} more");
            }
        }
        out.push_str(if self.is_whole() {
            "whole: no problems found\n"
        } else {
            "NOT WHOLE: problems found\n"
        });
        out
    }
}

/// Runs every check on one consistent snapshot of the database.
pub async fn verify(db: &DatabaseConnection) -> Result<IntegrityReport, DbErr> {
    let backend = db.get_database_backend();
    let mut report = IntegrityReport::new(backend);
    let txn = snapshot(db).await?;
    report.push(sqlite_file(&txn, backend).await?);
    report.push(migrations(&txn).await?);
    report.push(triggers(&txn, backend).await?);
    report.push(audit_chain(&txn).await?);
    let mut records = RecordChecks::new();
    records.scan(&txn, &complaint_family()).await?;
    records.complaint_issues(&txn).await?;
    records.scan(&txn, &service_recovery_family()).await?;
    records.scan(&txn, &interpreter_family()).await?;
    records.scan(&txn, &accessibility_family()).await?;
    records.scan(&txn, &note_family()).await?;
    records.scan(&txn, &contact_family()).await?;
    records.scan(&txn, &facility_family()).await?;
    txn.commit().await?;
    for section in records.into_sections() {
        report.push(section);
    }
    Ok(report)
}

async fn sqlite_file(db: &impl ConnectionTrait, backend: DbBackend) -> Result<Section, DbErr> {
    let mut s = Section::new("sqlite_integrity", "SQLite file (PRAGMA integrity_check)");
    if backend != DbBackend::Sqlite {
        s.skip("not a SQLite database");
        return Ok(s);
    }
    for line in sqlite_integrity(db).await? {
        s.problem(Problem::new("SQLITE_INTEGRITY", line));
    }
    Ok(s)
}

async fn migrations(db: &impl ConnectionTrait) -> Result<Section, DbErr> {
    let mut s = Section::new("migrations", "Schema at the code's latest migration");
    let known = Migrator::migrations().len() as u64;
    s.count("known", known);
    match Migrator::get_pending_migrations_read_only(db).await {
        Ok(pending) => {
            s.count("applied", known.saturating_sub(pending.len() as u64));
            for m in &pending {
                s.problem(Problem::new(
                    "MIGRATION_PENDING",
                    format!("migration {} has not been applied", m.name()),
                ));
            }
            if let Some(latest) = Migrator::migrations().last() {
                s.fact("latest", latest.name());
            }
        }
        // sea-orm-migration's refusal names the versions it does not know.
        Err(DbErr::Custom(message)) => {
            s.problem(Problem::new(
                "MIGRATION_UNKNOWN",
                format!("the database is newer than this build: {message}"),
            ));
        }
        Err(e) => return Err(e),
    }
    Ok(s)
}

/// The triggers that make `audit_event` append-only in the database.
async fn triggers(db: &impl ConnectionTrait, backend: DbBackend) -> Result<Section, DbErr> {
    let mut s = Section::new("audit_triggers", "Append-only triggers on audit_event");
    let (sql, expected): (&str, &[&str]) = match backend {
        DbBackend::Postgres => (
            "SELECT tgname::text, tgenabled <> 'D' FROM pg_trigger \
             WHERE tgrelid = 'audit_event'::regclass AND NOT tgisinternal",
            &["audit_event_append_only", "audit_event_no_truncate"],
        ),
        _ => (
            "SELECT name, 1 FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'",
            &["audit_event_no_delete", "audit_event_no_update"],
        ),
    };
    let mut present: HashMap<String, bool> = HashMap::new();
    for row in db
        .query_all_raw(Statement::from_string(backend, sql))
        .await?
    {
        let name: String = row.try_get_by_index(0)?;
        let enabled: bool = row.try_get_by_index(1)?;
        present.insert(name, enabled);
    }
    for name in expected {
        match present.get(*name) {
            Some(true) => {
                s.count("present", 1);
            }
            Some(false) => {
                s.problem(Problem::new(
                    "TRIGGER_DISABLED",
                    format!("trigger {name} is disabled"),
                ));
            }
            None => {
                s.problem(Problem::new(
                    "TRIGGER_MISSING",
                    format!("trigger {name} is missing: audit events can be edited"),
                ));
            }
        }
    }
    Ok(s)
}

async fn audit_chain(db: &impl ConnectionTrait) -> Result<Section, DbErr> {
    let mut s = Section::new("audit_chain", "Audit chain (SHA-256 links)");
    let result = audit::verify_in(db, None, None).await?;
    s.count("events", result.checked);
    if let Some(broken) = &result.broken {
        s.problem(
            Problem::new(
                "CHAIN_BROKEN",
                format!(
                    "{} at event {}; events after it were not checked",
                    link_problem(broken.problem),
                    broken.event_id
                ),
            )
            .sequence(broken.sequence),
        );
    } else if let Some((sequence, hash)) = last_event(db).await? {
        s.fact("last_sequence", sequence);
        s.fact("last_hash", hash);
    }
    Ok(s)
}

/// How one kind of record is stored, for the document, replay and
/// projection checks.
struct Family<E: EntityTrait> {
    record_type: &'static str,
    id_column: E::Column,
    id: fn(&E::Model) -> Uuid,
    /// The document its audit events rebuild, from the stored row.
    document: fn(&E::Model) -> Result<Value, serde_json::Error>,
    /// For a record kept as a document beside projection columns: decodes
    /// the document as its domain record and projects it back to a row.
    project: Option<Projector<E>>,
}

/// Decodes a row's document and projects it back to the row it implies.
type Projector<E> =
    fn(&<E as EntityTrait>::Model) -> Result<<E as EntityTrait>::Model, Undecodable>;

enum Undecodable {
    Json(serde_json::Error),
    Projection,
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

fn decode_as<T: DeserializeOwned>(record: &str) -> Result<T, Undecodable> {
    serde_json::from_str(record).map_err(Undecodable::Json)
}

fn complaint_family() -> Family<complaint::Entity> {
    Family {
        record_type: RECORD_COMPLAINT,
        id_column: complaint::Column::Id,
        id: |m| m.id,
        document: |m| serde_json::from_str(&m.record),
        project: Some(|m| {
            let state: ComplaintState = decode_as(&m.record)?;
            complaints::row(m.id, &state).map_err(|_| Undecodable::Projection)
        }),
    }
}

fn service_recovery_family() -> Family<service_recovery_action::Entity> {
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

fn interpreter_family() -> Family<interpreter_session::Entity> {
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

fn accessibility_family() -> Family<accessibility_request::Entity> {
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

fn note_family() -> Family<complaint_note::Entity> {
    Family {
        record_type: RECORD_NOTE,
        id_column: complaint_note::Column::Id,
        id: |m| m.id,
        document: |m| Ok(complaints::note_document(m)),
        project: None,
    }
}

fn contact_family() -> Family<complaint_contact::Entity> {
    Family {
        record_type: RECORD_CONTACT,
        id_column: complaint_contact::Column::Id,
        id: |m| m.id,
        document: |m| Ok(complaints::contact_document(m)),
        project: None,
    }
}

fn facility_family() -> Family<facility::Entity> {
    Family {
        record_type: RECORD_FACILITY,
        id_column: facility::Column::Id,
        id: |m| m.id,
        document: |m| Ok(facilities::document(m)),
        project: None,
    }
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

    #[test]
    fn a_section_fails_with_a_problem_and_caps_the_list() {
        let mut s = Section::new("x", "X");
        assert_eq!(s.status(), SectionStatus::Ok);
        s.skip("n/a");
        assert_eq!(s.status(), SectionStatus::Skipped);
        for _ in 0..(MAX_LISTED_PROBLEMS + 5) {
            s.problem(Problem::new("P", "p"));
        }
        assert_eq!(s.status(), SectionStatus::Failed);
        assert_eq!(s.problems().len(), MAX_LISTED_PROBLEMS);
        assert_eq!(s.problems_total(), MAX_LISTED_PROBLEMS as u64 + 5);
        let mut report = IntegrityReport::new(DbBackend::Sqlite);
        report.push(Section::new("ok", "OK"));
        assert!(report.is_whole());
        report.push(s);
        assert!(!report.is_whole());
        assert_eq!(report.to_json()["whole"], json!(false));
        assert!(report.to_text().contains("… and 5 more"));
    }
}
