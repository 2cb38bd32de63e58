//! The letter's commands and what an actor may do next.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{AuditAction, Command, Context, CreateCommand};
use crate::Violation;
use crate::actor::Actor;
use crate::letter::{
    self as dl, Composition, Delivery, DraftInput, LetterAction, LetterSetting, LetterState,
    LetterStatus, Rendition, SendMethod, SendRules, UpdateInput,
};
use crate::permissions::{Operation, permits};

/// One change of a letter.
#[derive(Clone, Debug)]
pub enum LetterCommand {
    /// `letterUpdate`: new content, composed again by the services.
    Update {
        input: Box<UpdateInput>,
        preferred_language: String,
        composition: Composition,
    },
    /// `letterApprove`.
    Approve,
    /// `letterMarkSent`: the rules found for it, the letter composed again
    /// as of its sending, and the rendition of that stored.
    MarkSent {
        method: SendMethod,
        sent_at: DateTime<Utc>,
        rules: SendRules,
        composition: Composition,
        rendition: Rendition,
    },
    /// `letterRecordDelivery`.
    RecordDelivery {
        outcome: Delivery,
        note: Option<String>,
    },
    /// Sending the correction `by_letter` replaces this letter.
    Supersede { by_letter: Uuid },
    /// The mail relay accepted the emailed letter under `message_id`
    /// (recorded by the server after `letterMarkSent` with EMAIL).
    RecordRelayAcceptance { message_id: String },
}

/// The permission an action needs.
pub fn action_operation(action: LetterAction) -> Operation {
    match action {
        LetterAction::Update => Operation::DraftLetter,
        LetterAction::Approve => Operation::ApproveLetter,
        LetterAction::MarkSent | LetterAction::RecordDelivery | LetterAction::Supersede => {
            Operation::SendLetter
        }
    }
}

/// What the status allows, the facility's rules and the actor's roles
/// permit now. SUPERSEDE is never offered: it is done by sending a
/// correction.
pub fn allowed_actions(
    s: &LetterState,
    actor: &Actor,
    approval_required: bool,
) -> Vec<LetterAction> {
    dl::MACHINE
        .allowed(s.status)
        .into_iter()
        .filter(|a| permits(actor, action_operation(*a)))
        .filter(|a| match a {
            LetterAction::Supersede => false,
            LetterAction::MarkSent => !(approval_required && s.status == LetterStatus::Draft),
            LetterAction::Approve => s.drafted.by.subject != actor.subject,
            LetterAction::RecordDelivery => s.delivery == Some(Delivery::Sent),
            LetterAction::Update => true,
        })
        .collect()
}

impl LetterCommand {
    pub fn action(&self) -> LetterAction {
        match self {
            LetterCommand::Update { .. } => LetterAction::Update,
            LetterCommand::Approve => LetterAction::Approve,
            LetterCommand::MarkSent { .. } => LetterAction::MarkSent,
            LetterCommand::RecordDelivery { .. } | LetterCommand::RecordRelayAcceptance { .. } => {
                LetterAction::RecordDelivery
            }
            LetterCommand::Supersede { .. } => LetterAction::Supersede,
        }
    }
}

impl Command for LetterCommand {
    type State = LetterState;

    fn operation(&self) -> Operation {
        action_operation(self.action())
    }

    fn audit_action(&self) -> AuditAction {
        match self {
            LetterCommand::Update { .. } => AuditAction::LetterUpdate,
            LetterCommand::Approve => AuditAction::LetterApprove,
            LetterCommand::MarkSent { .. } => AuditAction::LetterMarkSent,
            LetterCommand::RecordDelivery { .. } => AuditAction::LetterRecordDelivery,
            LetterCommand::Supersede { .. } => AuditAction::LetterSupersede,
            LetterCommand::RecordRelayAcceptance { .. } => AuditAction::LetterRelayAccept,
        }
    }

    fn reason(&self) -> Option<&str> {
        match self {
            LetterCommand::Update { input, .. } => input.language_reason.as_deref(),
            _ => None,
        }
    }

    fn handle(self, s: &mut LetterState, cx: &Context<'_>) -> Result<(), Vec<Violation>> {
        match self {
            LetterCommand::Update {
                input,
                preferred_language,
                composition,
            } => dl::update(s, &input, &preferred_language, composition),
            LetterCommand::Approve => dl::approve(s, &cx.by, cx.now),
            LetterCommand::MarkSent {
                method,
                sent_at,
                rules,
                composition,
                rendition,
            } => {
                // A refusal discards this copy of the letter (the change
                // path changes a clone), the new composition with it.
                s.composition = composition;
                dl::mark_sent(s, &rules, method, sent_at, &rendition, &cx.by, cx.now)
            }
            LetterCommand::RecordDelivery { outcome, note } => {
                dl::record_delivery(s, outcome, note.as_deref(), &cx.by, cx.now)
            }
            LetterCommand::Supersede { by_letter } => dl::supersede(s, by_letter),
            LetterCommand::RecordRelayAcceptance { message_id } => {
                dl::record_relay_acceptance(s, &message_id)
            }
        }
    }
}

/// `letterDraft`: a new letter on a complaint.
#[derive(Clone, Debug)]
pub struct DraftLetter {
    pub complaint_id: Uuid,
    pub input: DraftInput,
}

impl CreateCommand for DraftLetter {
    type State = LetterState;
    type Setting = LetterSetting;

    fn operation(&self) -> Operation {
        Operation::DraftLetter
    }

    fn audit_action(&self) -> AuditAction {
        AuditAction::LetterDraft
    }

    fn check(&self) -> Result<(), Vec<Violation>> {
        dl::check_content(&self.input.content).map(drop)
    }

    fn handle(
        self,
        setting: &LetterSetting,
        cx: &Context<'_>,
    ) -> Result<LetterState, Vec<Violation>> {
        dl::draft(&self.input, setting, &cx.by, cx.now)
    }
}
