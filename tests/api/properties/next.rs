//! What a step means that is only known when it runs: the move a
//! record's table allows from its status now ([`Cmd::Advance`]), and the
//! first record of a kind when a step would change one the case has none
//! of.

use redress_api::domain::accessibility::{
    self as acc, AccessibilityRequestState, Action as RequestAction,
};
use redress_api::domain::complaint::lifecycle::{self, Action as ComplaintAction};
use redress_api::domain::complaint::{ComplaintState, Status};
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
        }
        | Cmd::Progress {
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
        }
        | Cmd::Progress {
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

/// The concrete command of a [`Cmd::Progress`], and the target (counted
/// from the newest of its kind) it acts on: the move that takes the work
/// toward its end, with the inputs its guards need. A complaint is given
/// an owner, investigated, resolved with findings and a written response
/// (with the QIO notice), and closed; while a resolved complaint has
/// unfinished linked work, that work is moved on first (closing would be
/// refused). A recovery is approved, then completed; a request is
/// acknowledged, scheduled, then fulfilled. A withdrawn complaint is
/// reopened; a closed one gets the `choice`th of [`closed_moves`]; a
/// recovery or request at its end gets its last move again (refused by
/// the table).
pub async fn progress(w: &World, step: &Step, table: Table, choice: usize) -> (Cmd, usize) {
    let good = Text::Good;
    let target = step.target;
    match table {
        Table::Complaint => {
            let id = pick(&w.pools.complaints, target);
            let Some(c) = load::<ComplaintState>(w, id).await else {
                return (Cmd::StartInvestigation, target);
            };
            if c.owner.is_none() && c.status.is_open() {
                return (Cmd::Assign { owner: step.actor }, target);
            }
            let cmd = match c.status {
                Status::Received | Status::Acknowledged => Cmd::StartInvestigation,
                Status::Investigating => Cmd::Resolve {
                    findings: true,
                    response: true,
                    qio: true,
                },
                Status::Resolved => {
                    if let Some(work) = unfinished_work(w, id).await {
                        return work;
                    }
                    Cmd::Close
                }
                Status::Withdrawn => Cmd::Reopen { reason: good },
                Status::Closed => {
                    let mut moves = closed_moves(step.actor);
                    moves.swap_remove(choice % moves.len())
                }
            };
            (cmd, target)
        }
        Table::Recovery => {
            let id = pick(&w.pools.recoveries, target);
            let state = load::<ServiceRecoveryState>(w, id).await;
            (recovery_move(state.map(|s| s.status)), target)
        }
        Table::Request => {
            let id = pick(&w.pools.requests, target);
            let state = load::<AccessibilityRequestState>(w, id).await;
            (request_move(state.map(|s| s.status)), target)
        }
    }
}

/// What a user may still try on a closed complaint: every change but
/// reopening is refused (by the table or by the closure guards), with
/// inputs that would be valid on an open one.
fn closed_moves(actor: usize) -> Vec<Cmd> {
    let good = Text::Good;
    vec![
        Cmd::Close,
        Cmd::Update {
            description: good,
            formal: Some(true),
        },
        Cmd::Assign { owner: actor },
        Cmd::Acknowledge {
            before_receipt: false,
        },
        Cmd::StartInvestigation,
        Cmd::Escalate { reason: good },
        Cmd::Resolve {
            findings: true,
            response: true,
            qio: true,
        },
        Cmd::Withdraw { reason: good },
        Cmd::Extend {
            resolution_clock: true,
            days: 5,
            reason: good,
        },
        Cmd::Reopen { reason: good },
    ]
}

fn recovery_move(status: Option<sr::Status>) -> Cmd {
    match status {
        Some(sr::Status::Proposed) => Cmd::Approve,
        _ => Cmd::Complete { note: None },
    }
}

fn request_move(status: Option<acc::Status>) -> Cmd {
    match status {
        Some(acc::Status::Requested) => Cmd::AcknowledgeRequest,
        Some(acc::Status::Acknowledged) => Cmd::Schedule {
            provider: Some(Text::Good),
        },
        _ => Cmd::Fulfill { note: None },
    }
}

/// The next move of the first unfinished recovery or open request linked
/// to complaint `id`, and its target.
async fn unfinished_work(w: &World, id: Uuid) -> Option<(Cmd, usize)> {
    let from_newest = |pool: &[Uuid], i: usize| pool.len() - 1 - i;
    for (i, r) in w.pools.recoveries.iter().enumerate() {
        if let Some(s) = load::<ServiceRecoveryState>(w, *r).await
            && s.complaint_id == id
            && !s.status.is_finished()
        {
            let target = from_newest(&w.pools.recoveries, i);
            return Some((recovery_move(Some(s.status)), target));
        }
    }
    for (i, r) in w.pools.requests.iter().enumerate() {
        if let Some(s) = load::<AccessibilityRequestState>(w, *r).await
            && s.complaint_id == Some(id)
            && s.status.is_open()
        {
            let target = from_newest(&w.pools.requests, i);
            return Some((request_move(Some(s.status)), target));
        }
    }
    None
}
