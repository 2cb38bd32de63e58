//! The access log's group-commit writer (`services/access_log/writer.rs`):
//! concurrent requests' entries are committed together, each request is
//! answered once its own entries are committed, and a failed commit fails
//! exactly the requests it held.

use std::collections::BTreeSet;

use entity::access_log_entry::{self, Entity as AccessLogEntry};
use redress_api::domain::actor::{Actor, FacilityScope, Role};
use redress_api::services::Caller;
use redress_api::services::access_log;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use uuid::Uuid;

use crate::helpers::TestDb;

fn actor() -> Actor {
    Actor {
        subject: "pr-writer".into(),
        name: "Writer Test".into(),
        roles: BTreeSet::from([Role::PatientRelations]),
        facilities: FacilityScope::from_claim(["MAIN"]),
    }
}

fn entries(actor: &Actor, request: &str, n: usize) -> Vec<access_log_entry::Model> {
    let caller = Caller {
        actor,
        request_id: request,
    };
    let ids: Vec<Uuid> = (0..n).map(|_| Uuid::now_v7()).collect();
    access_log::entries(&caller, "Complaint", &ids, "complaint")
}

#[tokio::test]
async fn concurrent_requests_are_each_acknowledged_after_their_entries_are_committed() {
    let test_db = TestDb::new().await;
    let db = test_db.connect().await;
    // A batch of 4 entries: 60 requests of 1–3 entries need several commits.
    let (writer, stopper) = access_log::spawn(db.clone(), 4);
    let actor = actor();
    let requests: Vec<Vec<access_log_entry::Model>> = (0..60)
        .map(|i| entries(&actor, &format!("req-{i}"), 1 + i % 3))
        .collect();
    let total: usize = requests.iter().map(Vec::len).sum();
    let handles: Vec<_> = requests
        .into_iter()
        .map(|e| {
            let writer = writer.clone();
            let db = db.clone();
            tokio::spawn(async move {
                let ids: Vec<Uuid> = e.iter().map(|m| m.id).collect();
                writer.log(e).await.expect("logged");
                // Acknowledged: every entry of this request is committed.
                for id in ids {
                    assert!(
                        AccessLogEntry::find_by_id(id)
                            .one(&db)
                            .await
                            .expect("reads")
                            .is_some(),
                        "acknowledged before its entry was committed"
                    );
                }
            })
        })
        .collect();
    for h in handles {
        h.await.expect("request task");
    }
    assert_eq!(
        AccessLogEntry::find().count(&db).await.expect("counts"),
        total as u64
    );
    stopper.drain().await;
    // Drained: no more entries are taken.
    assert!(writer.log(entries(&actor, "late", 1)).await.is_err());
}

#[tokio::test]
async fn a_failed_commit_fails_its_requests_and_only_the_bad_one_when_the_rest_can_commit() {
    let test_db = TestDb::new().await;
    let db = test_db.connect().await;
    let (writer, stopper) = access_log::spawn(db.clone(), 256);
    let actor = actor();

    // An entry whose id is taken cannot be committed; its request fails and
    // the requests batched with it are committed on their own.
    let first = entries(&actor, "first", 1);
    writer.log(first.clone()).await.expect("logged");
    let good: Vec<_> = (0..8)
        .map(|i| entries(&actor, &format!("good-{i}"), 2))
        .collect();
    let (bad, goods) = tokio::join!(
        writer.log(first.clone()),
        futures_util::future::join_all(good.iter().cloned().map(|e| writer.log(e)))
    );
    assert!(bad.is_err(), "a duplicate entry is not acknowledged");
    assert!(goods.iter().all(Result::is_ok), "{goods:?}");
    assert_eq!(AccessLogEntry::find().count(&db).await.expect("counts"), 17);

    // Nothing can be committed: every waiting request gets the error.
    db.execute_unprepared("DROP TABLE access_log_entry")
        .await
        .expect("drops");
    let results = futures_util::future::join_all(
        (0..5).map(|i| writer.log(entries(&actor, &format!("lost-{i}"), 1))),
    )
    .await;
    assert!(results.iter().all(Result::is_err), "{results:?}");
    stopper.drain().await;
}
