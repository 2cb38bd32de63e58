//! Signed checkpoints of the audit trail: taking and listing them, who may,
//! the periodic task, and what they catch that the hash chain alone cannot
//! (a trail rewritten and re-hashed by someone with database rights, a
//! truncated tail), plus forged and foreign checkpoints.

use std::sync::Arc;
use std::time::Duration;

use entity::{audit_checkpoint, audit_event};
use redress_api::checkpoint_key::CheckpointSigner;
use redress_api::domain::audit as chain;
use redress_api::domain::checkpoint::{Head, SignedCheckpoint};
use redress_api::startup::Application;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryOrder, Set,
};
use serde_json::{Value, json};

use crate::helpers::*;

/// An app with a known checkpoint key, and the database behind it.
async fn app_with_key() -> (TestApp, TestDb, Arc<CheckpointSigner>) {
    let db = TestDb::new().await;
    let signer = Arc::new(CheckpointSigner::generate());
    let mut s = settings(&db.url);
    s.checkpoints.signer = signer.clone();
    let app = TestApp::start(Application::build(s).await.unwrap());
    (app, db, signer)
}

async fn all_events(conn: &DatabaseConnection) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .order_by_asc(audit_event::Column::Sequence)
        .all(conn)
        .await
        .unwrap()
}

/// What someone with DDL rights does first: lift the insert-only guards of
/// the trail and of the checkpoints.
async fn lift_guards(conn: &DatabaseConnection) {
    let statements: &[&str] = match conn.get_database_backend() {
        DbBackend::Postgres => &[
            "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only",
            "ALTER TABLE audit_checkpoint DISABLE TRIGGER audit_checkpoint_insert_only",
        ],
        _ => &[
            "DROP TRIGGER audit_event_no_update",
            "DROP TRIGGER audit_event_no_delete",
            "DROP TRIGGER audit_checkpoint_no_update",
            "DROP TRIGGER audit_checkpoint_no_delete",
        ],
    };
    for s in statements {
        conn.execute_unprepared(s).await.unwrap();
    }
}

/// And last: puts them back, so nothing looks amiss.
async fn restore_guards(conn: &DatabaseConnection) {
    match conn.get_database_backend() {
        DbBackend::Postgres => {
            for s in [
                "ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only",
                "ALTER TABLE audit_checkpoint ENABLE TRIGGER audit_checkpoint_insert_only",
            ] {
                conn.execute_unprepared(s).await.unwrap();
            }
        }
        _ => {
            for (table, message) in [
                ("audit_event", "append-only"),
                ("audit_checkpoint", "insert-only"),
            ] {
                for op in ["UPDATE", "DELETE"] {
                    conn.execute_unprepared(&format!(
                        "CREATE TRIGGER {table}_no_{} BEFORE {op} ON {table}
                         BEGIN SELECT RAISE(ABORT, '{table} is {message}'); END",
                        op.to_ascii_lowercase()
                    ))
                    .await
                    .unwrap();
                }
            }
        }
    }
}

/// The rewrite: changes the `after` and `reason` of event `sequence`, then
/// recomputes its hash and every later event's `previous_hash` and `hash`
/// with the crate's own chain function, so the chain links up again.
async fn rewrite_and_rehash(conn: &DatabaseConnection, sequence: i64) {
    rewrite_and_rehash_with(conn, sequence, |e| {
        let after = e.after.clone().unwrap();
        let edited = after.replace("Emergency Department", "Outpatient Radiology");
        assert_ne!(edited, after, "event {} names no department", e.sequence);
        e.after = Some(edited);
        e.reason = Some("corrected".into());
    })
    .await;
}

/// As [`rewrite_and_rehash`], with the edit given.
async fn rewrite_and_rehash_with(
    conn: &DatabaseConnection,
    sequence: i64,
    edit: impl Fn(&mut audit_event::Model),
) {
    let mut previous_hash: Option<String> = None;
    for mut e in all_events(conn).await {
        if e.sequence < sequence {
            continue;
        }
        if e.sequence == sequence {
            edit(&mut e);
        }
        let previous = previous_hash.take().unwrap_or(e.previous_hash.clone());
        let hash = chain::chain_hash(&previous, &redress_api::services::audit::event_content(&e));
        assert_ne!(hash, e.hash);
        audit_event::ActiveModel {
            sequence: Set(e.sequence),
            after: Set(e.after.clone()),
            reason: Set(e.reason.clone()),
            previous_hash: Set(previous),
            hash: Set(hash.clone()),
            ..Default::default()
        }
        .update(conn)
        .await
        .unwrap();
        previous_hash = Some(hash);
    }
}

#[tokio::test]
async fn a_checkpoint_is_signed_listed_and_exported() {
    let (app, _db, signer) = app_with_key().await;

    // Nothing to sign yet.
    let payload = app.take_checkpoint(&compliance(), json!({})).await;
    assert!(payload["checkpoint"].is_null(), "{payload:#}");
    assert_eq!(user_error_codes(&payload), ["GUARD_FAILED"], "{payload:#}");
    // The input may be left out altogether.
    let data = app
        .ok(
            &admin(),
            "mutation { auditCheckpoint { checkpoint { sequence } userErrors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["auditCheckpoint"]["userErrors"][0]["code"], "GUARD_FAILED",
        "{data:#}"
    );

    app.events(2).await;
    let head = all_events(&_db.connect().await).await.pop().unwrap();
    assert_eq!(head.sequence, 4);

    // The head moved past what the caller reviewed: nothing signed.
    let payload = app
        .take_checkpoint(&compliance(), json!({ "expectedSequence": 3 }))
        .await;
    assert_eq!(user_error_codes(&payload), ["CONFLICT"], "{payload:#}");
    assert_eq!(
        payload["userErrors"][0]["field"],
        json!(["input", "expectedSequence"])
    );
    assert_eq!(app.checkpoints_page(10, Value::Null).await["totalCount"], 0);

    let first = app
        .take_checkpoint(&compliance(), json!({ "expectedSequence": 4 }))
        .await;
    assert_eq!(first["userErrors"], json!([]), "{first:#}");
    let first = first["checkpoint"].clone();
    assert_eq!(first["sequence"], 4);
    assert_eq!(first["hash"], head.hash.as_str());
    assert_eq!(first["createdBy"], "co-1");
    assert_eq!(first["keyId"], signer.key_id());
    assert_eq!(first["publicKey"].as_str().unwrap().len(), 64);
    assert_eq!(first["signature"].as_str().unwrap().len(), 128);

    // The export line parses, holds the same checkpoint, and verifies under
    // the server's key against the trail.
    let line = first["export"].as_str().unwrap();
    assert!(line.starts_with("redress-checkpoint/v1 4 "), "{line}");
    let parsed = SignedCheckpoint::parse_export_line(line).unwrap();
    assert_eq!(parsed.head.sequence, 4);
    assert_eq!(parsed.head.hash, head.hash);
    let signed_at: chrono::DateTime<chrono::Utc> =
        first["signedAt"].as_str().unwrap().parse().unwrap();
    assert_eq!(parsed.head.signed_at, signed_at);
    assert_eq!(parsed.key_id(), signer.key_id());
    assert_eq!(parsed.check(&signer.public_key(), Some(&head.hash)), None);

    // A second at the same head, then one after more events: newest first.
    let second = app.checkpoint().await;
    app.more_events(1).await;
    let third = app.checkpoint().await;
    assert_eq!(third["sequence"], 5);
    let page = app.checkpoints_page(2, Value::Null).await;
    assert_eq!(page["totalCount"], 3);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let ids: Vec<&Value> = page["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| &n["id"])
        .collect();
    assert_eq!(ids, [&third["id"], &second["id"]]);
    let rest = app
        .checkpoints_page(2, page["pageInfo"]["endCursor"].clone())
        .await;
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);
    assert_eq!(rest["nodes"], json!([first.clone()]));

    // Verification checks every stored one.
    let v = app.verify_with(&[line]).await;
    assert_eq!(v["intact"], true, "{v:#}");
    assert_eq!(v["checkpointsChecked"], 4, "{v:#}");
    assert_eq!(v["latestVerifiedCheckpointSequence"], 5, "{v:#}");
    assert!(v["firstCheckpointProblem"].is_null(), "{v:#}");

    // A cursor from elsewhere is bad input.
    let (_, body) = app
        .graphql(
            Some(&admin()),
            &checkpoint_list_query(),
            json!({ "first": 2, "after": "nonsense" }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body:#}");
}

/// Every role against both operations, allowed and refused.
#[tokio::test]
async fn who_may_take_and_list_checkpoints() {
    let app = TestApp::spawn().await;
    app.events(0).await;
    let table = [
        ("STAFF", false),
        ("PATIENT_RELATIONS", false),
        ("PATIENT_RELATIONS_MANAGER", false),
        ("COMPLIANCE", true),
        ("ADMIN", true),
    ];
    for (role, allowed) in table {
        let token = token(&format!("u-{role}"), &[role], &["*"]);
        let (_, body) = app
            .graphql(Some(&token), &checkpoint_mutation(), json!({ "input": {} }))
            .await;
        if allowed {
            assert!(body.get("errors").is_none(), "{role}: {body:#}");
            assert_eq!(
                body["data"]["auditCheckpoint"]["checkpoint"]["createdBy"],
                format!("u-{role}").as_str(),
                "{role}"
            );
        } else {
            assert_eq!(error_code(&body), "FORBIDDEN", "{role}: {body:#}");
        }
        let (_, body) = app
            .graphql(
                Some(&token),
                &checkpoint_list_query(),
                json!({ "first": 5 }),
            )
            .await;
        if allowed {
            assert!(body.get("errors").is_none(), "{role}: {body:#}");
        } else {
            assert_eq!(error_code(&body), "FORBIDDEN", "{role}: {body:#}");
        }
    }
    // Refused attempts signed nothing.
    assert_eq!(app.checkpoints_page(10, Value::Null).await["totalCount"], 2);
    let (_, body) = app.graphql(None, &checkpoint_list_query(), json!({})).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body:#}");
}

/// The stored checkpoints refuse edits and deletes, whoever asks.
#[tokio::test]
async fn stored_checkpoints_are_insert_only() {
    let (app, db, _) = app_with_key().await;
    app.events(0).await;
    app.checkpoint().await;
    let conn = db.connect().await;
    for statement in [
        "UPDATE audit_checkpoint SET hash = 'x'",
        "DELETE FROM audit_checkpoint",
    ] {
        let err = conn.execute_unprepared(statement).await.unwrap_err();
        assert!(
            err.to_string().contains("insert-only"),
            "{statement}: {err}"
        );
    }
    if conn.get_database_backend() == DbBackend::Postgres {
        assert!(
            conn.execute_unprepared("TRUNCATE audit_checkpoint")
                .await
                .is_err()
        );
    }
    assert_eq!(app.checkpoints_page(10, Value::Null).await["totalCount"], 1);
    conn.close().await.unwrap();
}

/// THE case checkpoints exist for: a DBA lifts the guards, edits an event
/// below a checkpoint, re-hashes the rest of the chain and puts the guards
/// back. The chain verifies; the checkpoint does not.
#[tokio::test]
async fn a_rewritten_and_rehashed_trail_fails_its_checkpoint() {
    let (app, db, _) = app_with_key().await;
    app.events(2).await;
    let signed = app.checkpoint().await;
    assert_eq!(signed["sequence"], 4);
    let line = signed["export"].as_str().unwrap().to_owned();
    app.more_events(2).await;
    let v = app.verify_with(&[]).await;
    assert_eq!(v["intact"], true, "{v:#}");
    assert_eq!(v["checkpointsChecked"], 1, "{v:#}");

    let conn = db.connect().await;
    lift_guards(&conn).await;
    // Event 3 is the first complaint's creation, below the checkpoint.
    rewrite_and_rehash(&conn, 3).await;
    restore_guards(&conn).await;

    // The stored checkpoint catches it.
    let v = app.verify_with(&[]).await;
    assert!(v["firstBrokenLink"].is_null(), "the chain links up: {v:#}");
    assert_eq!(v["checkedCount"], 6, "{v:#}");
    assert_eq!(v["intact"], false, "{v:#}");
    let problem = &v["firstCheckpointProblem"];
    assert_eq!(problem["sequence"], 4, "{v:#}");
    assert_eq!(problem["problem"], "HASH_MISMATCH", "{v:#}");
    assert_eq!(problem["checkpointId"], signed["id"], "{v:#}");
    assert!(problem["line"].is_null(), "{v:#}");
    assert!(v["latestVerifiedCheckpointSequence"].is_null(), "{v:#}");

    // The DBA deletes the stored checkpoint too: without the exported line
    // the rewrite is invisible...
    lift_guards(&conn).await;
    audit_checkpoint::Entity::delete_many()
        .exec(&conn)
        .await
        .unwrap();
    restore_guards(&conn).await;
    let v = app.verify_with(&[]).await;
    assert_eq!(v["intact"], true, "{v:#}");
    assert_eq!(v["checkpointsChecked"], 0, "{v:#}");
    assert!(v["firstCheckpointProblem"].is_null(), "{v:#}");

    // ...and the line the compliance officer kept off the server shows it.
    let v = app.verify_with(&[&line]).await;
    assert_eq!(v["intact"], false, "{v:#}");
    assert!(v["firstBrokenLink"].is_null(), "{v:#}");
    assert_eq!(v["checkpointsChecked"], 1, "{v:#}");
    let problem = &v["firstCheckpointProblem"];
    assert_eq!(problem["sequence"], 4, "{v:#}");
    assert_eq!(problem["problem"], "HASH_MISMATCH", "{v:#}");
    assert_eq!(problem["line"], 0, "{v:#}");
    assert!(problem["checkpointId"].is_null(), "{v:#}");

    // The guards are back: the rewrite cannot simply be undone either.
    assert!(
        conn.execute_unprepared("UPDATE audit_event SET reason = NULL WHERE sequence = 3")
            .await
            .is_err()
    );
    conn.close().await.unwrap();
}

/// Cutting the tail off below a signed head leaves a chain that verifies
/// (nothing after the cut points back at it); the checkpoint names the
/// missing events.
#[tokio::test]
async fn a_truncated_tail_fails_its_checkpoint() {
    let (app, db, _) = app_with_key().await;
    app.events(3).await;
    let signed = app.checkpoint().await;
    assert_eq!(signed["sequence"], 5);
    let conn = db.connect().await;
    lift_guards(&conn).await;
    conn.execute_unprepared("DELETE FROM audit_event WHERE sequence >= 3")
        .await
        .unwrap();
    restore_guards(&conn).await;

    let v = app.verify_with(&[]).await;
    assert!(v["firstBrokenLink"].is_null(), "{v:#}");
    assert_eq!(v["lastSequence"], 2, "{v:#}");
    assert_eq!(v["intact"], false, "{v:#}");
    assert_eq!(v["firstCheckpointProblem"]["sequence"], 5, "{v:#}");
    assert_eq!(
        v["firstCheckpointProblem"]["problem"], "EVENTS_MISSING",
        "{v:#}"
    );
    conn.close().await.unwrap();
}

/// A checkpoint signed by another key is not accepted, however valid its
/// signature; an altered one fails its signature; a line that is not a
/// checkpoint at all is bad input naming it.
#[tokio::test]
async fn foreign_forged_and_malformed_checkpoints() {
    let (app, db, signer) = app_with_key().await;
    app.events(2).await;
    let genuine = app.checkpoint().await;
    let genuine_line = genuine["export"].as_str().unwrap().to_owned();
    let head = all_events(&db.connect().await).await.pop().unwrap();

    let other = CheckpointSigner::generate();
    let foreign = other
        .sign(Head {
            sequence: head.sequence,
            hash: head.hash.clone(),
            signed_at: chrono::Utc::now(),
        })
        .export_line();
    let v = app.verify_with(&[&genuine_line, &foreign]).await;
    assert_eq!(v["intact"], false, "{v:#}");
    assert_eq!(v["checkpointsChecked"], 3, "{v:#}");
    assert_eq!(v["latestVerifiedCheckpointSequence"], 4, "{v:#}");
    let problem = &v["firstCheckpointProblem"];
    assert_eq!(problem["problem"], "UNTRUSTED_KEY", "{v:#}");
    assert_eq!(problem["keyId"], other.key_id(), "{v:#}");
    assert_eq!(problem["line"], 1, "{v:#}");

    // The genuine line with another (well-formed) hash: its signature fails.
    let forged_hash = genuine_line.replace(&head.hash, &"0".repeat(64));
    assert_ne!(forged_hash, genuine_line);
    // And the genuine line with one character of the signature changed.
    let mut fields: Vec<String> = genuine_line.split(' ').map(str::to_owned).collect();
    let signature = fields[6].clone();
    let swapped = if signature.starts_with('A') { "B" } else { "A" };
    fields[6] = format!("{swapped}{}", &signature[1..]);
    let forged_signature = fields.join(" ");
    for forged in [&forged_hash, &forged_signature] {
        let v = app.verify_with(&[forged]).await;
        assert_eq!(v["intact"], false, "{v:#}");
        assert_eq!(
            v["firstCheckpointProblem"]["problem"], "BAD_SIGNATURE",
            "{forged}: {v:#}"
        );
        assert_eq!(v["firstCheckpointProblem"]["line"], 0, "{v:#}");
    }
    assert_eq!(signer.key_id(), genuine["keyId"]);

    // Not a checkpoint line: a top-level BAD_USER_INPUT naming which.
    let truncated = &genuine_line[..genuine_line.len() - 10];
    let (status, body) = app
        .graphql(
            Some(&compliance()),
            VERIFY_WITH,
            json!({ "checkpoints": [genuine_line, truncated] }),
        )
        .await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body:#}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("checkpoints[1]"), "{message}");
    assert!(message.contains("signature"), "{message}");
}

/// The periodic task signs the head when it has advanced, and only then.
#[tokio::test]
async fn the_periodic_task_signs_only_an_advanced_head() {
    let app = TestApp::spawn_with(|s| {
        s.checkpoints.interval = Some(Duration::from_millis(100));
    })
    .await;
    // No events: nothing to sign, and no error either.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(app.checkpoints_page(10, Value::Null).await["totalCount"], 0);

    app.create_facility("MAIN").await;
    let page = app.until_checkpoint_count(1).await;
    assert_eq!(page["nodes"][0]["sequence"], 2, "{page:#}");
    assert_eq!(page["nodes"][0]["createdBy"], "system");

    // Several intervals without a new event: still one.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.checkpoints_page(10, Value::Null).await["totalCount"], 1);

    // One more event (one transaction): signed once.
    app.more_events(1).await;
    let page = app.until_checkpoint_count(2).await;
    assert_eq!(page["nodes"][0]["sequence"], 3, "{page:#}");
    assert_eq!(page["nodes"][0]["createdBy"], "system");

    // An on-demand checkpoint at the same head does not make the task sign
    // again, nor does it need to.
    app.checkpoint().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.checkpoints_page(10, Value::Null).await["totalCount"], 3);
    let v = app.verify_with(&[]).await;
    assert_eq!(v["intact"], true, "{v:#}");
    assert_eq!(v["checkpointsChecked"], 3, "{v:#}");
}

/// `redress verify` offline: a trail rewritten and re-hashed (with the
/// stored checkpoints deleted, and an edit that replaying the records
/// cannot see) verifies as whole without the exported checkpoints, and as
/// broken with them.
#[tokio::test]
async fn redress_verify_checks_exported_checkpoints_offline() {
    let db = TestDb::new().await;
    // The key as an operator keeps it: readable by its owner only.
    let key = std::env::temp_dir().join(format!("redress-ckey-{}.pem", uuid::Uuid::now_v7()));
    std::fs::copy(fixture("ed25519-private.pem"), &key).unwrap();
    let mut permissions = std::fs::metadata(&key).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o600);
    std::fs::set_permissions(&key, permissions).unwrap();
    let mut s = settings(&db.url);
    s.checkpoints.signer = Arc::new(CheckpointSigner::from_file(&key).unwrap());
    let app = TestApp::start(Application::build(s).await.unwrap());
    app.events(2).await;
    let line = app.checkpoint().await["export"]
        .as_str()
        .unwrap()
        .to_owned();
    app.more_events(2).await;
    let kept = std::env::temp_dir().join(format!("redress-kept-{}.txt", uuid::Uuid::now_v7()));
    std::fs::write(&kept, format!("# printed on the day\n{line}\n")).unwrap();

    let verify = |with_lines: bool| {
        let mut command = crate::cli::redress();
        command.args(["verify", "--json", "--database-url", &db.url]);
        command.arg("--checkpoint-key").arg(&key);
        if with_lines {
            command.arg("--checkpoints").arg(&kept);
        }
        let output = command.output().unwrap();
        let report: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr)));
        (output.status.code(), report)
    };
    let section = |report: &Value| {
        report["sections"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "audit_checkpoints")
            .cloned()
            .unwrap()
    };

    let (code, report) = verify(true);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(section(&report)["counts"]["checked"], 2, "{report:#}");

    let conn = db.connect().await;
    lift_guards(&conn).await;
    rewrite_and_rehash_with(&conn, 3, |e| e.reason = Some("entered in error".into())).await;
    audit_checkpoint::Entity::delete_many()
        .exec(&conn)
        .await
        .unwrap();
    restore_guards(&conn).await;
    conn.close().await.unwrap();

    let (code, report) = verify(false);
    assert_eq!(
        code,
        Some(0),
        "without the kept line the rewrite is invisible: {report:#}"
    );
    let (code, report) = verify(true);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(report["whole"], false, "{report:#}");
    let problem = &section(&report)["problems"][0];
    assert_eq!(problem["code"], "HASH_MISMATCH", "{report:#}");
    assert_eq!(problem["sequence"], 4, "{report:#}");
    let chain = report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "audit_chain")
        .cloned()
        .unwrap();
    assert_eq!(
        chain["status"], "OK",
        "the chain alone links up: {report:#}"
    );
    std::fs::remove_file(&kept).ok();
    std::fs::remove_file(&key).ok();
}
