//! People on records: users (who did something, and when), and patients.

use async_graphql::{InputObject, SimpleObject};
use chrono::{DateTime, Utc};

use crate::domain::complaint as dc;
use crate::domain::work::Stamp;

#[derive(SimpleObject)]
pub struct UserRef {
    /// The user's id (token `sub`).
    pub subject: String,
    pub name: String,
}

impl From<&dc::UserRef> for UserRef {
    fn from(u: &dc::UserRef) -> Self {
        UserRef {
            subject: u.subject.clone(),
            name: u.name.clone(),
        }
    }
}

#[derive(SimpleObject)]
pub struct Patient {
    /// Medical record number.
    pub mrn: Option<String>,
    pub name: String,
}

#[derive(InputObject, Clone)]
pub struct PatientInput {
    /// Medical record number, when known.
    pub mrn: Option<String>,
    pub name: String,
}

impl PatientInput {
    pub fn to_domain(&self) -> dc::Patient {
        dc::Patient {
            mrn: self.mrn.clone(),
            name: self.name.clone(),
        }
    }
}

/// Who did something and when.
#[derive(SimpleObject)]
pub struct Stamped {
    pub by: UserRef,
    pub at: DateTime<Utc>,
}

/// Who did something, when, and why.
#[derive(SimpleObject)]
pub struct Reasoned {
    pub by: UserRef,
    pub at: DateTime<Utc>,
    pub reason: String,
}

impl From<&Stamp> for Stamped {
    fn from(s: &Stamp) -> Self {
        Stamped {
            by: UserRef::from(&s.by),
            at: s.at,
        }
    }
}

impl From<&Stamp> for Reasoned {
    fn from(s: &Stamp) -> Self {
        Reasoned {
            by: UserRef::from(&s.by),
            at: s.at,
            reason: s.reason.clone().unwrap_or_default(),
        }
    }
}
