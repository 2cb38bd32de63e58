//! The letter's rules as tables: every status × action, every A-0123 and
//! A-0120 element at send, approval, language, delivery, and who may do
//! what.

use super::testing::*;
use super::*;
use crate::actor::{Actor, FacilityScope, Role};
use crate::command::letter::{action_operation, allowed_actions};
use crate::complaint::Classification;
use crate::complaint::testing::sample;
use crate::permissions::permits;
use crate::{Violation, ViolationKind};

fn apply(
    s: &mut LetterState,
    action: LetterAction,
    c: &crate::complaint::ComplaintState,
) -> Result<(), Vec<Violation>> {
    let now = c.received_at + chrono::Duration::days(2);
    match action {
        LetterAction::Update => update(
            s,
            &UpdateInput {
                language: None,
                language_reason: None,
                format: None,
                content: resolution_content(c, false),
            },
            "es",
            Composition::default(),
        ),
        LetterAction::Approve => approve(s, &user("prm-1"), now),
        LetterAction::MarkSent => mark_sent(
            s,
            &rules(c),
            SendMethod::Email,
            now,
            &rendition(),
            &user("pr-1"),
            now,
        ),
        LetterAction::RecordDelivery => {
            record_delivery(s, Delivery::Delivered, None, &user("pr-1"), now)
        }
        LetterAction::Supersede => supersede(s, Uuid::from_u128(3)),
    }
}

/// Every (status, action) pair: allowed ones move as the table says, the
/// rest are refused naming the status; nothing changes on a refusal.
#[test]
fn every_status_and_action() {
    let c = sample(Classification::Grievance);
    for &from in LetterStatus::ALL {
        for &action in LetterAction::ALL {
            let mut s = drafted(&c, LetterKind::Resolution, resolution_content(&c, false));
            s.status = from;
            if matches!(from, LetterStatus::Sent | LetterStatus::Superseded) {
                s.delivery = Some(Delivery::Sent);
            }
            let before = s.clone();
            let result = apply(&mut s, action, &c);
            match MACHINE.next(from, action) {
                Some(to) => {
                    assert!(result.is_ok(), "{from:?} {action:?}: {result:?}");
                    assert_eq!(s.status, to, "{from:?} {action:?}");
                }
                None => {
                    let e = result.err().unwrap_or_default();
                    assert_eq!(
                        e[0].kind,
                        ViolationKind::InvalidTransition,
                        "{from:?} {action:?}"
                    );
                    assert!(e[0].message.contains(from.as_str()), "{e:?}");
                    assert_eq!(s, before, "{from:?} {action:?}");
                }
            }
        }
    }
}

#[test]
fn a_sent_letter_is_never_edited() {
    let c = sample(Classification::Grievance);
    let (_, mut s) = sent_resolution(&c, false);
    let e = apply(&mut s, LetterAction::Update, &c)
        .err()
        .unwrap_or_default();
    assert!(e[0].message.contains("never edited"), "{e:?}");
    assert!(e[0].message.contains("correction"), "{e:?}");
}

/// Each A-0123 element (and A-0120's QIO notice where owed) missing from a
/// RESOLUTION letter stops it at send, and the refusal names it.
#[test]
fn resolution_letter_elements_table() {
    type Edit = fn(&mut ContentInput, &mut crate::complaint::ComplaintState);
    #[allow(clippy::type_complexity)] // a table of cases, read row by row
    let cases: &[(&str, Edit, Option<&str>)] = &[
        ("complete", |_, _| {}, None),
        (
            "no contact",
            |i, _| {
                i.contact_name = None;
                i.contact_phone = None;
            },
            Some("contact person"),
        ),
        (
            "no steps",
            |i, _| i.investigation_steps = None,
            Some("steps taken to investigate"),
        ),
        ("no results", |i, _| i.results = None, Some("results")),
        (
            "no completion date",
            |i, _| i.completed_on = None,
            Some("date of completion"),
        ),
        (
            "qio owed, not given",
            |_, c| {
                c.medicare_beneficiary = true;
                c.concerns_quality_of_care = true;
            },
            Some("QIO"),
        ),
        (
            "qio owed (premature discharge), given",
            |i, c| {
                c.medicare_beneficiary = true;
                c.concerns_premature_discharge = true;
                i.qio_notice = true;
            },
            None,
        ),
        (
            "quality of care without medicare: not owed",
            |_, c| c.concerns_quality_of_care = true,
            None,
        ),
        (
            "medicare, other concern: not owed",
            |_, c| c.medicare_beneficiary = true,
            None,
        ),
    ];
    for (name, edit, missing) in cases {
        let mut c = sample(Classification::Grievance);
        let mut input = resolution_content(&c, false);
        edit(&mut input, &mut c);
        let mut s = drafted(&c, LetterKind::Resolution, input);
        let now = c.received_at + chrono::Duration::days(2);
        let r = mark_sent(
            &mut s,
            &rules(&c),
            SendMethod::Mail,
            now,
            &rendition(),
            &user("pr-1"),
            now,
        );
        match missing {
            None => assert!(r.is_ok(), "{name}: {r:?}"),
            Some(what) => {
                let e = r.err().unwrap_or_default();
                assert_eq!(e.len(), 1, "{name}: {e:?}");
                assert_eq!(e[0].kind, ViolationKind::GuardFailed, "{name}");
                assert!(e[0].message.contains(what), "{name}: {e:?}");
                assert_eq!(s.status, LetterStatus::Draft, "{name}");
            }
        }
    }
    // Other kinds need none of it.
    let c = sample(Classification::Grievance);
    for kind in [
        LetterKind::Acknowledgement,
        LetterKind::ProgressNotice,
        LetterKind::Other,
    ] {
        let mut s = drafted(&c, kind, ContentInput::default());
        let now = c.received_at + chrono::Duration::days(2);
        let r = mark_sent(
            &mut s,
            &rules(&c),
            SendMethod::Mail,
            now,
            &rendition(),
            &user("pr-1"),
            now,
        );
        assert!(r.is_ok(), "{kind:?}: {r:?}");
    }
}

/// (approval required, status, drafter approves?) → may send / approve.
#[test]
fn approval_table() {
    let c = sample(Classification::Complaint);
    let now = c.received_at + chrono::Duration::days(2);
    for required in [false, true] {
        let mut s = drafted(&c, LetterKind::Acknowledgement, ContentInput::default());
        let r = SendRules {
            approval_required: required,
            ..rules(&c)
        };
        let sent = mark_sent(
            &mut s.clone(),
            &r,
            SendMethod::Mail,
            now,
            &rendition(),
            &user("pr-1"),
            now,
        );
        assert_eq!(
            sent.is_ok(),
            !required,
            "draft, approval required {required}"
        );
        // The drafter may not approve their own letter.
        let own = approve(&mut s.clone(), &user("pr-1"), now);
        assert_eq!(
            own.err().unwrap_or_default()[0].kind,
            ViolationKind::GuardFailed
        );
        assert!(approve(&mut s, &user("prm-1"), now).is_ok());
        assert_eq!(
            s.approved.as_ref().map(|a| a.by.subject.as_str()),
            Some("prm-1")
        );
        // A change after approval needs a new approval.
        let mut changed = s.clone();
        assert!(apply(&mut changed, LetterAction::Update, &c).is_ok());
        assert_eq!(changed.status, LetterStatus::Draft);
        assert!(changed.approved.is_none());
        let sent = mark_sent(
            &mut s,
            &r,
            SendMethod::Mail,
            now,
            &rendition(),
            &user("pr-1"),
            now,
        );
        assert!(sent.is_ok(), "approved, required {required}: {sent:?}");
    }
}

#[test]
fn no_template_in_the_language_is_never_sent_until_the_text_is_given() {
    let c = sample(Classification::Complaint);
    let now = c.received_at + chrono::Duration::days(2);
    let mut s = drafted(&c, LetterKind::Acknowledgement, ContentInput::default());
    s.composition.language_gap = true;
    let e = mark_sent(
        &mut s.clone(),
        &rules(&c),
        SendMethod::Mail,
        now,
        &rendition(),
        &user("pr-1"),
        now,
    )
    .err()
    .unwrap_or_default();
    assert!(e[0].message.contains("no template in es"), "{e:?}");
    s.content.text = Some("Hemos recibido su queja.".into());
    assert!(
        mark_sent(
            &mut s,
            &rules(&c),
            SendMethod::Mail,
            now,
            &rendition(),
            &user("pr-1"),
            now
        )
        .is_ok()
    );
}

/// Another language than the complainant's needs a reason.
#[test]
fn language_table() {
    let c = sample(Classification::Complaint);
    // (language asked, reason, ok)
    let cases: &[(Option<&str>, Option<&str>, bool)] = &[
        (None, None, true),
        (Some("es-MX"), None, true),
        (Some("en"), None, false),
        (
            Some("en"),
            Some("Complainant asked for English by phone"),
            true,
        ),
        (Some("not a tag!"), None, false),
    ];
    for (language, reason, ok) in cases {
        let d = DraftInput {
            kind: LetterKind::Acknowledgement,
            language: language.map(str::to_owned),
            language_reason: reason.map(str::to_owned),
            format: None,
            supersedes: None,
            content: ContentInput::default(),
        };
        let r = draft(&d, &setting(&c), &user("pr-1"), c.received_at);
        assert_eq!(r.is_ok(), *ok, "{language:?} {reason:?}: {r:?}");
    }
}

#[test]
fn large_print_follows_the_complainants_needs() {
    let c = sample(Classification::Complaint);
    let mut st = setting(&c);
    st.large_print = true;
    let d = DraftInput {
        kind: LetterKind::Acknowledgement,
        language: None,
        language_reason: None,
        format: None,
        supersedes: None,
        content: ContentInput::default(),
    };
    let l = draft(&d, &st, &user("pr-1"), c.received_at).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(l.format, LetterFormat::LargePrint);
}

/// A correction names a sent letter of the same kind on the same complaint.
#[test]
fn supersede_table() {
    let c = sample(Classification::Grievance);
    let target = Uuid::from_u128(42);
    let here = setting(&c).complaint_id;
    // (superseded letter as found, ok)
    type Found = Option<(Uuid, LetterKind, LetterStatus, Uuid)>;
    let cases: &[(Found, bool)] = &[
        (
            Some((target, LetterKind::Resolution, LetterStatus::Sent, here)),
            true,
        ),
        (
            Some((target, LetterKind::Resolution, LetterStatus::Draft, here)),
            false,
        ),
        (
            Some((
                target,
                LetterKind::Resolution,
                LetterStatus::Superseded,
                here,
            )),
            false,
        ),
        (
            Some((target, LetterKind::Other, LetterStatus::Sent, here)),
            false,
        ),
        (
            Some((
                target,
                LetterKind::Resolution,
                LetterStatus::Sent,
                Uuid::from_u128(9),
            )),
            false,
        ),
        (None, false),
    ];
    for (found, ok) in cases {
        let mut st = setting(&c);
        st.superseded = *found;
        let d = DraftInput {
            kind: LetterKind::Resolution,
            language: None,
            language_reason: None,
            format: None,
            supersedes: Some(target),
            content: resolution_content(&c, false),
        };
        let r = draft(&d, &st, &user("pr-1"), c.received_at);
        assert_eq!(r.is_ok(), *ok, "{found:?}: {r:?}");
    }
}

#[test]
fn delivery_is_recorded_once_with_an_outcome() {
    let c = sample(Classification::Grievance);
    let now = c.received_at + chrono::Duration::days(3);
    for outcome in [Delivery::Delivered, Delivery::Returned, Delivery::Failed] {
        let (_, mut s) = sent_resolution(&c, false);
        assert!(record_delivery(&mut s, outcome, Some("post office"), &user("pr-1"), now).is_ok());
        assert_eq!(s.delivery, Some(outcome));
        let again = record_delivery(&mut s, Delivery::Delivered, None, &user("pr-1"), now);
        assert_eq!(
            again.err().unwrap_or_default()[0].kind,
            ViolationKind::InvalidTransition
        );
    }
    let (_, mut s) = sent_resolution(&c, false);
    let e = record_delivery(&mut s, Delivery::Sent, None, &user("pr-1"), now);
    assert_eq!(
        e.err().unwrap_or_default()[0].kind,
        ViolationKind::Validation
    );
}

/// The relay's acceptance of an emailed letter: recorded once, only on a
/// letter sent by EMAIL whose delivery is still SENT; the delivery stays
/// SENT.
#[test]
fn relay_acceptance_table() {
    let c = sample(Classification::Grievance);
    let now = c.received_at + chrono::Duration::days(3);
    let emailed = || {
        let (_, mut s) = sent_resolution(&c, false);
        if let Some(sent) = s.sent.as_mut() {
            sent.method = SendMethod::Email;
        }
        s
    };
    let mailed = || sent_resolution(&c, false).1;
    let accepted = || {
        let mut s = emailed();
        record_relay_acceptance(&mut s, "<a@relay>").unwrap_or_else(|e| panic!("{e:?}"));
        s
    };
    let failed = || {
        let mut s = emailed();
        record_delivery(&mut s, Delivery::Failed, Some("550"), &user("pr-1"), now)
            .unwrap_or_else(|e| panic!("{e:?}"));
        s
    };
    let draft = || drafted(&c, LetterKind::Resolution, resolution_content(&c, false));
    type Case = (
        &'static str,
        LetterState,
        &'static str,
        Option<ViolationKind>,
    );
    let cases: Vec<Case> = vec![
        (
            "emailed, awaiting outcome",
            emailed(),
            "<m-1@relay.example>",
            None,
        ),
        (
            "sent by mail",
            mailed(),
            "<m-1@relay>",
            Some(ViolationKind::InvalidTransition),
        ),
        (
            "already accepted",
            accepted(),
            "<m-2@relay>",
            Some(ViolationKind::InvalidTransition),
        ),
        (
            "delivery recorded",
            failed(),
            "<m-1@relay>",
            Some(ViolationKind::InvalidTransition),
        ),
        (
            "a draft",
            draft(),
            "<m-1@relay>",
            Some(ViolationKind::InvalidTransition),
        ),
        ("empty id", emailed(), "  ", Some(ViolationKind::Validation)),
        (
            "two lines",
            emailed(),
            "<a@b>\r\nBcc: x",
            Some(ViolationKind::Validation),
        ),
    ];
    for (name, mut s, id, expected) in cases {
        let before = s.clone();
        let r = record_relay_acceptance(&mut s, id);
        match expected {
            None => {
                assert!(r.is_ok(), "{name}: {r:?}");
                assert_eq!(s.delivery, Some(Delivery::Sent), "{name}");
                assert_eq!(s.status, LetterStatus::Sent, "{name}");
                assert_eq!(
                    s.sent.as_ref().and_then(|x| x.relay_message_id.as_deref()),
                    Some(id),
                    "{name}"
                );
            }
            Some(kind) => {
                assert_eq!(r.err().unwrap_or_default()[0].kind, kind, "{name}");
                assert_eq!(s, before, "{name}: a refusal changes nothing");
            }
        }
    }
}

#[test]
fn sent_at_lies_between_receipt_and_now() {
    let c = sample(Classification::Complaint);
    let now = c.received_at + chrono::Duration::days(2);
    for (at, ok) in [
        (c.received_at - chrono::Duration::hours(1), false),
        (now + chrono::Duration::days(1), false),
        (c.received_at + chrono::Duration::hours(1), true),
    ] {
        let mut s = drafted(&c, LetterKind::Acknowledgement, ContentInput::default());
        let r = mark_sent(
            &mut s,
            &rules(&c),
            SendMethod::Portal,
            at,
            &rendition(),
            &user("pr-1"),
            now,
        );
        assert_eq!(r.is_ok(), ok, "{at}");
    }
}

/// role × action: what `allowedActions` offers a role on a letter in each
/// status (STAFF, PR, PRM, COMPLIANCE, ADMIN), drafted by someone else.
#[test]
fn allowed_actions_by_role_and_status() {
    use LetterAction::*;
    let c = sample(Classification::Grievance);
    let actor = |role: Role| Actor {
        subject: format!("{role:?}"),
        name: "x".into(),
        roles: [role].into(),
        facilities: FacilityScope::All,
    };
    // (status, approval required, [STAFF, PR, PRM, COMPLIANCE, ADMIN])
    let none: Vec<LetterAction> = Vec::new();
    let cases: Vec<(LetterStatus, bool, [Vec<LetterAction>; 5])> = vec![
        (
            LetterStatus::Draft,
            false,
            [
                none.clone(),
                vec![Update, MarkSent],
                vec![Update, Approve, MarkSent],
                none.clone(),
                none.clone(),
            ],
        ),
        (
            LetterStatus::Draft,
            true,
            [
                none.clone(),
                vec![Update],
                vec![Update, Approve],
                none.clone(),
                none.clone(),
            ],
        ),
        (
            LetterStatus::Approved,
            true,
            [
                none.clone(),
                vec![Update, MarkSent],
                vec![Update, MarkSent],
                none.clone(),
                none.clone(),
            ],
        ),
        (
            LetterStatus::Sent,
            false,
            [
                none.clone(),
                vec![RecordDelivery],
                vec![RecordDelivery],
                none.clone(),
                none.clone(),
            ],
        ),
        (
            LetterStatus::Superseded,
            false,
            [
                none.clone(),
                vec![RecordDelivery],
                vec![RecordDelivery],
                none.clone(),
                none.clone(),
            ],
        ),
    ];
    for (status, required, expected) in cases {
        let mut s = drafted(&c, LetterKind::Resolution, resolution_content(&c, false));
        s.status = status;
        if matches!(status, LetterStatus::Sent | LetterStatus::Superseded) {
            s.delivery = Some(Delivery::Sent);
        }
        for (role, want) in Role::ALL.iter().zip(expected.iter()) {
            assert_eq!(
                &allowed_actions(&s, &actor(*role), required),
                want,
                "{status:?} {role:?}"
            );
        }
    }
    // Every action's permission is in the role table.
    for a in LetterAction::ALL {
        let prm = actor(Role::PatientRelationsManager);
        assert!(permits(&prm, action_operation(*a)), "{a:?}");
    }
}

/// A template that cannot write the letter yet (a fact its kind needs is
/// missing) stops it at send, naming why; A-0123's own refusal comes first
/// for a RESOLUTION letter.
#[test]
fn a_letter_the_template_cannot_write_is_not_sent() {
    let c = sample(Classification::Complaint);
    let now = c.received_at + chrono::Duration::days(2);
    let mut s = drafted(&c, LetterKind::ProgressNotice, ContentInput::default());
    s.composition.problem = Some("a ProgressNotice letter needs response_by".into());
    let e = mark_sent(
        &mut s,
        &rules(&c),
        SendMethod::Mail,
        now,
        &rendition(),
        &user("pr-1"),
        now,
    )
    .err()
    .unwrap_or_default();
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].message.contains("response_by"), "{e:?}");
    let mut r = drafted(&c, LetterKind::Resolution, ContentInput::default());
    r.composition.problem = Some("a Resolution letter needs results".into());
    let e = mark_sent(
        &mut r,
        &rules(&c),
        SendMethod::Mail,
        now,
        &rendition(),
        &user("pr-1"),
        now,
    )
    .err()
    .unwrap_or_default();
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].message.contains("A-0123"), "{e:?}");
}
