//! The create commands as tables: every role × create command (the
//! permission comes from the command), audit actions pinned, and `handle`
//! building the record from its setting.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::accessibility::FileAccessibilityRequest;
use super::interpreter::LogInterpreterSession;
use super::service_recovery::{ProposalSetting, ProposeServiceRecovery};
use super::{AuditAction, ComplaintSetting, Context, CreateCommand, OpenComplaint, Placement};
use crate::actor::{Actor, FacilityScope, Role};
use crate::clocks::{Program, default_rules};
use crate::complaint::intake::{IntakeDraft, IssueDraft};
use crate::complaint::{
    Channel, ClassificationReason, Complainant, GrievanceFacts, HcatCategory, Patient,
    Relationship, StageOfCare,
};
use crate::money::{Money, RawAmount};
use crate::permissions::{Operation, role_allows};
use crate::service_recovery::{Kind, ProposalDraft};

fn actor(roles: &[Role]) -> Actor {
    Actor {
        subject: "u1".into(),
        name: "User One".into(),
        roles: roles.iter().copied().collect::<BTreeSet<_>>(),
        facilities: FacilityScope::All,
    }
}

fn intake() -> IntakeDraft {
    IntakeDraft {
        department: "Emergency".into(),
        channel: Channel::Phone,
        received_at: Utc::now() - Duration::hours(1),
        received_by: "Front desk".into(),
        complainant: Complainant {
            name: "Pat Doe".into(),
            relationship: Relationship::SelfPatient,
            contact: None,
            preferred_language: None,
            communication_needs: None,
        },
        patient: Patient {
            mrn: None,
            name: "Pat Doe".into(),
        },
        medicare_beneficiary: false,
        concerns_quality_of_care: false,
        concerns_premature_discharge: false,
        facts: GrievanceFacts::default(),
        description: "Waited four hours without news".into(),
        desired_outcome: None,
        people_involved: Vec::new(),
        issues: vec![IssueDraft {
            id: None,
            category: HcatCategory::Communication,
            severity: 1,
            stage_of_care: StageOfCare::Admission,
            summary: None,
        }],
        program: Program::CmsHospital,
        expedited: false,
    }
}

fn open(from_failed_request: Option<Uuid>) -> OpenComplaint {
    OpenComplaint {
        facility_code: "MAIN".into(),
        intake: intake(),
        from_failed_request,
    }
}

fn usd(cents: i64) -> Money {
    let raw = RawAmount::from(Decimal::new(cents, 2).to_string().as_str());
    Money::parse_raw(&raw, "USD").unwrap()
}

fn propose() -> ProposeServiceRecovery {
    ProposeServiceRecovery {
        complaint_id: Uuid::now_v7(),
        draft: ProposalDraft {
            kind: Kind::MealVoucher,
            description: "Voucher for the cafeteria".into(),
            amount: Some((RawAmount::from("15.00"), "USD".to_owned())),
        },
    }
}

fn log() -> LogInterpreterSession {
    LogInterpreterSession {
        facility_code: "MAIN".into(),
        complaint_id: None,
        entry: crate::interpreter::testing::provided(Utc::now()),
    }
}

fn file() -> FileAccessibilityRequest {
    FileAccessibilityRequest {
        facility_code: "MAIN".into(),
        complaint_id: None,
        draft: crate::accessibility::testing::draft(Utc::now() + Duration::days(1)),
    }
}

/// One row per create command: its operation, its audit action, and
/// whether each role (STAFF, PR, PRM, COMPLIANCE, ADMIN) may run it.
#[test]
fn role_create_command_table() {
    let table: [(Operation, AuditAction, [bool; 5]); 4] = [
        (
            open(None).operation(),
            open(None).audit_action(),
            [true, true, true, false, false],
        ),
        (
            propose().operation(),
            propose().audit_action(),
            [false, true, true, false, false],
        ),
        (
            log().operation(),
            log().audit_action(),
            [true, true, true, false, false],
        ),
        (
            file().operation(),
            file().audit_action(),
            [true, true, true, false, false],
        ),
    ];
    let pinned = [
        (Operation::CreateComplaint, "COMPLAINT_CREATE"),
        (
            Operation::ProposeServiceRecovery,
            "SERVICE_RECOVERY_PROPOSE",
        ),
        (Operation::LogInterpreterSession, "INTERPRETER_SESSION_LOG"),
        (
            Operation::CreateAccessibilityRequest,
            "ACCESSIBILITY_REQUEST_CREATE",
        ),
    ];
    for ((op, action, row), (want_op, want_action)) in table.iter().zip(pinned) {
        assert_eq!(*op, want_op);
        assert_eq!(action.as_str(), want_action);
        for (role, allowed) in Role::ALL.iter().zip(row) {
            assert_eq!(role_allows(*role, *op), *allowed, "{role:?} {op:?}");
        }
    }
}

fn complaint_setting() -> ComplaintSetting {
    ComplaintSetting {
        facility_id: Uuid::now_v7(),
        facility_code: "MAIN".into(),
        tz: chrono_tz::America::Chicago,
        policy_id: Uuid::now_v7(),
        rules: default_rules(Program::CmsHospital),
    }
}

#[test]
fn opening_builds_an_unnumbered_complaint_by_the_actor() {
    let a = actor(&[Role::Staff]);
    let cx = Context::new(&a, Utc::now());
    let s = complaint_setting();
    let state = open(None).handle(&s, &cx).unwrap();
    assert_eq!(state.facility_code, "MAIN");
    assert_eq!(state.created_by.subject, "u1");
    assert_eq!(state.clocks.policy_id, s.policy_id);
    assert!(state.reference.is_empty(), "the services number it");
    assert_eq!(state.accessibility_request_id, None);
}

#[test]
fn opening_from_a_failed_request_links_it_and_makes_a_grievance() {
    let a = actor(&[Role::PatientRelations]);
    let cx = Context::new(&a, Utc::now());
    let request = Uuid::now_v7();
    let state = open(Some(request))
        .handle(&complaint_setting(), &cx)
        .unwrap();
    assert_eq!(state.accessibility_request_id, Some(request));
    assert!(
        state
            .classification_reasons
            .contains(&ClassificationReason::AccessibilityFailure)
    );
}

#[test]
fn opening_refuses_an_invalid_intake() {
    let a = actor(&[Role::Staff]);
    let cx = Context::new(&a, Utc::now());
    let mut command = open(None);
    command.intake.description = "  ".into();
    let violations = command.handle(&complaint_setting(), &cx).unwrap_err();
    assert!(
        violations
            .iter()
            .any(|v| v.field == ["input", "description"])
    );
}

#[test]
fn the_placed_records_take_their_setting() {
    let a = actor(&[Role::PatientRelations]);
    let cx = Context::new(&a, Utc::now());
    let complaint_id = Uuid::now_v7();
    let proposal = propose()
        .handle(
            &ProposalSetting {
                facility_id: Uuid::now_v7(),
                facility_code: "MAIN".into(),
                complaint_id,
                department: "Emergency".into(),
                threshold: usd(25_000),
            },
            &cx,
        )
        .unwrap();
    assert_eq!(proposal.complaint_id, complaint_id);
    assert!(!proposal.approval_required, "under the threshold");
    let placement = Placement {
        facility_id: Uuid::now_v7(),
        facility_code: "NORTH".into(),
        complaint_id: Some(complaint_id),
    };
    let session = log().handle(&placement, &cx).unwrap();
    assert_eq!(
        (session.facility_code.as_str(), session.complaint_id),
        ("NORTH", Some(complaint_id))
    );
    let request = file().handle(&placement, &cx).unwrap();
    assert_eq!(
        (request.facility_code.as_str(), request.complaint_id),
        ("NORTH", Some(complaint_id))
    );
}
