//! A letter's inputs: its texts checked, its language, the draft and its
//! changes, and approval.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{
    Composition, ContactPerson, LetterAction, LetterContent, LetterFormat, LetterKind, LetterState,
    LetterStatus, MACHINE,
};
use crate::Violation;
use crate::actor::UserRef;
use crate::text::{LongText, Name, Note};
use crate::work::{Checks, Stamp, optional_text};

/// A letter's inputs as entered (draft and update).
#[derive(Clone, Debug, Default)]
pub struct ContentInput {
    pub contact_name: Option<String>,
    pub contact_title: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub response_by: Option<NaiveDate>,
    pub extension_reason: Option<String>,
    pub investigation_steps: Option<String>,
    pub results: Option<String>,
    pub completed_on: Option<NaiveDate>,
    pub qio_notice: bool,
    pub body: Option<String>,
    pub text: Option<String>,
}

/// Checks every text of the input; each problem at once.
pub fn check_content(i: &ContentInput) -> Result<LetterContent, Vec<Violation>> {
    let mut c = Checks::default();
    let f = |name: &'static str| -> [&'static str; 3] { ["input", "content", name] };
    let name = c
        .take(optional_text::<Name>(
            &["input", "content", "contact", "name"],
            i.contact_name.as_deref(),
            "the contact person's name",
        ))
        .flatten();
    let title = c
        .take(optional_text::<Name>(
            &["input", "content", "contact", "title"],
            i.contact_title.as_deref(),
            "the contact person's title",
        ))
        .flatten();
    let phone = c
        .take(optional_text::<Name>(
            &["input", "content", "contact", "phone"],
            i.contact_phone.as_deref(),
            "the contact person's phone",
        ))
        .flatten();
    let email = c
        .take(optional_text::<Name>(
            &["input", "content", "contact", "email"],
            i.contact_email.as_deref(),
            "the contact person's email",
        ))
        .flatten();
    let no_name = i
        .contact_name
        .as_deref()
        .is_none_or(|n| n.trim().is_empty());
    if no_name && (title.is_some() || phone.is_some() || email.is_some()) {
        c.push(Violation::validation(
            &["input", "content", "contact", "name"],
            "the contact person needs a name",
        ));
    }
    let extension_reason = c
        .take(optional_text::<Note>(
            &f("extensionReason"),
            i.extension_reason.as_deref(),
            "the reason for the extension",
        ))
        .flatten();
    let investigation_steps = c
        .take(optional_text::<LongText>(
            &f("investigationSteps"),
            i.investigation_steps.as_deref(),
            "the steps taken to investigate",
        ))
        .flatten();
    let results = c
        .take(optional_text::<LongText>(
            &f("results"),
            i.results.as_deref(),
            "the results",
        ))
        .flatten();
    let body = c
        .take(optional_text::<LongText>(
            &f("body"),
            i.body.as_deref(),
            "the body",
        ))
        .flatten();
    let text = c
        .take(optional_text::<LongText>(
            &f("text"),
            i.text.as_deref(),
            "the letter's text",
        ))
        .flatten();
    c.finish()?;
    Ok(LetterContent {
        contact: name.map(|name| ContactPerson {
            name,
            title,
            phone,
            email,
        }),
        response_by: i.response_by,
        extension_reason,
        investigation_steps,
        results,
        completed_on: i.completed_on,
        qio_notice: i.qio_notice,
        body,
        text,
    })
}

/// The BCP 47 tag, normalised, or a violation on `field`.
pub fn check_language(field: &[&str], tag: &str) -> Result<String, Violation> {
    let tag = tag.trim();
    oxilangtag::LanguageTag::parse_and_normalize(tag)
        .map(|t| t.as_str().to_owned())
        .map_err(|_| {
            Violation::validation(field, "the language must be a BCP 47 tag such as en or es")
        })
}

/// The primary language subtag (`es` of `es-MX`), lower case.
pub fn primary_language(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// The complaint's facts a new letter takes.
#[derive(Clone, Debug)]
pub struct LetterSetting {
    pub facility_id: Uuid,
    pub facility_code: String,
    pub complaint_id: Uuid,
    pub complaint_reference: String,
    pub complaint_created_by: String,
    /// The complaint is open or resolved (not closed or withdrawn).
    pub complaint_accepts_letters: bool,
    /// The complainant's preferred language (normalised), else the
    /// facility's.
    pub preferred_language: String,
    /// The complainant asked for large print.
    pub large_print: bool,
    /// The letter the new one corrects, when it names one.
    pub superseded: Option<(Uuid, LetterKind, LetterStatus, Uuid)>,
    pub composition: Composition,
}

/// A letter as asked for by `letterDraft`.
#[derive(Clone, Debug)]
pub struct DraftInput {
    pub kind: LetterKind,
    pub language: Option<String>,
    pub language_reason: Option<String>,
    pub format: Option<LetterFormat>,
    pub supersedes: Option<Uuid>,
    pub content: ContentInput,
}

/// The language the letter is in and the reason it is not the preferred
/// one. Another language than the complainant's needs a reason.
fn language_of(
    asked: Option<&str>,
    reason: Option<&str>,
    preferred: &str,
    checks: &mut Checks,
) -> (String, Option<String>) {
    let language = match asked {
        None => preferred.to_owned(),
        Some(tag) => checks
            .take(check_language(&["input", "language"], tag))
            .unwrap_or_else(|| preferred.to_owned()),
    };
    let reason = checks
        .take(optional_text::<Note>(
            &["input", "languageReason"],
            reason,
            "the reason for the language",
        ))
        .flatten();
    if primary_language(&language) != primary_language(preferred) && reason.is_none() {
        checks.push(Violation::validation(
            &["input", "languageReason"],
            format!(
                "the complainant's language is {preferred}; say why this letter is in {language}"
            ),
        ));
    }
    (language, reason)
}

/// Builds a draft letter from the complaint's setting.
pub fn draft(
    d: &DraftInput,
    s: &LetterSetting,
    by: &UserRef,
    now: DateTime<Utc>,
) -> Result<LetterState, Vec<Violation>> {
    let mut checks = Checks::default();
    if !s.complaint_accepts_letters {
        checks.push(Violation::guard(
            &["input", "complaintId"],
            "letters are written on a complaint that is open or resolved, not one that is closed or withdrawn",
        ));
    }
    let (language, language_reason) = language_of(
        d.language.as_deref(),
        d.language_reason.as_deref(),
        &s.preferred_language,
        &mut checks,
    );
    if let Some(target) = d.supersedes {
        match s.superseded {
            Some((id, kind, status, complaint)) if id == target => {
                if complaint != s.complaint_id {
                    checks.push(Violation::validation(
                        &["input", "supersedes"],
                        "a correction replaces a letter on the same complaint",
                    ));
                } else if kind != d.kind {
                    checks.push(Violation::validation(
                        &["input", "supersedes"],
                        format!(
                            "a correction is of the same kind as the letter it replaces ({})",
                            kind.as_str()
                        ),
                    ));
                } else if status != LetterStatus::Sent {
                    checks.push(Violation::guard(
                        &["input", "supersedes"],
                        format!(
                            "only a sent letter is corrected by a new one; this one is {} (edit a draft instead)",
                            status.as_str()
                        ),
                    ));
                }
            }
            _ => checks.push(Violation::validation(
                &["input", "supersedes"],
                "no such letter",
            )),
        }
    }
    let content = match check_content(&d.content) {
        Ok(c) => Some(c),
        Err(v) => {
            checks.0.extend(v);
            None
        }
    };
    checks.finish()?;
    let format = d.format.unwrap_or(if s.large_print {
        LetterFormat::LargePrint
    } else {
        LetterFormat::Standard
    });
    Ok(LetterState {
        facility_id: s.facility_id,
        facility_code: s.facility_code.clone(),
        complaint_id: s.complaint_id,
        complaint_reference: s.complaint_reference.clone(),
        complaint_created_by: s.complaint_created_by.clone(),
        kind: d.kind,
        status: LetterStatus::Draft,
        delivery: None,
        language,
        language_reason,
        format,
        content: content.unwrap_or_default(),
        composition: s.composition.clone(),
        supersedes: d.supersedes,
        superseded_by: None,
        drafted: Stamp {
            by: by.clone(),
            at: now,
            reason: None,
        },
        approved: None,
        sent: None,
        delivery_record: None,
        version: 1,
        created_at: now,
        updated_at: now,
    })
}

/// A change of a draft: new content, and optionally a new language (with
/// its reason) or format. The services compose it again.
#[derive(Clone, Debug)]
pub struct UpdateInput {
    pub language: Option<String>,
    pub language_reason: Option<String>,
    pub format: Option<LetterFormat>,
    pub content: ContentInput,
}

/// DRAFT/APPROVED → DRAFT with new content; a change undoes an approval.
pub fn update(
    s: &mut LetterState,
    u: &UpdateInput,
    preferred_language: &str,
    composition: Composition,
) -> Result<(), Vec<Violation>> {
    let to = MACHINE
        .step(s.status, LetterAction::Update)
        .map_err(|mut v| {
            if matches!(s.status, LetterStatus::Sent | LetterStatus::Superseded) {
                v[0].message = format!(
                    "a sent letter is never edited; draft a correction that supersedes it ({})",
                    v[0].message
                );
            }
            v
        })?;
    let mut checks = Checks::default();
    let (language, language_reason) = match &u.language {
        Some(tag) => language_of(
            Some(tag),
            u.language_reason.as_deref(),
            preferred_language,
            &mut checks,
        ),
        None => (s.language.clone(), s.language_reason.clone()),
    };
    let content = match check_content(&u.content) {
        Ok(c) => Some(c),
        Err(v) => {
            checks.0.extend(v);
            None
        }
    };
    checks.finish()?;
    s.status = to;
    s.approved = None;
    s.language = language;
    s.language_reason = language_reason;
    if let Some(format) = u.format {
        s.format = format;
    }
    s.content = content.unwrap_or_default();
    s.composition = composition;
    Ok(())
}

/// DRAFT → APPROVED by someone other than the drafter.
pub fn approve(
    s: &mut LetterState,
    by: &UserRef,
    now: DateTime<Utc>,
) -> Result<(), Vec<Violation>> {
    let to = MACHINE.step(s.status, LetterAction::Approve)?;
    if s.drafted.by.subject == by.subject {
        return Err(vec![Violation::guard(
            &["input", "id"],
            "a letter is approved by a manager other than the one who drafted it",
        )]);
    }
    s.status = to;
    s.approved = Some(Stamp {
        by: by.clone(),
        at: now,
        reason: None,
    });
    Ok(())
}
