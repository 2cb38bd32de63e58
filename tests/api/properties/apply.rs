//! Runs one step through the services, exactly as the GraphQL resolvers
//! call them: creates through `services::create` (via the record's
//! service function), changes through `services::change::change`.

use chrono::Duration;
use redress_api::domain::accessibility::{
    AccessibilityRequestState, Action as RequestAction, DenialGround,
};
use redress_api::domain::actor::Actor;
use redress_api::domain::clocks::{ClockKind, Span, TimeUnit};
use redress_api::domain::command::accessibility::AccessibilityCommand as A;
use redress_api::domain::command::complaint::ComplaintCommand as C;
use redress_api::domain::command::interpreter::InterpreterCommand;
use redress_api::domain::command::notes::{AddNote, LogContact};
use redress_api::domain::command::service_recovery::ServiceRecoveryCommand as S;
use redress_api::domain::command::{AuditAction, Command, CreateCommand};
use redress_api::domain::complaint::intake::DetailsPatch;
use redress_api::domain::complaint::lifecycle::Action as ComplaintAction;
use redress_api::domain::complaint::{ComplaintState, ContactDirection, ContactMethod};
use redress_api::domain::interpreter::InterpreterSessionState;
use redress_api::domain::permissions::Operation;
use redress_api::domain::service_recovery::{
    Action as RecoveryAction, Kind as RecoveryKind, ProposalDraft, ServiceRecoveryState,
};
use redress_api::services::complaints::{self, CreateDraft};
use redress_api::services::stored::{Stored, Versioned};
use redress_api::services::{
    Caller, ServiceError, accessibility, change, interpreter, service_recovery,
};
use uuid::Uuid;

use super::next::{advance, first_of_kind, progress};
use super::strategy::{Amount, Cmd, Step, Text, VersionPick};
use super::world::{World, actor, pick, user};

/// What a step did, and what it was.
#[derive(Debug)]
pub struct Outcome {
    /// The permission the command needs whatever the record.
    pub operation: Operation,
    /// The audit action an accepted step writes on its record.
    pub audit_action: &'static str,
    pub record_type: &'static str,
    /// The transition of the record's table the command takes, if any.
    pub edge: Edge,
    /// For a change: the record, and whether the actor could see it.
    pub changed: Option<(Uuid, bool)>,
    pub version: VersionPick,
    pub result: Result<Made, ServiceError>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Edge {
    None,
    Complaint(ComplaintAction),
    Recovery(RecoveryAction),
    Request(RequestAction),
}

#[derive(Debug)]
pub enum Made {
    /// A new record, and the request a complaint was opened from (linked
    /// to it by a second event).
    Created {
        id: Uuid,
        linked: Option<Uuid>,
    },
    Changed {
        id: Uuid,
    },
}

fn expected(before: Option<i32>, pick: VersionPick) -> i32 {
    let v = before.unwrap_or(1);
    match pick {
        VersionPick::Current => v,
        VersionPick::Stale => v - 1,
        VersionPick::Ahead => v + 1,
    }
}

/// Runs a change of record `id` with the version the step picked.
async fn run_change<K>(
    w: &World,
    caller: &Caller<'_>,
    id: Uuid,
    before: Option<&K::State>,
    step: &Step,
    command: K,
    edge: Edge,
) -> Outcome
where
    K: Command + Send,
    K::State: Versioned,
{
    let operation = command.operation();
    let audit_action = command.audit_action().as_str();
    let visible = before.is_some_and(|s| s.visible_to(caller.actor));
    let version = expected(before.map(Versioned::version), step.version);
    let result = change::change(&w.db, caller, id, version, command)
        .await
        .map(|_| Made::Changed { id });
    Outcome {
        operation,
        audit_action,
        record_type: K::State::RECORD_TYPE,
        edge,
        changed: Some((id, visible)),
        version: step.version,
        result,
    }
}

fn created(
    operation: Operation,
    audit_action: &'static str,
    record_type: &'static str,
    result: Result<(Uuid, Option<Uuid>), ServiceError>,
) -> Outcome {
    Outcome {
        operation,
        audit_action,
        record_type,
        edge: Edge::None,
        changed: None,
        version: VersionPick::Current,
        result: result.map(|(id, linked)| Made::Created { id, linked }),
    }
}

fn opt(t: Option<Text>, good: &str) -> Option<String> {
    t.map(|t| t.render(good))
}

async fn load<R: Stored>(w: &World, id: Uuid) -> Option<R> {
    R::load(&w.db, id).await.expect("record loads")
}

/// Runs `step`; records what it made in the world's pools.
pub async fn apply(w: &mut World, step: &Step) -> Outcome {
    let who: Actor = actor(step.actor);
    let caller = Caller {
        actor: &who,
        request_id: "property-step",
    };
    let complaint = pick(&w.pools.complaints, step.target);
    let first = first_of_kind(w, step);
    let outcome = match first.as_ref().unwrap_or(&step.cmd) {
        Cmd::OpenComplaint {
            facility,
            intake,
            from_request,
        } => {
            let request = from_request.then(|| pick(&w.pools.requests, step.target));
            let draft = CreateDraft {
                facility_code: facility.code().to_owned(),
                intake: w.intake(intake),
                idempotency_key: None,
                accessibility_request_id: request,
            };
            let r = complaints::create(&w.db, &caller, &draft)
                .await
                .map(|(record, _)| (record.id, request));
            created(
                Operation::CreateComplaint,
                AuditAction::ComplaintCreate.as_str(),
                ComplaintState::RECORD_TYPE,
                r,
            )
        }
        Cmd::AddNote { body } => {
            let command = AddNote {
                complaint_id: complaint,
                body: body.render("Called the ward manager"),
            };
            let (op, action) = (command.operation(), command.audit_action().as_str());
            let r = complaints::add_note(&w.db, &caller, command, None)
                .await
                .map(|(m, _)| (m.id, None));
            created(op, action, "ComplaintNote", r)
        }
        Cmd::LogContact { in_range, summary } => {
            let command = LogContact {
                complaint_id: complaint,
                direction: ContactDirection::Outbound,
                method: ContactMethod::Phone,
                contacted_at: if *in_range {
                    w.t0 - Duration::hours(1)
                } else {
                    w.received_at() - Duration::days(1)
                },
                with_whom: Some("Ana Pérez".into()),
                summary: summary.render("Explained the next steps"),
            };
            let (op, action) = (command.operation(), command.audit_action().as_str());
            let r = complaints::log_contact(&w.db, &caller, command, None)
                .await
                .map(|(m, _)| (m.id, None));
            created(op, action, "ComplaintContact", r)
        }
        Cmd::ProposeRecovery {
            amount,
            description,
        } => {
            let input = service_recovery::ProposeInput {
                complaint_id: complaint,
                draft: ProposalDraft {
                    kind: RecoveryKind::MealVoucher,
                    description: description.render("Meal voucher for the wait"),
                    amount: match amount {
                        Amount::None => None,
                        Amount::Small => Some(("25.00".into(), "USD".into())),
                        Amount::Large => Some(("300.00".into(), "USD".into())),
                        Amount::Zero => Some(("0".into(), "USD".into())),
                        Amount::Euro => Some(("25.00".into(), "EUR".into())),
                    },
                },
                idempotency_key: None,
            };
            let r = service_recovery::propose(&w.db, &caller, &input)
                .await
                .map(|(id, _, _)| (id, None));
            created(
                Operation::ProposeServiceRecovery,
                AuditAction::ServiceRecoveryPropose.as_str(),
                ServiceRecoveryState::RECORD_TYPE,
                r,
            )
        }
        Cmd::LogInterpreter {
            facility,
            on_complaint,
            language_ok,
        } => {
            let input = interpreter::LogInput {
                facility_code: facility.code().to_owned(),
                complaint_id: on_complaint.then_some(complaint),
                entry: w.entry(*language_ok, 0),
                idempotency_key: None,
            };
            let r = interpreter::log(&w.db, &caller, &input)
                .await
                .map(|(id, _, _)| (id, None));
            created(
                Operation::LogInterpreterSession,
                AuditAction::InterpreterSessionLog.as_str(),
                InterpreterSessionState::RECORD_TYPE,
                r,
            )
        }
        Cmd::FileRequest {
            facility,
            on_complaint,
            overdue,
            details,
        } => {
            let input = accessibility::CreateInput {
                facility_code: facility.code().to_owned(),
                complaint_id: on_complaint.then_some(complaint),
                draft: w.request(*overdue, *details),
                idempotency_key: None,
            };
            let r = accessibility::create(&w.db, &caller, &input)
                .await
                .map(|(id, _, _)| (id, None));
            created(
                Operation::CreateAccessibilityRequest,
                AuditAction::AccessibilityRequestCreate.as_str(),
                AccessibilityRequestState::RECORD_TYPE,
                r,
            )
        }
        Cmd::Advance { table, choice } => {
            let cmd = advance(w, step, *table, usize::from(*choice)).await;
            let step = Step {
                cmd,
                ..step.clone()
            };
            return change_step(w, &caller, &step, &step.cmd, complaint).await;
        }
        Cmd::Progress { table, choice } => {
            let (cmd, target) = progress(w, step, *table, usize::from(*choice)).await;
            let step = Step {
                cmd,
                target,
                ..step.clone()
            };
            return change_step(w, &caller, &step, &step.cmd, complaint).await;
        }
        cmd => return change_step(w, &caller, step, cmd, complaint).await,
    };
    if let Ok(Made::Created { id, .. }) = &outcome.result {
        let pool = match outcome.record_type {
            "Complaint" => Some(&mut w.pools.complaints),
            "ServiceRecoveryAction" => Some(&mut w.pools.recoveries),
            "InterpreterSession" => Some(&mut w.pools.sessions),
            "AccessibilityRequest" => Some(&mut w.pools.requests),
            _ => None,
        };
        if let Some(pool) = pool {
            pool.push(*id);
        }
    }
    outcome
}

/// The changes: the record loaded first (for its version and, for a
/// resolution, its issues), then the command through the change path.
async fn change_step(
    w: &World,
    caller: &Caller<'_>,
    step: &Step,
    cmd: &Cmd,
    complaint: Uuid,
) -> Outcome {
    let c: Option<ComplaintState> = load(w, complaint).await;
    let complaint_change = |command: C| {
        let edge = match &command {
            C::Acknowledge { .. } => Edge::Complaint(ComplaintAction::Acknowledge),
            C::StartInvestigation => Edge::Complaint(ComplaintAction::StartInvestigation),
            C::ResolveAtPointOfService { .. } => {
                Edge::Complaint(ComplaintAction::ResolveAtPointOfService)
            }
            C::Resolve(_) => Edge::Complaint(ComplaintAction::Resolve),
            C::Close => Edge::Complaint(ComplaintAction::Close),
            C::Withdraw { .. } => Edge::Complaint(ComplaintAction::Withdraw),
            C::Reopen { .. } => Edge::Complaint(ComplaintAction::Reopen),
            _ => Edge::None,
        };
        run_change(w, caller, complaint, c.as_ref(), step, command, edge)
    };
    match cmd {
        Cmd::Update {
            description,
            formal,
        } => {
            let patch = DetailsPatch {
                description: Some(description.render("Waited five hours in triage")),
                formal_handling_requested: *formal,
                ..DetailsPatch::default()
            };
            complaint_change(C::Update(patch)).await
        }
        Cmd::Assign { owner } => {
            complaint_change(C::Assign {
                owner: user(*owner),
            })
            .await
        }
        Cmd::Acknowledge { before_receipt } => {
            let at = before_receipt.then(|| w.received_at() - Duration::hours(1));
            complaint_change(C::Acknowledge {
                method: ContactMethod::Letter,
                at,
            })
            .await
        }
        Cmd::StartInvestigation => complaint_change(C::StartInvestigation).await,
        Cmd::Escalate { reason } => {
            let reason = reason.render("The patient asked for a formal review");
            complaint_change(C::Escalate { reason }).await
        }
        Cmd::ResolveAtPointOfService { resolution } => {
            let resolution = resolution.render("Apologised and moved the appointment");
            complaint_change(C::ResolveAtPointOfService { resolution }).await
        }
        Cmd::Resolve {
            findings,
            response,
            qio,
        } => {
            let input = match &c {
                Some(c) => w.resolve_input(c, *findings, *response, *qio),
                None => Default::default(),
            };
            complaint_change(C::Resolve(input)).await
        }
        Cmd::Close => complaint_change(C::Close).await,
        Cmd::Withdraw { reason } => {
            let reason = reason.render("No longer wanted");
            complaint_change(C::Withdraw { reason }).await
        }
        Cmd::Reopen { reason } => {
            let reason = reason.render("New information");
            complaint_change(C::Reopen { reason }).await
        }
        Cmd::Extend {
            resolution_clock,
            days,
            reason,
        } => {
            let command = C::ExtendDeadline {
                clock: if *resolution_clock {
                    ClockKind::Resolution
                } else {
                    ClockKind::Acknowledgement
                },
                by: Span::new(*days, TimeUnit::CalendarDays),
                reason: reason.render("Waiting for the medical records"),
            };
            complaint_change(command).await
        }
        Cmd::Approve | Cmd::Decline { .. } | Cmd::Complete { .. } | Cmd::CancelRecovery { .. } => {
            let id = pick(&w.pools.recoveries, step.target);
            let before: Option<ServiceRecoveryState> = load(w, id).await;
            let (command, action) = match cmd {
                Cmd::Approve => (S::Approve, RecoveryAction::Approve),
                Cmd::Decline { reason } => (
                    S::Decline {
                        reason: reason.render("Not warranted"),
                    },
                    RecoveryAction::Decline,
                ),
                Cmd::Complete { note } => (
                    S::Complete {
                        note: opt(*note, "Voucher handed over"),
                    },
                    RecoveryAction::Complete,
                ),
                _ => (
                    S::Cancel {
                        reason: reason_of(cmd).render("Patient declined it"),
                    },
                    RecoveryAction::Cancel,
                ),
            };
            let edge = Edge::Recovery(action);
            run_change(w, caller, id, before.as_ref(), step, command, edge).await
        }
        Cmd::Amend { notes, reason } => {
            let id = pick(&w.pools.sessions, step.target);
            let before: Option<InterpreterSessionState> = load(w, id).await;
            let command = InterpreterCommand::Amend {
                entry: w.entry(true, *notes),
                reason: reason.render("Corrected the notes"),
            };
            run_change(w, caller, id, before.as_ref(), step, command, Edge::None).await
        }
        _ => {
            let id = pick(&w.pools.requests, step.target);
            let before: Option<AccessibilityRequestState> = load(w, id).await;
            let command = match cmd {
                Cmd::AcknowledgeRequest => A::Acknowledge,
                Cmd::Schedule { provider } => A::Schedule {
                    scheduled_for: w.t0 + Duration::days(1),
                    provider: opt(*provider, "Deaf Access Services"),
                },
                Cmd::Fulfill { note } => A::Fulfill {
                    note: opt(*note, "Interpreter attended"),
                },
                Cmd::ProvideAlternative { reason } => A::ProvideAlternative {
                    alternative: "Video remote interpreting".into(),
                    reason: reason.render("No on-site interpreter free"),
                },
                Cmd::Deny { reason } => A::Deny {
                    ground: DenialGround::UndueBurden,
                    reason: reason.render("No interpreter available in time"),
                },
                _ => A::Cancel {
                    reason: reason_of(cmd).render("Appointment cancelled"),
                },
            };
            let edge = Edge::Request(command.action());
            run_change(w, caller, id, before.as_ref(), step, command, edge).await
        }
    }
}

fn reason_of(cmd: &Cmd) -> Text {
    match cmd {
        Cmd::CancelRecovery { reason } | Cmd::CancelRequest { reason } => *reason,
        _ => Text::Good,
    }
}
