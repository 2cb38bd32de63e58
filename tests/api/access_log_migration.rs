//! The migration to one access log: every entry of the two old tables
//! (`access_log` for complaints, `record_access` for the linked records)
//! reaches the new one unchanged, and `accessLog` / `recordAccessLog`
//! answer with them.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use entity::{access_log_entry, complaint, deadline_policy, facility, service_recovery_action};
use migration::{Migrator, MigratorTrait};
use redress_api::startup::Application;
use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

/// The migrations before the one that merges the logs.
const BEFORE_ONE_LOG: u32 = 4;

/// One entry as the old tables held it.
#[derive(Clone, Debug, PartialEq)]
struct Entry {
    id: Uuid,
    record_type: String,
    record_id: Uuid,
    subject: String,
    name: String,
    roles: String,
    request_id: String,
    operation: String,
    at: DateTime<Utc>,
}

fn entries(record_type: &str, record_id: Uuid, operations: &[&str]) -> Vec<Entry> {
    let start = Utc::now().trunc_subsecs(6) - Duration::days(3);
    operations
        .iter()
        .enumerate()
        .map(|(i, op)| Entry {
            id: Uuid::now_v7(),
            record_type: record_type.to_owned(),
            record_id,
            subject: format!("reader-{i}"),
            name: format!("Reader {i}"),
            roles: if i % 2 == 0 {
                "PATIENT_RELATIONS".to_owned()
            } else {
                "PATIENT_RELATIONS_MANAGER COMPLIANCE".to_owned()
            },
            request_id: format!("req-{record_type}-{i}"),
            operation: (*op).to_owned(),
            at: start + Duration::minutes(i as i64 * 7) + Duration::microseconds(123),
        })
        .collect()
}

async fn insert_old(db: &DatabaseConnection, e: &Entry) {
    let complaint = e.record_type == "Complaint";
    let (table, mut columns, mut row) = if complaint {
        (
            "access_log",
            vec!["id", "complaint_id"],
            vec![e.id.into(), e.record_id.into()],
        )
    } else {
        (
            "record_access",
            vec!["id", "record_type", "record_id"],
            vec![
                e.id.into(),
                e.record_type.clone().into(),
                e.record_id.into(),
            ],
        )
    };
    columns.extend([
        "actor_subject",
        "actor_name",
        "actor_roles",
        "request_id",
        "operation",
        "accessed_at",
    ]);
    row.extend([
        e.subject.clone().into(),
        e.name.clone().into(),
        e.roles.clone().into(),
        e.request_id.clone().into(),
        e.operation.clone().into(),
        e.at.into(),
    ]);
    let statement = Query::insert()
        .into_table(Alias::new(table))
        .columns(columns.into_iter().map(Alias::new))
        .values_panic(row)
        .to_owned();
    db.execute(&statement).await.expect("insert an old entry");
}

/// Copies the facilities into a database whose facility table predates
/// `default_language` (added after the merge of the logs).
async fn copy_facilities(from: &DatabaseConnection, to: &DatabaseConnection) {
    for f in facility::Entity::find()
        .all(from)
        .await
        .expect("read facilities")
    {
        let statement = Query::insert()
            .into_table(Alias::new("facility"))
            .columns(
                [
                    "id",
                    "code",
                    "name",
                    "time_zone",
                    "approval_threshold_amount",
                    "approval_threshold_currency",
                    "version",
                    "created_at",
                    "updated_at",
                ]
                .map(Alias::new),
            )
            .values_panic([
                f.id.into(),
                f.code.into(),
                f.name.into(),
                f.time_zone.into(),
                f.approval_threshold_amount.into(),
                f.approval_threshold_currency.into(),
                f.version.into(),
                f.created_at.into(),
                f.updated_at.into(),
            ])
            .to_owned();
        to.execute(&statement).await.expect("copy a facility");
    }
}

/// Copies the deadline policies into a database whose policy table
/// predates the progress notice.
async fn copy_policies(from: &DatabaseConnection, to: &DatabaseConnection) {
    let rows = deadline_policy::Entity::find()
        .all(from)
        .await
        .expect("read policies");
    deadline_policy::Entity::insert_many(rows.into_iter().map(|m| {
        let mut row = m.into_active_model();
        row.progress_notice_amount = sea_orm::ActiveValue::NotSet;
        row.progress_notice_unit = sea_orm::ActiveValue::NotSet;
        row
    }))
    .exec_without_returning(to)
    .await
    .expect("copy policies");
}

/// Copies the complaints into a database whose complaint table predates
/// `response_gap` (added for the survey-readiness report), the
/// progress-notice columns and `extension_count`.
async fn copy_complaints(from: &DatabaseConnection, to: &DatabaseConnection) {
    let rows = complaint::Entity::find()
        .all(from)
        .await
        .expect("read complaints");
    complaint::Entity::insert_many(rows.into_iter().map(|m| {
        let mut row = m.into_active_model();
        row.response_gap = sea_orm::ActiveValue::NotSet;
        row.progress_notice_due_at = sea_orm::ActiveValue::NotSet;
        row.progress_notice_met_at = sea_orm::ActiveValue::NotSet;
        row.extension_count = sea_orm::ActiveValue::NotSet;
        row
    }))
    .exec_without_returning(to)
    .await
    .expect("copy complaints");
}

/// Copies every row of one table between databases (same schema).
async fn copy<E>(from: &DatabaseConnection, to: &DatabaseConnection)
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel>,
{
    let rows = E::find().all(from).await.expect("read rows");
    if rows.is_empty() {
        return;
    }
    E::insert_many(rows.into_iter().map(IntoActiveModel::into_active_model))
        .exec_without_returning(to)
        .await
        .expect("copy rows");
}

const ACCESS_LOG: &str = "query L($id: ID!) {
  accessLog(complaintId: $id, first: 100) {
    totalCount
    nodes { id accessedAt operation requestId actor { subject name roles } }
  }
}";

const RECORD_ACCESS_LOG: &str = "query L($id: ID!) {
  recordAccessLog(recordId: $id, first: 100) {
    totalCount
    nodes { id accessedAt operation requestId actor { subject name roles } }
  }
}";

/// What the API should answer for these entries: newest first.
fn expected(entries: &[Entry]) -> Value {
    let mut nodes: Vec<Value> = entries
        .iter()
        .map(|e| {
            json!({
                "id": e.id.to_string(),
                "accessedAt": e.at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                "operation": e.operation,
                "requestId": e.request_id,
                "actor": {
                    "subject": e.subject,
                    "name": e.name,
                    "roles": e.roles.split_whitespace().collect::<Vec<_>>(),
                },
            })
        })
        .collect();
    nodes.reverse();
    json!({ "totalCount": entries.len(), "nodes": nodes })
}

/// Normalises `accessedAt` to the instant, whatever offset notation.
fn instants(mut log: Value) -> Value {
    for node in log["nodes"].as_array_mut().into_iter().flatten() {
        let at = DateTime::parse_from_rfc3339(node["accessedAt"].as_str().unwrap())
            .unwrap()
            .with_timezone(&Utc);
        node["accessedAt"] = json!(at.timestamp_micros());
    }
    log
}

#[tokio::test]
async fn every_entry_of_both_old_logs_reaches_the_one_log() {
    // Records to read, made through the API on a current database.
    let source = TestDb::new().await;
    let app = TestApp::start(
        Application::build(settings(&source.url))
            .await
            .expect("app builds"),
    );
    app.create_facility("MAIN").await;
    let c = app.create_complaint(&manager(), intake("MAIN")).await;
    let action = app
        .work_must(
            &manager(),
            "serviceRecoveryPropose",
            proposal(&c["id"], "APOLOGY", None),
        )
        .await;
    let complaint_id = uuid_of_global(&c["id"]);
    let action_id = uuid_of_global(&action["id"]);

    // A database at the migration before, holding those records and
    // entries in both old tables.
    let target = TestDb::empty().await;
    let db = target.connect().await;
    Migrator::up(&db, Some(BEFORE_ONE_LOG))
        .await
        .expect("migrate to the two logs");
    let from = source.connect().await;
    copy_facilities(&from, &db).await;
    copy_policies(&from, &db).await;
    copy_complaints(&from, &db).await;
    copy::<service_recovery_action::Entity>(&from, &db).await;
    let complaint_reads = entries(
        "Complaint",
        complaint_id,
        &[
            "complaint",
            "complaints",
            "node",
            "complaintCreate (replay)",
        ],
    );
    let action_reads = entries(
        "ServiceRecoveryAction",
        action_id,
        &["serviceRecoveryActions", "node"],
    );
    // A read of a record that no longer answers is kept all the same.
    let other_reads = entries(
        "InterpreterSession",
        Uuid::now_v7(),
        &["interpreterSessions"],
    );
    let all: Vec<Entry> = [&complaint_reads, &action_reads, &other_reads]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    for e in &all {
        insert_old(&db, e).await;
    }

    Migrator::up(&db, None).await.expect("migrate to one log");

    let mut stored: Vec<Entry> = access_log_entry::Entity::find()
        .all(&db)
        .await
        .expect("read the one log")
        .into_iter()
        .map(|m| Entry {
            id: m.id,
            record_type: m.record_type,
            record_id: m.record_id,
            subject: m.actor_subject,
            name: m.actor_name,
            roles: m.actor_roles,
            request_id: m.request_id,
            operation: m.operation,
            at: m.accessed_at,
        })
        .collect();
    stored.sort_by_key(|e| e.id);
    let mut want = all.clone();
    want.sort_by_key(|e| e.id);
    assert_eq!(stored, want, "every entry, unchanged");
    for table in ["access_log", "record_access"] {
        let gone = db
            .execute_unprepared(&format!("SELECT 1 FROM {table}"))
            .await;
        assert!(gone.is_err(), "{table} is dropped");
    }
    db.close().await.expect("close");

    // The API answers from the one log as it did from the two.
    let migrated = TestApp::start(
        Application::build(settings(&target.url))
            .await
            .expect("app builds on the migrated database"),
    );
    let log = migrated
        .ok(&compliance(), ACCESS_LOG, json!({ "id": c["id"] }))
        .await;
    assert_eq!(
        instants(log["accessLog"].clone()),
        instants(expected(&complaint_reads)),
        "accessLog"
    );
    let log = migrated
        .ok(
            &compliance(),
            RECORD_ACCESS_LOG,
            json!({ "id": action["id"] }),
        )
        .await;
    assert_eq!(
        instants(log["recordAccessLog"].clone()),
        instants(expected(&action_reads)),
        "recordAccessLog"
    );
}
