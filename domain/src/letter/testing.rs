//! Fixtures for the domain's unit tests.

use super::*;
use crate::complaint::ComplaintState;

pub fn user(subject: &str) -> UserRef {
    UserRef {
        subject: subject.to_owned(),
        name: format!("User {subject}"),
    }
}

/// A RESOLUTION letter's content that A-0123 accepts (and, with `qio`,
/// A-0120).
pub fn resolution_content(c: &ComplaintState, qio: bool) -> ContentInput {
    ContentInput {
        contact_name: Some("Pat Relations".into()),
        contact_phone: Some("555-0100".into()),
        investigation_steps: Some("Reviewed the triage log and interviewed staff".into()),
        results: Some("Staffing gap found; rota changed".into()),
        completed_on: Some(c.received_at.date_naive() + chrono::Days::new(1)),
        qio_notice: qio,
        ..ContentInput::default()
    }
}

pub fn setting(c: &ComplaintState) -> LetterSetting {
    LetterSetting {
        facility_id: c.facility_id,
        facility_code: c.facility_code.clone(),
        complaint_id: Uuid::from_u128(7),
        complaint_reference: c.reference.clone(),
        complaint_created_by: c.created_by.subject.clone(),
        complaint_accepts_letters: true,
        preferred_language: "es".into(),
        large_print: false,
        superseded: None,
        composition: Composition::default(),
    }
}

/// A draft of `kind` on `c` by `pr-1`.
pub fn drafted(c: &ComplaintState, kind: LetterKind, content: ContentInput) -> LetterState {
    draft(
        &DraftInput {
            kind,
            language: None,
            language_reason: None,
            format: None,
            supersedes: None,
            content,
        },
        &setting(c),
        &user("pr-1"),
        c.received_at + chrono::Duration::hours(1),
    )
    .unwrap_or_else(|e| panic!("{e:?}"))
}

pub fn rules(c: &ComplaintState) -> SendRules {
    SendRules {
        approval_required: false,
        qio_owed: c.needs_qio_notice(),
        received_at: c.received_at,
    }
}

pub fn rendition() -> Rendition {
    Rendition {
        media_type: "text/plain; charset=utf-8".into(),
        sha256: "0".repeat(64),
        bytes: 10,
    }
}

/// A RESOLUTION letter on `c`, sent by mail a day after receipt.
pub fn sent_resolution(c: &ComplaintState, qio: bool) -> (Uuid, LetterState) {
    let mut l = drafted(c, LetterKind::Resolution, resolution_content(c, qio));
    let at = c.received_at + chrono::Duration::hours(30);
    mark_sent(
        &mut l,
        &SendRules {
            qio_owed: false,
            ..rules(c)
        },
        SendMethod::Mail,
        at,
        &rendition(),
        &user("pr-1"),
        at,
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    (Uuid::from_u128(99), l)
}
