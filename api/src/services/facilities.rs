//! Facilities: the ADMIN upsert (a new facility gets the default deadline
//! policy); the lookups in the caller's scope are `facility_lookup`'s,
//! re-exported here.

use chrono::{SubsecRound, Utc};
use entity::facility::{self, Entity as Facility};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, SqlErr,
};
use uuid::Uuid;

use super::audit::{self, NewEvent, RECORD_FACILITY};
pub use super::facility_lookup::{by_code, by_id, by_ids, count, for_input, list};
use super::{Caller, Refusal, RefusalCode, ServiceError, finish};
use crate::db;
use crate::domain::command::AuditAction;
use crate::domain::facility::{FacilityDraft, ValidFacility, validate};
use crate::domain::permissions::{Operation, permits};

/// Whether the upsert created the facility or changed it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Upserted {
    Created,
    Updated,
}

/// Creates a facility (no `expected_version`) or changes one (with the
/// version the caller last read). A stale version, or a create of a code
/// that exists, is a conflict; nothing is written on any refusal.
pub async fn upsert(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    draft: &FacilityDraft,
    expected_version: Option<i32>,
) -> Result<(facility::Model, Upserted), ServiceError> {
    let actor = caller.actor;
    if !permits(actor, Operation::UpsertFacility) {
        return Err(Refusal::new(
            RefusalCode::Forbidden,
            "only an administrator may create or change facilities",
        )
        .into());
    }
    let valid = validate(draft)
        .map_err(|errors| ServiceError::Refused(errors.into_iter().map(Refusal::from).collect()))?;
    if !actor.facilities.contains(&valid.code) {
        return Err(Refusal::new(
            RefusalCode::Forbidden,
            format!(
                "facility {} is outside the facilities of your token",
                valid.code
            ),
        )
        .on(&["input", "code"])
        .into());
    }

    let txn = db::begin_write(db).await?;
    let existing = Facility::find()
        .filter(facility::Column::Code.eq(valid.code.as_str()))
        .one(&txn)
        .await?;
    let now = Utc::now().trunc_subsecs(6);
    let outcome = match (existing, expected_version) {
        (None, None) => create(&txn, caller, &valid, now)
            .await
            .map(|m| (m, Upserted::Created)),
        (None, Some(_)) => Err(Refusal::new(
            RefusalCode::NotFound,
            format!(
                "facility {} does not exist; omit expectedVersion to create it",
                valid.code
            ),
        )
        .on(&["input", "expectedVersion"])
        .into()),
        (Some(current), None) => Err(Refusal::new(
            RefusalCode::Conflict,
            format!(
                "facility {} already exists at version {}; send expectedVersion to change it",
                current.code, current.version
            ),
        )
        .on(&["input", "expectedVersion"])
        .into()),
        (Some(current), Some(version)) => update(&txn, caller, &current, &valid, version, now)
            .await
            .map(|m| (m, Upserted::Updated)),
    };
    finish(txn, outcome).await
}

/// The audit document of a facility (`redress verify` replays it).
pub fn document(m: &facility::Model) -> serde_json::Value {
    serde_json::json!({
        "code": m.code,
        "name": m.name,
        "timeZone": m.time_zone,
        "approvalThreshold": [m.approval_threshold_amount, m.approval_threshold_currency],
        "version": m.version,
    })
}

async fn create(
    txn: &impl ConnectionTrait,
    caller: &Caller<'_>,
    valid: &ValidFacility,
    now: chrono::DateTime<Utc>,
) -> Result<facility::Model, ServiceError> {
    let model = facility::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(valid.code.clone()),
        name: Set(valid.name.clone()),
        time_zone: Set(valid.time_zone.name().to_owned()),
        approval_threshold_amount: Set(valid.approval_threshold.amount.to_string()),
        approval_threshold_currency: Set(valid.approval_threshold.currency.clone()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    };
    match model.insert(txn).await {
        Ok(m) => {
            audit::append(
                txn,
                caller,
                NewEvent::change(
                    AuditAction::FacilityCreate.as_str(),
                    RECORD_FACILITY,
                    m.id,
                    None,
                    &document(&m),
                )
                .facility(&m.code),
                now,
            )
            .await?;
            super::policies::seed_defaults(txn, caller, m.id, &m.code, now).await?;
            Ok(m)
        }
        // Someone created the same code between our read and our insert.
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(Refusal::new(
                RefusalCode::Conflict,
                format!("facility {} was just created by someone else", valid.code),
            )
            .on(&["input", "code"])
            .into())
        }
        Err(e) => Err(e.into()),
    }
}

async fn update(
    txn: &impl ConnectionTrait,
    caller: &Caller<'_>,
    current: &facility::Model,
    valid: &ValidFacility,
    expected_version: i32,
    now: chrono::DateTime<Utc>,
) -> Result<facility::Model, ServiceError> {
    let result = Facility::update_many()
        .col_expr(facility::Column::Name, Expr::value(valid.name.clone()))
        .col_expr(
            facility::Column::TimeZone,
            Expr::value(valid.time_zone.name().to_owned()),
        )
        .col_expr(
            facility::Column::ApprovalThresholdAmount,
            Expr::value(valid.approval_threshold.amount.to_string()),
        )
        .col_expr(
            facility::Column::ApprovalThresholdCurrency,
            Expr::value(valid.approval_threshold.currency.clone()),
        )
        .col_expr(
            facility::Column::Version,
            Expr::col(facility::Column::Version).add(1),
        )
        .col_expr(facility::Column::UpdatedAt, Expr::value(now))
        .filter(facility::Column::Id.eq(current.id))
        .filter(facility::Column::Version.eq(expected_version))
        .exec(txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(Refusal::new(
            RefusalCode::Conflict,
            format!(
                "facility {} is at version {}, not {expected_version}; reload it and try again",
                current.code, current.version
            ),
        )
        .on(&["input", "expectedVersion"])
        .into());
    }
    let updated = Facility::find_by_id(current.id)
        .one(txn)
        .await?
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound("facility vanished during update".into()))?;
    audit::append(
        txn,
        caller,
        NewEvent::change(
            AuditAction::FacilityUpdate.as_str(),
            RECORD_FACILITY,
            updated.id,
            Some(&document(current)),
            &document(&updated),
        )
        .facility(&updated.code),
        now,
    )
    .await?;
    Ok(updated)
}
