//! What the records beside complaints share: a transition table checked
//! the same way for each, required reasons and texts, and the patient they
//! concern.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Violation;
use super::ViolationKind;
use super::text::{Code, Name, Note, TextKind};
use crate::actor::UserRef;

pub use crate::spelled::Spelled;

/// A status machine: `(from, action, to)` rows; every pair not listed is
/// refused.
pub struct Machine<S: 'static, A: 'static> {
    /// The record's name in messages, e.g. "service-recovery action".
    pub noun: &'static str,
    pub table: &'static [(S, A, S)],
}

impl<S: Spelled, A: Spelled> Machine<S, A> {
    /// Where `action` takes a record in `from`, if the table allows it.
    pub fn next(&self, from: S, action: A) -> Option<S> {
        self.table
            .iter()
            .find(|(f, a, _)| *f == from && *a == action)
            .map(|(_, _, to)| *to)
    }

    /// The actions the table allows from `from`, in table order.
    pub fn allowed(&self, from: S) -> Vec<A> {
        let mut out: Vec<A> = Vec::new();
        for (f, a, _) in self.table {
            if *f == from && !out.contains(a) {
                out.push(*a);
            }
        }
        out
    }

    /// The table's answer, or a refusal naming the current status and what
    /// is allowed from it.
    pub fn step(&self, from: S, action: A) -> Result<S, Vec<Violation>> {
        self.next(from, action).ok_or_else(|| {
            let allowed = self.allowed(from);
            let allowed = if allowed.is_empty() {
                "none".to_owned()
            } else {
                allowed
                    .iter()
                    .map(|a| a.spelled())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            vec![Violation::new(
                ViolationKind::InvalidTransition,
                &["input", "id"],
                format!(
                    "cannot {} a {} that is {}; allowed actions from {}: {allowed}",
                    action.spelled(),
                    self.noun,
                    from.spelled(),
                    from.spelled()
                ),
            )]
        })
    }
}

/// A text of kind `K` (trimmed, non-empty, bounded, no control
/// characters; see [`crate::text`]), for state that stores a `String`.
pub fn required_text<K: TextKind>(
    field: &[&str],
    value: &str,
    what: &str,
) -> Result<String, Violation> {
    K::parse_named(field, value, what).map(K::into_string)
}

/// Like `required_text`, but absent or blank is `None`.
pub fn optional_text<K: TextKind>(
    field: &[&str],
    value: Option<&str>,
    what: &str,
) -> Result<Option<String>, Violation> {
    K::parse_optional_named(field, value, what).map(|v| v.map(K::into_string))
}

/// The reason an action needs: a [`Note`] (multi-line, at most 4000
/// characters).
pub fn required_reason(reason: &str, what: &str) -> Result<String, Vec<Violation>> {
    required_text::<Note>(&["input", "reason"], reason, &format!("a reason to {what}"))
        .map_err(|v| vec![v])
}

/// Who did something, when, and why (for the steps that need a reason).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stamp {
    pub by: UserRef,
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The patient a record concerns.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatientRef {
    /// Medical record number, when known.
    pub mrn: Option<String>,
    pub name: String,
}

impl PatientRef {
    pub fn validated(mrn: Option<&str>, name: &str) -> Result<PatientRef, Violation> {
        Ok(PatientRef {
            mrn: optional_text::<Code>(&["input", "patient", "mrn"], mrn, "the MRN")?,
            name: required_text::<Name>(&["input", "patient", "name"], name, "the patient's name")?,
        })
    }
}

/// Collects every violation of a validation pass, not just the first.
#[derive(Default)]
pub struct Checks(pub Vec<Violation>);

impl Checks {
    pub fn take<T>(&mut self, r: Result<T, Violation>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(v) => {
                self.0.push(v);
                None
            }
        }
    }

    pub fn push(&mut self, v: Violation) {
        self.0.push(v);
    }

    pub fn finish(self) -> Result<(), Vec<Violation>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}
