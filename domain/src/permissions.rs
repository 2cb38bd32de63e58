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
    /// Read deadline policies.
    ReadDeadlinePolicies,
    /// Create or change a deadline policy.
    UpsertDeadlinePolicy,
    /// Log a new complaint.
    CreateComplaint,
    /// Read complaint content (STAFF: only what they logged).
    ReadComplaints,
    /// Change a complaint's details and HCAT issues.
    UpdateComplaint,
    /// Give an unowned complaint its owner.
    AssignComplaint,
    /// Change the owner of a complaint that has one.
    ReassignComplaint,
    AcknowledgeComplaint,
    StartInvestigation,
    EscalateComplaint,
    /// Resolve on the spot (STAFF: only what they logged).
    ResolveAtPointOfService,
    ResolveComplaint,
    CloseComplaint,
    WithdrawComplaint,
    ReopenComplaint,
    ExtendDeadline,
    AddNote,
    LogContact,
    /// Query the audit trail across complaints (`auditEvents`).
    ReadAuditTrail,
    /// Who read a complaint (`accessLog`).
    ReadAccessLog,
    /// Check the hash chain (`auditTrailVerification`); shows no content.
    VerifyAuditTrail,
    /// Sign the head of the audit trail now (`auditCheckpoint`).
    CreateAuditCheckpoint,
    /// List the signed checkpoints (`auditCheckpoints`): hashes, keys and
    /// signatures, no content.
    ReadAuditCheckpoints,
    ReadServiceRecovery,
    ProposeServiceRecovery,
    /// Approve or decline an action below the approval threshold.
    DecideServiceRecovery,
    /// Approve or decline an action at or above the threshold (and never
    /// one's own proposal: a domain guard).
    DecideServiceRecoveryAboveThreshold,
    CompleteServiceRecovery,
    CancelServiceRecovery,
    /// Read the interpreter log (STAFF: only what they logged).
    ReadInterpreterSessions,
    LogInterpreterSession,
    /// Correct a log entry (STAFF: only what they logged).
    AmendInterpreterSession,
    /// Read accessibility requests (STAFF: only what they filed).
    ReadAccessibilityRequests,
    CreateAccessibilityRequest,
    /// Acknowledge, schedule, fulfil, provide an alternative, cancel.
    WorkAccessibilityRequest,
    /// Deny on fundamental alteration or undue burden.
    DenyAccessibilityRequest,
    /// Who read a service-recovery action, interpreter session or
    /// accessibility request (`recordAccessLog`).
    ReadRecordAccessLog,
    /// Run the compliance reports and the grievance log (aggregates and
    /// rows of complaint content, in the caller's facilities).
    ReadReports,
    /// The information-system activity review over the access log
    /// (45 CFR 164.308(a)(1)(ii)(D)): who read what.
    ReviewAccess,
    /// Upload a document to a complaint (reading one is `ReadComplaints`).
    AddAttachment,
    /// Draft a letter on a complaint and change it until it is sent.
    DraftLetter,
    /// Approve a letter before it goes out (where the facility requires it).
    ApproveLetter,
    /// Record that a letter was sent, and what became of it.
    SendLetter,
}

impl Operation {
    pub const ALL: [Operation; 45] = [
        Operation::ReadFacilities,
        Operation::UpsertFacility,
        Operation::ReadDeadlinePolicies,
        Operation::UpsertDeadlinePolicy,
        Operation::CreateComplaint,
        Operation::ReadComplaints,
        Operation::UpdateComplaint,
        Operation::AssignComplaint,
        Operation::ReassignComplaint,
        Operation::AcknowledgeComplaint,
        Operation::StartInvestigation,
        Operation::EscalateComplaint,
        Operation::ResolveAtPointOfService,
        Operation::ResolveComplaint,
        Operation::CloseComplaint,
        Operation::WithdrawComplaint,
        Operation::ReopenComplaint,
        Operation::ExtendDeadline,
        Operation::AddNote,
        Operation::LogContact,
        Operation::ReadAuditTrail,
        Operation::ReadAccessLog,
        Operation::VerifyAuditTrail,
        Operation::CreateAuditCheckpoint,
        Operation::ReadAuditCheckpoints,
        Operation::ReadServiceRecovery,
        Operation::ProposeServiceRecovery,
        Operation::DecideServiceRecovery,
        Operation::DecideServiceRecoveryAboveThreshold,
        Operation::CompleteServiceRecovery,
        Operation::CancelServiceRecovery,
        Operation::ReadInterpreterSessions,
        Operation::LogInterpreterSession,
        Operation::AmendInterpreterSession,
        Operation::ReadAccessibilityRequests,
        Operation::CreateAccessibilityRequest,
        Operation::WorkAccessibilityRequest,
        Operation::DenyAccessibilityRequest,
        Operation::ReadRecordAccessLog,
        Operation::ReadReports,
        Operation::ReviewAccess,
        Operation::AddAttachment,
        Operation::DraftLetter,
        Operation::ApproveLetter,
        Operation::SendLetter,
    ];
}

impl Operation {
    /// What the operation lets a user do, as a specialist would say it:
    /// refusals read "your roles do not allow you to <this>", never the
    /// operation's internal name.
    pub fn description(self) -> &'static str {
        use Operation::*;
        match self {
            ReadFacilities => "read facility settings",
            UpsertFacility => "create or change facilities",
            ReadDeadlinePolicies => "read deadline policies",
            UpsertDeadlinePolicy => "create or change deadline policies",
            CreateComplaint => "log complaints",
            ReadComplaints => "read complaints",
            UpdateComplaint => "change a complaint's details",
            AssignComplaint => "assign complaints",
            ReassignComplaint => "reassign complaints that already have an owner",
            AcknowledgeComplaint => "acknowledge complaints",
            StartInvestigation => "start investigations",
            EscalateComplaint => "escalate complaints to grievances",
            ResolveAtPointOfService => "resolve complaints at the point of service",
            ResolveComplaint => "resolve complaints",
            CloseComplaint => "close complaints",
            WithdrawComplaint => "withdraw complaints",
            ReopenComplaint => "reopen complaints",
            ExtendDeadline => "extend complaint deadlines",
            AddNote => "add notes to complaints",
            LogContact => "log contacts with complainants",
            ReadAuditTrail => "read the audit trail",
            ReadAccessLog => "read who viewed a complaint",
            VerifyAuditTrail => "verify the audit trail",
            CreateAuditCheckpoint => "sign audit checkpoints",
            ReadAuditCheckpoints => "read audit checkpoints",
            ReadServiceRecovery => "read service-recovery actions",
            ProposeServiceRecovery => "propose service-recovery actions",
            DecideServiceRecovery => "approve or decline service-recovery actions",
            DecideServiceRecoveryAboveThreshold => {
                "approve or decline service-recovery actions at or above the approval threshold"
            }
            CompleteServiceRecovery => "complete service-recovery actions",
            CancelServiceRecovery => "cancel service-recovery actions",
            ReadInterpreterSessions => "read the interpreter log",
            LogInterpreterSession => "log interpreter sessions",
            AmendInterpreterSession => "correct interpreter log entries",
            ReadAccessibilityRequests => "read accessibility requests",
            CreateAccessibilityRequest => "file accessibility requests",
            WorkAccessibilityRequest => "work accessibility requests",
            DenyAccessibilityRequest => "deny accessibility requests",
            ReadRecordAccessLog => "read who viewed a record",
            ReadReports => "run compliance reports",
            ReviewAccess => "review who read what (the access review)",
            AddAttachment => "add documents to complaints",
            DraftLetter => "draft and change letters",
            ApproveLetter => "approve letters",
            SendLetter => "record that letters were sent and delivered",
        }
    }

    /// The refusal a caller whose roles do not permit the operation reads.
    pub fn refusal(self) -> String {
        format!("your roles do not allow you to {}", self.description())
    }
}

/// Whether a single role allows an operation.
pub fn role_allows(role: Role, op: Operation) -> bool {
    use Operation::*;
    use Role::*;
    // Each arm names its roles: a new operation forces a decision for each.
    match op {
        // Every user needs facility names, time zones and clock rules.
        ReadFacilities | ReadDeadlinePolicies => matches!(
            role,
            Staff | PatientRelations | PatientRelationsManager | Compliance | Admin
        ),
        // Configuration belongs to administrators alone.
        UpsertFacility | UpsertDeadlinePolicy => matches!(role, Admin),
        // Intake and on-the-spot resolution are the front desk's too.
        CreateComplaint | ResolveAtPointOfService => {
            matches!(role, Staff | PatientRelations | PatientRelationsManager)
        }
        // Compliance reads everything in scope; ADMIN sees no complaint
        // content (minimum necessary, 45 CFR 164.502(b)).
        ReadComplaints => matches!(
            role,
            Staff | PatientRelations | PatientRelationsManager | Compliance
        ),
        // Working complaints to closure: patient relations.
        UpdateComplaint | AssignComplaint | AcknowledgeComplaint | StartInvestigation
        | EscalateComplaint | ResolveComplaint | CloseComplaint | WithdrawComplaint
        | ReopenComplaint | AddNote | LogContact => {
            matches!(role, PatientRelations | PatientRelationsManager)
        }
        // Leads only.
        ReassignComplaint | ExtendDeadline => matches!(role, PatientRelationsManager),
        // The trail and the access log hold complaint content: compliance.
        ReadAuditTrail | ReadAccessLog => matches!(role, Compliance),
        // Verification shows hashes and sequence numbers only.
        VerifyAuditTrail => matches!(role, Compliance | Admin),
        // Checkpoints hold hashes, keys and signatures; compliance keeps
        // them, administrators run the servers that take them.
        CreateAuditCheckpoint | ReadAuditCheckpoints => matches!(role, Compliance | Admin),
        // Service recovery is part of working a complaint; compliance
        // reads it (cost reports), the front desk does not.
        ReadServiceRecovery => matches!(
            role,
            PatientRelations | PatientRelationsManager | Compliance
        ),
        ProposeServiceRecovery
        | DecideServiceRecovery
        | CompleteServiceRecovery
        | CancelServiceRecovery
        | WorkAccessibilityRequest => matches!(role, PatientRelations | PatientRelationsManager),
        // Leads only: money above the threshold, and denying an aid.
        DecideServiceRecoveryAboveThreshold | DenyAccessibilityRequest => {
            matches!(role, PatientRelationsManager)
        }
        // The front desk logs sessions and files requests, and sees (and
        // corrects) only its own; compliance reads them all in scope.
        ReadInterpreterSessions | ReadAccessibilityRequests => matches!(
            role,
            Staff | PatientRelations | PatientRelationsManager | Compliance
        ),
        LogInterpreterSession | AmendInterpreterSession | CreateAccessibilityRequest => {
            matches!(role, Staff | PatientRelations | PatientRelationsManager)
        }
        ReadRecordAccessLog => matches!(role, Compliance),
        // Reports read complaint content in aggregate: compliance, and the
        // leads who answer for their team's timeliness. Not the front desk
        // (they see only their own), not ADMIN (no content).
        ReadReports => matches!(role, PatientRelationsManager | Compliance),
        // Who read what is compliance's to review.
        ReviewAccess => matches!(role, Compliance),
        // The front desk scans the letter it logged; patient relations add
        // photos, forms and sent letters. Compliance changes nothing.
        AddAttachment => matches!(role, Staff | PatientRelations | PatientRelationsManager),
        // Letters are part of working a complaint; a lead approves them
        // where the facility requires it.
        DraftLetter | SendLetter => matches!(role, PatientRelations | PatientRelationsManager),
        ApproveLetter => matches!(role, PatientRelationsManager),
    }
}

/// Whether any of the actor's roles allows the operation.
pub fn permits(actor: &Actor, op: Operation) -> bool {
    actor.roles.iter().any(|role| role_allows(*role, op))
}

/// STAFF see only the complaints they logged, unless another of their
/// roles reads more.
pub fn sees_only_own(actor: &Actor) -> bool {
    !actor.roles.iter().any(|role| {
        matches!(
            role,
            Role::PatientRelations | Role::PatientRelationsManager | Role::Compliance
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::FacilityScope;

    /// The whole role × operation table, allowed and refused: one row per
    /// operation, one column per role (STAFF, PR, PRM, COMPLIANCE, ADMIN).
    #[test]
    fn role_operation_table() {
        use Operation::*;
        let table: &[(Operation, [bool; 5])] = &[
            (ReadFacilities, [true, true, true, true, true]),
            (UpsertFacility, [false, false, false, false, true]),
            (ReadDeadlinePolicies, [true, true, true, true, true]),
            (UpsertDeadlinePolicy, [false, false, false, false, true]),
            (CreateComplaint, [true, true, true, false, false]),
            (ReadComplaints, [true, true, true, true, false]),
            (UpdateComplaint, [false, true, true, false, false]),
            (AssignComplaint, [false, true, true, false, false]),
            (ReassignComplaint, [false, false, true, false, false]),
            (AcknowledgeComplaint, [false, true, true, false, false]),
            (StartInvestigation, [false, true, true, false, false]),
            (EscalateComplaint, [false, true, true, false, false]),
            (ResolveAtPointOfService, [true, true, true, false, false]),
            (ResolveComplaint, [false, true, true, false, false]),
            (CloseComplaint, [false, true, true, false, false]),
            (WithdrawComplaint, [false, true, true, false, false]),
            (ReopenComplaint, [false, true, true, false, false]),
            (ExtendDeadline, [false, false, true, false, false]),
            (AddNote, [false, true, true, false, false]),
            (LogContact, [false, true, true, false, false]),
            (ReadAuditTrail, [false, false, false, true, false]),
            (ReadAccessLog, [false, false, false, true, false]),
            (VerifyAuditTrail, [false, false, false, true, true]),
            (CreateAuditCheckpoint, [false, false, false, true, true]),
            (ReadAuditCheckpoints, [false, false, false, true, true]),
            (ReadServiceRecovery, [false, true, true, true, false]),
            (ProposeServiceRecovery, [false, true, true, false, false]),
            (DecideServiceRecovery, [false, true, true, false, false]),
            (
                DecideServiceRecoveryAboveThreshold,
                [false, false, true, false, false],
            ),
            (CompleteServiceRecovery, [false, true, true, false, false]),
            (CancelServiceRecovery, [false, true, true, false, false]),
            (ReadInterpreterSessions, [true, true, true, true, false]),
            (LogInterpreterSession, [true, true, true, false, false]),
            (AmendInterpreterSession, [true, true, true, false, false]),
            (ReadAccessibilityRequests, [true, true, true, true, false]),
            (CreateAccessibilityRequest, [true, true, true, false, false]),
            (WorkAccessibilityRequest, [false, true, true, false, false]),
            (DenyAccessibilityRequest, [false, false, true, false, false]),
            (ReadRecordAccessLog, [false, false, false, true, false]),
            (ReadReports, [false, false, true, true, false]),
            (ReviewAccess, [false, false, false, true, false]),
            (AddAttachment, [true, true, true, false, false]),
            (DraftLetter, [false, true, true, false, false]),
            (ApproveLetter, [false, false, true, false, false]),
            (SendLetter, [false, true, true, false, false]),
        ];
        assert_eq!(table.len(), Operation::ALL.len());
        for (op, row) in table {
            for (role, allowed) in Role::ALL.iter().zip(row) {
                assert_eq!(role_allows(*role, *op), *allowed, "{role:?} {op:?}");
            }
        }
    }

    /// Every operation has a description a specialist reads in a
    /// refusal: lower-case words, distinct, never the internal name.
    #[test]
    fn every_operation_has_a_plain_description() {
        let mut seen = std::collections::BTreeSet::new();
        for op in Operation::ALL {
            let text = op.description();
            let name = format!("{op:?}");
            assert!(!text.is_empty(), "{name}");
            assert!(seen.insert(text), "{name}: {text:?} is not distinct");
            assert!(!text.contains(&name), "{name}: {text:?}");
            assert!(
                text.split(|c: char| !c.is_alphanumeric())
                    .all(|w| w.chars().skip(1).all(|c| !c.is_uppercase())),
                "{name}: {text:?} has an identifier in it"
            );
            assert!(
                text.chars()
                    .all(|c| c.is_ascii_lowercase() || " '-(),".contains(c)),
                "{name}: {text:?}"
            );
        }
    }

    #[test]
    fn only_staff_sees_only_own() {
        let actor = |roles: &[Role]| Actor {
            subject: "u".into(),
            name: "u".into(),
            roles: roles.iter().copied().collect(),
            facilities: FacilityScope::All,
        };
        assert!(sees_only_own(&actor(&[Role::Staff])));
        assert!(!sees_only_own(&actor(&[
            Role::Staff,
            Role::PatientRelations
        ])));
        assert!(!sees_only_own(&actor(&[Role::Compliance])));
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
