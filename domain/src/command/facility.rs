//! Facilities' commands: create and update, ADMIN's (`UpsertFacility`);
//! `facilityUpsert` picks one by whether the code exists.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{AuditAction, Command, Context, CreateCommand};
use crate::Violation;
use crate::attachment::required::DocumentRequirement;
use crate::facility::{FacilityDraft, ValidFacility, validate};
use crate::permissions::Operation;

/// A facility as stored (its id aside).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FacilityState {
    pub code: String,
    pub name: String,
    /// IANA time zone name.
    pub time_zone: String,
    /// Canonical decimal string (exact).
    pub approval_threshold_amount: String,
    pub approval_threshold_currency: String,
    /// BCP 47 tag of the language the facility works in.
    #[serde(default = "default_language")]
    pub default_language: String,
    /// Documents required before resolution, by channel.
    #[serde(default)]
    pub required_documents: Vec<DocumentRequirement>,
    /// Letter settings, once given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub letters: Option<crate::facility::FacilityLetters>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn default_language() -> String {
    crate::facility::DEFAULT_LANGUAGE.to_owned()
}

impl FacilityState {
    /// The facility as its audit events record it (`redress verify`
    /// replays it).
    /// The default language appears once a facility leaves `en`, so the
    /// documents recorded before the field existed still replay.
    pub fn document(&self) -> Value {
        let mut doc = json!({
            "code": self.code,
            "name": self.name,
            "timeZone": self.time_zone,
            "approvalThreshold": [self.approval_threshold_amount, self.approval_threshold_currency],
            "version": self.version,
        });
        if self.default_language != crate::facility::DEFAULT_LANGUAGE {
            doc["defaultLanguage"] = json!(self.default_language);
        }
        // Likewise once a facility requires documents.
        if !self.required_documents.is_empty() {
            doc["requiredDocuments"] = json!(self.required_documents);
        }
        if let Some(letters) = &self.letters {
            doc["letters"] = json!(letters);
        }
        doc
    }

    /// Takes the draft's values (the code is the record's own).
    fn apply(&mut self, valid: ValidFacility) {
        self.name = valid.name;
        self.time_zone = valid.time_zone.name().to_owned();
        self.approval_threshold_amount = valid.approval_threshold.amount.to_string();
        self.approval_threshold_currency = valid.approval_threshold.currency;
        if let Some(language) = valid.default_language {
            self.default_language = language;
        }
        if let Some(required) = valid.required_documents {
            self.required_documents = required;
        }
        if let Some(letters) = valid.letters {
            self.letters = Some(letters);
        }
    }
}

/// Every rule of a facility, every problem at once.
fn valid(draft: &FacilityDraft) -> Result<ValidFacility, Vec<Violation>> {
    validate(draft).map_err(|errors| errors.into_iter().map(Violation::from).collect())
}

/// `facilityUpsert` without `expectedVersion`: a new facility (the
/// services refuse a code that exists, and seed its default policy).
#[derive(Clone, Debug)]
pub struct CreateFacility {
    pub draft: FacilityDraft,
}

/// `facilityUpsert` with `expectedVersion`: new name, time zone and
/// threshold for an existing facility.
#[derive(Clone, Debug)]
pub struct UpdateFacility {
    pub draft: FacilityDraft,
}

impl CreateFacility {
    /// The normalised code the draft names (valid or not).
    pub fn code(&self) -> String {
        crate::facility::normalize_code(&self.draft.code)
    }
}

impl CreateCommand for CreateFacility {
    type State = FacilityState;
    /// Nothing: the services only check the code is free.
    type Setting = ();

    fn operation(&self) -> Operation {
        Operation::UpsertFacility
    }

    fn audit_action(&self) -> AuditAction {
        AuditAction::FacilityCreate
    }

    fn check(&self) -> Result<(), Vec<Violation>> {
        valid(&self.draft).map(drop)
    }

    fn handle(self, _setting: &(), cx: &Context<'_>) -> Result<FacilityState, Vec<Violation>> {
        let v = valid(&self.draft)?;
        let mut state = FacilityState {
            code: v.code.clone(),
            name: String::new(),
            time_zone: String::new(),
            approval_threshold_amount: String::new(),
            approval_threshold_currency: String::new(),
            default_language: default_language(),
            required_documents: Vec::new(),
            letters: None,
            version: 1,
            created_at: cx.now,
            updated_at: cx.now,
        };
        state.apply(v);
        Ok(state)
    }
}

impl Command for UpdateFacility {
    type State = FacilityState;

    fn operation(&self) -> Operation {
        Operation::UpsertFacility
    }

    fn audit_action(&self) -> AuditAction {
        AuditAction::FacilityUpdate
    }

    fn handle(self, state: &mut FacilityState, _cx: &Context<'_>) -> Result<(), Vec<Violation>> {
        let v = valid(&self.draft)?;
        if v.code != state.code {
            return Err(vec![Violation::validation(
                &["input", "code"],
                "a facility's code cannot change",
            )]);
        }
        state.apply(v);
        Ok(())
    }
}
