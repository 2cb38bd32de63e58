//! Facilities' (and deadline policies') commands as tables: role ×
//! command permission, audit actions pinned, validation, and what
//! `handle` writes.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use uuid::Uuid;

use super::facility::{CreateFacility, FacilityState, UpdateFacility};
use super::policy::{CreatePolicy, PolicyFacility, PolicyInput, UpdatePolicy, default_name};
use super::{Command, Context, CreateCommand};
use crate::actor::{Actor, FacilityScope, Role};
use crate::clocks::{PolicyRules, Program, Span, TimeUnit, default_rules};
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
        default_language: None,
        required_documents: None,
        letters: None,
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

fn policy_input(name: Option<&str>, max_extensions: u32) -> PolicyInput {
    PolicyInput {
        facility_code: " main ".into(),
        program: Program::MedicareAdvantage,
        name: name.map(str::to_owned),
        rules: PolicyRules {
            acknowledgement: Span::new(5, TimeUnit::CalendarDays),
            resolution: Span::new(30, TimeUnit::CalendarDays),
            expedited_resolution: None,
            max_extensions,
            max_extension: (max_extensions > 0).then_some(Span::new(14, TimeUnit::CalendarDays)),
            progress_notice: None,
        },
    }
}

fn policy_setting() -> PolicyFacility {
    PolicyFacility {
        facility_id: Uuid::now_v7(),
        facility_code: "MAIN".into(),
    }
}

/// Deadline policies: permission and audit actions pinned.
#[test]
fn role_policy_command_table() {
    let create = CreatePolicy(policy_input(None, 0));
    let update = UpdatePolicy(policy_input(None, 0));
    let table = [
        (
            create.operation(),
            create.audit_action(),
            "DEADLINE_POLICY_CREATE",
        ),
        (
            update.operation(),
            update.audit_action(),
            "DEADLINE_POLICY_UPDATE",
        ),
    ];
    for (op, action, want_action) in table {
        assert_eq!(op, Operation::UpsertDeadlinePolicy);
        assert_eq!(action.as_str(), want_action);
        for (role, allowed) in Role::ALL.iter().zip([false, false, false, false, true]) {
            assert_eq!(role_allows(*role, op), allowed, "{role:?} {op:?}");
        }
    }
}

/// Invalid rules and names, refused on their field by `check` and by both
/// commands' `handle`.
#[test]
fn invalid_policies_are_refused_on_their_field() {
    let a = admin();
    let cx = Context::new(&a, Utc::now());
    let long = "n".repeat(201);
    let mut longer_ack = policy_input(None, 0);
    longer_ack.rules.acknowledgement = Span::new(40, TimeUnit::CalendarDays);
    let rows: [(PolicyInput, &[&str]); 3] = [
        (policy_input(Some(&long), 0), &["input", "name"]),
        (policy_input(None, 11), &["input", "maxExtensions"]),
        (longer_ack, &["input", "acknowledgement"]),
    ];
    for (input, field) in rows {
        let c = CreatePolicy(input.clone());
        assert_eq!(c.check().unwrap_err()[0].field, field);
        let c = CreatePolicy(input.clone());
        assert_eq!(
            c.handle(&policy_setting(), &cx).unwrap_err()[0].field,
            field
        );
        let mut state = CreatePolicy(policy_input(None, 0))
            .handle(&policy_setting(), &cx)
            .unwrap();
        let before = state.clone();
        let v = UpdatePolicy(input).handle(&mut state, &cx).unwrap_err();
        assert_eq!(v[0].field, field);
        assert_eq!(state, before);
    }
}

/// The default name, the update of rules and name (never of facility or
/// program), and the audit document's shape, pinned: the trail holds it.
#[test]
fn policies_take_their_setting_and_keep_their_document() {
    let a = admin();
    let cx = Context::new(&a, Utc::now());
    let s = policy_setting();
    let state = CreatePolicy(policy_input(Some("  "), 0))
        .handle(&s, &cx)
        .unwrap();
    assert_eq!(state.name, default_name(Program::MedicareAdvantage));
    assert_eq!((state.facility_id, state.version), (s.facility_id, 1));
    assert_eq!(
        state.document(),
        serde_json::json!({
            "facilityCode": "MAIN",
            "program": "MEDICARE_ADVANTAGE",
            "name": "Medicare Advantage grievances (42 CFR 422.564)",
            "acknowledgement": [5, "CALENDAR_DAYS"],
            "resolution": [30, "CALENDAR_DAYS"],
            "expeditedResolution": [null, null],
            "maxExtensions": 0,
            "maxExtension": [null, null],
            "progressNotice": [null, null],
            "version": 1,
        })
    );
    let mut changed = state.clone();
    UpdatePolicy(policy_input(Some("House rules"), 2))
        .handle(&mut changed, &cx)
        .unwrap();
    assert_eq!(changed.name, "House rules");
    assert_eq!(changed.rules.max_extensions, 2);
    assert_eq!(
        changed.document()["maxExtension"],
        serde_json::json!([14, "CALENDAR_DAYS"])
    );
    let mut other = state.clone();
    let mut elsewhere = policy_input(None, 0);
    elsewhere.program = Program::Commercial;
    let v = UpdatePolicy(elsewhere).handle(&mut other, &cx).unwrap_err();
    assert_eq!(v[0].field, ["input", "program"]);
    assert_eq!(other, state);
    let seeded = CreatePolicy::default_for("MAIN", Program::CmsHospital);
    assert_eq!(seeded.0.rules, default_rules(Program::CmsHospital));
    assert!(seeded.check().is_ok());
}
