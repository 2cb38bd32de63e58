//! Who sees what, and the small facts every service shares: a record
//! exists for an actor in their facilities and, for STAFF, when they
//! created it; the time of a change; the refusal of a role. A leaf: it
//! imports no other service module.

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

use super::{Refusal, RefusalCode, ServiceError};
use crate::domain::actor::{Actor, FacilityScope};
use crate::domain::permissions::{Operation, sees_only_own};

/// In the actor's facilities and, for STAFF, created by them. Anything
/// else does not exist to the actor.
pub fn visible(actor: &Actor, facility_code: &str, created_by: &str) -> bool {
    actor.facilities.contains(facility_code)
        && (!sees_only_own(actor) || created_by == actor.subject)
}

/// The SQL form of `visible`, over a table's facility and creator columns.
pub fn scope_condition<C: ColumnTrait>(actor: &Actor, facility: C, created_by: C) -> Condition {
    let mut c = Condition::all();
    if let FacilityScope::Only(codes) = &actor.facilities {
        c = c.add(facility.is_in(codes.iter().cloned()));
    }
    if sees_only_own(actor) {
        c = c.add(created_by.eq(actor.subject.clone()));
    }
    c
}

/// The time of a change, at the databases' precision (microseconds).
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A new record's id: UUIDv7, so ordering by id is ordering by creation.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

pub fn forbidden(op: Operation) -> ServiceError {
    Refusal::new(RefusalCode::Forbidden, op.refusal()).into()
}
