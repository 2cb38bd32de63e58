//! Notes and contacts as tables: role × command permission, audit actions
//! pinned, the texts validated before anything is read and again in
//! `handle`, and the contact's date between the complaint's receipt and
//! now.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use uuid::Uuid;

use super::notes::{AddNote, ComplaintOf, LogContact};
use super::{Context, CreateCommand};
use crate::actor::{Actor, FacilityScope, Role};
use crate::complaint::{ContactDirection, ContactMethod};
use crate::permissions::{Operation, role_allows};

fn actor() -> Actor {
    Actor {
        subject: "u1".into(),
        name: "User One".into(),
        roles: BTreeSet::from([Role::PatientRelations]),
        facilities: FacilityScope::All,
    }
}

fn note(body: &str) -> AddNote {
    AddNote {
        complaint_id: Uuid::now_v7(),
        body: body.into(),
    }
}

fn contact(at: DateTime<Utc>, with_whom: Option<&str>, summary: &str) -> LogContact {
    LogContact {
        complaint_id: Uuid::now_v7(),
        direction: ContactDirection::Outbound,
        method: ContactMethod::Phone,
        contacted_at: at,
        with_whom: with_whom.map(str::to_owned),
        summary: summary.into(),
    }
}

fn setting(received_at: DateTime<Utc>) -> ComplaintOf {
    ComplaintOf {
        complaint_id: Uuid::now_v7(),
        facility_code: "MAIN".into(),
        created_by: "creator".into(),
        received_at,
    }
}

/// One row per command: its operation, its audit action, and whether each
/// role (STAFF, PR, PRM, COMPLIANCE, ADMIN) may run it.
#[test]
fn role_note_command_table() {
    let now = Utc::now();
    let table = [
        (
            note("x").operation(),
            note("x").audit_action(),
            (Operation::AddNote, "COMPLAINT_NOTE_ADD"),
        ),
        (
            contact(now, None, "x").operation(),
            contact(now, None, "x").audit_action(),
            (Operation::LogContact, "COMPLAINT_CONTACT_LOG"),
        ),
    ];
    for (op, action, (want_op, want_action)) in table {
        assert_eq!(op, want_op);
        assert_eq!(action.as_str(), want_action);
        let row = [false, true, true, false, false];
        for (role, allowed) in Role::ALL.iter().zip(row) {
            assert_eq!(role_allows(*role, op), allowed, "{role:?} {op:?}");
        }
    }
}

/// Each invalid input, refused by `check` (before anything is read) and
/// by `handle`, on its field.
#[test]
fn invalid_texts_are_refused_on_their_field() {
    let a = actor();
    let now = Utc::now();
    let cx = Context::new(&a, now);
    let received = now - Duration::days(1);
    let long = "x".repeat(20_001);
    let long_name = "y".repeat(201);
    let notes: [(&str, &[&str]); 2] = [("  ", &["input", "body"]), (&long, &["input", "body"])];
    for (body, field) in notes {
        let v = note(body).check().unwrap_err();
        assert_eq!(v[0].field, field);
        let v = note(body).handle(&setting(received), &cx).unwrap_err();
        assert_eq!(v[0].field, field);
    }
    let contacts: [(Option<&str>, &str, &[&str]); 3] = [
        (None, "", &["input", "summary"]),
        (None, &long, &["input", "summary"]),
        (Some(&long_name), "called back", &["input", "withWhom"]),
    ];
    for (with_whom, summary, field) in contacts {
        let v = contact(now, with_whom, summary).check().unwrap_err();
        assert_eq!(v[0].field, field);
        let v = contact(now, with_whom, summary)
            .handle(&setting(received), &cx)
            .unwrap_err();
        assert_eq!(v[0].field, field);
    }
}

#[test]
fn a_note_is_the_actors_on_its_complaint() {
    let a = actor();
    let cx = Context::new(&a, Utc::now());
    let s = setting(cx.now - Duration::days(1));
    let state = note("  Called the ward.  ").handle(&s, &cx).unwrap();
    assert_eq!(state.body, "Called the ward.");
    assert_eq!(state.author.subject, "u1");
    assert_eq!(
        (state.complaint_id, state.facility_code.as_str()),
        (s.complaint_id, "MAIN")
    );
    assert_eq!(state.complaint_created_by, "creator");
    assert_eq!(state.created_at, cx.now);
    assert_eq!(
        state.document(),
        serde_json::json!({ "body": "Called the ward." })
    );
}

/// The contact's date against the complaint's receipt and now (five
/// minutes of clock skew allowed); a blank `withWhom` is none.
#[test]
fn contact_dates_table() {
    let a = actor();
    // As stored: to the microsecond.
    let now = Utc::now().trunc_subsecs(6);
    let cx = Context::new(&a, now);
    let received = now - Duration::days(2);
    let rows = [
        (received - Duration::seconds(1), false),
        (received, true),
        (now - Duration::hours(1), true),
        (now + Duration::minutes(4), true),
        (now + Duration::minutes(6), false),
    ];
    for (at, ok) in rows {
        let result = contact(at, Some("  "), "Left a message").handle(&setting(received), &cx);
        match result {
            Ok(state) => {
                assert!(ok, "{at} accepted");
                assert_eq!(state.with_whom, None);
                assert_eq!(state.document()["direction"], "OUTBOUND");
            }
            Err(v) => {
                assert!(!ok, "{at} refused");
                assert_eq!(v[0].field, ["input", "contactedAt"]);
            }
        }
    }
}
