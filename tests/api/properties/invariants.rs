//! The invariants, checked after every step: what one step may have
//! changed (the record it names, by one version, with one audit event;
//! nothing at all when refused), who may have done it, which edge of the
//! record's table it took, and the guards every stored record keeps.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use redress_api::domain::accessibility::{self as acc, AccessibilityRequestState};
use redress_api::domain::actor::Role;
use redress_api::domain::command::AuditAction;
use redress_api::domain::complaint::lifecycle::{TRANSITIONS, next_status};
use redress_api::domain::complaint::{Classification, ComplaintState, Status};
use redress_api::domain::interpreter::InterpreterSessionState;
use redress_api::domain::permissions::permits;
use redress_api::domain::service_recovery::{self as sr, ServiceRecoveryState};
use redress_api::domain::work::{Machine, Spelled};
use redress_api::services::{RefusalCode, ServiceError};
use uuid::Uuid;

use super::apply::{Edge, Made, Outcome};
use super::snapshot::{Row, Snapshot};
use super::strategy::VersionPick;
use super::world::{ACTORS, actor};

type Checked = Result<(), TestCaseError>;

/// The event names the record's facility (audit readers are scoped by it).
fn same_facility(row: &Row, event: &entity::audit_event::Model) -> Checked {
    let Ok(serde_json::Value::Object(doc)) = serde_json::from_str(&row.record) else {
        return Ok(()); // notes and contacts: the snapshot keeps their text
    };
    prop_assert_eq!(
        doc.get("facilityCode").and_then(|v| v.as_str()),
        event.facility_code.as_deref(),
        "the event's facility"
    );
    Ok(())
}

fn decode<T: serde::de::DeserializeOwned>(row: &Row) -> Result<T, TestCaseError> {
    serde_json::from_str(&row.record)
        .map_err(|e| TestCaseError::fail(format!("stored record does not decode: {e}")))
}

/// The step's effect: `before` and `after` are the snapshots around it,
/// `events` the audit events it wrote.
pub fn check_step(
    actor_index: usize,
    outcome: &Outcome,
    before: &Snapshot,
    after: &Snapshot,
    events: &[entity::audit_event::Model],
) -> Checked {
    let who = actor(actor_index);
    let permitted = permits(&who, outcome.operation);
    match &outcome.result {
        Err(ServiceError::Db(e)) => {
            Err(TestCaseError::fail(format!("a fault, not a refusal: {e}")))
        }
        Err(ServiceError::Refused(refusals)) => {
            prop_assert!(!refusals.is_empty(), "a refusal with no reason");
            prop_assert_eq!(&after.rows, &before.rows, "a refused step changed records");
            prop_assert!(
                events.is_empty(),
                "a refused step wrote {} events",
                events.len()
            );
            let codes: Vec<RefusalCode> = refusals.iter().map(|r| r.code).collect();
            // The change path's order: permission, the record in scope,
            // the version, then the record's own rules.
            match outcome.changed {
                _ if !permitted => {
                    prop_assert_eq!(codes, vec![RefusalCode::Forbidden], "{:?}", refusals)
                }
                Some((_, false)) => {
                    prop_assert_eq!(codes, vec![RefusalCode::NotFound], "{:?}", refusals)
                }
                Some((_, true)) if outcome.version != VersionPick::Current => {
                    prop_assert_eq!(codes, vec![RefusalCode::Conflict], "{:?}", refusals)
                }
                _ => {}
            }
            Ok(())
        }
        Ok(made) => {
            prop_assert!(
                permitted,
                "{} did {:?} without the permission",
                who.subject,
                outcome.operation
            );
            prop_assert_eq!(
                outcome.version,
                VersionPick::Current,
                "accepted with a wrong version"
            );
            for e in events {
                prop_assert_eq!(
                    (e.actor_subject.as_str(), e.request_id.as_str()),
                    (who.subject.as_str(), "property-step"),
                    "an event not attributed to the step's actor"
                );
            }
            match made {
                Made::Changed { id } => changed(outcome, *id, before, after, events),
                Made::Created { id, linked } => {
                    created(outcome, *id, *linked, before, after, events)
                }
            }
        }
    }
}

fn changed(
    outcome: &Outcome,
    id: Uuid,
    before: &Snapshot,
    after: &Snapshot,
    events: &[entity::audit_event::Model],
) -> Checked {
    prop_assert_eq!(
        outcome.changed,
        Some((id, true)),
        "changed a record it could not see"
    );
    let key = (outcome.record_type, id);
    let (Some(b), Some(a)) = (before.rows.get(&key), after.rows.get(&key)) else {
        return Err(TestCaseError::fail(format!("{key:?} vanished")));
    };
    prop_assert_eq!(a.version, b.version + 1, "version of {:?}", key);
    prop_assert_eq!(
        before.without(&[key]),
        after.without(&[key]),
        "other records changed"
    );
    prop_assert_eq!(events.len(), 1, "events of one change: {:?}", events);
    prop_assert_eq!(events[0].record_id, id);
    prop_assert_eq!(&events[0].record_type, outcome.record_type);
    prop_assert_eq!(&events[0].action, outcome.audit_action);
    same_facility(a, &events[0])?;
    edge(outcome.edge, &b.status, &a.status)
}

/// An accepted change moved the record along an edge of its table (or,
/// for a change that is not a transition, kept its status).
fn edge(edge: Edge, from: &str, to: &str) -> Checked {
    fn on<S: Spelled, A: Spelled>(
        m: &Machine<S, A>,
        action: A,
        from: Option<S>,
        to: &str,
    ) -> Checked {
        let next = from.and_then(|f| m.next(f, action));
        prop_assert_eq!(
            next.map(Spelled::spelled),
            Some(to),
            "{:?} --{}--> {}",
            from.map(Spelled::spelled),
            action.spelled(),
            to
        );
        Ok(())
    }
    match edge {
        Edge::None => {
            prop_assert_eq!(
                from,
                to,
                "a change that is not a transition moved the status"
            );
            Ok(())
        }
        Edge::Complaint(action) => {
            let next = Status::parse(from).and_then(|f| next_status(f, action));
            prop_assert_eq!(
                next.map(|s| s.as_str()),
                Some(to),
                "{} --{}--> {}",
                from,
                action.as_str(),
                to
            );
            Ok(())
        }
        Edge::Recovery(action) => on(&sr::MACHINE, action, sr::Status::parse(from), to),
        Edge::Request(action) => on(&acc::MACHINE, action, acc::Status::parse(from), to),
    }
}

fn created(
    outcome: &Outcome,
    id: Uuid,
    linked: Option<Uuid>,
    before: &Snapshot,
    after: &Snapshot,
    events: &[entity::audit_event::Model],
) -> Checked {
    let key = (outcome.record_type, id);
    prop_assert!(!before.rows.contains_key(&key), "a create reused {:?}", key);
    let Some(row) = after.rows.get(&key) else {
        return Err(TestCaseError::fail(format!(
            "created {key:?} is not stored"
        )));
    };
    prop_assert_eq!(row.version, 1);
    let initial = match outcome.record_type {
        "Complaint" => Some(Status::Received.as_str()),
        "ServiceRecoveryAction" => Some(sr::Status::Proposed.as_str()),
        "AccessibilityRequest" => Some(acc::Status::Requested.as_str()),
        _ => None,
    };
    if let Some(initial) = initial {
        prop_assert_eq!(row.status.as_str(), initial);
    }
    let mut touched = vec![key];
    prop_assert_eq!(
        events.len(),
        1 + usize::from(linked.is_some()),
        "{:?}",
        events
    );
    prop_assert_eq!(
        (events[0].record_id, events[0].action.as_str()),
        (id, outcome.audit_action)
    );
    same_facility(row, &events[0])?;
    if let Some(request) = linked {
        let rkey = ("AccessibilityRequest", request);
        touched.push(rkey);
        let (Some(b), Some(a)) = (before.rows.get(&rkey), after.rows.get(&rkey)) else {
            return Err(TestCaseError::fail(
                "the linked request vanished".to_owned(),
            ));
        };
        prop_assert_eq!(a.version, b.version + 1);
        prop_assert_eq!(&a.status, &b.status);
        let state: AccessibilityRequestState = decode(a)?;
        prop_assert_eq!(state.complaint_id, Some(id));
        prop_assert_eq!(
            (events[1].record_id, events[1].action.as_str()),
            (
                request,
                AuditAction::AccessibilityRequestLinkComplaint.as_str()
            )
        );
    }
    let mut before_rows = before.without(&touched);
    before_rows.remove(&key);
    prop_assert_eq!(
        before_rows,
        after.without(&touched),
        "other records changed"
    );
    Ok(())
}

/// Every status reachable from `start` along the table's edges.
fn reachable<S: Copy + PartialEq>(start: S, edges: &[(S, S)]) -> Vec<S> {
    let mut seen = vec![start];
    let mut i = 0;
    while i < seen.len() {
        let from = seen[i];
        for (f, t) in edges {
            if *f == from && !seen.contains(t) {
                seen.push(*t);
            }
        }
        i += 1;
    }
    seen
}

fn is_manager(subject: &str) -> bool {
    ACTORS
        .iter()
        .any(|(s, role, _)| *s == subject && *role == Role::PatientRelationsManager)
}

/// The guards every stored record keeps, whatever the steps were.
pub fn check_records(s: &Snapshot) -> Checked {
    let complaint_edges: Vec<_> = TRANSITIONS.iter().map(|(f, _, t)| (*f, *t)).collect();
    let complaint_states = reachable(Status::Received, &complaint_edges);
    let sr_edges: Vec<_> = sr::MACHINE.table.iter().map(|(f, _, t)| (*f, *t)).collect();
    let sr_states = reachable(sr::Status::Proposed, &sr_edges);
    let acc_edges: Vec<_> = acc::MACHINE
        .table
        .iter()
        .map(|(f, _, t)| (*f, *t))
        .collect();
    let acc_states = reachable(acc::Status::Requested, &acc_edges);
    let mut work: Vec<(Uuid, bool)> = Vec::new();
    for ((t, _), row) in &s.rows {
        match *t {
            "ServiceRecoveryAction" => {
                let r: ServiceRecoveryState = decode(row)?;
                work.push((r.complaint_id, !r.status.is_finished()));
                recovery(&r, row, &sr_states)?;
            }
            "AccessibilityRequest" => {
                let r: AccessibilityRequestState = decode(row)?;
                if let Some(c) = r.complaint_id {
                    work.push((c, r.status.is_open()));
                }
                request(&r, row, &acc_states)?;
            }
            "InterpreterSession" => {
                let r: InterpreterSessionState = decode(row)?;
                prop_assert_eq!(r.version, row.version);
                prop_assert_eq!(
                    r.amendments.len() as i32,
                    r.version - 1,
                    "one amendment per change"
                );
                prop_assert!(r.amendments.iter().all(|a| !a.changed_fields.is_empty()));
            }
            _ => {}
        }
    }
    for ((t, id), row) in &s.rows {
        if *t == "Complaint" {
            let c: ComplaintState = decode(row)?;
            let unfinished = work.iter().any(|(of, open)| of == id && *open);
            complaint(&c, row, &complaint_states, unfinished)?;
        }
    }
    Ok(())
}

fn complaint(c: &ComplaintState, row: &Row, states: &[Status], unfinished: bool) -> Checked {
    prop_assert_eq!(
        (c.status.as_str(), c.version),
        (row.status.as_str(), row.version)
    );
    prop_assert!(
        states.contains(&c.status),
        "{:?} is not reachable",
        c.status
    );
    prop_assert_eq!(
        c.classification == Classification::Grievance,
        !c.classification_reasons.is_empty(),
        "a grievance has its reasons, a complaint none"
    );
    if c.status.is_open() {
        prop_assert!(c.resolution.is_none() && c.closed_at.is_none() && c.withdrawal.is_none());
    }
    match c.status {
        Status::Acknowledged => prop_assert!(c.acknowledgement.is_some()),
        Status::Investigating => prop_assert!(c.owner.is_some(), "investigated without an owner"),
        Status::Withdrawn => prop_assert!(c.withdrawal.is_some()),
        Status::Resolved | Status::Closed => {
            let Some(r) = &c.resolution else {
                return Err(TestCaseError::fail(format!(
                    "{:?} without a resolution",
                    c.status
                )));
            };
            if r.at_point_of_service {
                prop_assert!(
                    r.summary.is_some(),
                    "resolved on the spot without saying how"
                );
            } else {
                prop_assert!(
                    c.issues.iter().all(|i| i.finding.is_some()),
                    "resolved with an issue that has no finding"
                );
            }
            if c.classification == Classification::Grievance && r.written_notice_exception.is_none()
            {
                let Some(w) = &r.written_response else {
                    return Err(TestCaseError::fail(format!(
                        "a {:?} grievance without its written response (A-0123)",
                        c.status
                    )));
                };
                prop_assert!(
                    !c.needs_qio_notice() || w.qio_notice_included,
                    "QIO notice owed (A-0120)"
                );
            }
            if c.status == Status::Closed {
                prop_assert!(c.closed_at.is_some());
                prop_assert!(!unfinished, "closed with unfinished linked work");
            }
        }
        Status::Received => {}
    }
    Ok(())
}

fn recovery(r: &ServiceRecoveryState, row: &Row, states: &[sr::Status]) -> Checked {
    use sr::Status::*;
    prop_assert_eq!(
        (r.status.as_str(), r.version),
        (row.status.as_str(), row.version)
    );
    prop_assert!(states.contains(&r.status));
    let stamps = [
        (Approved, r.approved.is_some()),
        (Declined, r.declined.is_some()),
        (Completed, r.completed.is_some()),
        (Cancelled, r.cancelled.is_some()),
    ];
    for (status, stamped) in stamps {
        if r.status == status {
            prop_assert!(stamped, "{:?} without its stamp", status);
        }
    }
    if r.status == Proposed {
        prop_assert!(r.approved.is_none() && r.declined.is_none());
    }
    if r.approval_required {
        if r.status == Completed {
            prop_assert!(
                r.approved.is_some(),
                "completed above the threshold without approval"
            );
        }
        for d in [&r.approved, &r.declined].into_iter().flatten() {
            prop_assert!(
                is_manager(&d.by.subject),
                "decided above the threshold by {}",
                d.by.subject
            );
            prop_assert_ne!(
                &d.by.subject,
                &r.proposed.by.subject,
                "decided by its proposer"
            );
        }
    }
    Ok(())
}

fn request(r: &AccessibilityRequestState, row: &Row, states: &[acc::Status]) -> Checked {
    use acc::Status::*;
    prop_assert_eq!(
        (r.status.as_str(), r.version),
        (row.status.as_str(), row.version)
    );
    prop_assert!(states.contains(&r.status));
    let stamped = match r.status {
        Requested => true,
        Acknowledged => r.acknowledged.is_some(),
        Scheduled => r.scheduled.is_some(),
        Fulfilled => r.fulfilled.is_some(),
        AlternativeProvided => r.alternative.is_some(),
        Denied => r.denial.as_ref().is_some_and(|d| is_manager(&d.by.subject)),
        Cancelled => r.cancelled.as_ref().is_some_and(|c| c.reason.is_some()),
    };
    prop_assert!(stamped, "{:?} without what it records", r.status);
    Ok(())
}
