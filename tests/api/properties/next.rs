//! What a step means that is only known when it runs: the move a
//! record's table allows from its status now ([`Cmd::Advance`]), and the
//! first record of a kind when a step would change one the case has none
//! of.

use redress_api::domain::accessibility::{
    self as acc, AccessibilityRequestState, Action as RequestAction,
};
use redress_api::domain::complaint::ComplaintState;
use redress_api::domain::complaint::lifecycle::{self, Action as ComplaintAction};
use redress_api::domain::service_recovery::{
    self as sr, Action as RecoveryAction, ServiceRecoveryState,
};
use redress_api::services::stored::Stored;
use uuid::Uuid;

use super::strategy::{Amount, Cmd, Fac, Step, Table, Text};
use super::world::{World, pick};

async fn load<R: Stored>(w: &World, id: Uuid) -> Option<R> {
    R::load(&w.db, id).await.expect("record loads")
}

/// A change of a kind of record the case has none of yet becomes the
/// create of one (valid, varied by the step's target), so that the steps
/// after it have work records to change.
pub fn first_of_kind(w: &World, step: &Step) -> Option<Cmd> {
    let odd = step.target % 2 == 1;
    match &step.cmd {
        Cmd::Approve
        | Cmd::Decline { .. }
        | Cmd::Complete { .. }
        | Cmd::CancelRecovery { .. }
        | Cmd::Advance {
            table: Table::Recovery,
            ..
        } if w.pools.recoveries.is_empty() => Some(Cmd::ProposeRecovery {
            amount: if odd { Amount::Large } else { Amount::Small },
            description: Text::Good,
        }),
        Cmd::Amend { .. } if w.pools.sessions.is_empty() => Some(Cmd::LogInterpreter {
            facility: Fac::Main,
            on_complaint: odd,
            language_ok: true,
        }),
        Cmd::AcknowledgeRequest
        | Cmd::Schedule { .. }
        | Cmd::Fulfill { .. }
        | Cmd::ProvideAlternative { .. }
        | Cmd::Deny { .. }
        | Cmd::CancelRequest { .. }
        | Cmd::Advance {
            table: Table::Request,
            ..
        } if w.pools.requests.is_empty() => Some(Cmd::FileRequest {
            facility: Fac::Main,
            on_complaint: odd,
            overdue: step.target.is_multiple_of(3),
            details: Text::Good,
        }),
        _ => None,
    }
}

/// The concrete command of an [`Cmd::Advance`]: a move the record's
/// table allows now, with valid inputs (a record that does not exist:
/// any command of its kind, refused NOT_FOUND).
pub async fn advance(w: &World, step: &Step, table: Table, choice: usize) -> Cmd {
    let good = Text::Good;
    match table {
        Table::Complaint => {
            let id = pick(&w.pools.complaints, step.target);
            let Some(c) = load::<ComplaintState>(w, id).await else {
                return Cmd::StartInvestigation;
            };
            let mut moves: Vec<Cmd> = lifecycle::allowed_actions(c.status)
                .into_iter()
                .map(|a| match a {
                    ComplaintAction::Acknowledge => Cmd::Acknowledge {
                        before_receipt: false,
                    },
                    ComplaintAction::StartInvestigation => Cmd::StartInvestigation,
                    ComplaintAction::ResolveAtPointOfService => {
                        Cmd::ResolveAtPointOfService { resolution: good }
                    }
                    ComplaintAction::Resolve => Cmd::Resolve {
                        findings: true,
                        response: true,
                        qio: true,
                    },
                    ComplaintAction::Close => Cmd::Close,
                    ComplaintAction::Withdraw => Cmd::Withdraw { reason: good },
                    ComplaintAction::Reopen => Cmd::Reopen { reason: good },
                })
                .collect();
            if c.owner.is_none() && c.status.is_open() {
                moves.push(Cmd::Assign { owner: step.actor });
            }
            moves.swap_remove(choice % moves.len())
        }
        Table::Recovery => {
            let id = pick(&w.pools.recoveries, step.target);
            let status = load::<ServiceRecoveryState>(w, id).await.map(|s| s.status);
            let moves = status.map(|s| sr::MACHINE.allowed(s)).unwrap_or_default();
            match moves.get(choice % moves.len().max(1)) {
                Some(RecoveryAction::Approve) => Cmd::Approve,
                Some(RecoveryAction::Decline) => Cmd::Decline { reason: good },
                Some(RecoveryAction::Cancel) => Cmd::CancelRecovery { reason: good },
                _ => Cmd::Complete { note: None },
            }
        }
        Table::Request => {
            let id = pick(&w.pools.requests, step.target);
            let status = load::<AccessibilityRequestState>(w, id)
                .await
                .map(|s| s.status);
            let moves = status.map(|s| acc::MACHINE.allowed(s)).unwrap_or_default();
            match moves.get(choice % moves.len().max(1)) {
                Some(RequestAction::Schedule) => Cmd::Schedule { provider: None },
                Some(RequestAction::Fulfill) => Cmd::Fulfill { note: None },
                Some(RequestAction::ProvideAlternative) => Cmd::ProvideAlternative { reason: good },
                Some(RequestAction::Deny) => Cmd::Deny { reason: good },
                Some(RequestAction::Cancel) => Cmd::CancelRequest { reason: good },
                _ => Cmd::AcknowledgeRequest,
            }
        }
    }
}
