//! Complaint or grievance: the CMS triggers (42 CFR 482.13(a)(2); SOM
//! Appendix A, A-0118) and escalation, which only ever goes one way.

use chrono::{DateTime, Utc};

use super::{
    Channel, Classification, ClassificationReason, ComplaintState, Escalation, GrievanceFacts,
    UserRef,
};
use crate::Violation;
use crate::text::{Note, TextError, TextKind};

/// The reasons the intake facts make a grievance, in a stable order.
pub fn reasons(
    channel: Channel,
    medicare_beneficiary: bool,
    facts: &GrievanceFacts,
) -> Vec<ClassificationReason> {
    let mut reasons = Vec::new();
    if channel.is_written() {
        reasons.push(ClassificationReason::Written);
    }
    if facts.formal_handling_requested {
        reasons.push(ClassificationReason::FormalHandlingRequested);
    }
    if facts.alleges_abuse_neglect_or_harm {
        reasons.push(ClassificationReason::AbuseNeglectOrHarm);
    }
    if facts.concerns_conditions_of_participation {
        reasons.push(ClassificationReason::ConditionsOfParticipation);
    }
    // 42 CFR 489 billing rights concern Medicare beneficiaries only.
    if facts.medicare_billing_rights && medicare_beneficiary {
        reasons.push(ClassificationReason::MedicareBillingRights);
    }
    reasons
}

/// A grievance when any reason holds.
pub fn classify(reasons: &[ClassificationReason]) -> Classification {
    if reasons.is_empty() {
        Classification::Complaint
    } else {
        Classification::Grievance
    }
}

/// Recomputes after the facts changed: reasons are only ever added, so a
/// grievance never turns back into a complaint.
pub fn reclassify(state: &mut ComplaintState) {
    let fresh = reasons(state.channel, state.medicare_beneficiary, &state.facts);
    for reason in fresh {
        if !state.classification_reasons.contains(&reason) {
            state.classification_reasons.push(reason);
        }
    }
    state.classification_reasons.sort();
    state.classification = classify(&state.classification_reasons);
}

/// A complaint opened from a failed accessibility request is a grievance,
/// linked to the request.
pub fn opened_from_failed_accommodation(state: &mut ComplaintState, request_id: uuid::Uuid) {
    state.accessibility_request_id = Some(request_id);
    if !state
        .classification_reasons
        .contains(&ClassificationReason::AccessibilityFailure)
    {
        state
            .classification_reasons
            .push(ClassificationReason::AccessibilityFailure);
    }
    state.classification_reasons.sort();
    state.classification = classify(&state.classification_reasons);
}

/// Turns an open complaint into a grievance: it was not resolved at the time
/// by staff present. The clocks keep their start (receipt).
pub fn escalate(
    state: &mut ComplaintState,
    by: &UserRef,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), Vec<Violation>> {
    let mut violations = Vec::new();
    let field = ["input", "reason"];
    let reason = match Note::check(reason) {
        Ok(reason) => reason.into_string(),
        Err(TextError::Empty) => {
            violations.push(Violation::validation(
                &field,
                "a reason is required to escalate",
            ));
            String::new()
        }
        Err(e) => {
            violations.push(e.violation(&field, "the reason"));
            String::new()
        }
    };
    if state.classification == Classification::Grievance {
        violations.push(Violation::new(
            crate::ViolationKind::InvalidTransition,
            &["input", "id"],
            "the complaint is already a grievance; a grievance is never turned back or escalated again",
        ));
    }
    if !state.status.is_open() {
        violations.push(Violation::new(
            crate::ViolationKind::InvalidTransition,
            &["input", "id"],
            format!(
                "only an open complaint can be escalated; this one is {}",
                state.status.as_str()
            ),
        ));
    }
    if !violations.is_empty() {
        return Err(violations);
    }
    mark_not_resolved_at_time(state, by, &reason, now);
    Ok(())
}

/// Records the escalation (used by `escalate` and by starting an
/// investigation, which means it was not resolved at the time).
pub fn mark_not_resolved_at_time(
    state: &mut ComplaintState,
    by: &UserRef,
    reason: &str,
    now: DateTime<Utc>,
) {
    if state.classification == Classification::Grievance
        && state
            .classification_reasons
            .contains(&ClassificationReason::NotResolvedAtTime)
    {
        return;
    }
    if !state
        .classification_reasons
        .contains(&ClassificationReason::NotResolvedAtTime)
    {
        state
            .classification_reasons
            .push(ClassificationReason::NotResolvedAtTime);
        state.classification_reasons.sort();
    }
    if state.classification == Classification::Complaint {
        state.escalation = Some(Escalation {
            at: now,
            by: by.clone(),
            reason: reason.to_owned(),
        });
    }
    state.classification = Classification::Grievance;
}

#[cfg(test)]
mod tests {
    use super::*;
    use ClassificationReason as R;

    #[test]
    fn intake_triggers_table() {
        let none = GrievanceFacts::default();
        let formal = GrievanceFacts {
            formal_handling_requested: true,
            ..none
        };
        let harm = GrievanceFacts {
            alleges_abuse_neglect_or_harm: true,
            ..none
        };
        let cop = GrievanceFacts {
            concerns_conditions_of_participation: true,
            ..none
        };
        let billing = GrievanceFacts {
            medicare_billing_rights: true,
            ..none
        };
        let cases: &[(Channel, bool, GrievanceFacts, &[ClassificationReason])] = &[
            (Channel::InPerson, false, none, &[]),
            (Channel::Phone, true, none, &[]),
            (Channel::SurveyComment, false, none, &[]),
            (Channel::AgencyReferral, false, none, &[]),
            (Channel::Letter, false, none, &[R::Written]),
            (Channel::Email, false, none, &[R::Written]),
            (Channel::Fax, false, none, &[R::Written]),
            (Channel::Portal, false, none, &[R::Written]),
            (Channel::Phone, false, formal, &[R::FormalHandlingRequested]),
            (Channel::InPerson, false, harm, &[R::AbuseNeglectOrHarm]),
            (Channel::Phone, false, cop, &[R::ConditionsOfParticipation]),
            (Channel::Phone, true, billing, &[R::MedicareBillingRights]),
            // Billing rights under 42 CFR 489 only for beneficiaries.
            (Channel::Phone, false, billing, &[]),
            (
                Channel::Letter,
                false,
                harm,
                &[R::Written, R::AbuseNeglectOrHarm],
            ),
        ];
        for (channel, medicare, facts, expected) in cases {
            let got = reasons(*channel, *medicare, facts);
            assert_eq!(&got, expected, "{channel:?} {medicare} {facts:?}");
            let class = classify(&got);
            assert_eq!(
                class == Classification::Grievance,
                !expected.is_empty(),
                "{channel:?}"
            );
        }
    }
}
