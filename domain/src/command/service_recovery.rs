//! The service-recovery action's commands and what an actor may do next.

use uuid::Uuid;

use super::{AuditAction, Command, Context, CreateCommand};
use crate::Violation;
use crate::actor::Actor;
use crate::money::Money;
use crate::permissions::{Operation, permits};
use crate::service_recovery::{
    self as sr, Action, Decider, ProposalDraft, Proposing, ServiceRecoveryState, Status,
};

/// A change to an existing service-recovery action.
#[derive(Clone, Debug)]
pub enum ServiceRecoveryCommand {
    Approve,
    Decline { reason: String },
    Complete { note: Option<String> },
    Cancel { reason: String },
}

/// Whether the actor may approve or decline this action: above the
/// threshold, a manager who did not propose it.
fn may_decide(s: &ServiceRecoveryState, actor: &Actor) -> bool {
    if s.approval_required {
        permits(actor, Operation::DecideServiceRecoveryAboveThreshold)
            && s.proposed.by.subject != actor.subject
    } else {
        permits(actor, Operation::DecideServiceRecovery)
    }
}

/// What the status allows, the actor's roles permit and the guards let
/// through now.
pub fn allowed_actions(s: &ServiceRecoveryState, actor: &Actor) -> Vec<Action> {
    sr::MACHINE
        .allowed(s.status)
        .into_iter()
        .filter(|a| match a {
            Action::Approve | Action::Decline => may_decide(s, actor),
            Action::Complete => {
                permits(actor, Operation::CompleteServiceRecovery)
                    && !(s.status == Status::Proposed && s.approval_required)
            }
            Action::Cancel => permits(actor, Operation::CancelServiceRecovery),
        })
        .collect()
}

impl Command for ServiceRecoveryCommand {
    type State = ServiceRecoveryState;

    /// Deciding above the threshold is refused by the domain's guard (a
    /// manager who did not propose it), with the threshold in the message.
    fn operation(&self) -> Operation {
        match self {
            ServiceRecoveryCommand::Approve | ServiceRecoveryCommand::Decline { .. } => {
                Operation::DecideServiceRecovery
            }
            ServiceRecoveryCommand::Complete { .. } => Operation::CompleteServiceRecovery,
            ServiceRecoveryCommand::Cancel { .. } => Operation::CancelServiceRecovery,
        }
    }

    fn audit_action(&self) -> AuditAction {
        match self {
            ServiceRecoveryCommand::Approve => AuditAction::ServiceRecoveryApprove,
            ServiceRecoveryCommand::Decline { .. } => AuditAction::ServiceRecoveryDecline,
            ServiceRecoveryCommand::Complete { .. } => AuditAction::ServiceRecoveryComplete,
            ServiceRecoveryCommand::Cancel { .. } => AuditAction::ServiceRecoveryCancel,
        }
    }

    fn reason(&self) -> Option<&str> {
        match self {
            ServiceRecoveryCommand::Decline { reason }
            | ServiceRecoveryCommand::Cancel { reason } => Some(reason),
            _ => None,
        }
    }

    fn handle(self, s: &mut ServiceRecoveryState, cx: &Context<'_>) -> Result<(), Vec<Violation>> {
        let decider = Decider {
            by: &cx.by,
            is_manager: permits(cx.actor, Operation::DecideServiceRecoveryAboveThreshold),
            now: cx.now,
        };
        match self {
            ServiceRecoveryCommand::Approve => sr::approve(s, &decider),
            ServiceRecoveryCommand::Decline { reason } => sr::decline(s, &decider, &reason),
            ServiceRecoveryCommand::Complete { note } => {
                sr::complete(s, &cx.by, cx.now, note.as_deref())
            }
            ServiceRecoveryCommand::Cancel { reason } => sr::cancel(s, &cx.by, cx.now, &reason),
        }
    }
}

/// `serviceRecoveryPropose`: a new action on a complaint, under the
/// facility's approval threshold as it stands now.
#[derive(Clone, Debug)]
pub struct ProposeServiceRecovery {
    pub complaint_id: Uuid,
    pub draft: ProposalDraft,
}

/// What a proposal sees: the complaint's facility and department, and the
/// facility's approval threshold.
#[derive(Clone, Debug)]
pub struct ProposalSetting {
    pub facility_id: Uuid,
    pub facility_code: String,
    pub complaint_id: Uuid,
    pub department: String,
    pub threshold: Money,
}

impl CreateCommand for ProposeServiceRecovery {
    type State = ServiceRecoveryState;
    type Setting = ProposalSetting;

    fn operation(&self) -> Operation {
        Operation::ProposeServiceRecovery
    }

    fn audit_action(&self) -> AuditAction {
        AuditAction::ServiceRecoveryPropose
    }

    fn handle(
        self,
        s: &ProposalSetting,
        cx: &Context<'_>,
    ) -> Result<ServiceRecoveryState, Vec<Violation>> {
        sr::propose(
            &self.draft,
            Proposing {
                facility_id: s.facility_id,
                facility_code: &s.facility_code,
                complaint_id: s.complaint_id,
                department: &s.department,
                threshold: s.threshold.clone(),
                by: cx.by.clone(),
                now: cx.now,
            },
        )
    }
}
