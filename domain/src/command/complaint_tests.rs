//! The complaint's commands as tables: every status × command, every
//! role × command, the reassignment rule, the audit spellings.

use std::collections::BTreeSet;

use chrono::Duration;

use super::complaint::{ComplaintCommand as C, action_operation, allowed_actions};
use super::{AuditAction, Command, Context, Needs, PolicyContext};
use crate::actor::{Actor, FacilityScope, Role};
use crate::clocks::{ClockKind, Program, Span, TimeUnit, default_rules};
use crate::complaint::intake::DetailsPatch;
use crate::complaint::lifecycle::{Action, UnfinishedWork};
use crate::complaint::testing::{response_input, sample, user};
use crate::complaint::{Classification, ComplaintState, ContactMethod, Status};
use crate::permissions::{Operation, role_allows};

fn actor(roles: &[Role]) -> Actor {
    Actor {
        subject: "actor".into(),
        name: "Actor".into(),
        roles: roles.iter().copied().collect::<BTreeSet<_>>(),
        facilities: FacilityScope::All,
    }
}

/// One command of each kind, valid for `state` where its status allows it.
fn commands(state: &ComplaintState) -> Vec<C> {
    vec![
        C::Update(DetailsPatch {
            department: Some("Radiology".into()),
            ..DetailsPatch::default()
        }),
        C::Assign {
            owner: user("owner"),
        },
        C::Acknowledge {
            method: ContactMethod::Phone,
            at: None,
        },
        C::StartInvestigation,
        C::Escalate {
            reason: "Formal response asked for".into(),
        },
        C::ResolveAtPointOfService {
            resolution: "Apologised and fixed it".into(),
        },
        C::Resolve(response_input(state)),
        C::Close,
        C::Withdraw {
            reason: "Complainant withdrew".into(),
        },
        C::Reopen {
            reason: "New facts".into(),
        },
        C::ExtendDeadline {
            clock: ClockKind::Resolution,
            by: Span::new(7, TimeUnit::CalendarDays),
            reason: "Waiting for records".into(),
        },
        C::RecordProgressNotice {
            sent_at: state.received_at + Duration::days(1),
        },
    ]
}

fn state_in(status: Status) -> ComplaintState {
    let mut s = sample(Classification::Complaint);
    s.status = status;
    s.owner = Some(user("owner"));
    s
}

fn context<'a>(actor: &'a Actor, state: &ComplaintState) -> Context<'a> {
    let mut cx = Context::new(actor, state.received_at + Duration::days(2));
    cx.policy = Some(PolicyContext {
        rules: default_rules(Program::MedicareAdvantage),
        tz: chrono_tz::America::New_York,
    });
    cx.documents = Some(Default::default());
    cx
}

/// Every status × command: allowed (`true`) or refused. Columns:
/// RECEIVED, ACKNOWLEDGED, INVESTIGATING, RESOLVED, CLOSED, WITHDRAWN.
#[test]
fn status_command_table() {
    #[rustfmt::skip]
    let table: [[bool; 6]; 12] = [
        /* Update */                  [true,  true,  true,  false, false, false],
        /* Assign */                  [true,  true,  true,  false, false, false],
        /* Acknowledge */             [true,  false, false, false, false, false],
        /* StartInvestigation */      [true,  true,  false, false, false, false],
        /* Escalate */                [true,  true,  true,  false, false, false],
        /* ResolveAtPointOfService */ [true,  false, false, false, false, false],
        /* Resolve */                 [false, true,  true,  false, false, false],
        /* Close */                   [false, false, false, true,  false, false],
        /* Withdraw */                [true,  true,  true,  false, false, false],
        /* Reopen */                  [false, false, false, true,  true,  true],
        /* ExtendDeadline */          [true,  true,  true,  false, false, false],
        /* RecordProgressNotice */    [true,  true,  true,  false, false, false],
    ];
    let manager = actor(&[Role::PatientRelationsManager]);
    assert_eq!(Status::ALL.len(), 6);
    for (i, &status) in Status::ALL.iter().enumerate() {
        let base = state_in(status);
        let cmds = commands(&base);
        assert_eq!(cmds.len(), table.len());
        for (c, row) in cmds.into_iter().zip(table) {
            let name = format!("{:?} from {status:?}", c.audit_action());
            let mut s = base.clone();
            let cx = context(&manager, &s);
            let result = c.handle(&mut s, &cx);
            assert_eq!(result.is_ok(), row[i], "{name}: {result:?}");
            if result.is_err() {
                assert_eq!(s, base, "{name}: a refusal changes nothing");
            }
        }
    }
}

/// Every role × command: the permission each command needs, and whether
/// each role holds it (columns STAFF, PR, PRM, COMPLIANCE, ADMIN).
#[test]
fn role_command_table() {
    use Operation::*;
    let expected: [(Operation, [bool; 5]); 12] = [
        (UpdateComplaint, [false, true, true, false, false]),
        (AssignComplaint, [false, true, true, false, false]),
        (AcknowledgeComplaint, [false, true, true, false, false]),
        (StartInvestigation, [false, true, true, false, false]),
        (EscalateComplaint, [false, true, true, false, false]),
        (ResolveAtPointOfService, [true, true, true, false, false]),
        (ResolveComplaint, [false, true, true, false, false]),
        (CloseComplaint, [false, true, true, false, false]),
        (WithdrawComplaint, [false, true, true, false, false]),
        (ReopenComplaint, [false, true, true, false, false]),
        (ExtendDeadline, [false, false, true, false, false]),
        (LogContact, [false, true, true, false, false]),
    ];
    let state = state_in(Status::Received);
    for (c, (op, row)) in commands(&state).iter().zip(expected) {
        assert_eq!(c.operation(), op, "{c:?}");
        for (role, allowed) in Role::ALL.iter().zip(row) {
            assert_eq!(
                role_allows(*role, c.operation()),
                allowed,
                "{role:?} {op:?}"
            );
        }
    }
}

/// Assigning an owned complaint to someone else is a reassignment: it
/// needs `ReassignComplaint`; the same owner again, or a first owner,
/// needs only `AssignComplaint`.
#[test]
fn reassignment_needs_the_manager_operation() {
    let mut unowned = state_in(Status::Received);
    unowned.owner = None;
    let owned = state_in(Status::Received);
    let to = |subject: &str| C::Assign {
        owner: user(subject),
    };
    assert_eq!(
        to("pr-2").operation_on(&unowned),
        Operation::AssignComplaint
    );
    assert_eq!(to("owner").operation_on(&owned), Operation::AssignComplaint);
    assert_eq!(
        to(" owner ").operation_on(&owned),
        Operation::AssignComplaint
    );
    let rule = to("pr-2").record_rule(&owned);
    assert_eq!(
        rule.map(|r| r.operation),
        Some(Operation::ReassignComplaint)
    );
    assert_eq!(rule.map(|r| r.field), Some(&["input", "ownerSubject"][..]));
    for c in commands(&owned) {
        if !matches!(c, C::Assign { .. }) {
            assert_eq!(c.record_rule(&owned), None, "{c:?}");
            assert_eq!(c.operation_on(&owned), c.operation(), "{c:?}");
        }
    }
}

/// The audit spellings, the reasons recorded and the context each
/// command asks for.
#[test]
fn audit_actions_reasons_and_needs() {
    let state = state_in(Status::Received);
    let expected = [
        ("COMPLAINT_UPDATE", None, Needs::NOTHING),
        ("COMPLAINT_ASSIGN", None, Needs::NOTHING),
        ("COMPLAINT_ACKNOWLEDGE", None, Needs::NOTHING),
        ("COMPLAINT_START_INVESTIGATION", None, Needs::NOTHING),
        (
            "COMPLAINT_ESCALATE",
            Some("Formal response asked for"),
            Needs::NOTHING,
        ),
        (
            "COMPLAINT_RESOLVE_AT_POINT_OF_SERVICE",
            None,
            Needs::NOTHING,
        ),
        (
            "COMPLAINT_RESOLVE",
            None,
            Needs {
                documents: true,
                letters: true,
                ..Needs::NOTHING
            },
        ),
        (
            "COMPLAINT_CLOSE",
            None,
            Needs {
                unfinished_work: true,
                ..Needs::NOTHING
            },
        ),
        (
            "COMPLAINT_WITHDRAW",
            Some("Complainant withdrew"),
            Needs::NOTHING,
        ),
        ("COMPLAINT_REOPEN", Some("New facts"), Needs::NOTHING),
        (
            "COMPLAINT_EXTEND_DEADLINE",
            Some("Waiting for records"),
            Needs {
                policy: true,
                ..Needs::NOTHING
            },
        ),
        ("COMPLAINT_PROGRESS_NOTICE_RECORDED", None, Needs::NOTHING),
    ];
    for (c, (action, reason, needs)) in commands(&state).iter().zip(expected) {
        assert_eq!(c.audit_action().as_str(), action);
        assert_eq!(c.reason(), reason, "{action}");
        assert_eq!(c.needs(), needs, "{action}");
    }
    assert_eq!(AuditAction::ComplaintCreate.as_str(), "COMPLAINT_CREATE");
}

/// Without the context it asked for, a command refuses rather than guess.
#[test]
fn a_missing_policy_is_refused() {
    let manager = actor(&[Role::PatientRelationsManager]);
    let mut s = state_in(Status::Received);
    let cx = Context::new(&manager, s.received_at + Duration::days(2));
    let c = C::ExtendDeadline {
        clock: ClockKind::Resolution,
        by: Span::new(7, TimeUnit::CalendarDays),
        reason: "Waiting".into(),
    };
    assert!(c.handle(&mut s, &cx).is_err());
}

/// Resolve meets the facility's required documents after the lifecycle:
/// for each (channel, attached) the move is refused, naming the kind,
/// until the document is attached; without the documents loaded it is
/// refused rather than guessed.
#[test]
fn resolve_needs_the_required_documents() {
    use crate::attachment::AttachmentKind as K;
    use crate::attachment::required::{DocumentRequirement, DocumentsOnFile};
    use crate::complaint::Channel;
    let worker = actor(&[Role::PatientRelations]);
    let required = vec![DocumentRequirement {
        channel: Channel::Letter,
        kinds: vec![K::IncomingCorrespondence],
    }];
    let cases: &[(Channel, &[K], bool)] = &[
        (Channel::Letter, &[], false),
        (Channel::Letter, &[K::Photo], false),
        (Channel::Letter, &[K::IncomingCorrespondence], true),
        (Channel::Phone, &[], true),
    ];
    for (channel, attached, allowed) in cases {
        let mut s = state_in(Status::Investigating);
        s.channel = *channel;
        let mut cx = context(&worker, &s);
        cx.documents = Some(DocumentsOnFile {
            required: required.clone(),
            attached: attached.to_vec(),
        });
        let outcome = C::Resolve(response_input(&s)).handle(&mut s, &cx);
        assert_eq!(
            outcome.is_ok(),
            *allowed,
            "{channel:?} {attached:?}: {outcome:?}"
        );
        if let Err(v) = outcome {
            assert!(v[0].message.contains("INCOMING_CORRESPONDENCE"), "{v:?}");
        }
    }
    let mut s = state_in(Status::Investigating);
    let mut cx = context(&worker, &s);
    cx.documents = None;
    assert!(C::Resolve(response_input(&s)).handle(&mut s, &cx).is_err());
}

/// `allowed_actions` for every status × role: the table's moves that the
/// role permits and whose guards hold.
#[test]
fn allowed_actions_every_status_and_role() {
    use Action::*;
    // Per status, what a PATIENT_RELATIONS(_MANAGER) may do with a plain
    // complaint and no unfinished work.
    let worker: [(Status, &[Action]); 6] = [
        (
            Status::Received,
            &[
                Acknowledge,
                StartInvestigation,
                ResolveAtPointOfService,
                Withdraw,
            ],
        ),
        (
            Status::Acknowledged,
            &[StartInvestigation, Resolve, Withdraw],
        ),
        (Status::Investigating, &[Resolve, Withdraw]),
        (Status::Resolved, &[Close, Reopen]),
        (Status::Closed, &[Reopen]),
        (Status::Withdrawn, &[Reopen]),
    ];
    for (status, expected) in worker {
        let s = state_in(status);
        for role in Role::ALL {
            let a = actor(&[role]);
            let got = allowed_actions(&s, &a, false);
            let want: Vec<Action> = match role {
                Role::PatientRelations | Role::PatientRelationsManager => expected.to_vec(),
                Role::Staff => expected
                    .iter()
                    .copied()
                    .filter(|x| *x == ResolveAtPointOfService)
                    .collect(),
                Role::Compliance | Role::Admin => Vec::new(),
            };
            assert_eq!(got, want, "{status:?} {role:?}");
            for x in &got {
                assert!(
                    crate::permissions::permits(&a, action_operation(*x)),
                    "{x:?}"
                );
            }
        }
    }
    // Guards: a grievance is not resolved on the spot; linked work not
    // finished keeps CLOSE out.
    let pr = actor(&[Role::PatientRelations]);
    let mut grievance = state_in(Status::Received);
    grievance.classification = Classification::Grievance;
    assert!(!allowed_actions(&grievance, &pr, false).contains(&ResolveAtPointOfService));
    let resolved = state_in(Status::Resolved);
    assert_eq!(allowed_actions(&resolved, &pr, true), [Reopen]);
}

/// CLOSE refuses while linked work is unfinished, naming it.
#[test]
fn close_is_refused_with_unfinished_work() {
    let pr = actor(&[Role::PatientRelations]);
    let mut s = state_in(Status::Resolved);
    let mut cx = context(&pr, &s);
    cx.unfinished = vec![UnfinishedWork {
        kind: "service-recovery action",
        label: "MEAL_VOUCHER".into(),
        id: "x".into(),
        status: "PROPOSED".into(),
    }];
    let e = C::Close.handle(&mut s, &cx).err().unwrap_or_default();
    assert_eq!(e.len(), 1);
    assert!(e[0].message.contains("MEAL_VOUCHER"));
}
