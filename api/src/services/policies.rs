//! Deadline policies: one per facility and program; the defaults of
//! `domain.md` are seeded with every facility. `deadlinePolicyUpsert` is
//! `CreatePolicy` through `services::create` or `UpdatePolicy` through
//! `services::change`, picked by whether the program has a policy.

use chrono::{DateTime, Utc};
use entity::deadline_policy::{self, Entity as DeadlinePolicy};
use entity::facility::{self, Entity as Facility};
use sea_orm::sea_query::{Expr, ExprTrait, IntoCondition};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationDef,
};
use serde_json::Value;
use uuid::Uuid;

use super::audit::{self, NewEvent, RECORD_POLICY};
use super::create::{self, Create};
use super::scope::new_id;
use super::stored::{Stored, Versioned};
use super::{Caller, Refusal, RefusalCode, ServiceError, change, facility_lookup, refused};
use crate::domain::actor::{Actor, FacilityScope};
use crate::domain::clocks::{PolicyRules, Program, Span, TimeUnit};
pub use crate::domain::command::policy::default_name;
use crate::domain::command::policy::{
    CreatePolicy, PolicyFacility, PolicyInput, PolicyState, UpdatePolicy,
};
use crate::domain::command::{Context, CreateCommand};
use crate::domain::permissions::{Operation, permits};

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
        progress_notice: match m.progress_notice_amount {
            Some(_) => Some(span(
                m.progress_notice_amount,
                m.progress_notice_unit.as_deref(),
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

/// A row's version and times.
#[derive(Clone, Copy)]
struct Stamp {
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
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
        progress_notice_amount: rules.progress_notice.map(|s| i32_of(s.amount)),
        progress_notice_unit: rules.progress_notice.map(|s| s.unit.as_str().to_owned()),
        version,
        created_at,
        updated_at,
    }
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

/// The facility an input names, as [`facility_lookup::for_input`] finds
/// it (the same refusals), with its policy for `program` if it has one, in
/// one statement: a new complaint reads both inside the write lock.
pub async fn for_input_program(
    db: &impl ConnectionTrait,
    scope: &FacilityScope,
    code: &str,
    program: Program,
) -> Result<(facility::Model, Option<Policy>), ServiceError> {
    let code = facility_lookup::input_code(scope, code)?;
    let program_name = program.as_str();
    let policy_of_program = RelationDef::from(
        DeadlinePolicy::belongs_to(Facility)
            .from(deadline_policy::Column::FacilityId)
            .to(facility::Column::Id),
    )
    .rev()
    .on_condition(move |_, policy| {
        Expr::col((policy, deadline_policy::Column::Program))
            .eq(program_name)
            .into_condition()
    });
    let Some((facility, policy)) = Facility::find()
        .filter(facility::Column::Code.eq(code.as_str()))
        .select_also(DeadlinePolicy)
        .join(JoinType::LeftJoin, policy_of_program)
        .one(db)
        .await?
    else {
        return Err(facility_lookup::not_found(&code));
    };
    let policy = policy
        .map(|m| self::policy(m, facility.code.clone()))
        .transpose()?;
    Ok((facility, policy))
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

/// The row of a policy's state.
fn state_row(id: Uuid, s: &PolicyState) -> deadline_policy::Model {
    row(
        id,
        s.facility_id,
        s.program,
        &s.name,
        &s.rules,
        Stamp {
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        },
    )
}

fn policy_of(id: Uuid, s: &PolicyState) -> Policy {
    Policy {
        model: state_row(id, s),
        facility_code: s.facility_code.clone(),
        program: s.program,
        rules: s.rules.clone(),
    }
}

impl Stored for PolicyState {
    const RECORD_TYPE: &'static str = RECORD_POLICY;
    const NOUN: &'static str = "deadline policy";

    fn facility_code(&self) -> &str {
        &self.facility_code
    }
    fn complaint_of(&self, _id: Uuid) -> Option<Uuid> {
        None
    }
    /// No creator is kept: a policy is nobody's own (see `visible_to`).
    fn created_by(&self) -> &str {
        ""
    }
    /// In every facility of the actor's token, whoever they are.
    fn visible_to(&self, actor: &Actor) -> bool {
        actor.facilities.contains(&self.facility_code)
    }

    async fn load(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Self>, DbErr> {
        let Some(m) = DeadlinePolicy::find_by_id(id).one(db).await? else {
            return Ok(None);
        };
        let f = facility::Entity::find_by_id(m.facility_id)
            .one(db)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(format!("facility {}", m.facility_id)))?;
        let p = policy(m, f.code)?;
        Ok(Some(PolicyState {
            facility_id: p.model.facility_id,
            facility_code: p.facility_code,
            program: p.program,
            name: p.model.name,
            rules: p.rules,
            version: p.model.version,
            created_at: p.model.created_at,
            updated_at: p.model.updated_at,
        }))
    }

    async fn insert(db: &impl ConnectionTrait, id: Uuid, state: &Self) -> Result<(), DbErr> {
        state_row(id, state)
            .into_active_model()
            .reset_all()
            .insert(db)
            .await?;
        Ok(())
    }

    fn audit_document(&self) -> Result<Value, DbErr> {
        Ok(self.document())
    }
}

/// `state_row` in the shape `versioned_in!` takes (building this row cannot
/// fail; the JSON-document records' can).
fn versioned_row(id: Uuid, s: &PolicyState) -> Result<deadline_policy::Model, DbErr> {
    Ok(state_row(id, s))
}

impl Versioned for PolicyState {
    fn version(&self) -> i32 {
        self.version
    }
    fn touch(&mut self, version: i32, now: DateTime<Utc>) {
        self.version = version;
        self.updated_at = now;
    }

    super::stored::versioned_in!(DeadlinePolicy, deadline_policy, versioned_row);

    fn stale(&self, expected: i32) -> String {
        format!(
            "the policy is at version {}, not {expected}; reload it and try again",
            self.version
        )
    }

    fn raced(&self, expected: i32) -> String {
        self.stale(expected)
    }
}

pub const OP_UPSERT: &str = "deadlinePolicyUpsert";

impl Create for CreatePolicy {
    const OPERATION: &'static str = OP_UPSERT;

    /// The facility in scope, without a policy for the program yet (read
    /// inside the write transaction, which serialises writers).
    async fn setting(
        &self,
        db: &impl ConnectionTrait,
        actor: &Actor,
    ) -> Result<PolicyFacility, ServiceError> {
        let code = self.0.code();
        let facility = facility_lookup::for_input(db, &actor.facilities, &code).await?;
        let program = self.0.program;
        if let Some(current) = for_program(db, facility.id, &facility.code, program).await? {
            return Err(Refusal::new(
                RefusalCode::Conflict,
                format!(
                    "{code} already has a {} policy at version {}; send expectedVersion to change it",
                    program.as_str(),
                    current.model.version
                ),
            )
            .on(&["input", "expectedVersion"])
            .into());
        }
        Ok(PolicyFacility {
            facility_id: facility.id,
            facility_code: facility.code,
        })
    }
}

/// Seeds the CMS hospital default for a new facility, audited, inside the
/// transaction that creates it (the facility's creation authorised it).
pub async fn seed_defaults(
    txn: &impl ConnectionTrait,
    caller: &Caller<'_>,
    facility_id: Uuid,
    facility_code: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let command = CreatePolicy::default_for(facility_code, Program::CmsHospital);
    let action = command.audit_action();
    let setting = PolicyFacility {
        facility_id,
        facility_code: facility_code.to_owned(),
    };
    let state = command
        .handle(&setting, &Context::new(caller.actor, now))
        .map_err(refused)?;
    let id = new_id();
    PolicyState::insert(txn, id, &state).await?;
    audit::append(
        txn,
        caller,
        NewEvent::change(
            action.as_str(),
            RECORD_POLICY,
            id,
            None,
            &state.audit_document()?,
        )
        .facility(facility_code),
        now,
    )
    .await?;
    Ok(())
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
    let input = PolicyInput {
        facility_code: draft.facility_code.clone(),
        program: draft.program,
        name: draft.name.clone(),
        rules: draft.rules.clone(),
    };
    let create = CreatePolicy(input.clone());
    create.check().map_err(refused)?;
    let Some(version) = draft.expected_version else {
        let c = create::create(db, caller, create, None).await?;
        return Ok(policy_of(c.id, &c.state));
    };
    // A policy stays its facility's and program's and is never deleted:
    // the id found here is the one the change path reads again.
    let code = input.code();
    let facility = facility_lookup::for_input(db, &caller.actor.facilities, &code).await?;
    let Some(current) = for_program(db, facility.id, &facility.code, draft.program).await? else {
        return Err(Refusal::new(
            RefusalCode::NotFound,
            format!(
                "{code} has no {} policy; omit expectedVersion to create it",
                draft.program.as_str()
            ),
        )
        .on(&["input", "expectedVersion"])
        .into());
    };
    let id = current.model.id;
    let state = change::change(db, caller, id, version, UpdatePolicy(input)).await?;
    Ok(policy_of(id, &state))
}
