//! Sending a letter (what A-0123 and A-0120 require of a RESOLUTION
//! letter, approval, language), its delivery, and its replacement by a
//! correction.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    Delivery, DeliveryRecord, LetterAction, LetterContent, LetterKind, LetterState, LetterStatus,
    MACHINE, SendMethod, Sending,
};
use crate::actor::UserRef;
use crate::text::Note;
use crate::work::optional_text;
use crate::{Violation, ViolationKind};

/// What sending is checked against besides the letter.
#[derive(Clone, Debug)]
pub struct SendRules {
    /// The facility requires a manager's approval before a letter goes out.
    pub approval_required: bool,
    /// A QIO notice is owed on the complaint (A-0120).
    pub qio_owed: bool,
    pub received_at: DateTime<Utc>,
}

/// The rendition of the letter stored at send.
#[derive(Clone, Debug)]
pub struct Rendition {
    pub media_type: String,
    pub sha256: String,
    pub bytes: u64,
}

/// What A-0123 (and A-0120) require a RESOLUTION letter to hold, in the
/// order a surveyor checks it: the missing elements' names and fields.
pub fn resolution_missing(c: &LetterContent, qio_owed: bool) -> Vec<(&'static str, &'static str)> {
    let mut missing = Vec::new();
    if c.contact.as_ref().is_none_or(|p| p.name.trim().is_empty()) {
        missing.push(("the name of the hospital contact person", "contact"));
    }
    if c.investigation_steps
        .as_deref()
        .is_none_or(|t| t.trim().is_empty())
    {
        missing.push(("the steps taken to investigate", "investigationSteps"));
    }
    if c.results.as_deref().is_none_or(|t| t.trim().is_empty()) {
        missing.push(("the results of the grievance process", "results"));
    }
    if c.completed_on.is_none() {
        missing.push(("the date of completion", "completedOn"));
    }
    if qio_owed && !c.qio_notice {
        missing.push((
            "the right to refer a Medicare quality-of-care or premature-discharge grievance to the QIO (A-0120)",
            "qioNotice",
        ));
    }
    missing
}

/// Every reason the letter may not go out yet.
pub fn send_guards(
    s: &LetterState,
    rules: &SendRules,
    sent_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<Violation> {
    let mut v = Vec::new();
    if rules.approval_required && s.status == LetterStatus::Draft {
        v.push(Violation::guard(
            &["input", "id"],
            "this facility requires a manager's approval before a letter is sent",
        ));
    }
    if s.composition.language_gap && s.content.text.is_none() {
        v.push(Violation::guard(
            &["input", "id"],
            format!(
                "there is no template in {}: give the letter's text in that language (letterUpdate) or change its language with a reason; it is not sent in another language",
                s.language
            ),
        ));
    }
    let resolution_missing_now = s.kind == LetterKind::Resolution
        && !resolution_missing(&s.content, rules.qio_owed).is_empty();
    if let Some(problem) = &s.composition.problem
        && !resolution_missing_now
    {
        v.push(Violation::guard(
            &["input", "id"],
            format!("the letter cannot be written yet: {problem}"),
        ));
    }
    if s.kind == LetterKind::Resolution {
        let missing = resolution_missing(&s.content, rules.qio_owed);
        if !missing.is_empty() {
            v.push(Violation::guard(
                &["input", "id"],
                format!(
                    "a resolution letter must state {} (A-0123) before it is sent",
                    missing
                        .iter()
                        .map(|(what, _)| *what)
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            ));
        }
        if let Some(done) = s.content.completed_on
            && (done < rules.received_at.date_naive()
                || done > now.date_naive() + chrono::Days::new(1))
        {
            v.push(Violation::validation(
                &["input", "id"],
                "the letter's date of completion must be between receipt and today",
            ));
        }
    }
    if sent_at < rules.received_at || sent_at > now + chrono::Duration::minutes(5) {
        v.push(Violation::validation(
            &["input", "sentAt"],
            "when it was sent must be between the complaint's receipt and now",
        ));
    }
    v
}

/// DRAFT (where no approval is required) or APPROVED → SENT.
pub fn mark_sent(
    s: &mut LetterState,
    rules: &SendRules,
    method: SendMethod,
    sent_at: DateTime<Utc>,
    rendition: &Rendition,
    by: &UserRef,
    now: DateTime<Utc>,
) -> Result<(), Vec<Violation>> {
    let to = MACHINE.step(s.status, LetterAction::MarkSent)?;
    let guards = send_guards(s, rules, sent_at, now);
    if !guards.is_empty() {
        return Err(guards);
    }
    s.status = to;
    s.delivery = Some(Delivery::Sent);
    s.sent = Some(Sending {
        by: by.clone(),
        recorded_at: now,
        sent_at: chrono::SubsecRound::trunc_subsecs(sent_at, 6),
        method,
        media_type: rendition.media_type.clone(),
        sha256: rendition.sha256.clone(),
        bytes: rendition.bytes,
        relay_message_id: None,
    });
    Ok(())
}

/// The mail relay accepted an emailed letter: its Message-ID is kept on the
/// sending (and so on the audit trail). The delivery stays SENT: accepted
/// by the relay is not delivered. Once per letter, only for a letter sent
/// by EMAIL whose delivery is not yet recorded.
pub fn record_relay_acceptance(
    s: &mut LetterState,
    message_id: &str,
) -> Result<(), Vec<Violation>> {
    let refuse = |message: &str| {
        vec![Violation::new(
            ViolationKind::InvalidTransition,
            &["input", "id"],
            message.to_owned(),
        )]
    };
    if s.status != LetterStatus::Sent || s.delivery != Some(Delivery::Sent) {
        return Err(refuse("only a sent letter awaiting its delivery outcome"));
    }
    let Some(sent) = s.sent.as_mut() else {
        return Err(refuse("only a sent letter awaiting its delivery outcome"));
    };
    if sent.method != SendMethod::Email {
        return Err(refuse(
            "only a letter sent by EMAIL is accepted by a mail relay",
        ));
    }
    if sent.relay_message_id.is_some() {
        return Err(refuse("the mail relay's acceptance is already recorded"));
    }
    let id = message_id.trim();
    if id.is_empty() || id.len() > 998 || id.chars().any(char::is_control) {
        return Err(vec![Violation::validation(
            &["input", "messageId"],
            "a Message-ID is one non-empty line",
        )]);
    }
    sent.relay_message_id = Some(id.to_owned());
    Ok(())
}

/// SENT → DELIVERED, RETURNED or FAILED, once.
pub fn record_delivery(
    s: &mut LetterState,
    outcome: Delivery,
    note: Option<&str>,
    by: &UserRef,
    now: DateTime<Utc>,
) -> Result<(), Vec<Violation>> {
    let to = MACHINE.step(s.status, LetterAction::RecordDelivery)?;
    if outcome == Delivery::Sent {
        return Err(vec![Violation::validation(
            &["input", "outcome"],
            "the outcome is DELIVERED, RETURNED or FAILED",
        )]);
    }
    if s.delivery != Some(Delivery::Sent) {
        return Err(vec![Violation::new(
            ViolationKind::InvalidTransition,
            &["input", "id"],
            format!(
                "this letter's delivery is already recorded as {}",
                s.delivery.map_or("unknown", Delivery::as_str)
            ),
        )]);
    }
    let note = optional_text::<Note>(&["input", "note"], note, "the note").map_err(|v| vec![v])?;
    s.status = to;
    s.delivery = Some(outcome);
    s.delivery_record = Some(DeliveryRecord {
        outcome,
        by: by.clone(),
        at: now,
        note,
    });
    Ok(())
}

/// SENT → SUPERSEDED, when the correction `by_letter` is sent.
pub fn supersede(s: &mut LetterState, by_letter: Uuid) -> Result<(), Vec<Violation>> {
    s.status = MACHINE.step(s.status, LetterAction::Supersede)?;
    s.superseded_by = Some(by_letter);
    Ok(())
}
