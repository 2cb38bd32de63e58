//! Facilities' (and deadline policies') commands as tables: role ×
//! command permission, audit actions pinned, validation, and what
//! `handle` writes.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};

use super::facility::{CreateFacility, FacilityState, UpdateFacility};
use super::{Command, Context, CreateCommand};
use crate::actor::{Actor, FacilityScope, Role};
use crate::facility::FacilityDraft;
use crate::money::RawAmount;
use crate::permissions::{Operation, role_allows};

fn admin() -> Actor {
    Actor {
        subject: "admin-1".into(),
        name: "Admin".into(),
        roles: BTreeSet::from([Role::Admin]),
        facilities: FacilityScope::All,
    }
}

fn draft(code: &str, tz: &str, amount: &str) -> FacilityDraft {
    FacilityDraft {
        code: code.into(),
        name: "Mercy North Hospital".into(),
        time_zone: tz.into(),
        approval_threshold_amount: RawAmount::from(amount),
        approval_threshold_currency: "USD".into(),
    }
}

fn create() -> CreateFacility {
    CreateFacility {
        draft: draft(" main ", "America/Chicago", "250.00"),
    }
}

fn update() -> UpdateFacility {
    UpdateFacility {
        draft: draft("MAIN", "Europe/London", "100"),
    }
}

/// One row per command: operation, audit action, and whether each role
/// (STAFF, PR, PRM, COMPLIANCE, ADMIN) may run it.
#[test]
fn role_admin_command_table() {
    let table = [
        (
            create().operation(),
            create().audit_action(),
            (Operation::UpsertFacility, "FACILITY_CREATE"),
        ),
        (
            update().operation(),
            update().audit_action(),
            (Operation::UpsertFacility, "FACILITY_UPDATE"),
        ),
    ];
    for (op, action, (want_op, want_action)) in table {
        assert_eq!(op, want_op);
        assert_eq!(action.as_str(), want_action);
        for (role, allowed) in Role::ALL.iter().zip([false, false, false, false, true]) {
            assert_eq!(role_allows(*role, op), allowed, "{role:?} {op:?}");
        }
    }
}

/// Each invalid draft, refused by `check` and by both commands' `handle`,
/// on its field.
#[test]
fn invalid_facilities_are_refused_on_their_field() {
    let a = admin();
    let cx = Context::new(&a, Utc::now());
    let rows: [(FacilityDraft, &[&str]); 3] = [
        (draft("M", "America/Chicago", "1"), &["input", "code"]),
        (draft("MAIN", "Mars/Olympus", "1"), &["input", "timeZone"]),
        (draft("MAIN", "UTC", "-1"), &["input", "approvalThreshold"]),
    ];
    for (d, field) in rows {
        let c = CreateFacility { draft: d.clone() };
        assert_eq!(c.check().unwrap_err()[0].field, field);
        assert_eq!(c.handle(&(), &cx).unwrap_err()[0].field, field);
        let mut state = create().handle(&(), &cx).unwrap();
        let before = state.clone();
        let u = UpdateFacility { draft: d };
        if field != ["input", "code"] {
            assert_eq!(u.handle(&mut state, &cx).unwrap_err()[0].field, field);
            assert_eq!(state, before, "nothing changed");
        }
    }
}

#[test]
fn create_normalises_and_update_keeps_the_code() {
    let a = admin();
    let cx = Context::new(&a, Utc::now());
    let state: FacilityState = create().handle(&(), &cx).unwrap();
    assert_eq!(create().code(), "MAIN");
    assert_eq!(
        (state.code.as_str(), state.time_zone.as_str(), state.version),
        ("MAIN", "America/Chicago", 1)
    );
    assert_eq!(state.approval_threshold_amount, "250.00");
    assert_eq!(
        state.document()["approvalThreshold"],
        serde_json::json!(["250.00", "USD"])
    );
    let mut changed = state.clone();
    let later = Context::new(&a, cx.now + Duration::hours(1));
    update().handle(&mut changed, &later).unwrap();
    assert_eq!(changed.time_zone, "Europe/London");
    assert_eq!(changed.created_at, state.created_at);
    let mut other = state.clone();
    let elsewhere = UpdateFacility {
        draft: draft("WEST", "UTC", "1"),
    };
    let v = elsewhere.handle(&mut other, &cx).unwrap_err();
    assert_eq!(v[0].field, ["input", "code"]);
    assert_eq!(other, state);
}
