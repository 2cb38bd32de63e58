//! `complaintCreate`: `OpenComplaint` through the one create path. The
//! complaint's own steps are hooks of it: the facility and the program's
//! deadline policy as its setting; the reference number (taken once the
//! complaint is valid, so refusals burn none) and the check of the failed
//! accessibility request it is opened from, before the insert; the link
//! of that request, after it.

use chrono::{DateTime, Utc};
use entity::reference_counter::{self, Entity as ReferenceCounter};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, Set};
use uuid::Uuid;

use super::Record;
use super::store::time_zone;
use crate::domain::actor::Actor;
use crate::domain::command::{ComplaintSetting, OpenComplaint};
use crate::domain::complaint::ComplaintState;
use crate::domain::complaint::intake::{self, IntakeDraft};
use crate::services::create::{self, Create};
use crate::services::{Caller, Refusal, RefusalCode, ServiceError, links, policies};

/// The next reference number of a year, in one statement: the year's
/// counter is inserted at 1 or, when it exists, incremented, and the new
/// value returned. Runs inside a write transaction, which serialises
/// writers on both databases (and the row's own lock would order two
/// increments of a year), so numbers never repeat.
async fn next_number(txn: &impl ConnectionTrait, year: i32) -> Result<i64, DbErr> {
    let counter = ReferenceCounter::insert(reference_counter::ActiveModel {
        year: Set(year),
        last_value: Set(1),
    })
    .on_conflict(
        OnConflict::column(reference_counter::Column::Year)
            .value(
                reference_counter::Column::LastValue,
                Expr::col((ReferenceCounter, reference_counter::Column::LastValue)).add(1),
            )
            .to_owned(),
    )
    .exec_with_returning(txn)
    .await?;
    Ok(counter.last_value)
}

/// What `complaintCreate` asks for.
#[derive(Clone, Debug)]
pub struct CreateDraft {
    pub facility_code: String,
    pub intake: IntakeDraft,
    pub idempotency_key: Option<String>,
    /// Open the complaint from this failed accessibility request: it is a
    /// grievance, and the two are linked both ways.
    pub accessibility_request_id: Option<Uuid>,
}

pub const OP_CREATE: &str = "complaintCreate";

impl Create for OpenComplaint {
    const OPERATION: &'static str = OP_CREATE;

    /// The facility in scope, its time zone, and its policy for the
    /// intake's program (none yet: refused, an administrator must add it).
    async fn setting(
        &self,
        db: &impl ConnectionTrait,
        actor: &Actor,
    ) -> Result<ComplaintSetting, ServiceError> {
        let program = self.intake.program;
        let (facility, policy) =
            policies::for_input_program(db, &actor.facilities, &self.facility_code, program)
                .await?;
        let Some(policy) = policy else {
            return Err(Refusal::new(
                RefusalCode::GuardFailed,
                format!(
                    "facility {} has no {} deadline policy; an administrator must create one first",
                    facility.code,
                    program.as_str()
                ),
            )
            .on(&["input", "program"])
            .into());
        };
        Ok(ComplaintSetting {
            facility_id: facility.id,
            tz: time_zone(&facility.time_zone)?,
            facility_code: facility.code,
            policy_id: policy.model.id,
            rules: policy.rules,
        })
    }

    async fn before_insert(
        db: &impl ConnectionTrait,
        actor: &Actor,
        setting: &ComplaintSetting,
        state: &mut ComplaintState,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        if let Some(request_id) = state.accessibility_request_id {
            links::failed_request_for_complaint(db, actor, request_id, &setting.facility_code, now)
                .await?;
        }
        let year = intake::reference_year(state.received_at, setting.tz);
        let number = next_number(db, year).await?;
        state.reference = intake::reference(state.classification, year, number);
        Ok(())
    }

    async fn after_insert(
        db: &impl ConnectionTrait,
        caller: &Caller<'_>,
        id: Uuid,
        state: &ComplaintState,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        if let Some(request_id) = state.accessibility_request_id {
            links::link_complaint(db, caller, request_id, id, now).await?;
        }
        Ok(())
    }
}

/// Logs a new complaint: validated, classified, numbered, clocks set, and
/// audited in one transaction. A repeated `idempotency_key` returns the
/// first complaint (`true` in the second place).
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    draft: &CreateDraft,
) -> Result<(Record, bool), ServiceError> {
    let command = OpenComplaint {
        facility_code: draft.facility_code.clone(),
        intake: draft.intake.clone(),
        from_failed_request: draft.accessibility_request_id,
    };
    let c = create::create(db, caller, command, draft.idempotency_key.as_deref()).await?;
    Ok((
        Record {
            id: c.id,
            state: c.state,
        },
        c.replayed,
    ))
}
