//! The complaint lifecycle (`domain.md`, "The complaint lifecycle"): one
//! transition table, and one function per action that checks the table,
//! then the action's guards, then changes the state. Nothing here touches a
//! database; the services call these inside a transaction.

use chrono::{DateTime, Utc};

use super::classification::mark_not_resolved_at_time;
use super::resolution::{self, Finding, ResolveInput};
use super::{
    Acknowledgement, Classification, ComplaintState, ContactMethod, Reopening, Resolution, Status,
    UserRef, Withdrawal, spelled_enum,
};
use crate::clocks::{self, ClockKind, PolicyRules, Span};
use crate::text::{LongText, Name, Note, TextError, TextKind};
use crate::{Violation, ViolationKind};

spelled_enum! {
    /// The actions that move a complaint between states.
    #[cfg_attr(feature = "graphql", graphql(name = "ComplaintAction"))]
    pub enum Action {
        Acknowledge = "ACKNOWLEDGE",
        StartInvestigation = "START_INVESTIGATION",
        ResolveAtPointOfService = "RESOLVE_AT_POINT_OF_SERVICE",
        Resolve = "RESOLVE",
        Close = "CLOSE",
        Withdraw = "WITHDRAW",
        Reopen = "REOPEN",
    }
}

/// The transition table. Every (state, action) pair not listed is refused.
pub const TRANSITIONS: &[(Status, Action, Status)] = {
    use Action::*;
    use Status::*;
    &[
        (Received, Acknowledge, Acknowledged),
        (Received, StartInvestigation, Investigating),
        (Acknowledged, StartInvestigation, Investigating),
        (Received, ResolveAtPointOfService, Resolved),
        (Acknowledged, Resolve, Resolved),
        (Investigating, Resolve, Resolved),
        (Resolved, Close, Closed),
        (Received, Withdraw, Withdrawn),
        (Acknowledged, Withdraw, Withdrawn),
        (Investigating, Withdraw, Withdrawn),
        (Resolved, Reopen, Investigating),
        (Closed, Reopen, Investigating),
        (Withdrawn, Reopen, Investigating),
    ]
};

/// Where `action` takes a complaint in `from`, if the table allows it.
pub fn next_status(from: Status, action: Action) -> Option<Status> {
    TRANSITIONS
        .iter()
        .find(|(f, a, _)| *f == from && *a == action)
        .map(|(_, _, to)| *to)
}

/// The actions the table allows from `from`, in table order.
pub fn allowed_actions(from: Status) -> Vec<Action> {
    TRANSITIONS
        .iter()
        .filter(|(f, _, _)| *f == from)
        .map(|(_, a, _)| *a)
        .collect()
}

/// The refusal for a move the table does not allow: names the current state
/// and what is allowed from it.
pub fn refusal(from: Status, action: Action) -> Violation {
    let allowed = allowed_actions(from);
    let allowed = if allowed.is_empty() {
        "none".to_owned()
    } else {
        allowed
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    Violation::new(
        ViolationKind::InvalidTransition,
        &["input", "id"],
        format!(
            "cannot {} a complaint that is {}; allowed actions from {}: {allowed}",
            action.as_str(),
            from.as_str(),
            from.as_str()
        ),
    )
}

/// Who acts and when.
#[derive(Clone, Debug)]
pub struct Actx<'a> {
    pub by: &'a UserRef,
    pub now: DateTime<Utc>,
}

/// Checks the table and moves the state; the caller has checked the guards.
fn step(state: &mut ComplaintState, action: Action) -> Result<(), Vec<Violation>> {
    match next_status(state.status, action) {
        Some(to) => {
            state.status = to;
            Ok(())
        }
        None => Err(vec![refusal(state.status, action)]),
    }
}

fn check_table(state: &ComplaintState, action: Action) -> Result<(), Vec<Violation>> {
    match next_status(state.status, action) {
        Some(_) => Ok(()),
        None => Err(vec![refusal(state.status, action)]),
    }
}

fn required_reason(reason: &str, what: &str) -> Result<String, Vec<Violation>> {
    let field = ["input", "reason"];
    match Note::check(reason) {
        Ok(reason) => Ok(reason.into_string()),
        Err(TextError::Empty) => Err(vec![Violation::validation(
            &field,
            format!("a reason is required to {what}"),
        )]),
        Err(e) => Err(vec![e.violation(&field, "the reason")]),
    }
}

/// A moment the user states: not before receipt, not in the future.
fn check_moment(
    state: &ComplaintState,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    field: &[&str],
) -> Result<(), Vec<Violation>> {
    if at < state.received_at {
        return Err(vec![Violation::validation(
            field,
            "cannot be before the complaint was received",
        )]);
    }
    if at > now + chrono::Duration::minutes(5) {
        return Err(vec![Violation::validation(
            field,
            "cannot be in the future",
        )]);
    }
    Ok(())
}

/// RECEIVED → ACKNOWLEDGED: how and when the complainant was told.
pub fn acknowledge(
    state: &mut ComplaintState,
    cx: &Actx<'_>,
    method: ContactMethod,
    at: DateTime<Utc>,
) -> Result<(), Vec<Violation>> {
    check_table(state, Action::Acknowledge)?;
    let at = chrono::SubsecRound::trunc_subsecs(at, 6);
    check_moment(state, at, cx.now, &["input", "acknowledgedAt"])?;
    step(state, Action::Acknowledge)?;
    state.acknowledgement = Some(Acknowledgement {
        at,
        method,
        by: cx.by.clone(),
    });
    state.clocks.acknowledgement_met_at.get_or_insert(at);
    Ok(())
}

/// A progress notice was sent at `sent_at` (a PROGRESS_NOTICE letter
/// marked sent): meets the progress-notice clock through
/// [`ComplaintState::progress_notice_sent`]. Refused when that would change
/// nothing (no duty under the policy, already met, complaint not open) so
/// that no empty change reaches the trail; the services check first and
/// skip the command then.
pub fn record_progress_notice(
    state: &mut ComplaintState,
    cx: &Actx<'_>,
    sent_at: DateTime<Utc>,
) -> Result<(), Vec<Violation>> {
    let sent_at = chrono::SubsecRound::trunc_subsecs(sent_at, 6);
    check_moment(state, sent_at, cx.now, &["input", "sentAt"])?;
    if state.progress_notice_sent(sent_at) {
        Ok(())
    } else {
        Err(vec![Violation::guard(
            &["input", "id"],
            "no progress notice is owed on this complaint: its policy has none, it is already met, or the complaint is not open",
        )])
    }
}

/// RECEIVED/ACKNOWLEDGED → INVESTIGATING: needs an owner. A complaint that
/// needs investigation was not resolved at the time: it becomes a grievance.
pub fn start_investigation(
    state: &mut ComplaintState,
    cx: &Actx<'_>,
) -> Result<(), Vec<Violation>> {
    check_table(state, Action::StartInvestigation)?;
    if state.owner.is_none() {
        return Err(vec![Violation::guard(
            &["input", "id"],
            "assign an owner before starting the investigation (complaintAssign)",
        )]);
    }
    step(state, Action::StartInvestigation)?;
    state.investigation_started_at = Some(cx.now);
    if state.classification == Classification::Complaint {
        mark_not_resolved_at_time(
            state,
            cx.by,
            "needs investigation: not resolved at the time by staff present",
            cx.now,
        );
    }
    Ok(())
}

/// RECEIVED → RESOLVED for a complaint settled on the spot by staff present.
pub fn resolve_at_point_of_service(
    state: &mut ComplaintState,
    cx: &Actx<'_>,
    summary: &str,
) -> Result<(), Vec<Violation>> {
    check_table(state, Action::ResolveAtPointOfService)?;
    if state.classification == Classification::Grievance {
        return Err(vec![Violation::guard(
            &["input", "id"],
            "a grievance cannot be resolved at the point of service; it needs an investigation and a written response",
        )]);
    }
    let field = ["input", "resolution"];
    let summary = match LongText::check(summary) {
        Ok(summary) => summary.into_string(),
        Err(TextError::Empty) => {
            return Err(vec![Violation::validation(
                &field,
                "say how it was resolved",
            )]);
        }
        Err(e) => return Err(vec![e.violation(&field, "")]),
    };
    step(state, Action::ResolveAtPointOfService)?;
    state.resolution = Some(Resolution {
        at: cx.now,
        by: cx.by.clone(),
        at_point_of_service: true,
        summary: Some(summary),
        written_response: None,
        written_notice_exception: None,
    });
    state.clocks.meet_on_resolution(cx.now);
    Ok(())
}

/// ACKNOWLEDGED/INVESTIGATING → RESOLVED: a finding for every issue, and for
/// a grievance the written response of A-0123 (and A-0120's QIO notice).
pub fn resolve(
    state: &mut ComplaintState,
    cx: &Actx<'_>,
    input: &ResolveInput,
    letters: &[(uuid::Uuid, crate::letter::LetterState)],
) -> Result<(), Vec<Violation>> {
    check_table(state, Action::Resolve)?;
    let resolution::Checked {
        findings,
        summary,
        written_response,
        written_notice_exception,
    } = resolution::check(state, input, letters, cx.now)?;
    step(state, Action::Resolve)?;
    for Finding { issue_id, finding } in findings {
        if let Some(issue) = state.issues.iter_mut().find(|i| i.id == issue_id) {
            issue.finding = Some(finding);
        }
    }
    state.resolution = Some(Resolution {
        at: cx.now,
        by: cx.by.clone(),
        at_point_of_service: false,
        summary,
        written_response,
        written_notice_exception,
    });
    state.clocks.meet_on_resolution(cx.now);
    Ok(())
}

/// Work linked to a complaint that must be finished before it closes
/// (service recovery, accessibility requests).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnfinishedWork {
    /// E.g. "service-recovery action".
    pub kind: &'static str,
    /// What it is, e.g. "MEAL_VOUCHER USD 300.00".
    pub label: String,
    pub id: String,
    pub status: String,
}

/// RESOLVED → CLOSED: only when every linked piece of work is finished.
pub fn close(
    state: &mut ComplaintState,
    cx: &Actx<'_>,
    unfinished: &[UnfinishedWork],
) -> Result<(), Vec<Violation>> {
    check_table(state, Action::Close)?;
    if !unfinished.is_empty() {
        let list = unfinished
            .iter()
            .map(|w| format!("{} {} ({}, id {})", w.kind, w.label, w.status, w.id))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(vec![Violation::guard(
            &["input", "id"],
            format!("linked work is not finished: {list}"),
        )]);
    }
    step(state, Action::Close)?;
    state.closed_at = Some(cx.now);
    Ok(())
}

/// RECEIVED/ACKNOWLEDGED/INVESTIGATING → WITHDRAWN, with a reason.
pub fn withdraw(
    state: &mut ComplaintState,
    cx: &Actx<'_>,
    reason: &str,
) -> Result<(), Vec<Violation>> {
    check_table(state, Action::Withdraw)?;
    let reason = required_reason(reason, "withdraw a complaint")?;
    step(state, Action::Withdraw)?;
    state.withdrawal = Some(Withdrawal {
        at: cx.now,
        by: cx.by.clone(),
        reason,
    });
    Ok(())
}

/// RESOLVED/CLOSED/WITHDRAWN → INVESTIGATING, with a reason; counted as
/// reopened. The earlier resolution stays in the history, not on the record.
pub fn reopen(
    state: &mut ComplaintState,
    cx: &Actx<'_>,
    reason: &str,
) -> Result<(), Vec<Violation>> {
    check_table(state, Action::Reopen)?;
    let reason = required_reason(reason, "reopen a complaint")?;
    step(state, Action::Reopen)?;
    state.reopenings.push(Reopening {
        at: cx.now,
        by: cx.by.clone(),
        reason,
    });
    state.resolution = None;
    state.closed_at = None;
    state.withdrawal = None;
    if state.owner.is_none() {
        state.owner = Some(cx.by.clone());
    }
    Ok(())
}

fn require_open(state: &ComplaintState, what: &str) -> Result<(), Vec<Violation>> {
    if state.status.is_open() {
        Ok(())
    } else {
        Err(vec![Violation::new(
            ViolationKind::InvalidTransition,
            &["input", "id"],
            format!(
                "cannot {what} a complaint that is {}; reopen it first",
                state.status.as_str()
            ),
        )])
    }
}

/// Sets the owner of an open complaint. Changing an existing owner is a
/// reassignment, which the permission layer reserves to managers.
pub fn assign(state: &mut ComplaintState, owner: UserRef) -> Result<(), Vec<Violation>> {
    require_open(state, "assign")?;
    let checked = |field: &str, value: &str, what: &str| {
        Name::check(value).map_err(|e| {
            let message = match e {
                TextError::Empty | TextError::TooLong { .. } => {
                    format!("{what} must be 1 to {} characters", Name::MAX)
                }
                e => e.message(what),
            };
            vec![Violation::validation(&["input", field], message)]
        })
    };
    let subject = checked("ownerSubject", &owner.subject, "the owner's user id")?;
    let name = checked("ownerName", &owner.name, "the owner's name")?;
    state.owner = Some(UserRef {
        subject: subject.into_string(),
        name: name.into_string(),
    });
    Ok(())
}

/// Whether assigning `new_subject` changes an existing, different owner.
pub fn is_reassignment(state: &ComplaintState, new_subject: &str) -> bool {
    state
        .owner
        .as_ref()
        .is_some_and(|o| o.subject != new_subject.trim())
}

/// Pushes a running clock's due time out, within the policy's limits.
pub fn extend_deadline(
    state: &mut ComplaintState,
    cx: &Actx<'_>,
    rules: &PolicyRules,
    tz: chrono_tz::Tz,
    clock: ClockKind,
    by: Span,
    reason: &str,
) -> Result<(), Vec<Violation>> {
    require_open(state, "extend a deadline of")?;
    let (due, met) = match clock {
        ClockKind::Acknowledgement => (
            state.clocks.acknowledgement_due_at,
            state.clocks.acknowledgement_met_at,
        ),
        ClockKind::Resolution => (
            state.clocks.resolution_due_at,
            state.clocks.resolution_met_at,
        ),
        // The notice is what a facility sends when it needs more time: it
        // tells the complainant when the written response will come.
        ClockKind::ProgressNotice => {
            return Err(vec![Violation::guard(
                &["input", "clock"],
                "the PROGRESS_NOTICE clock cannot be extended; send the progress notice instead",
            )]);
        }
    };
    if met.is_some() {
        return Err(vec![Violation::guard(
            &["input", "clock"],
            format!("the {} clock is already met", clock.as_str()),
        )]);
    }
    let reason = clocks::check_extension(rules, state.clocks.extension_count(clock), by, reason)
        .map_err(|errors| errors.into_iter().map(Violation::from).collect::<Vec<_>>())?;
    let new_due = clocks::extend(due, tz, by);
    if clock == ClockKind::Acknowledgement {
        state.clocks.acknowledgement_due_at = new_due;
    } else {
        state.clocks.resolution_due_at = new_due;
    }
    state.clocks.extensions.push(super::Extension {
        clock,
        by_span: by,
        previous_due_at: due,
        new_due_at: new_due,
        reason: reason.into_string(),
        granted_by: cx.by.clone(),
        granted_at: cx.now,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::complaint::testing::{response_input, sample, user};

    /// Every (state, action) pair: the table's answer, written out by hand.
    #[test]
    fn transition_table_every_pair() {
        use Action::*;
        use Status::*;
        let expected: &[(Status, Action, Option<Status>)] = &[
            (Received, Acknowledge, Some(Acknowledged)),
            (Received, StartInvestigation, Some(Investigating)),
            (Received, ResolveAtPointOfService, Some(Resolved)),
            (Received, Resolve, None),
            (Received, Close, None),
            (Received, Withdraw, Some(Withdrawn)),
            (Received, Reopen, None),
            (Acknowledged, Acknowledge, None),
            (Acknowledged, StartInvestigation, Some(Investigating)),
            (Acknowledged, ResolveAtPointOfService, None),
            (Acknowledged, Resolve, Some(Resolved)),
            (Acknowledged, Close, None),
            (Acknowledged, Withdraw, Some(Withdrawn)),
            (Acknowledged, Reopen, None),
            (Investigating, Acknowledge, None),
            (Investigating, StartInvestigation, None),
            (Investigating, ResolveAtPointOfService, None),
            (Investigating, Resolve, Some(Resolved)),
            (Investigating, Close, None),
            (Investigating, Withdraw, Some(Withdrawn)),
            (Investigating, Reopen, None),
            (Resolved, Acknowledge, None),
            (Resolved, StartInvestigation, None),
            (Resolved, ResolveAtPointOfService, None),
            (Resolved, Resolve, None),
            (Resolved, Close, Some(Closed)),
            (Resolved, Withdraw, None),
            (Resolved, Reopen, Some(Investigating)),
            (Closed, Acknowledge, None),
            (Closed, StartInvestigation, None),
            (Closed, ResolveAtPointOfService, None),
            (Closed, Resolve, None),
            (Closed, Close, None),
            (Closed, Withdraw, None),
            (Closed, Reopen, Some(Investigating)),
            (Withdrawn, Acknowledge, None),
            (Withdrawn, StartInvestigation, None),
            (Withdrawn, ResolveAtPointOfService, None),
            (Withdrawn, Resolve, None),
            (Withdrawn, Close, None),
            (Withdrawn, Withdraw, None),
            (Withdrawn, Reopen, Some(Investigating)),
        ];
        assert_eq!(expected.len(), Status::ALL.len() * Action::ALL.len());
        for (from, action, to) in expected {
            assert_eq!(next_status(*from, *action), *to, "{from:?} {action:?}");
        }
    }

    /// Applying each action through its function, from each state, with
    /// every guard satisfied: the function agrees with the table, and a
    /// refused move names the state and the allowed actions.
    #[test]
    fn action_functions_follow_the_table() {
        let by = user("pr-1");
        for from in Status::ALL {
            for action in Action::ALL {
                let mut state = sample(crate::complaint::Classification::Complaint);
                state.status = *from;
                state.owner = Some(by.clone());
                let cx = Actx {
                    by: &by,
                    now: state.received_at + chrono::Duration::days(3),
                };
                let result = match action {
                    Action::Acknowledge => {
                        acknowledge(&mut state, &cx, ContactMethod::Phone, cx.now)
                    }
                    Action::StartInvestigation => start_investigation(&mut state, &cx),
                    Action::ResolveAtPointOfService => {
                        resolve_at_point_of_service(&mut state, &cx, "apologised, fixed")
                    }
                    Action::Resolve => {
                        let input = response_input(&state);
                        resolve(&mut state, &cx, &input, &[])
                    }
                    Action::Close => close(&mut state, &cx, &[]),
                    Action::Withdraw => withdraw(&mut state, &cx, "asked to withdraw"),
                    Action::Reopen => reopen(&mut state, &cx, "new information"),
                };
                match next_status(*from, *action) {
                    Some(to) => {
                        assert!(result.is_ok(), "{from:?} {action:?}: {result:?}");
                        assert_eq!(state.status, to, "{from:?} {action:?}");
                    }
                    None => {
                        let errors = result.err().unwrap_or_default();
                        assert_eq!(errors.len(), 1, "{from:?} {action:?}");
                        assert_eq!(errors[0].kind, ViolationKind::InvalidTransition);
                        assert!(
                            errors[0].message.contains(from.as_str()),
                            "{}",
                            errors[0].message
                        );
                        for allowed in allowed_actions(*from) {
                            assert!(errors[0].message.contains(allowed.as_str()));
                        }
                        assert_eq!(state.status, *from, "unchanged on refusal");
                    }
                }
            }
        }
    }

    #[test]
    fn guards() {
        let by = user("pr-1");
        let now = sample(Classification::Complaint).received_at + chrono::Duration::hours(2);
        let cx = Actx { by: &by, now };

        // No owner: no investigation.
        let mut s = sample(Classification::Complaint);
        let err = start_investigation(&mut s, &cx).err().unwrap_or_default();
        assert_eq!(err[0].kind, ViolationKind::GuardFailed);
        assert_eq!(s.status, Status::Received);

        // With an owner, investigating a complaint escalates it; clocks keep their start.
        let mut s = sample(Classification::Complaint);
        s.owner = Some(by.clone());
        let due = s.clocks.resolution_due_at;
        assert!(start_investigation(&mut s, &cx).is_ok());
        assert_eq!(s.classification, Classification::Grievance);
        assert!(s.escalation.is_some());
        assert_eq!(s.clocks.resolution_due_at, due);

        // A grievance is never resolved at the point of service.
        let mut s = sample(Classification::Grievance);
        let err = resolve_at_point_of_service(&mut s, &cx, "done")
            .err()
            .unwrap_or_default();
        assert_eq!(err[0].kind, ViolationKind::GuardFailed);

        // Withdraw and reopen need reasons.
        let mut s = sample(Classification::Complaint);
        let err = withdraw(&mut s, &cx, "  ").err().unwrap_or_default();
        assert_eq!(err[0].kind, ViolationKind::Validation);
        s.status = Status::Closed;
        let err = reopen(&mut s, &cx, "").err().unwrap_or_default();
        assert_eq!(err[0].kind, ViolationKind::Validation);
        assert!(reopen(&mut s, &cx, "family called back").is_ok());
        assert_eq!(s.reopenings.len(), 1);

        // Unfinished linked work blocks closure and is named.
        let mut s = sample(Classification::Complaint);
        s.status = Status::Resolved;
        let work = [UnfinishedWork {
            kind: "service-recovery action",
            label: "MEAL_VOUCHER USD 300.00".into(),
            id: "SRA-1".into(),
            status: "APPROVED".into(),
        }];
        let err = close(&mut s, &cx, &work).err().unwrap_or_default();
        assert_eq!(err[0].kind, ViolationKind::GuardFailed);
        assert!(err[0].message.contains("SRA-1"));
        assert!(close(&mut s, &cx, &[]).is_ok());

        // Acknowledgement cannot predate receipt.
        let mut s = sample(Classification::Complaint);
        let early = s.received_at - chrono::Duration::hours(1);
        assert!(acknowledge(&mut s, &cx, ContactMethod::Phone, early).is_err());
        assert_eq!(s.status, Status::Received);
    }
}
