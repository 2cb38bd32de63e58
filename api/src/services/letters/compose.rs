//! A letter's content from its complaint: the facts a template fills in
//! (`LetterVars`), composed into a `LetterDocument` in the letter's
//! language. When no template exists in that language, the document is
//! the text the writer gave in it, or nothing: the draft says so
//! (`languageGap`) and is never sent in another language.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use redress_correspondence::{
    self as rc, ComposeError, FacilityBlock, LetterDocument, LetterVars, QioNotice, Section,
};
use serde_json::Value;

use crate::domain::complaint::ComplaintState;
use crate::domain::facility::FacilityLetters;
use crate::domain::letter::{Composition, LetterContent, LetterFormat, LetterKind, check_language};

/// What the letter is written from: its complaint and its facility.
pub struct Source<'a> {
    pub complaint: &'a ComplaintState,
    pub facility_name: &'a str,
    pub facility_code: &'a str,
    pub tz: Tz,
    pub letters: &'a FacilityLetters,
}

/// The language a letter to this complainant is written in: their
/// preferred one (normalised when it is a BCP 47 tag), else the facility's.
pub fn preferred_language(c: &ComplaintState, facility_default: &str) -> String {
    match c.complainant.preferred_language.as_deref().map(str::trim) {
        Some(tag) if !tag.is_empty() => {
            check_language(&[], tag).unwrap_or_else(|_| tag.to_ascii_lowercase())
        }
        _ => facility_default.to_owned(),
    }
}

/// The complainant asked for large print.
pub fn wants_large_print(c: &ComplaintState) -> bool {
    c.complainant
        .communication_needs
        .as_deref()
        .is_some_and(|n| n.to_lowercase().contains("large print"))
}

fn kind(k: LetterKind) -> rc::LetterKind {
    match k {
        LetterKind::Acknowledgement => rc::LetterKind::Acknowledgement,
        LetterKind::ProgressNotice => rc::LetterKind::ProgressNotice,
        LetterKind::Extension => rc::LetterKind::Extension,
        LetterKind::Resolution => rc::LetterKind::Resolution,
        LetterKind::Other => rc::LetterKind::Other,
    }
}

fn format(f: LetterFormat) -> rc::LetterFormat {
    match f {
        LetterFormat::Standard => rc::LetterFormat::Standard,
        LetterFormat::LargePrint => rc::LetterFormat::LargePrint,
    }
}

/// The calendar date of `at` in the facility's zone.
pub fn local_date(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// The letter's facts, taken from the complaint, the facility and what the
/// writer entered.
pub fn vars(
    src: &Source<'_>,
    letter_kind: LetterKind,
    language: &str,
    letter_format: LetterFormat,
    content: &LetterContent,
    dated: DateTime<Utc>,
) -> LetterVars {
    let c = src.complaint;
    LetterVars {
        kind: kind(letter_kind),
        language: language.to_owned(),
        format: format(letter_format),
        facility: FacilityBlock {
            name: src.facility_name.to_owned(),
            address: src.letters.address_lines.clone(),
        },
        date: local_date(dated, src.tz),
        reference: c.reference.clone(),
        recipient_name: c.complainant.name.clone(),
        recipient_address: c
            .complainant
            .contact
            .as_deref()
            .map(|a| {
                a.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        received_on: local_date(c.received_at, src.tz),
        contact: content
            .contact
            .as_ref()
            .map(|p| rc::ContactPerson {
                name: p.name.clone(),
                title: p.title.clone(),
                phone: p.phone.clone(),
                email: p.email.clone(),
            })
            .unwrap_or_default(),
        response_by: content.response_by,
        extension_reason: content.extension_reason.clone(),
        investigation_steps: content.investigation_steps.clone(),
        results: content.results.clone(),
        completed_on: content.completed_on,
        qio: content.qio_notice.then(|| QioNotice {
            organization: src.letters.qio_name.clone(),
            phone: src.letters.qio_phone.clone(),
        }),
        body: content.body.clone(),
    }
}

/// Composes the letter: from the template in its language, else from the
/// writer's own text in that language, else nothing (a language gap). A
/// template that cannot be filled yet (a fact the kind needs is missing)
/// leaves the draft without text and says why.
pub fn compose(src: &Source<'_>, vars: &LetterVars, hand_text: Option<&str>) -> Composition {
    let templates = super::setup::templates();
    let language_gap = templates
        .language_for(src.facility_code, &vars.language)
        .is_none();
    if let Some(text) = hand_text {
        return Composition {
            document: to_value(&hand_written(vars, text)),
            language_gap,
            problem: None,
        };
    }
    match templates.compose(src.facility_code, vars) {
        Ok(doc) => Composition {
            document: to_value(&doc),
            language_gap: false,
            problem: None,
        },
        Err(ComposeError::NoTemplate { .. } | ComposeError::InvalidLanguage { .. }) => {
            Composition {
                document: Value::Null,
                language_gap: true,
                problem: None,
            }
        }
        Err(e) => Composition {
            document: Value::Null,
            language_gap,
            problem: Some(e.to_string()),
        },
    }
}

fn to_value(doc: &LetterDocument) -> Value {
    serde_json::to_value(doc).unwrap_or(Value::Null)
}

/// A composed document back from its stored JSON.
pub fn document(c: &Composition) -> Option<LetterDocument> {
    serde_json::from_value(c.document.clone()).ok()
}

/// The writer's own text in the letter's language, with the letterhead,
/// the date (ISO 8601: no language's month names), the recipient and the
/// reference.
fn hand_written(v: &LetterVars, text: &str) -> LetterDocument {
    LetterDocument {
        language: v.language.clone(),
        title: v.reference.clone(),
        facility: v.facility.clone(),
        date: v.date.format("%Y-%m-%d").to_string(),
        recipient: recipient(v),
        reference: v.reference.clone(),
        salutation: String::new(),
        sections: vec![Section {
            heading: None,
            paragraphs: paragraphs(text),
        }],
        closing: String::new(),
        signature: signature(v),
        format: v.format,
    }
}

fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

fn recipient(v: &LetterVars) -> Vec<String> {
    let mut r = vec![v.recipient_name.clone()];
    r.extend(v.recipient_address.iter().cloned());
    r
}

fn signature(v: &LetterVars) -> Vec<String> {
    let c = &v.contact;
    [
        Some(c.name.clone()),
        c.title.clone(),
        c.phone.clone(),
        c.email.clone(),
    ]
    .into_iter()
    .flatten()
    .filter(|l| !l.is_empty())
    .collect()
}
