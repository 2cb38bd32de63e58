//! Deadline policies: one per facility and program; the defaults of
//! `domain.md` are seeded with every facility.

use chrono::{DateTime, SubsecRound, Utc};
use entity::deadline_policy::{self, Entity as DeadlinePolicy};
use entity::facility;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use super::audit::{self, NewEvent, RECORD_POLICY};
use super::{Caller, Refusal, RefusalCode, ServiceError, finish};
use crate::db;
use crate::domain::actor::FacilityScope;
use crate::domain::clocks::{self, PolicyRules, Program, Span, TimeUnit};
use crate::domain::command::AuditAction;
use crate::domain::permissions::{Operation, permits};
use crate::domain::text::{Name, TextKind};

/// A policy with its rules parsed.
#[derive(Clone, Debug)]
pub struct Policy {
    pub model: deadline_policy::Model,
    pub facility_code: String,
    pub program: Program,
    pub rules: PolicyRules,
}

fn span(amount: Option<i32>, unit: Option<&str>) -> Option<Span> {
    Some(Span {
        amount: u32::try_from(amount?).ok()?,
        unit: TimeUnit::parse(unit?)?,
    })
}

/// Parses a stored row; `None` when a stored value is not one we wrote.
pub fn rules_of(m: &deadline_policy::Model) -> Option<PolicyRules> {
    Some(PolicyRules {
        acknowledgement: span(
            Some(m.acknowledgement_amount),
            Some(&m.acknowledgement_unit),
        )?,
        resolution: span(Some(m.resolution_amount), Some(&m.resolution_unit))?,
        expedited_resolution: match m.expedited_amount {
            Some(_) => Some(span(m.expedited_amount, m.expedited_unit.as_deref())?),
            None => None,
        },
        max_extensions: u32::try_from(m.max_extensions).ok()?,
        max_extension: match m.max_extension_amount {
            Some(_) => Some(span(
                m.max_extension_amount,
                m.max_extension_unit.as_deref(),
            )?),
            None => None,
        },
    })
}

fn corrupt(m: &deadline_policy::Model) -> DbErr {
    DbErr::Custom(format!(
        "deadline policy {} holds values this server did not write",
        m.id
    ))
}

fn policy(m: deadline_policy::Model, facility_code: String) -> Result<Policy, DbErr> {
    let rules = rules_of(&m).ok_or_else(|| corrupt(&m))?;
    let program = Program::parse(&m.program).ok_or_else(|| corrupt(&m))?;
    Ok(Policy {
        model: m,
        facility_code,
        program,
        rules,
    })
}

fn i32_of(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The default policy's name.
pub fn default_name(program: Program) -> &'static str {
    match program {
        Program::CmsHospital => "CMS hospital grievance policy (42 CFR 482.13)",
        Program::MedicareAdvantage => "Medicare Advantage grievances (42 CFR 422.564)",
        Program::MedicaidManagedCare => "Medicaid managed care grievances (42 CFR 438.408)",
        Program::Commercial => "Commercial plans (house policy)",
    }
}

/// A row's version and times.
#[derive(Clone, Copy)]
struct Stamp {
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Stamp {
    fn new(now: DateTime<Utc>) -> Self {
        Stamp {
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }
}

fn row(
    id: Uuid,
    facility_id: Uuid,
    program: Program,
    name: &str,
    rules: &PolicyRules,
    stamp: Stamp,
) -> deadline_policy::Model {
    let Stamp {
        version,
        created_at,
        updated_at,
    } = stamp;
    deadline_policy::Model {
        id,
        facility_id,
        program: program.as_str().to_owned(),
        name: name.to_owned(),
        acknowledgement_amount: i32_of(rules.acknowledgement.amount),
        acknowledgement_unit: rules.acknowledgement.unit.as_str().to_owned(),
        resolution_amount: i32_of(rules.resolution.amount),
        resolution_unit: rules.resolution.unit.as_str().to_owned(),
        expedited_amount: rules.expedited_resolution.map(|s| i32_of(s.amount)),
        expedited_unit: rules
            .expedited_resolution
            .map(|s| s.unit.as_str().to_owned()),
        max_extensions: i32_of(rules.max_extensions),
        max_extension_amount: rules.max_extension.map(|s| i32_of(s.amount)),
        max_extension_unit: rules.max_extension.map(|s| s.unit.as_str().to_owned()),
        version,
        created_at,
        updated_at,
    }
}

/// The audit document of a policy.
fn document(m: &deadline_policy::Model, facility_code: &str) -> serde_json::Value {
    json!({
        "facilityCode": facility_code,
        "program": m.program,
        "name": m.name,
        "acknowledgement": [m.acknowledgement_amount, m.acknowledgement_unit],
        "resolution": [m.resolution_amount, m.resolution_unit],
        "expeditedResolution": [m.expedited_amount, m.expedited_unit],
        "maxExtensions": m.max_extensions,
        "maxExtension": [m.max_extension_amount, m.max_extension_unit],
        "version": m.version,
    })
}

/// Seeds the CMS hospital default for a new facility, audited, inside the
/// transaction that creates it.
pub async fn seed_defaults(
    txn: &impl ConnectionTrait,
    caller: &Caller<'_>,
    facility_id: Uuid,
    facility_code: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let program = Program::CmsHospital;
    let m = row(
        Uuid::now_v7(),
        facility_id,
        program,
        default_name(program),
        &clocks::default_rules(program),
        Stamp::new(now),
    );
    m.clone()
        .into_active_model()
        .reset_all()
        .insert(txn)
        .await?;
    audit::append(
        txn,
        caller,
        NewEvent::change(
            AuditAction::DeadlinePolicyCreate.as_str(),
            RECORD_POLICY,
            m.id,
            None,
            &document(&m, facility_code),
        )
        .facility(facility_code),
        now,
    )
    .await?;
    Ok(())
}

/// The policy a facility's complaints of `program` run on.
pub async fn for_program(
    db: &impl ConnectionTrait,
    facility_id: Uuid,
    facility_code: &str,
    program: Program,
) -> Result<Option<Policy>, DbErr> {
    DeadlinePolicy::find()
        .filter(deadline_policy::Column::FacilityId.eq(facility_id))
        .filter(deadline_policy::Column::Program.eq(program.as_str()))
        .one(db)
        .await?
        .map(|m| policy(m, facility_code.to_owned()))
        .transpose()
}

pub async fn by_id(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<deadline_policy::Model>, DbErr> {
    DeadlinePolicy::find_by_id(id).one(db).await
}

/// Every policy of the facilities in scope (optionally one facility),
/// ordered by facility code and program.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &FacilityScope,
    facility_code: Option<&str>,
) -> Result<Vec<Policy>, DbErr> {
    let facilities = super::facility_lookup::list(db, scope, None, 10_000)
        .await?
        .0;
    let facilities: Vec<facility::Model> = facilities
        .into_iter()
        .filter(|f| facility_code.is_none_or(|c| f.code == c.trim().to_ascii_uppercase()))
        .collect();
    let rows = DeadlinePolicy::find()
        .filter(deadline_policy::Column::FacilityId.is_in(facilities.iter().map(|f| f.id)))
        .order_by_asc(deadline_policy::Column::Program)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for f in &facilities {
        for m in rows.iter().filter(|m| m.facility_id == f.id) {
            out.push(policy(m.clone(), f.code.clone())?);
        }
    }
    Ok(out)
}

/// What `deadlinePolicyUpsert` asks for.
#[derive(Clone, Debug)]
pub struct PolicyDraft {
    pub facility_code: String,
    pub program: Program,
    pub name: Option<String>,
    pub rules: PolicyRules,
    pub expected_version: Option<i32>,
}

/// Creates (no `expected_version`) or changes a policy, audited. Changes
/// apply to complaints received afterwards; running clocks keep the due
/// times they were given.
pub async fn upsert(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    draft: &PolicyDraft,
) -> Result<Policy, ServiceError> {
    if !permits(caller.actor, Operation::UpsertDeadlinePolicy) {
        return Err(Refusal::new(
            RefusalCode::Forbidden,
            "only an administrator may create or change deadline policies",
        )
        .into());
    }
    clocks::validate_rules(&draft.rules)
        .map_err(|errors| ServiceError::Refused(errors.into_iter().map(Refusal::from).collect()))?;
    let name = Name::parse_optional(&["input", "name"], draft.name.as_deref())
        .map_err(Refusal::from)?
        .map_or_else(|| default_name(draft.program).to_owned(), Name::into_string);
    let code = crate::domain::facility::normalize_code(&draft.facility_code);
    let txn = db::begin_write(db).await?;
    let outcome = async {
        let facility =
            super::facility_lookup::for_input(&txn, &caller.actor.facilities, &code).await?;
        let now = Utc::now().trunc_subsecs(6);
        let existing = for_program(&txn, facility.id, &facility.code, draft.program).await?;
        match (existing, draft.expected_version) {
            (None, None) => {
                let m = row(
                    Uuid::now_v7(),
                    facility.id,
                    draft.program,
                    &name,
                    &draft.rules,
                    Stamp::new(now),
                );
                m.clone().into_active_model().reset_all().insert(&txn).await?;
                audit::append(
                    &txn,
                    caller,
                    NewEvent::change(AuditAction::DeadlinePolicyCreate.as_str(), RECORD_POLICY, m.id, None, &document(&m, &facility.code))
                        .facility(&facility.code),
                    now,
                )
                .await?;
                Ok(policy(m, facility.code.clone())?)
            }
            (None, Some(_)) => Err(Refusal::new(
                RefusalCode::NotFound,
                format!("{code} has no {} policy; omit expectedVersion to create it", draft.program.as_str()),
            )
            .on(&["input", "expectedVersion"])
            .into()),
            (Some(current), None) => Err(Refusal::new(
                RefusalCode::Conflict,
                format!(
                    "{code} already has a {} policy at version {}; send expectedVersion to change it",
                    draft.program.as_str(),
                    current.model.version
                ),
            )
            .on(&["input", "expectedVersion"])
            .into()),
            (Some(current), Some(version)) => {
                let m = row(
                    current.model.id,
                    facility.id,
                    draft.program,
                    &name,
                    &draft.rules,
                    Stamp {
                        version: current.model.version + 1,
                        created_at: current.model.created_at,
                        updated_at: now,
                    },
                );
                let mut active = m.clone().into_active_model().reset_all();
                active.id = sea_orm::ActiveValue::Unchanged(m.id);
                let result = DeadlinePolicy::update_many()
                    .set(active)
                    .filter(deadline_policy::Column::Id.eq(m.id))
                    .filter(deadline_policy::Column::Version.eq(version))
                    .exec(&txn)
                    .await?;
                if result.rows_affected != 1 {
                    return Err(Refusal::new(
                        RefusalCode::Conflict,
                        format!(
                            "the policy is at version {}, not {version}; reload it and try again",
                            current.model.version
                        ),
                    )
                    .on(&["input", "expectedVersion"])
                    .into());
                }
                audit::append(
                    &txn,
                    caller,
                    NewEvent::change(
                        AuditAction::DeadlinePolicyUpdate.as_str(),
                        RECORD_POLICY,
                        m.id,
                        Some(&document(&current.model, &facility.code)),
                        &document(&m, &facility.code),
                    )
                    .facility(&facility.code),
                    now,
                )
                .await?;
                Ok(policy(m, facility.code.clone())?)
            }
        }
    }
    .await;
    finish(txn, outcome).await
}
