//! Who is asking: the verified identity behind a request.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// The roles of `domain.md`, "Who does what". The JWT `roles` claim carries
/// them as SCREAMING_SNAKE_CASE strings.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Front desk / patient service representatives.
    Staff,
    /// Patient relations specialists.
    PatientRelations,
    /// Patient relations leads.
    PatientRelationsManager,
    /// Compliance officers: read everything in scope, change nothing.
    Compliance,
    /// System administrators: configuration only, no complaint content.
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Staff,
        Role::PatientRelations,
        Role::PatientRelationsManager,
        Role::Compliance,
        Role::Admin,
    ];

    /// The claim spelling of this role.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Staff => "STAFF",
            Role::PatientRelations => "PATIENT_RELATIONS",
            Role::PatientRelationsManager => "PATIENT_RELATIONS_MANAGER",
            Role::Compliance => "COMPLIANCE",
            Role::Admin => "ADMIN",
        }
    }

    /// Parses the claim spelling; `None` for anything else.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The facilities a user may see: every one (`["*"]`) or a fixed list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FacilityScope {
    All,
    Only(BTreeSet<String>),
}

impl FacilityScope {
    /// Builds the scope from the `facilities` claim. `*` anywhere means all;
    /// codes are compared case-insensitively (stored upper case).
    pub fn from_claim<I, S>(codes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut set = BTreeSet::new();
        for code in codes {
            let code = code.as_ref().trim();
            if code == "*" {
                return FacilityScope::All;
            }
            if !code.is_empty() {
                set.insert(code.to_ascii_uppercase());
            }
        }
        FacilityScope::Only(set)
    }

    pub fn contains(&self, code: &str) -> bool {
        match self {
            FacilityScope::All => true,
            FacilityScope::Only(set) => set.contains(code),
        }
    }

    /// The claim form: `["*"]` or the sorted codes.
    pub fn to_claim(&self) -> Vec<String> {
        match self {
            FacilityScope::All => vec!["*".to_owned()],
            FacilityScope::Only(set) => set.iter().cloned().collect(),
        }
    }
}

/// A verified caller. Built only from a token that passed verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The token's `sub`: the user id every read and write is attributed to.
    pub subject: String,
    /// Display name (`name` claim, or the subject when absent).
    pub name: String,
    pub roles: BTreeSet<Role>,
    pub facilities: FacilityScope,
}

impl Actor {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_spelling_round_trips() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(
                serde_json::to_string(&role).ok(),
                Some(format!("\"{}\"", role.as_str()))
            );
        }
        assert_eq!(Role::parse("staff"), None);
        assert_eq!(Role::parse("SUPERUSER"), None);
    }

    #[test]
    fn facility_scope_from_claim() {
        let cases: &[(&[&str], FacilityScope)] = &[
            (&["*"], FacilityScope::All),
            (&["MAIN", "*"], FacilityScope::All),
            (&[], FacilityScope::Only(BTreeSet::new())),
            (
                &["main", " NORTH ", ""],
                FacilityScope::Only(["MAIN".to_owned(), "NORTH".to_owned()].into()),
            ),
        ];
        for (claim, expected) in cases {
            assert_eq!(
                &FacilityScope::from_claim(claim.iter()),
                expected,
                "{claim:?}"
            );
        }
        let scope = FacilityScope::from_claim(["MAIN"]);
        assert!(scope.contains("MAIN"));
        assert!(!scope.contains("NORTH"));
        assert!(FacilityScope::All.contains("ANY"));
    }
}

/// A user as records name them: the token subject and display name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRef {
    pub subject: String,
    pub name: String,
}
