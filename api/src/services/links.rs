//! What one record asks of another, read from the tables directly so the
//! record modules need not import each other: the complaint a new linked
//! record belongs to, a complaint's unfinished linked work (the closure
//! guard), and the failed accessibility request a complaint is opened from.

use chrono::{DateTime, Utc};
use entity::accessibility_request::{self, Entity as Request};
use entity::complaint::{self, Entity as Complaint};
use entity::service_recovery_action::{self, Entity as Action};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::audit::{self, NewEvent};
use super::scope::visible;
use super::stored::{Stored, Versioned, document, visible_by_id};
use super::{Caller, Refusal, RefusalCode, ServiceError};
use crate::domain::accessibility::{AccessibilityRequestState, Status as AccessibilityStatus};
use crate::domain::actor::Actor;
use crate::domain::command::AuditAction;
use crate::domain::complaint::Status;
use crate::domain::complaint::lifecycle::UnfinishedWork;
use crate::domain::service_recovery::Status as ServiceRecoveryStatus;
use crate::ids::{NodeKind, encode_id};

/// The complaint a new record links to: it must exist for the actor and,
/// when given, belong to the record's facility.
pub async fn linked_complaint(
    db: &impl ConnectionTrait,
    actor: &Actor,
    complaint_id: Uuid,
    facility_code: Option<&str>,
) -> Result<complaint::Model, ServiceError> {
    let not_found = || {
        ServiceError::from(
            Refusal::new(RefusalCode::NotFound, "complaint not found")
                .on(&["input", "complaintId"]),
        )
    };
    let m = Complaint::find_by_id(complaint_id)
        .one(db)
        .await?
        .filter(|m| visible(actor, &m.facility_code, &m.created_by_subject))
        .ok_or_else(not_found)?;
    if let Some(code) = facility_code
        && m.facility_code != code
    {
        return Err(Refusal::new(
            RefusalCode::Validation,
            format!(
                "complaint {} belongs to facility {}, not {code}",
                m.reference, m.facility_code
            ),
        )
        .on(&["input", "complaintId"])
        .into());
    }
    Ok(m)
}

/// Refuses to attach new work to a closed or withdrawn complaint: it would
/// leave unfinished work on a finished case.
pub fn check_complaint_accepts_work(m: &complaint::Model, noun: &str) -> Result<(), ServiceError> {
    let finished =
        Status::parse(&m.status).is_some_and(|s| matches!(s, Status::Closed | Status::Withdrawn));
    if finished {
        return Err(Refusal::new(
            RefusalCode::GuardFailed,
            format!(
                "complaint {} is {}; reopen it before adding a {noun}",
                m.reference, m.status
            ),
        )
        .on(&["input", "complaintId"])
        .into());
    }
    Ok(())
}

/// Inside `complaintCreate`: checks that the request exists for the caller,
/// belongs to the complaint's facility, has failed, and is not linked yet.
pub async fn failed_request_for_complaint(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    facility_code: &str,
    now: DateTime<Utc>,
) -> Result<AccessibilityRequestState, ServiceError> {
    let field = &["input", "accessibilityRequestId"];
    let Some(request) = visible_by_id::<AccessibilityRequestState>(db, actor, id).await? else {
        return Err(
            Refusal::new(RefusalCode::NotFound, "accessibility request not found")
                .on(field)
                .into(),
        );
    };
    if request.facility_code != facility_code {
        return Err(Refusal::new(
            RefusalCode::Validation,
            format!(
                "the accessibility request belongs to facility {}, not {facility_code}",
                request.facility_code
            ),
        )
        .on(field)
        .into());
    }
    if request.complaint_id.is_some() {
        return Err(Refusal::new(
            RefusalCode::GuardFailed,
            "the accessibility request is already linked to a complaint",
        )
        .on(field)
        .into());
    }
    if !request.has_failed(now) {
        return Err(Refusal::new(
            RefusalCode::GuardFailed,
            format!(
                "the accessibility request has not failed: it is {} and {}; a complaint is opened from a request that was denied, met with an alternative, fulfilled late, or is still open past its needed-by time",
                request.status.as_str(),
                if request.status.is_open() { "not yet due" } else { "was met" }
            ),
        )
        .on(field)
        .into());
    }
    Ok(request)
}

/// Links a request to the complaint opened from it, audited as a change
/// of the request, in the caller's transaction.
pub async fn link_complaint(
    db: &impl ConnectionTrait,
    caller: &Caller<'_>,
    id: Uuid,
    complaint_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let raced = || {
        ServiceError::from(
            Refusal::new(
                RefusalCode::Conflict,
                "the accessibility request changed while the complaint was being opened",
            )
            .on(&["input", "accessibilityRequestId"]),
        )
    };
    let Some(before) = AccessibilityRequestState::load(db, id).await? else {
        return Err(raced());
    };
    let mut after = before.clone();
    after.complaint_id = Some(complaint_id);
    after.touch(before.version + 1, now);
    if !AccessibilityRequestState::update(db, id, before.version, &after).await? {
        return Err(raced());
    }
    audit::append(
        db,
        caller,
        NewEvent::change(
            AuditAction::AccessibilityRequestLinkComplaint.as_str(),
            AccessibilityRequestState::RECORD_TYPE,
            id,
            Some(&document(&before)?),
            &document(&after)?,
        )
        .complaint_opt(after.complaint_id)
        .facility(&after.facility_code),
        now,
    )
    .await?;
    Ok(())
}

fn open_requests() -> Vec<&'static str> {
    AccessibilityStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect()
}

/// Service-recovery actions and accessibility requests of a complaint that
/// are not finished, named for the closure guard. Read inside the closing
/// transaction: writers are serialised, so nothing slips in between.
pub async fn unfinished_work(
    txn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Vec<UnfinishedWork>, DbErr> {
    let mut work = Vec::new();
    for m in unfinished_actions(txn, id).await? {
        let label = match (&m.amount, &m.currency) {
            (Some(amount), Some(currency)) => format!("{} {currency} {amount}", m.kind),
            _ => m.kind.clone(),
        };
        work.push(UnfinishedWork {
            kind: "service-recovery action",
            label,
            id: encode_id(NodeKind::ServiceRecoveryAction, m.id).to_string(),
            status: m.status,
        });
    }
    for m in unfinished_requests(txn, id).await? {
        work.push(UnfinishedWork {
            kind: "accessibility request",
            label: m.need_type,
            id: encode_id(NodeKind::AccessibilityRequest, m.id).to_string(),
            status: m.status,
        });
    }
    Ok(work)
}

/// The unfinished actions of a complaint, for the closure guard.
async fn unfinished_actions(
    db: &impl ConnectionTrait,
    complaint_id: Uuid,
) -> Result<Vec<service_recovery_action::Model>, DbErr> {
    let open: Vec<&str> = ServiceRecoveryStatus::ALL
        .iter()
        .filter(|s| !s.is_finished())
        .map(|s| s.as_str())
        .collect();
    Action::find()
        .filter(service_recovery_action::Column::ComplaintId.eq(complaint_id))
        .filter(service_recovery_action::Column::Status.is_in(open))
        .order_by_asc(service_recovery_action::Column::Id)
        .all(db)
        .await
}

/// The unfinished requests of a complaint, for the closure guard.
async fn unfinished_requests(
    db: &impl ConnectionTrait,
    complaint_id: Uuid,
) -> Result<Vec<accessibility_request::Model>, DbErr> {
    Request::find()
        .filter(accessibility_request::Column::ComplaintId.eq(complaint_id))
        .filter(accessibility_request::Column::Status.is_in(open_requests()))
        .order_by_asc(accessibility_request::Column::Id)
        .all(db)
        .await
}
