//! Deadline policies' commands: create and update, ADMIN's
//! (`UpsertDeadlinePolicy`); `deadlinePolicyUpsert` picks one by whether
//! the facility has a policy for the program. Changes apply to complaints
//! received afterwards; running clocks keep the due times they were given.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{AuditAction, Command, Context, CreateCommand};
use crate::Violation;
use crate::clocks::{PolicyRules, Program, Span, validate_rules};
use crate::permissions::Operation;
use crate::text::{Name, TextKind};

/// A facility's deadline policy for one program, as stored (its id
/// aside), with its facility's code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyState {
    pub facility_id: Uuid,
    pub facility_code: String,
    pub program: Program,
    pub name: String,
    pub rules: PolicyRules,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn pair(span: Option<Span>) -> Value {
    json!([span.map(|s| s.amount), span.map(|s| s.unit.as_str())])
}

impl PolicyState {
    /// The policy as its audit events record it.
    pub fn document(&self) -> Value {
        let r = &self.rules;
        json!({
            "facilityCode": self.facility_code,
            "program": self.program.as_str(),
            "name": self.name,
            "acknowledgement": pair(Some(r.acknowledgement)),
            "resolution": pair(Some(r.resolution)),
            "expeditedResolution": pair(r.expedited_resolution),
            "maxExtensions": r.max_extensions,
            "maxExtension": pair(r.max_extension),
            "progressNotice": pair(r.progress_notice),
            "version": self.version,
        })
    }
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

/// What `deadlinePolicyUpsert` asks for, for either command.
#[derive(Clone, Debug)]
pub struct PolicyInput {
    pub facility_code: String,
    pub program: Program,
    /// The program's default name when absent or blank.
    pub name: Option<String>,
    pub rules: PolicyRules,
}

impl PolicyInput {
    /// Every rule at once, then the name: the name to store.
    fn valid_name(&self) -> Result<String, Vec<Violation>> {
        validate_rules(&self.rules)
            .map_err(|errors| errors.into_iter().map(Violation::from).collect::<Vec<_>>())?;
        Name::parse_optional(&["input", "name"], self.name.as_deref())
            .map(|n| n.map_or_else(|| default_name(self.program).to_owned(), Name::into_string))
            .map_err(|v| vec![v])
    }

    /// The facility code it names, normalised.
    pub fn code(&self) -> String {
        crate::facility::normalize_code(&self.facility_code)
    }
}

/// The facility a new policy is for, found in the caller's scope.
#[derive(Clone, Debug)]
pub struct PolicyFacility {
    pub facility_id: Uuid,
    pub facility_code: String,
}

/// A facility's first policy for a program (the services refuse a
/// program that has one).
#[derive(Clone, Debug)]
pub struct CreatePolicy(pub PolicyInput);

/// New rules and name for a facility's policy for a program.
#[derive(Clone, Debug)]
pub struct UpdatePolicy(pub PolicyInput);

impl CreatePolicy {
    /// The program's default policy, seeded with every facility.
    pub fn default_for(facility_code: &str, program: Program) -> Self {
        CreatePolicy(PolicyInput {
            facility_code: facility_code.to_owned(),
            program,
            name: None,
            rules: crate::clocks::default_rules(program),
        })
    }
}

impl CreateCommand for CreatePolicy {
    type State = PolicyState;
    type Setting = PolicyFacility;

    fn operation(&self) -> Operation {
        Operation::UpsertDeadlinePolicy
    }

    fn audit_action(&self) -> AuditAction {
        AuditAction::DeadlinePolicyCreate
    }

    fn check(&self) -> Result<(), Vec<Violation>> {
        self.0.valid_name().map(drop)
    }

    fn handle(
        self,
        setting: &PolicyFacility,
        cx: &Context<'_>,
    ) -> Result<PolicyState, Vec<Violation>> {
        let name = self.0.valid_name()?;
        Ok(PolicyState {
            facility_id: setting.facility_id,
            facility_code: setting.facility_code.clone(),
            program: self.0.program,
            name,
            rules: self.0.rules,
            version: 1,
            created_at: cx.now,
            updated_at: cx.now,
        })
    }
}

impl Command for UpdatePolicy {
    type State = PolicyState;

    fn operation(&self) -> Operation {
        Operation::UpsertDeadlinePolicy
    }

    fn audit_action(&self) -> AuditAction {
        AuditAction::DeadlinePolicyUpdate
    }

    /// The policy stays its facility's and program's.
    fn handle(self, state: &mut PolicyState, _cx: &Context<'_>) -> Result<(), Vec<Violation>> {
        let name = self.0.valid_name()?;
        if self.0.code() != state.facility_code || self.0.program != state.program {
            return Err(vec![Violation::validation(
                &["input", "program"],
                "a policy's facility and program cannot change",
            )]);
        }
        state.name = name;
        state.rules = self.0.rules;
        Ok(())
    }
}
