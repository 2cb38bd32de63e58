//! The linked records' commands as tables: every status × command, every
//! role × command, allowed actions, audit spellings.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::accessibility::{self as acc, AccessibilityCommand as A};
use super::interpreter::InterpreterCommand;
use super::service_recovery::{self as src, ServiceRecoveryCommand as S};
use super::{Command, Context};
use crate::accessibility::{self as da, DenialGround};
use crate::actor::{Actor, FacilityScope, Role};
use crate::complaint::UserRef;
use crate::money::{Money, RawAmount};
use crate::permissions::{Operation, role_allows};
use crate::service_recovery::{self as sr, Kind, ProposalDraft, Proposing};

fn actor(subject: &str, roles: &[Role]) -> Actor {
    Actor {
        subject: subject.into(),
        name: subject.into(),
        roles: roles.iter().copied().collect::<BTreeSet<_>>(),
        facilities: FacilityScope::All,
    }
}

fn proposal(amount: Option<i64>) -> sr::ServiceRecoveryState {
    let draft = ProposalDraft {
        kind: Kind::MealVoucher,
        description: "Voucher for the cafeteria".into(),
        amount: amount.map(|a| {
            (
                RawAmount::from(Decimal::new(a, 2).to_string().as_str()),
                "usd".to_owned(),
            )
        }),
    };
    let threshold = Money::new(Decimal::new(25000, 2), "USD").unwrap_or_else(|e| panic!("{e}"));
    sr::propose(
        &draft,
        Proposing {
            facility_id: Uuid::nil(),
            facility_code: "MAIN",
            complaint_id: Uuid::nil(),
            department: "ED",
            threshold,
            by: UserRef {
                subject: "proposer".into(),
                name: "Proposer".into(),
            },
            now: Utc::now(),
        },
    )
    .unwrap_or_else(|e| panic!("{e:?}"))
}

fn sr_commands() -> [S; 4] {
    [
        S::Approve,
        S::Decline {
            reason: "Not warranted".into(),
        },
        S::Complete { note: None },
        S::Cancel {
            reason: "Complainant declined".into(),
        },
    ]
}

/// Service recovery, status × command, for an action below the threshold
/// (left) and at or above it (right), by a manager who did not propose
/// it. Rows PROPOSED, APPROVED, DECLINED, COMPLETED, CANCELLED.
#[test]
fn service_recovery_status_command_table() {
    use sr::Status::*;
    #[rustfmt::skip]
    let table: [(sr::Status, [bool; 4], [bool; 4]); 5] = [
        //          approve decline complete cancel
        (Proposed,  [true,  true,  true,  true],  [true,  true,  false, true]),
        (Approved,  [false, false, true,  true],  [false, false, true,  true]),
        (Declined,  [false, false, false, false], [false, false, false, false]),
        (Completed, [false, false, false, false], [false, false, false, false]),
        (Cancelled, [false, false, false, false], [false, false, false, false]),
    ];
    assert_eq!(table.len(), sr::Status::ALL.len());
    let manager = actor("manager", &[Role::PatientRelationsManager]);
    for (status, below, above) in table {
        for (amount, row) in [(Some(1000), below), (Some(30000), above)] {
            for (c, ok) in sr_commands().into_iter().zip(row) {
                let mut s = proposal(amount);
                s.status = status;
                let name = format!("{:?} from {status:?} ({amount:?})", c.audit_action());
                let cx = Context::new(&manager, Utc::now());
                assert_eq!(c.handle(&mut s, &cx).is_ok(), ok, "{name}");
            }
        }
    }
}

/// Above the threshold the specialist holds the operation but the guard
/// refuses; `allowed_actions` says so beforehand.
#[test]
fn service_recovery_allowed_actions_by_role() {
    use sr::Action::*;
    let below = proposal(Some(1000));
    let above = proposal(Some(30000));
    /// Who acts, with which roles, and what they may do below and above
    /// the threshold.
    type Case<'a> = (&'a str, &'a [Role], &'a [sr::Action], &'a [sr::Action]);
    let cases: [Case<'_>; 6] = [
        ("staff", &[Role::Staff], &[], &[]),
        (
            "pr",
            &[Role::PatientRelations],
            &[Approve, Decline, Complete, Cancel],
            &[Cancel],
        ),
        (
            "manager",
            &[Role::PatientRelationsManager],
            &[Approve, Decline, Complete, Cancel],
            &[Approve, Decline, Cancel],
        ),
        (
            "proposer",
            &[Role::PatientRelationsManager],
            &[Approve, Decline, Complete, Cancel],
            &[Cancel],
        ),
        ("compliance", &[Role::Compliance], &[], &[]),
        ("admin", &[Role::Admin], &[], &[]),
    ];
    for (subject, roles, want_below, want_above) in cases {
        let a = actor(subject, roles);
        assert_eq!(src::allowed_actions(&below, &a), want_below, "{subject}");
        assert_eq!(src::allowed_actions(&above, &a), want_above, "{subject}");
        // What is allowed succeeds.
        for (state, allowed) in [(&below, want_below), (&above, want_above)] {
            for c in sr_commands() {
                let action = match c {
                    S::Approve => Approve,
                    S::Decline { .. } => Decline,
                    S::Complete { .. } => Complete,
                    S::Cancel { .. } => Cancel,
                };
                if allowed.contains(&action) {
                    let mut s = state.clone();
                    let cx = Context::new(&a, Utc::now());
                    assert!(c.handle(&mut s, &cx).is_ok(), "{subject} {action:?}");
                }
            }
        }
    }
}

fn acc_commands(now: chrono::DateTime<Utc>) -> [A; 6] {
    [
        A::Acknowledge,
        A::Schedule {
            scheduled_for: now + Duration::hours(2),
            provider: Some("ASL Now".into()),
        },
        A::Fulfill { note: None },
        A::ProvideAlternative {
            alternative: "Video remote interpreting".into(),
            reason: "No on-site interpreter".into(),
        },
        A::Deny {
            ground: DenialGround::UndueBurden,
            reason: "Documented burden".into(),
        },
        A::Cancel {
            reason: "Appointment cancelled".into(),
        },
    ]
}

/// Accessibility requests, status × command: exactly the machine's table.
#[test]
fn accessibility_status_command_table() {
    let now = Utc::now();
    let manager = actor("manager", &[Role::PatientRelationsManager]);
    for &status in da::Status::ALL {
        for c in acc_commands(now) {
            let mut s = da::testing::filed(now + Duration::days(1), now);
            s.status = status;
            let allowed = da::MACHINE.next(status, c.action()).is_some();
            let name = format!("{:?} from {status:?}", c.audit_action());
            let cx = Context::new(&manager, now);
            assert_eq!(c.handle(&mut s, &cx).is_ok(), allowed, "{name}");
        }
    }
}

/// Every role × command, for all three records (columns STAFF, PR, PRM,
/// COMPLIANCE, ADMIN), and the allowed accessibility actions by role.
#[test]
fn role_command_tables() {
    use Operation::*;
    let now = Utc::now();
    let ops: Vec<Operation> = sr_commands()
        .iter()
        .map(Command::operation)
        .chain(acc_commands(now).iter().map(Command::operation))
        .chain([InterpreterCommand::Amend {
            entry: crate::interpreter::testing::provided(now),
            reason: "Wrong vendor".into(),
        }
        .operation()])
        .collect();
    let expected: [(Operation, [bool; 5]); 11] = [
        (DecideServiceRecovery, [false, true, true, false, false]),
        (DecideServiceRecovery, [false, true, true, false, false]),
        (CompleteServiceRecovery, [false, true, true, false, false]),
        (CancelServiceRecovery, [false, true, true, false, false]),
        (WorkAccessibilityRequest, [false, true, true, false, false]),
        (WorkAccessibilityRequest, [false, true, true, false, false]),
        (WorkAccessibilityRequest, [false, true, true, false, false]),
        (WorkAccessibilityRequest, [false, true, true, false, false]),
        (DenyAccessibilityRequest, [false, false, true, false, false]),
        (WorkAccessibilityRequest, [false, true, true, false, false]),
        (AmendInterpreterSession, [true, true, true, false, false]),
    ];
    assert_eq!(ops.len(), expected.len());
    for (op, (want, row)) in ops.into_iter().zip(expected) {
        assert_eq!(op, want);
        for (role, allowed) in Role::ALL.iter().zip(row) {
            assert_eq!(role_allows(*role, op), allowed, "{role:?} {op:?}");
        }
    }
    let s = da::testing::filed(now + Duration::days(1), now);
    for role in Role::ALL {
        let got = acc::allowed_actions(&s, &actor("a", &[role]));
        let want: &[da::Action] = match role {
            Role::PatientRelationsManager => &da::MACHINE.allowed(s.status).clone(),
            Role::PatientRelations => &[
                da::Action::Acknowledge,
                da::Action::Fulfill,
                da::Action::ProvideAlternative,
                da::Action::Cancel,
            ],
            _ => &[],
        };
        assert_eq!(got, want, "{role:?}");
    }
}

/// The audit spellings and recorded reasons of every linked-record command.
#[test]
fn audit_actions_and_reasons() {
    let now = Utc::now();
    let got: Vec<(&str, Option<String>)> = sr_commands()
        .iter()
        .map(|c| (c.audit_action().as_str(), c.reason().map(str::to_owned)))
        .chain(
            acc_commands(now)
                .iter()
                .map(|c| (c.audit_action().as_str(), c.reason().map(str::to_owned))),
        )
        .collect();
    let want: Vec<(&str, Option<String>)> = [
        ("SERVICE_RECOVERY_APPROVE", None),
        ("SERVICE_RECOVERY_DECLINE", Some("Not warranted")),
        ("SERVICE_RECOVERY_COMPLETE", None),
        ("SERVICE_RECOVERY_CANCEL", Some("Complainant declined")),
        ("ACCESSIBILITY_REQUEST_ACKNOWLEDGE", None),
        ("ACCESSIBILITY_REQUEST_SCHEDULE", None),
        ("ACCESSIBILITY_REQUEST_FULFILL", None),
        (
            "ACCESSIBILITY_REQUEST_PROVIDE_ALTERNATIVE",
            Some("No on-site interpreter"),
        ),
        ("ACCESSIBILITY_REQUEST_DENY", Some("Documented burden")),
        (
            "ACCESSIBILITY_REQUEST_CANCEL",
            Some("Appointment cancelled"),
        ),
    ]
    .into_iter()
    .map(|(a, r)| (a, r.map(str::to_owned)))
    .collect();
    assert_eq!(got, want);
    let amend = InterpreterCommand::Amend {
        entry: crate::interpreter::testing::provided(now),
        reason: "Wrong vendor".into(),
    };
    assert_eq!(amend.audit_action().as_str(), "INTERPRETER_SESSION_AMEND");
    assert_eq!(amend.reason(), Some("Wrong vendor"));
}
