//! The complaint's commands: one variant per business action, what each
//! needs, and what the lifecycle lets an actor do next.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use super::{AuditAction, Command, Context, CreateCommand, Needs, RecordRule, missing};
use crate::Violation;
use crate::actor::Actor;
use crate::clocks::{ClockKind, PolicyRules, Span};
use crate::complaint::intake::{self, DetailsPatch, IntakeDraft, Opening};
use crate::complaint::lifecycle::{self, Action, Actx};
use crate::complaint::resolution::ResolveInput;
use crate::complaint::{Classification, ComplaintState, ContactMethod, UserRef, classification};
use crate::permissions::{Operation, permits};

/// A change to an existing complaint.
#[derive(Clone, Debug)]
pub enum ComplaintCommand {
    /// Details and HCAT issues of an open complaint; reclassifies.
    Update(DetailsPatch),
    /// Gives the complaint its owner; replacing another owner is a
    /// reassignment.
    Assign {
        owner: UserRef,
    },
    /// RECEIVED → ACKNOWLEDGED; `at` is now when absent.
    Acknowledge {
        method: ContactMethod,
        at: Option<DateTime<Utc>>,
    },
    StartInvestigation,
    /// Makes an open complaint a grievance.
    Escalate {
        reason: String,
    },
    ResolveAtPointOfService {
        resolution: String,
    },
    Resolve(ResolveInput),
    /// RESOLVED → CLOSED, once linked work is finished.
    Close,
    Withdraw {
        reason: String,
    },
    Reopen {
        reason: String,
    },
    ExtendDeadline {
        clock: ClockKind,
        by: Span,
        reason: String,
    },
    /// A progress notice went to the complainant at `sent_at` (a
    /// PROGRESS_NOTICE letter marked sent): meets the progress-notice
    /// clock. A recorded contact with the complainant, so it takes
    /// `LogContact`.
    RecordProgressNotice {
        sent_at: DateTime<Utc>,
    },
}

/// The permission a lifecycle action needs.
pub fn action_operation(action: Action) -> Operation {
    match action {
        Action::Acknowledge => Operation::AcknowledgeComplaint,
        Action::StartInvestigation => Operation::StartInvestigation,
        Action::ResolveAtPointOfService => Operation::ResolveAtPointOfService,
        Action::Resolve => Operation::ResolveComplaint,
        Action::Close => Operation::CloseComplaint,
        Action::Withdraw => Operation::WithdrawComplaint,
        Action::Reopen => Operation::ReopenComplaint,
    }
}

/// What can be done next with this complaint by this actor: the
/// lifecycle's moves from its status that the actor's roles permit and
/// whose guards hold (on-the-spot resolution is for a complaint, not a
/// grievance; CLOSE only when `linked_work_unfinished` is false).
pub fn allowed_actions(
    state: &ComplaintState,
    actor: &Actor,
    linked_work_unfinished: bool,
) -> Vec<Action> {
    lifecycle::allowed_actions(state.status)
        .into_iter()
        .filter(|a| permits(actor, action_operation(*a)))
        .filter(|a| match a {
            Action::ResolveAtPointOfService => state.classification == Classification::Complaint,
            Action::Close => !linked_work_unfinished,
            _ => true,
        })
        .collect()
}

const REASSIGN: RecordRule = RecordRule {
    operation: Operation::ReassignComplaint,
    field: &["input", "ownerSubject"],
    message: "the complaint already has an owner; only a manager may reassign it",
};

impl Command for ComplaintCommand {
    type State = ComplaintState;

    fn operation(&self) -> Operation {
        match self {
            ComplaintCommand::Update(_) => Operation::UpdateComplaint,
            ComplaintCommand::Assign { .. } => Operation::AssignComplaint,
            ComplaintCommand::Acknowledge { .. } => Operation::AcknowledgeComplaint,
            ComplaintCommand::StartInvestigation => Operation::StartInvestigation,
            ComplaintCommand::Escalate { .. } => Operation::EscalateComplaint,
            ComplaintCommand::ResolveAtPointOfService { .. } => Operation::ResolveAtPointOfService,
            ComplaintCommand::Resolve(_) => Operation::ResolveComplaint,
            ComplaintCommand::Close => Operation::CloseComplaint,
            ComplaintCommand::Withdraw { .. } => Operation::WithdrawComplaint,
            ComplaintCommand::Reopen { .. } => Operation::ReopenComplaint,
            ComplaintCommand::ExtendDeadline { .. } => Operation::ExtendDeadline,
            ComplaintCommand::RecordProgressNotice { .. } => Operation::LogContact,
        }
    }

    fn record_rule(&self, state: &ComplaintState) -> Option<RecordRule> {
        match self {
            ComplaintCommand::Assign { owner }
                if lifecycle::is_reassignment(state, &owner.subject) =>
            {
                Some(REASSIGN)
            }
            _ => None,
        }
    }

    fn audit_action(&self) -> AuditAction {
        match self {
            ComplaintCommand::Update(_) => AuditAction::ComplaintUpdate,
            ComplaintCommand::Assign { .. } => AuditAction::ComplaintAssign,
            ComplaintCommand::Acknowledge { .. } => AuditAction::ComplaintAcknowledge,
            ComplaintCommand::StartInvestigation => AuditAction::ComplaintStartInvestigation,
            ComplaintCommand::Escalate { .. } => AuditAction::ComplaintEscalate,
            ComplaintCommand::ResolveAtPointOfService { .. } => {
                AuditAction::ComplaintResolveAtPointOfService
            }
            ComplaintCommand::Resolve(_) => AuditAction::ComplaintResolve,
            ComplaintCommand::Close => AuditAction::ComplaintClose,
            ComplaintCommand::Withdraw { .. } => AuditAction::ComplaintWithdraw,
            ComplaintCommand::Reopen { .. } => AuditAction::ComplaintReopen,
            ComplaintCommand::ExtendDeadline { .. } => AuditAction::ComplaintExtendDeadline,
            ComplaintCommand::RecordProgressNotice { .. } => {
                AuditAction::ComplaintProgressNoticeRecorded
            }
        }
    }

    fn reason(&self) -> Option<&str> {
        match self {
            ComplaintCommand::Escalate { reason }
            | ComplaintCommand::Withdraw { reason }
            | ComplaintCommand::Reopen { reason }
            | ComplaintCommand::ExtendDeadline { reason, .. } => Some(reason),
            _ => None,
        }
    }

    fn needs(&self) -> Needs {
        match self {
            ComplaintCommand::Resolve(_) => Needs {
                letters: true,
                documents: true,
                ..Needs::NOTHING
            },
            ComplaintCommand::Close => Needs {
                unfinished_work: true,
                ..Needs::NOTHING
            },
            ComplaintCommand::ExtendDeadline { .. } => Needs {
                policy: true,
                ..Needs::NOTHING
            },
            _ => Needs::NOTHING,
        }
    }

    fn handle(self, state: &mut ComplaintState, cx: &Context<'_>) -> Result<(), Vec<Violation>> {
        let a = Actx {
            by: &cx.by,
            now: cx.now,
        };
        match self {
            ComplaintCommand::Update(patch) => intake::update(state, &patch),
            ComplaintCommand::Assign { owner } => lifecycle::assign(state, owner),
            ComplaintCommand::Acknowledge { method, at } => {
                lifecycle::acknowledge(state, &a, method, at.unwrap_or(cx.now))
            }
            ComplaintCommand::StartInvestigation => lifecycle::start_investigation(state, &a),
            ComplaintCommand::Escalate { reason } => {
                classification::escalate(state, &cx.by, &reason, cx.now)
            }
            ComplaintCommand::ResolveAtPointOfService { resolution } => {
                lifecycle::resolve_at_point_of_service(state, &a, &resolution)
            }
            ComplaintCommand::Resolve(input) => {
                lifecycle::resolve(state, &a, &input, &cx.letters)?;
                // The facility's required documents (attachment/required.rs),
                // once the lifecycle allows the move.
                let Some(documents) = &cx.documents else {
                    return Err(missing("the complaint's documents"));
                };
                crate::attachment::required::check(state.channel, documents)
            }
            ComplaintCommand::Close => lifecycle::close(state, &a, &cx.unfinished),
            ComplaintCommand::Withdraw { reason } => lifecycle::withdraw(state, &a, &reason),
            ComplaintCommand::Reopen { reason } => lifecycle::reopen(state, &a, &reason),
            ComplaintCommand::ExtendDeadline { clock, by, reason } => {
                let Some(policy) = &cx.policy else {
                    return Err(missing("the complaint's deadline policy"));
                };
                lifecycle::extend_deadline(state, &a, &policy.rules, policy.tz, clock, by, &reason)
            }
            ComplaintCommand::RecordProgressNotice { sent_at } => {
                lifecycle::record_progress_notice(state, &a, sent_at)
            }
        }
    }
}

/// `complaintCreate`: a new complaint from intake, optionally opened from
/// a failed accessibility request (then a grievance, linked both ways).
#[derive(Clone, Debug)]
pub struct OpenComplaint {
    pub facility_code: String,
    pub intake: IntakeDraft,
    pub from_failed_request: Option<Uuid>,
}

/// What opening a complaint sees: its facility, the facility's time zone
/// and the deadline policy of the intake's program.
#[derive(Clone, Debug)]
pub struct ComplaintSetting {
    pub facility_id: Uuid,
    pub facility_code: String,
    pub tz: Tz,
    pub policy_id: Uuid,
    pub rules: PolicyRules,
}

impl CreateCommand for OpenComplaint {
    type State = ComplaintState;
    type Setting = ComplaintSetting;

    fn operation(&self) -> Operation {
        Operation::CreateComplaint
    }

    fn audit_action(&self) -> AuditAction {
        AuditAction::ComplaintCreate
    }

    /// Validated, classified, clocks set; the reference is numbered by the
    /// services once the complaint is known to be valid.
    fn handle(
        self,
        s: &ComplaintSetting,
        cx: &Context<'_>,
    ) -> Result<ComplaintState, Vec<Violation>> {
        let mut state = intake::open(
            &self.intake,
            Opening {
                facility_id: s.facility_id,
                facility_code: &s.facility_code,
                tz: s.tz,
                policy_id: s.policy_id,
                rules: &s.rules,
                by: cx.by.clone(),
                now: cx.now,
            },
        )?;
        if let Some(request_id) = self.from_failed_request {
            classification::opened_from_failed_accommodation(&mut state, request_id);
        }
        Ok(state)
    }
}
