//! Commands: every business action on a record, as a value. The domain
//! says, per command, the permission it needs (given the record and the
//! actor), its audit action, the reason it records, what it needs loaded
//! besides the record, and how it changes the record (`handle`). The
//! services run every command through one path; the API only builds them.

pub mod accessibility;
pub mod attachment;
mod audit_action;
pub mod complaint;
pub mod facility;
pub mod interpreter;
pub mod letter;
pub mod notes;
pub mod policy;
pub mod service_recovery;

#[cfg(test)]
mod admin_tests;
#[cfg(test)]
mod complaint_tests;
#[cfg(test)]
mod create_tests;
#[cfg(test)]
mod notes_tests;
#[cfg(test)]
mod work_tests;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use audit_action::AuditAction;
pub use complaint::{ComplaintSetting, OpenComplaint};

use crate::Violation;
use crate::actor::Actor;
use crate::clocks::PolicyRules;
use crate::complaint::UserRef;
use crate::complaint::lifecycle::UnfinishedWork;
use crate::permissions::Operation;

/// What a command needs loaded besides the record itself.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Needs {
    /// The record's deadline policy and its facility's time zone.
    pub policy: bool,
    /// The complaint's linked work that is not finished yet.
    pub unfinished_work: bool,
    /// The facility's required documents and the complaint's attachments.
    pub documents: bool,
    /// The complaint's letters (resolving needs its sent resolution letter).
    pub letters: bool,
}

impl Needs {
    pub const NOTHING: Needs = Needs {
        policy: false,
        unfinished_work: false,
        documents: false,
        letters: false,
    };
}

/// The deadline policy a complaint follows, and its facility's time zone.
#[derive(Clone, Debug)]
pub struct PolicyContext {
    pub rules: PolicyRules,
    pub tz: Tz,
}

/// What a command sees besides the record: who acts and when, and what
/// its `Needs` asked for (absent or empty otherwise).
#[derive(Clone, Debug)]
pub struct Context<'a> {
    pub actor: &'a Actor,
    pub by: UserRef,
    pub now: DateTime<Utc>,
    pub policy: Option<PolicyContext>,
    pub unfinished: Vec<UnfinishedWork>,
    /// Loaded when `Needs::documents` asks.
    pub documents: Option<crate::attachment::required::DocumentsOnFile>,
    /// The complaint's letters, by id, when `Needs::letters`.
    pub letters: Vec<(uuid::Uuid, crate::letter::LetterState)>,
}

impl<'a> Context<'a> {
    /// A context with nothing loaded.
    pub fn new(actor: &'a Actor, now: DateTime<Utc>) -> Self {
        Context {
            actor,
            by: UserRef {
                subject: actor.subject.clone(),
                name: actor.name.clone(),
            },
            now,
            policy: None,
            unfinished: Vec::new(),
            documents: None,
            letters: Vec::new(),
        }
    }
}

/// Where a new record is placed: its facility and, optionally, the
/// complaint it belongs to (both found in the caller's scope).
#[derive(Clone, Debug)]
pub struct Placement {
    pub facility_id: uuid::Uuid,
    pub facility_code: String,
    pub complaint_id: Option<uuid::Uuid>,
}

/// A permission a command needs because of the record it meets (changing
/// an existing owner): refused as `FORBIDDEN` on `field`, after the record
/// is found (outside the caller's scope it does not exist).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct RecordRule {
    pub operation: Operation,
    pub field: &'static [&'static str],
    pub message: &'static str,
}

/// A business action on an existing record.
pub trait Command: Sized {
    /// The record it changes.
    type State;

    /// The permission the action needs whatever the record; checked before
    /// the record is looked up.
    fn operation(&self) -> Operation;

    /// A further permission this record calls for, if any.
    fn record_rule(&self, _state: &Self::State) -> Option<RecordRule> {
        None
    }

    /// The permission the action needs on this record.
    fn operation_on(&self, state: &Self::State) -> Operation {
        self.record_rule(state)
            .map_or_else(|| self.operation(), |r| r.operation)
    }

    /// The action's name in the audit trail.
    fn audit_action(&self) -> AuditAction;

    /// The reason the audit event records.
    fn reason(&self) -> Option<&str> {
        None
    }

    /// What the services load before `handle`.
    fn needs(&self) -> Needs {
        Needs::NOTHING
    }

    /// Checks the rules and changes the record, or says why not.
    fn handle(self, state: &mut Self::State, cx: &Context<'_>) -> Result<(), Vec<Violation>>;
}

/// A business action that makes a new record. The services look up its
/// `Setting` in the caller's scope (facility, policy, complaint), then the
/// domain builds the record from it (`handle`); the one create path does
/// the rest.
pub trait CreateCommand: Sized {
    /// The record it makes.
    type State;
    /// What the services find for it before `handle`.
    type Setting;

    /// The permission the action needs; checked before anything is read.
    fn operation(&self) -> Operation;

    /// The action's name in the audit trail.
    fn audit_action(&self) -> AuditAction;

    /// The rules that need no setting (the input's own texts), checked
    /// before anything is read; `handle` applies them again.
    fn check(&self) -> Result<(), Vec<Violation>> {
        Ok(())
    }

    /// Checks the rules and builds the record, or says why not.
    fn handle(
        self,
        setting: &Self::Setting,
        cx: &Context<'_>,
    ) -> Result<Self::State, Vec<Violation>>;
}

/// A violation for a context the services did not load (a command whose
/// `needs` and `handle` disagree): refused rather than guessed.
pub(crate) fn missing(what: &str) -> Vec<Violation> {
    vec![Violation::guard(
        &["input", "id"],
        format!("{what} is not available for this action"),
    )]
}
