//! Every action the audit trail names, in one place. The spellings are
//! stored in the hash-chained trail: they never change.

use crate::complaint::spelled_enum;

spelled_enum! {
    /// The `action` of an audit event.
    pub enum AuditAction {
        ComplaintCreate = "COMPLAINT_CREATE",
        ComplaintUpdate = "COMPLAINT_UPDATE",
        ComplaintAssign = "COMPLAINT_ASSIGN",
        ComplaintAcknowledge = "COMPLAINT_ACKNOWLEDGE",
        ComplaintStartInvestigation = "COMPLAINT_START_INVESTIGATION",
        ComplaintEscalate = "COMPLAINT_ESCALATE",
        ComplaintResolveAtPointOfService = "COMPLAINT_RESOLVE_AT_POINT_OF_SERVICE",
        ComplaintResolve = "COMPLAINT_RESOLVE",
        ComplaintClose = "COMPLAINT_CLOSE",
        ComplaintWithdraw = "COMPLAINT_WITHDRAW",
        ComplaintReopen = "COMPLAINT_REOPEN",
        ComplaintExtendDeadline = "COMPLAINT_EXTEND_DEADLINE",
        ComplaintNoteAdd = "COMPLAINT_NOTE_ADD",
        ComplaintContactLog = "COMPLAINT_CONTACT_LOG",
        ComplaintProgressNoticeRecorded = "COMPLAINT_PROGRESS_NOTICE_RECORDED",
        ServiceRecoveryPropose = "SERVICE_RECOVERY_PROPOSE",
        ServiceRecoveryApprove = "SERVICE_RECOVERY_APPROVE",
        ServiceRecoveryDecline = "SERVICE_RECOVERY_DECLINE",
        ServiceRecoveryComplete = "SERVICE_RECOVERY_COMPLETE",
        ServiceRecoveryCancel = "SERVICE_RECOVERY_CANCEL",
        InterpreterSessionLog = "INTERPRETER_SESSION_LOG",
        InterpreterSessionAmend = "INTERPRETER_SESSION_AMEND",
        AccessibilityRequestCreate = "ACCESSIBILITY_REQUEST_CREATE",
        AccessibilityRequestAcknowledge = "ACCESSIBILITY_REQUEST_ACKNOWLEDGE",
        AccessibilityRequestSchedule = "ACCESSIBILITY_REQUEST_SCHEDULE",
        AccessibilityRequestFulfill = "ACCESSIBILITY_REQUEST_FULFILL",
        AccessibilityRequestProvideAlternative = "ACCESSIBILITY_REQUEST_PROVIDE_ALTERNATIVE",
        AccessibilityRequestDeny = "ACCESSIBILITY_REQUEST_DENY",
        AccessibilityRequestCancel = "ACCESSIBILITY_REQUEST_CANCEL",
        AccessibilityRequestLinkComplaint = "ACCESSIBILITY_REQUEST_LINK_COMPLAINT",
        FacilityCreate = "FACILITY_CREATE",
        FacilityUpdate = "FACILITY_UPDATE",
        DeadlinePolicyCreate = "DEADLINE_POLICY_CREATE",
        DeadlinePolicyUpdate = "DEADLINE_POLICY_UPDATE",
        AttachmentAdd = "ATTACHMENT_ADD",
        LetterDraft = "LETTER_DRAFT",
        LetterUpdate = "LETTER_UPDATE",
        LetterApprove = "LETTER_APPROVE",
        LetterMarkSent = "LETTER_MARK_SENT",
        LetterRecordDelivery = "LETTER_RECORD_DELIVERY",
        LetterSupersede = "LETTER_SUPERSEDE",
        LetterRelayAccept = "LETTER_RELAY_ACCEPT",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stored spellings, pinned: the trail already holds them.
    #[test]
    fn spellings_are_pinned_and_unique() {
        let expected = [
            "COMPLAINT_CREATE",
            "COMPLAINT_UPDATE",
            "COMPLAINT_ASSIGN",
            "COMPLAINT_ACKNOWLEDGE",
            "COMPLAINT_START_INVESTIGATION",
            "COMPLAINT_ESCALATE",
            "COMPLAINT_RESOLVE_AT_POINT_OF_SERVICE",
            "COMPLAINT_RESOLVE",
            "COMPLAINT_CLOSE",
            "COMPLAINT_WITHDRAW",
            "COMPLAINT_REOPEN",
            "COMPLAINT_EXTEND_DEADLINE",
            "COMPLAINT_NOTE_ADD",
            "COMPLAINT_CONTACT_LOG",
            "COMPLAINT_PROGRESS_NOTICE_RECORDED",
            "SERVICE_RECOVERY_PROPOSE",
            "SERVICE_RECOVERY_APPROVE",
            "SERVICE_RECOVERY_DECLINE",
            "SERVICE_RECOVERY_COMPLETE",
            "SERVICE_RECOVERY_CANCEL",
            "INTERPRETER_SESSION_LOG",
            "INTERPRETER_SESSION_AMEND",
            "ACCESSIBILITY_REQUEST_CREATE",
            "ACCESSIBILITY_REQUEST_ACKNOWLEDGE",
            "ACCESSIBILITY_REQUEST_SCHEDULE",
            "ACCESSIBILITY_REQUEST_FULFILL",
            "ACCESSIBILITY_REQUEST_PROVIDE_ALTERNATIVE",
            "ACCESSIBILITY_REQUEST_DENY",
            "ACCESSIBILITY_REQUEST_CANCEL",
            "ACCESSIBILITY_REQUEST_LINK_COMPLAINT",
            "FACILITY_CREATE",
            "FACILITY_UPDATE",
            "DEADLINE_POLICY_CREATE",
            "DEADLINE_POLICY_UPDATE",
            "ATTACHMENT_ADD",
            "LETTER_DRAFT",
            "LETTER_UPDATE",
            "LETTER_APPROVE",
            "LETTER_MARK_SENT",
            "LETTER_RECORD_DELIVERY",
            "LETTER_SUPERSEDE",
            "LETTER_RELAY_ACCEPT",
        ];
        let spelled: Vec<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(spelled, expected);
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(*a));
        }
    }
}
