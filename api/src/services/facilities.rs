//! Facilities: `facilityUpsert` is `CreateFacility` through
//! `services::create` (a new facility gets the default deadline policy) or
//! `UpdateFacility` through `services::change`, picked by whether the code
//! exists; the lookups in the caller's scope are `facility_lookup`'s,
//! re-exported here.

use chrono::{DateTime, Utc};
use entity::facility::{self, Entity as Facility};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter,
};
use serde_json::Value;
use uuid::Uuid;

use super::audit::RECORD_FACILITY;
use super::create::{self, Create};
pub use super::facility_lookup::{by_code, by_id, by_ids, count, for_input, list};
use super::stored::{Stored, Versioned};
use super::{Caller, Refusal, RefusalCode, ServiceError, change, refused};
use crate::domain::actor::Actor;
use crate::domain::attachment::required::DocumentRequirement;
use crate::domain::command::CreateCommand;
use crate::domain::command::facility::{CreateFacility, FacilityState, UpdateFacility};
use crate::domain::facility::{FacilityDraft, FacilityLetters};
use crate::domain::permissions::{Operation, permits};

/// Whether the upsert created the facility or changed it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Upserted {
    Created,
    Updated,
}

pub fn state_of(m: &facility::Model) -> FacilityState {
    FacilityState {
        code: m.code.clone(),
        name: m.name.clone(),
        time_zone: m.time_zone.clone(),
        approval_threshold_amount: m.approval_threshold_amount.clone(),
        approval_threshold_currency: m.approval_threshold_currency.clone(),
        default_language: m.default_language.clone(),
        required_documents: required_documents_of(m),
        letters: letters_of(m),
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// The facility's letter settings. A stored value this server cannot read
/// counts as none (letters then carry no address block and need no
/// approval); it is logged without its content.
pub fn letters_of(m: &facility::Model) -> Option<FacilityLetters> {
    let raw = m.letters.as_deref()?;
    match serde_json::from_str(raw) {
        Ok(l) => Some(l),
        Err(e) => {
            tracing::error!(facility_id = %m.id, category = ?e.classify(), "stored letter settings unreadable");
            None
        }
    }
}

pub fn row(id: Uuid, s: &FacilityState) -> facility::Model {
    facility::Model {
        id,
        code: s.code.clone(),
        name: s.name.clone(),
        time_zone: s.time_zone.clone(),
        approval_threshold_amount: s.approval_threshold_amount.clone(),
        approval_threshold_currency: s.approval_threshold_currency.clone(),
        default_language: s.default_language.clone(),
        required_documents: serde_json::to_string(&s.required_documents)
            .unwrap_or_else(|_| "[]".to_owned()),
        letters: s
            .letters
            .as_ref()
            .and_then(|l| serde_json::to_string(l).ok()),
        version: s.version,
        created_at: s.created_at,
        updated_at: s.updated_at,
    }
}

/// The facility's required documents. A value this server cannot read is
/// logged (without content: it holds only channels and kinds) and read as
/// none; `redress verify` reports the facility's document as differing
/// from its trail.
pub fn required_documents_of(m: &facility::Model) -> Vec<DocumentRequirement> {
    serde_json::from_str(&m.required_documents).unwrap_or_else(|e| {
        tracing::error!(
            facility = %m.code,
            error = ?e.classify(),
            "facility holds required documents this server cannot read"
        );
        Vec::new()
    })
}

/// The audit document of a facility (`redress verify` replays it).
pub fn document(m: &facility::Model) -> Value {
    state_of(m).document()
}

impl Stored for FacilityState {
    const RECORD_TYPE: &'static str = RECORD_FACILITY;
    const NOUN: &'static str = "facility";

    fn facility_code(&self) -> &str {
        &self.code
    }
    fn complaint_of(&self, _id: Uuid) -> Option<Uuid> {
        None
    }
    /// No creator is kept: a facility is nobody's own (see `visible_to`).
    fn created_by(&self) -> &str {
        ""
    }
    /// Every facility of the actor's token, whoever they are.
    fn visible_to(&self, actor: &Actor) -> bool {
        actor.facilities.contains(&self.code)
    }

    async fn load(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Self>, DbErr> {
        Ok(Facility::find_by_id(id)
            .one(db)
            .await?
            .map(|m| state_of(&m)))
    }

    async fn insert(db: &impl ConnectionTrait, id: Uuid, state: &Self) -> Result<(), DbErr> {
        row(id, state)
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

/// `row` in the shape `versioned_in!` takes (building this row cannot
/// fail; the JSON-document records' can).
fn versioned_row(id: Uuid, s: &FacilityState) -> Result<facility::Model, DbErr> {
    Ok(row(id, s))
}

impl Versioned for FacilityState {
    fn version(&self) -> i32 {
        self.version
    }
    fn touch(&mut self, version: i32, now: DateTime<Utc>) {
        self.version = version;
        self.updated_at = now;
    }

    super::stored::versioned_in!(Facility, facility, versioned_row);

    fn stale(&self, expected: i32) -> String {
        format!(
            "facility {} is at version {}, not {expected}; reload it and try again",
            self.code, self.version
        )
    }

    fn raced(&self, expected: i32) -> String {
        self.stale(expected)
    }
}

pub const OP_CREATE: &str = "facilityUpsert";

impl Create for CreateFacility {
    const OPERATION: &'static str = OP_CREATE;

    /// The code must be free (read inside the write transaction, which
    /// serialises writers: no one creates it in between).
    async fn setting(&self, db: &impl ConnectionTrait, _actor: &Actor) -> Result<(), ServiceError> {
        match by_code_unscoped(db, &self.code()).await? {
            None => Ok(()),
            Some(current) => Err(Refusal::new(
                RefusalCode::Conflict,
                format!(
                    "facility {} already exists at version {}; send expectedVersion to change it",
                    current.code, current.version
                ),
            )
            .on(&["input", "expectedVersion"])
            .into()),
        }
    }

    /// The default deadline policy, audited after the facility.
    async fn after_insert(
        db: &impl ConnectionTrait,
        caller: &Caller<'_>,
        id: Uuid,
        state: &FacilityState,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        super::policies::seed_defaults(db, caller, id, &state.code, now).await?;
        Ok(())
    }
}

async fn by_code_unscoped(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<facility::Model>, DbErr> {
    Facility::find()
        .filter(facility::Column::Code.eq(code))
        .one(db)
        .await
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
    let create = CreateFacility {
        draft: draft.clone(),
    };
    create.check().map_err(refused)?;
    let code = create.code();
    if !actor.facilities.contains(&code) {
        return Err(Refusal::new(
            RefusalCode::Forbidden,
            format!("facility {code} is outside the facilities of your token"),
        )
        .on(&["input", "code"])
        .into());
    }
    let Some(version) = expected_version else {
        let c = create::create(db, caller, create, None).await?;
        return Ok((row(c.id, &c.state), Upserted::Created));
    };
    // Codes never change and facilities are never deleted: the id found
    // here is the one the change path reads again.
    let Some(current) = by_code_unscoped(db, &code).await? else {
        return Err(Refusal::new(
            RefusalCode::NotFound,
            format!("facility {code} does not exist; omit expectedVersion to create it"),
        )
        .on(&["input", "expectedVersion"])
        .into());
    };
    let update = UpdateFacility {
        draft: draft.clone(),
    };
    let state = change::change(db, caller, current.id, version, update).await?;
    Ok((row(current.id, &state), Upserted::Updated))
}
