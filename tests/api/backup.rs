//! `redress backup` and `redress verify`: a backup taken under write load
//! holds everything acknowledged before it started and verifies; the
//! PostgreSQL procedure (pg_dump under load, pg_restore, verify) works;
//! verify names each kind of damage without quoting content.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use entity::complaint;
use redress_api::startup::Application;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, Set,
};
use serde_json::{Value, json};

use crate::cli::redress;
use crate::helpers::*;

const CREATE: &str = "mutation M($input: ComplaintCreateInput!) {
  complaintCreate(input: $input) { complaint { id reference version } userErrors { code } }
}";

const ACKNOWLEDGE: &str = "mutation M($input: ComplaintAcknowledgeInput!) {
  complaintAcknowledge(input: $input) { complaint { id reference version status } userErrors { code } }
}";

/// A complaint the load acknowledged: its reference and version then.
type Acknowledged = Arc<Mutex<Vec<(String, i64)>>>;

/// Writers creating and acknowledging complaints until `stop` is set.
struct Load {
    stop: Arc<AtomicBool>,
    acknowledged: Acknowledged,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    fn start(app: &Arc<TestApp>, writers: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let acknowledged: Acknowledged = Arc::default();
        let tasks = (0..writers)
            .map(|_| {
                let (app, stop, acknowledged) = (app.clone(), stop.clone(), acknowledged.clone());
                tokio::spawn(async move {
                    let token = specialist();
                    while !stop.load(Ordering::SeqCst) {
                        let data = app
                            .ok(&token, CREATE, json!({ "input": intake("MAIN") }))
                            .await;
                        let created = &data["complaintCreate"]["complaint"];
                        let data = app
                            .ok(
                                &token,
                                ACKNOWLEDGE,
                                json!({ "input": at(created, json!({ "method": "PHONE" })) }),
                            )
                            .await;
                        let c = &data["complaintAcknowledge"]["complaint"];
                        assert_eq!(c["status"], "ACKNOWLEDGED", "{data:#}");
                        acknowledged.lock().unwrap().push((
                            c["reference"].as_str().unwrap().to_owned(),
                            c["version"].as_i64().unwrap(),
                        ));
                    }
                })
            })
            .collect();
        Load {
            stop,
            acknowledged,
            tasks,
        }
    }

    fn acknowledged(&self) -> Vec<(String, i64)> {
        self.acknowledged.lock().unwrap().clone()
    }

    /// Waits until at least `n` complaints are acknowledged.
    async fn until(&self, n: usize) {
        for _ in 0..600 {
            if self.acknowledged.lock().unwrap().len() >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the load did not acknowledge {n} complaints in 30 s");
    }

    async fn stop(self) -> Vec<(String, i64)> {
        self.stop.store(true, Ordering::SeqCst);
        for task in self.tasks {
            task.await.unwrap();
        }
        self.acknowledged.lock().unwrap().clone()
    }
}

/// Runs `redress ARGS` off the async runtime, so the load keeps going.
async fn run(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || redress().args(&args).output().unwrap())
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `redress verify --json` on a database: exit code and report.
async fn verify(url: &str) -> (i32, Value, String) {
    let out = run(vec![
        "verify".into(),
        "--json".into(),
        "--database-url".into(),
        url.into(),
    ])
    .await;
    let stdout = text(&out.stdout);
    let report = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), report, stdout)
}

/// The problems of one section of a report.
fn problems<'a>(report: &'a Value, section: &str) -> &'a Vec<Value> {
    report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == section)
        .unwrap_or_else(|| panic!("no section {section}: {report:#}"))["problems"]
        .as_array()
        .unwrap()
}

/// Every acknowledged complaint is in the database at its version.
async fn assert_holds(db: &DatabaseConnection, acknowledged: &[(String, i64)]) {
    for (reference, version) in acknowledged {
        let row = complaint::Entity::find()
            .filter(complaint::Column::Reference.eq(reference.as_str()))
            .one(db)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{reference} is missing"));
        assert_eq!(row.status, "ACKNOWLEDGED", "{reference}");
        assert_eq!(i64::from(row.version), *version, "{reference}");
    }
}

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("redress-backup-{}-{name}", uuid::Uuid::now_v7()))
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// SQLite whatever `DATABASE_URL` says: `redress backup` is for the
/// embedded database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backup_under_write_load_holds_what_was_acknowledged_and_verifies() {
    let db = TestDb::sqlite().await;
    let app = Arc::new(TestApp::start(
        Application::build(settings(&db.url)).await.unwrap(),
    ));
    app.create_facility("MAIN").await;
    let load = Load::start(&app, 4);
    load.until(10).await;

    // The live database verifies while it is written to (a snapshot).
    let (code, report, stdout) = verify(&db.url).await;
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(report["whole"], true);

    let before = load.acknowledged();
    let file = temp_path("copy.db");
    let out = run(vec![
        "backup".into(),
        file.display().to_string(),
        "--database-url".into(),
        db.url.clone(),
    ])
    .await;
    let during = load.acknowledged().len();
    load.until(during + 5).await;
    let all = load.stop().await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary = text(&out.stdout);
    assert!(summary.contains("audit chain:    intact"), "{summary}");
    assert!(
        all.len() > before.len(),
        "writes went on during and after the backup"
    );
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let (code, report, stdout) = verify(&sqlite_url(&file)).await;
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(report["whole"], true);
    let copy = redress_api::ops::connect_read_only(&sqlite_url(&file))
        .await
        .unwrap();
    assert_holds(&copy, &before).await;
    let chain = redress_api::services::audit::verify(&copy, None, None)
        .await
        .unwrap();
    assert!(chain.intact);
    // The summary's event count is the copy's.
    assert!(
        summary.contains(&format!("intact, {} events", chain.checked)),
        "{summary}"
    );
    copy.close().await.unwrap();
    let _ = std::fs::remove_file(&file);
}

/// The README's PostgreSQL procedure: pg_dump while the server writes,
/// createdb + pg_restore, `redress verify`. On SQLite runs there is no
/// PostgreSQL to dump; CI runs this test on PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_dump_under_write_load_restores_and_verifies() {
    if !std::env::var("DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        eprintln!("skipped: pg_dump/pg_restore needs DATABASE_URL=postgres://… (CI runs it)");
        return;
    }
    let db = TestDb::new().await;
    let app = Arc::new(TestApp::start(
        Application::build(settings(&db.url)).await.unwrap(),
    ));
    app.create_facility("MAIN").await;
    let load = Load::start(&app, 4);
    load.until(10).await;
    let before = load.acknowledged();
    let dump = temp_path("redress.dump");
    let out = run_tool(
        "pg_dump",
        vec![
            "--format=custom".into(),
            "--no-owner".into(),
            format!("--file={}", dump.display()),
            db.url.clone(),
        ],
    )
    .await;
    assert!(out.status.success(), "pg_dump: {}", text(&out.stderr));
    let during = load.acknowledged().len();
    load.until(during + 5).await;
    let all = load.stop().await;
    assert!(all.len() > before.len());

    // A fresh database named like every test database (CI drops them).
    let restored = TestDb::empty().await;
    let out = run_tool(
        "pg_restore",
        vec![
            "--no-owner".into(),
            "--exit-on-error".into(),
            "-d".into(),
            restored.url.clone(),
            dump.display().to_string(),
        ],
    )
    .await;
    assert!(out.status.success(), "pg_restore: {}", text(&out.stderr));
    let _ = std::fs::remove_file(&dump);

    let (code, report, stdout) = verify(&restored.url).await;
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(report["whole"], true);
    assert!(problems(&report, "audit_triggers").is_empty());
    let conn = restored.connect().await;
    assert_holds(&conn, &before).await;
    // The append-only triggers came back with the restore.
    let refused = conn
        .execute_unprepared("UPDATE audit_event SET reason = 'edited' WHERE sequence = 1")
        .await;
    assert!(refused.is_err(), "audit_event accepted an UPDATE");
}

async fn run_tool(program: &'static str, args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(program)
            .args(&args)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

/// A database with history: a facility, two acknowledged complaints.
async fn history() -> (TestDb, TestApp, DatabaseConnection) {
    let db = TestDb::new().await;
    let app = TestApp::start(Application::build(settings(&db.url)).await.unwrap());
    app.create_facility("MAIN").await;
    for _ in 0..2 {
        let c = app.create_complaint(&specialist(), intake("MAIN")).await;
        app.complaint_must(
            &specialist(),
            "complaintAcknowledge",
            at(&c, json!({ "method": "PHONE" })),
        )
        .await;
    }
    let conn = db.connect().await;
    let (code, _, stdout) = verify(&db.url).await;
    assert_eq!(code, 0, "whole before the damage: {stdout}");
    (db, app, conn)
}

async fn first_complaint(conn: &DatabaseConnection) -> complaint::Model {
    complaint::Entity::find().one(conn).await.unwrap().unwrap()
}

async fn set_record(conn: &DatabaseConnection, row: &complaint::Model, record: String) {
    let mut active = row.clone().into_active_model();
    active.record = Set(record);
    active.update(conn).await.unwrap();
}

#[tokio::test]
async fn verify_names_a_record_edited_behind_the_audit_trail() {
    let (db, _app, conn) = history().await;
    let row = first_complaint(&conn).await;
    let mut document: Value = serde_json::from_str(&row.record).unwrap();
    document["description"] = json!("Rewritten after the fact.");
    set_record(&conn, &row, document.to_string()).await;

    let (code, report, stdout) = verify(&db.url).await;
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(report["whole"], false);
    let found = problems(&report, "replay");
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["code"], "REPLAY_MISMATCH");
    assert_eq!(found[0]["recordType"], "Complaint");
    assert_eq!(found[0]["recordId"], row.id.to_string());
    assert_eq!(found[0]["fields"], json!(["description"]));
    assert!(!stdout.contains("Rewritten after the fact"));
    // The projections still agree: only the document changed.
    assert!(problems(&report, "projections").is_empty());
}

#[tokio::test]
async fn verify_names_records_that_do_not_decode_without_quoting_them() {
    const PHI: &str = "Jane-Doe-MRN-884422";
    let (db, _app, conn) = history().await;
    let rows = complaint::Entity::find().all(&conn).await.unwrap();
    // Not JSON at all, and JSON that is not a complaint (serde would quote
    // the unknown status in its message).
    set_record(&conn, &rows[0], format!("{{\"description\": \"{PHI}")).await;
    let mut document: Value = serde_json::from_str(&rows[1].record).unwrap();
    document["status"] = json!(PHI);
    set_record(&conn, &rows[1], document.to_string()).await;

    let (code, report, stdout) = verify(&db.url).await;
    assert_eq!(code, 1, "{stdout}");
    let found = problems(&report, "record_documents");
    let named: Vec<(&str, &str)> = found
        .iter()
        .map(|p| (p["code"].as_str().unwrap(), p["recordId"].as_str().unwrap()))
        .collect();
    let (first, second) = (rows[0].id.to_string(), rows[1].id.to_string());
    assert!(
        named.contains(&("RECORD_UNDECODABLE", first.as_str())),
        "{report:#}"
    );
    assert!(
        named.contains(&("RECORD_UNDECODABLE", second.as_str())),
        "{report:#}"
    );
    assert!(!stdout.contains(PHI), "{stdout}");
    let out = run(vec![
        "verify".into(),
        "--database-url".into(),
        db.url.clone(),
    ])
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains(&first));
    assert!(!text(&out.stdout).contains(PHI));
    assert!(!text(&out.stderr).contains(PHI));
}

#[tokio::test]
async fn verify_names_the_broken_link_when_an_event_was_edited_with_triggers_dropped() {
    let (db, _app, conn) = history().await;
    let drop = if db.url.starts_with("postgres") {
        "DROP TRIGGER audit_event_append_only ON audit_event"
    } else {
        "DROP TRIGGER audit_event_no_update"
    };
    conn.execute_unprepared(drop).await.unwrap();
    conn.execute_unprepared("UPDATE audit_event SET reason = 'tidied up' WHERE sequence = 3")
        .await
        .unwrap();

    let (code, report, stdout) = verify(&db.url).await;
    assert_eq!(code, 1, "{stdout}");
    let broken = problems(&report, "audit_chain");
    assert_eq!(broken.len(), 1, "{report:#}");
    assert_eq!(broken[0]["code"], "CHAIN_BROKEN");
    assert_eq!(broken[0]["sequence"], 3);
    assert!(
        broken[0]["detail"]
            .as_str()
            .unwrap()
            .contains("CONTENT_ALTERED")
    );
    let triggers = problems(&report, "audit_triggers");
    assert_eq!(triggers[0]["code"], "TRIGGER_MISSING", "{report:#}");
}

#[tokio::test]
async fn verify_names_a_projection_column_that_disagrees_with_the_document() {
    let (db, _app, conn) = history().await;
    let row = first_complaint(&conn).await;
    let mut active = row.clone().into_active_model();
    active.status = Set("CLOSED".into());
    active.reference = Set("GRV-2026-999999".into());
    active.update(&conn).await.unwrap();
    // And an issue row of the other complaint.
    let issue = entity::complaint_issue::Entity::find()
        .filter(entity::complaint_issue::Column::ComplaintId.ne(row.id))
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    let other = issue.complaint_id;
    let mut active = issue.into_active_model();
    active.severity = Set(5);
    active.update(&conn).await.unwrap();

    let (code, report, stdout) = verify(&db.url).await;
    assert_eq!(code, 1, "{stdout}");
    let found = problems(&report, "projections");
    assert_eq!(found.len(), 2, "{report:#}");
    assert_eq!(found[0]["code"], "PROJECTION_MISMATCH");
    assert_eq!(found[0]["recordId"], row.id.to_string());
    assert_eq!(found[0]["fields"], json!(["reference", "status"]));
    assert_eq!(found[1]["recordId"], other.to_string());
    assert_eq!(found[1]["fields"], json!(["complaint_issue"]));
    // The document and its events still agree.
    assert!(problems(&report, "replay").is_empty());
}

#[tokio::test]
async fn verify_names_a_record_whose_row_was_deleted() {
    let (db, _app, conn) = history().await;
    let row = first_complaint(&conn).await;
    entity::complaint_issue::Entity::delete_many()
        .filter(entity::complaint_issue::Column::ComplaintId.eq(row.id))
        .exec(&conn)
        .await
        .unwrap();
    complaint::Entity::delete_by_id(row.id)
        .exec(&conn)
        .await
        .unwrap();
    let (code, report, stdout) = verify(&db.url).await;
    assert_eq!(code, 1, "{stdout}");
    let found = problems(&report, "replay");
    assert_eq!(found[0]["code"], "RECORD_MISSING", "{report:#}");
    assert_eq!(found[0]["recordId"], row.id.to_string());
}

#[tokio::test]
async fn backup_refuses_an_existing_file_and_points_postgres_to_pg_dump() {
    let db = TestDb::sqlite().await;
    let file = temp_path("exists.db");
    std::fs::write(&file, b"keep me").unwrap();
    let out = run(vec![
        "backup".into(),
        file.display().to_string(),
        "--database-url".into(),
        db.url.clone(),
    ])
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("already exists"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"keep me");
    let _ = std::fs::remove_file(&file);

    // Refused before connecting: no server needed, nothing written.
    let target = temp_path("pg.db");
    let out = run(vec![
        "backup".into(),
        target.display().to_string(),
        "--database-url".into(),
        "postgres://postgres:hunter2@127.0.0.1:5432/redress".into(),
    ])
    .await;
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("pg_dump --format=custom --no-owner"),
        "{stderr}"
    );
    assert!(
        stderr.contains("pg_restore --no-owner --exit-on-error"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"));
    assert!(!target.exists());
}

#[tokio::test]
async fn verify_cannot_check_a_missing_database() {
    let missing = temp_path("missing.db");
    let (code, _, _) = verify(&sqlite_url(&missing)).await;
    assert_eq!(code, 2);
    assert!(!missing.exists(), "verify created the database");
    // The default location: no data directory is created either.
    let dir = temp_path("no-data-dir");
    let out = run(vec![
        "verify".into(),
        "--data-dir".into(),
        dir.display().to_string(),
    ])
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("does not exist"));
    assert!(!dir.exists(), "verify created the data directory");
}

#[tokio::test]
async fn verify_names_pending_and_unknown_migrations() {
    let (db, _app, conn) = history().await;
    conn.execute_unprepared(
        "DELETE FROM seaql_migrations WHERE version = 'm20261122_000003_linked_work'",
    )
    .await
    .unwrap();
    let (code, report, stdout) = verify(&db.url).await;
    assert_eq!(code, 1, "{stdout}");
    let found = problems(&report, "migrations");
    assert_eq!(found[0]["code"], "MIGRATION_PENDING", "{report:#}");
    assert!(
        found[0]["detail"]
            .as_str()
            .unwrap()
            .contains("m20261122_000003_linked_work")
    );

    conn.execute_unprepared(
        "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m20261122_000003_linked_work', 0), ('m29990101_000001_from_the_future', 0)",
    )
    .await
    .unwrap();
    let (code, report, stdout) = verify(&db.url).await;
    assert_eq!(code, 1, "{stdout}");
    let found = problems(&report, "migrations");
    assert_eq!(found[0]["code"], "MIGRATION_UNKNOWN", "{report:#}");
    assert!(
        found[0]["detail"]
            .as_str()
            .unwrap()
            .contains("m29990101_000001_from_the_future")
    );
}
