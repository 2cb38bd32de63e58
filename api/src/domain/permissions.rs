//! Who may do what (`domain.md`, "Who does what"), in one place.
//!
//! Role permissions and facility scope are separate questions: a role may be
//! allowed an operation and still not see a facility outside its token's
//! list. Out of scope reads as "does not exist" to the caller.

use super::actor::{Actor, Role};

/// Every operation the API offers that needs a permission decision.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Operation {
    /// Read facility configuration (code, name, time zone, threshold).
    ReadFacilities,
    /// Create or change a facility.
    UpsertFacility,
}

impl Operation {
    pub const ALL: [Operation; 2] = [Operation::ReadFacilities, Operation::UpsertFacility];
}

/// Whether a single role allows an operation.
pub fn role_allows(role: Role, op: Operation) -> bool {
    use Operation::*;
    use Role::*;
    // Each arm names its roles: a new operation forces a decision for each.
    match op {
        // Every user needs facility names and time zones to work.
        ReadFacilities => matches!(
            role,
            Staff | PatientRelations | PatientRelationsManager | Compliance | Admin
        ),
        // Configuration belongs to administrators alone.
        UpsertFacility => matches!(role, Admin),
    }
}

/// Whether any of the actor's roles allows the operation.
pub fn permits(actor: &Actor, op: Operation) -> bool {
    actor.roles.iter().any(|role| role_allows(*role, op))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::actor::FacilityScope;

    /// The whole role × operation table, allowed and refused.
    #[test]
    fn role_operation_table() {
        use Operation::*;
        use Role::*;
        let table: &[(Role, Operation, bool)] = &[
            (Staff, ReadFacilities, true),
            (PatientRelations, ReadFacilities, true),
            (PatientRelationsManager, ReadFacilities, true),
            (Compliance, ReadFacilities, true),
            (Admin, ReadFacilities, true),
            (Staff, UpsertFacility, false),
            (PatientRelations, UpsertFacility, false),
            (PatientRelationsManager, UpsertFacility, false),
            (Compliance, UpsertFacility, false),
            (Admin, UpsertFacility, true),
        ];
        assert_eq!(table.len(), Role::ALL.len() * Operation::ALL.len());
        for (role, op, allowed) in table {
            assert_eq!(role_allows(*role, *op), *allowed, "{role:?} {op:?}");
        }
    }

    #[test]
    fn no_roles_permit_nothing() {
        let actor = Actor {
            subject: "u".into(),
            name: "u".into(),
            roles: Default::default(),
            facilities: FacilityScope::All,
        };
        for op in Operation::ALL {
            assert!(!permits(&actor, op), "{op:?}");
        }
    }

    #[test]
    fn any_role_suffices() {
        let actor = Actor {
            subject: "u".into(),
            name: "u".into(),
            roles: [Role::Compliance, Role::Admin].into(),
            facilities: FacilityScope::All,
        };
        assert!(permits(&actor, Operation::UpsertFacility));
    }
}
