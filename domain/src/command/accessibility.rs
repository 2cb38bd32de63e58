//! The accessibility request's commands and what an actor may do next.

use chrono::{DateTime, Utc};

use super::{AuditAction, Command, Context, CreateCommand, Placement};
use crate::Violation;
use crate::accessibility::{
    self as da, AccessibilityRequestState, Action, Actx, DenialGround, Filing, RequestDraft,
};
use crate::actor::Actor;
use crate::permissions::{Operation, permits};

/// One step of the request's status machine.
#[derive(Clone, Debug)]
pub enum AccessibilityCommand {
    Acknowledge,
    Schedule {
        scheduled_for: DateTime<Utc>,
        provider: Option<String>,
    },
    Fulfill {
        note: Option<String>,
    },
    ProvideAlternative {
        alternative: String,
        reason: String,
    },
    Deny {
        ground: DenialGround,
        reason: String,
    },
    Cancel {
        reason: String,
    },
}

/// The permission a machine action needs.
pub fn action_operation(action: Action) -> Operation {
    match action {
        Action::Deny => Operation::DenyAccessibilityRequest,
        Action::Acknowledge
        | Action::Schedule
        | Action::Fulfill
        | Action::ProvideAlternative
        | Action::Cancel => Operation::WorkAccessibilityRequest,
    }
}

/// What the status allows and the actor's roles permit now.
pub fn allowed_actions(s: &AccessibilityRequestState, actor: &Actor) -> Vec<Action> {
    da::MACHINE
        .allowed(s.status)
        .into_iter()
        .filter(|a| permits(actor, action_operation(*a)))
        .collect()
}

impl AccessibilityCommand {
    /// The machine action this command takes.
    pub fn action(&self) -> Action {
        match self {
            AccessibilityCommand::Acknowledge => Action::Acknowledge,
            AccessibilityCommand::Schedule { .. } => Action::Schedule,
            AccessibilityCommand::Fulfill { .. } => Action::Fulfill,
            AccessibilityCommand::ProvideAlternative { .. } => Action::ProvideAlternative,
            AccessibilityCommand::Deny { .. } => Action::Deny,
            AccessibilityCommand::Cancel { .. } => Action::Cancel,
        }
    }
}

impl Command for AccessibilityCommand {
    type State = AccessibilityRequestState;

    fn operation(&self) -> Operation {
        action_operation(self.action())
    }

    fn audit_action(&self) -> AuditAction {
        match self {
            AccessibilityCommand::Acknowledge => AuditAction::AccessibilityRequestAcknowledge,
            AccessibilityCommand::Schedule { .. } => AuditAction::AccessibilityRequestSchedule,
            AccessibilityCommand::Fulfill { .. } => AuditAction::AccessibilityRequestFulfill,
            AccessibilityCommand::ProvideAlternative { .. } => {
                AuditAction::AccessibilityRequestProvideAlternative
            }
            AccessibilityCommand::Deny { .. } => AuditAction::AccessibilityRequestDeny,
            AccessibilityCommand::Cancel { .. } => AuditAction::AccessibilityRequestCancel,
        }
    }

    fn reason(&self) -> Option<&str> {
        match self {
            AccessibilityCommand::ProvideAlternative { reason, .. }
            | AccessibilityCommand::Deny { reason, .. }
            | AccessibilityCommand::Cancel { reason } => Some(reason),
            _ => None,
        }
    }

    fn handle(
        self,
        s: &mut AccessibilityRequestState,
        cx: &Context<'_>,
    ) -> Result<(), Vec<Violation>> {
        let a = Actx {
            by: &cx.by,
            now: cx.now,
        };
        match self {
            AccessibilityCommand::Acknowledge => da::acknowledge(s, &a),
            AccessibilityCommand::Schedule {
                scheduled_for,
                provider,
            } => da::schedule(s, &a, scheduled_for, provider.as_deref()),
            AccessibilityCommand::Fulfill { note } => da::fulfill(s, &a, note.as_deref()),
            AccessibilityCommand::ProvideAlternative {
                alternative,
                reason,
            } => da::provide_alternative(s, &a, &alternative, &reason),
            AccessibilityCommand::Deny { ground, reason } => da::deny(s, &a, ground, &reason),
            AccessibilityCommand::Cancel { reason } => da::cancel(s, &a, &reason),
        }
    }
}

/// `accessibilityRequestCreate`: a new request, optionally on a complaint.
#[derive(Clone, Debug)]
pub struct FileAccessibilityRequest {
    pub facility_code: String,
    pub complaint_id: Option<uuid::Uuid>,
    pub draft: RequestDraft,
}

impl CreateCommand for FileAccessibilityRequest {
    type State = AccessibilityRequestState;
    type Setting = Placement;

    fn operation(&self) -> Operation {
        Operation::CreateAccessibilityRequest
    }

    fn audit_action(&self) -> AuditAction {
        AuditAction::AccessibilityRequestCreate
    }

    fn handle(
        self,
        p: &Placement,
        cx: &Context<'_>,
    ) -> Result<AccessibilityRequestState, Vec<Violation>> {
        da::file(
            &self.draft,
            Filing {
                facility_id: p.facility_id,
                facility_code: &p.facility_code,
                complaint_id: p.complaint_id,
                by: cx.by.clone(),
                now: cx.now,
            },
        )
    }
}
