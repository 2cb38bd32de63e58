//! The interpreter log entry's commands.

use super::{AuditAction, Command, Context};
use crate::Violation;
use crate::interpreter::{self as di, EntryDraft, InterpreterSessionState};
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
