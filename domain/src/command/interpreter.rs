//! The interpreter log entry's commands.

use super::{AuditAction, Command, Context, CreateCommand, Placement};
use crate::Violation;
use crate::interpreter::{self as di, EntryDraft, InterpreterSessionState, Logging};
use crate::permissions::Operation;

/// A change to an existing interpreter log entry.
#[derive(Clone, Debug)]
pub enum InterpreterCommand {
    /// Corrects the entry; the original stays in the amendments.
    Amend { entry: EntryDraft, reason: String },
}

impl Command for InterpreterCommand {
    type State = InterpreterSessionState;

    fn operation(&self) -> Operation {
        match self {
            InterpreterCommand::Amend { .. } => Operation::AmendInterpreterSession,
        }
    }

    fn audit_action(&self) -> AuditAction {
        match self {
            InterpreterCommand::Amend { .. } => AuditAction::InterpreterSessionAmend,
        }
    }

    fn reason(&self) -> Option<&str> {
        match self {
            InterpreterCommand::Amend { reason, .. } => Some(reason),
        }
    }

    fn handle(
        self,
        s: &mut InterpreterSessionState,
        cx: &Context<'_>,
    ) -> Result<(), Vec<Violation>> {
        match self {
            InterpreterCommand::Amend { entry, reason } => {
                di::amend(s, &entry, &reason, &cx.by, cx.now)
            }
        }
    }
}

/// `interpreterSessionLog`: a new entry, optionally on a complaint.
#[derive(Clone, Debug)]
pub struct LogInterpreterSession {
    pub facility_code: String,
    pub complaint_id: Option<uuid::Uuid>,
    pub entry: EntryDraft,
}

impl CreateCommand for LogInterpreterSession {
    type State = InterpreterSessionState;
    type Setting = Placement;

    fn operation(&self) -> Operation {
        Operation::LogInterpreterSession
    }

    fn audit_action(&self) -> AuditAction {
        AuditAction::InterpreterSessionLog
    }

    fn handle(
        self,
        p: &Placement,
        cx: &Context<'_>,
    ) -> Result<InterpreterSessionState, Vec<Violation>> {
        di::log(
            &self.entry,
            Logging {
                facility_id: p.facility_id,
                facility_code: &p.facility_code,
                complaint_id: p.complaint_id,
                by: cx.by.clone(),
                now: cx.now,
            },
        )
    }
}
