//! `complaintCreate`: validated, classified, numbered, clocks set, and
//! audited in one transaction.

use chrono::{SubsecRound, Utc};
use entity::complaint::Entity as Complaint;
use entity::reference_counter::{self, Entity as ReferenceCounter};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, Set,
};
use uuid::Uuid;

use super::store::{time_zone, write_issues};
use super::{Record, by_of, forbidden, record_of, row, visible};
use crate::db;
use crate::domain::command::AuditAction;
use crate::domain::complaint::classification;
use crate::domain::complaint::intake::{self, IntakeDraft, Opening};
use crate::domain::permissions::{Operation, permits};
use crate::services::audit::{self, NewEvent, RECORD_COMPLAINT};
use crate::services::change::document;
use crate::services::policies;
use crate::services::{Caller, Refusal, RefusalCode, ServiceError, finish, idempotency, refused};

/// The next reference number of a year. Runs inside a write transaction,
/// which serialises writers on both databases, so numbers never repeat.
async fn next_number(txn: &impl ConnectionTrait, year: i32) -> Result<i64, DbErr> {
    let current = ReferenceCounter::find_by_id(year).one(txn).await?;
    match current {
        Some(c) => {
            let next = c.last_value + 1;
            ReferenceCounter::update_many()
                .col_expr(reference_counter::Column::LastValue, Expr::value(next))
                .filter(reference_counter::Column::Year.eq(year))
                .exec(txn)
                .await?;
            Ok(next)
        }
        None => {
            reference_counter::ActiveModel {
                year: Set(year),
                last_value: Set(1),
            }
            .insert(txn)
            .await?;
            Ok(1)
        }
    }
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

/// Logs a new complaint: validated, classified, numbered, clocks set, and
/// audited in one transaction. A repeated `idempotency_key` returns the
/// first complaint (`true` in the second place).
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    draft: &CreateDraft,
) -> Result<(Record, bool), ServiceError> {
    let actor = caller.actor;
    if !permits(actor, Operation::CreateComplaint) {
        return Err(forbidden(Operation::CreateComplaint));
    }
    let key = idempotency::clean(draft.idempotency_key.as_deref())?;
    let txn = db::begin_write(db).await?;
    let outcome = async {
        if let Some(key) = &key
            && let Some(id) = idempotency::find(&txn, &actor.subject, OP_CREATE, key).await?
        {
            // A replay is a read: the same visibility rules, and logged.
            let m = Complaint::find_by_id(id)
                .one(&txn)
                .await?
                .filter(|m| visible(actor, m))
                .ok_or_else(|| {
                    ServiceError::from(
                        Refusal::new(
                            RefusalCode::NotFound,
                            "this idempotency key created a complaint you cannot see",
                        )
                        .on(&["input", "idempotencyKey"]),
                    )
                })?;
            crate::services::access_log::record(
                &txn,
                caller,
                RECORD_COMPLAINT,
                &[m.id],
                "complaintCreate (replay)",
            )
            .await?;
            return Ok((record_of(&m)?, true));
        }
        let facility =
            crate::services::facilities::for_input(&txn, &actor.facilities, &draft.facility_code)
                .await?;
        let program = draft.intake.program;
        let Some(policy) =
            policies::for_program(&txn, facility.id, &facility.code, program).await?
        else {
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
        let tz = time_zone(&facility.time_zone)?;
        let now = Utc::now().trunc_subsecs(6);
        // Validate before taking a number, so refusals burn none.
        let mut state = intake::open(
            &draft.intake,
            Opening {
                facility_id: facility.id,
                facility_code: &facility.code,
                tz,
                policy_id: policy.model.id,
                rules: &policy.rules,
                by: by_of(actor),
                now,
            },
        )
        .map_err(refused)?;
        let failed_request = match draft.accessibility_request_id {
            None => None,
            Some(request_id) => {
                let request = crate::services::accessibility::failed_request_for_complaint(
                    &txn,
                    actor,
                    request_id,
                    &facility.code,
                    now,
                )
                .await?;
                classification::opened_from_failed_accommodation(&mut state, request_id);
                Some((request_id, request))
            }
        };
        let year = intake::reference_year(state.received_at, tz);
        let number = next_number(&txn, year).await?;
        state.reference = intake::reference(state.classification, year, number);
        let id = Uuid::now_v7();
        row(id, &state)?
            .into_active_model()
            .reset_all()
            .insert(&txn)
            .await?;
        write_issues(&txn, id, &state).await?;
        audit::append(
            &txn,
            caller,
            NewEvent::change(
                AuditAction::ComplaintCreate.as_str(),
                RECORD_COMPLAINT,
                id,
                None,
                &document(&state)?,
            )
            .complaint(id)
            .facility(&facility.code),
            now,
        )
        .await?;
        if let Some((request_id, request)) = &failed_request {
            crate::services::accessibility::link_complaint(
                &txn,
                caller,
                *request_id,
                request,
                id,
                now,
            )
            .await?;
        }
        if let Some(key) = &key {
            idempotency::remember(&txn, &actor.subject, OP_CREATE, key, id, now).await?;
        }
        Ok((Record { id, state }, false))
    }
    .await;
    finish(txn, outcome).await
}
