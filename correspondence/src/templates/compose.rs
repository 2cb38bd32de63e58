//! Composing a letter: the facts checked, each message formatted with the
//! variables the specification gives it, the text cut into paragraphs.

use chrono::{Datelike, NaiveDate};
use fluent_bundle::{FluentArgs, FluentValue};

use super::spec::{month_id, prefix};
use super::validate::forbidden;
use super::{ComposeError, Template, TemplateError};
use crate::{
    ContactPerson, FacilityBlock, LetterDocument, LetterFormat, LetterKind, LetterVars, QioNotice,
    Section,
};

/// Stands for a line break inside a fact (the steps taken, written as a
/// list) while the message is formatted, so that the template's own line
/// breaks (a long paragraph written over several lines) can be joined with
/// spaces without joining the fact's. A control character: templates and
/// facts are refused when they hold one, so it cannot occur otherwise.
const LINE_BREAK: char = '\u{1F}';

pub(super) fn compose(
    template: &Template,
    vars: &LetterVars,
) -> Result<LetterDocument, ComposeError> {
    check_text(vars)?;
    let kind = vars.kind;
    let p = prefix(kind);
    let composer = Composer { template };
    let required = |value: &Option<String>, field| match value {
        Some(v) if !v.trim().is_empty() => Ok(v.clone()),
        _ => Err(ComposeError::MissingValue { kind, field }),
    };
    for (value, field) in [
        (&vars.facility.name, "facility.name"),
        (&vars.reference, "reference"),
        (&vars.recipient_name, "recipient_name"),
        (&vars.contact.name, "contact.name"),
    ] {
        if value.trim().is_empty() {
            return Err(ComposeError::MissingValue { kind, field });
        }
    }

    let mut args = FluentArgs::new();
    args.set("facility-name", line(&vars.facility.name));
    args.set("reference", line(&vars.reference));
    args.set("recipient-name", line(&vars.recipient_name));
    args.set("contact-name", line(&vars.contact.name));
    args.set("received-on", composer.date(vars.received_on)?);
    match kind {
        LetterKind::ProgressNotice | LetterKind::Extension => {
            let by = vars.response_by.ok_or(ComposeError::MissingValue {
                kind,
                field: "response_by",
            })?;
            args.set("response-by", composer.date(by)?);
            if kind == LetterKind::Extension {
                let reason = required(&vars.extension_reason, "extension_reason")?;
                args.set("extension-reason", multiline(&reason));
            }
        }
        LetterKind::Resolution => {
            let steps = required(&vars.investigation_steps, "investigation_steps")?;
            let results = required(&vars.results, "results")?;
            let completed = vars.completed_on.ok_or(ComposeError::MissingValue {
                kind,
                field: "completed_on",
            })?;
            args.set("investigation-steps", multiline(&steps));
            args.set("results", multiline(&results));
            args.set("completed-on", composer.date(completed)?);
        }
        LetterKind::Acknowledgement | LetterKind::Other => {}
    }
    let extra = vars
        .body
        .as_deref()
        .filter(|b| !b.trim().is_empty())
        .map(|b| paragraphs(&multiline(b)));

    let mut sections = Vec::new();
    if kind == LetterKind::Other {
        let Some(body) = extra else {
            return Err(ComposeError::MissingValue {
                kind,
                field: "body",
            });
        };
        sections.push(Section {
            heading: None,
            paragraphs: body,
        });
    } else {
        let mut first = composer.paragraphs(&format!("{p}-body"), &args)?;
        first.extend(extra.unwrap_or_default());
        sections.push(Section {
            heading: None,
            paragraphs: first,
        });
    }
    if kind == LetterKind::Resolution {
        sections.push(Section {
            heading: Some(composer.line("resolution-steps-heading", &args)?),
            paragraphs: composer.paragraphs("resolution-steps", &args)?,
        });
        let mut results = composer.paragraphs("resolution-results", &args)?;
        results.extend(composer.paragraphs("resolution-completed", &args)?);
        sections.push(Section {
            heading: Some(composer.line("resolution-results-heading", &args)?),
            paragraphs: results,
        });
        if let Some(qio) = &vars.qio {
            sections.push(composer.qio(qio, &args)?);
        }
        sections.push(Section {
            heading: None,
            paragraphs: composer.paragraphs("resolution-contact", &args)?,
        });
    }

    let mut recipient = vec![line(&vars.recipient_name)];
    recipient.extend(non_empty_lines(&vars.recipient_address));
    let document = LetterDocument {
        language: template.language.to_string(),
        title: composer.line(&format!("{p}-title"), &args)?,
        facility: FacilityBlock {
            name: line(&vars.facility.name),
            address: non_empty_lines(&vars.facility.address),
        },
        date: composer.date(vars.date)?,
        recipient,
        reference: composer.line("reference", &args)?,
        salutation: composer.line(&format!("{p}-salutation"), &args)?,
        sections,
        closing: composer.line(&format!("{p}-closing"), &args)?,
        signature: composer.signature(&vars.contact, &args)?,
        format: vars.format,
    };
    check_output(&document)?;
    Ok(document)
}

struct Composer<'t> {
    template: &'t Template,
}

impl Composer<'_> {
    /// Formats one message; any Fluent error (impossible after validation)
    /// is an error, never a letter with `{$variable}` in it.
    fn format(&self, id: &str, args: &FluentArgs) -> Result<String, ComposeError> {
        let bundle = &self.template.bundle;
        let format_error = || ComposeError::Format {
            language: self.template.language.to_string(),
            message: id.to_owned(),
        };
        let pattern = bundle
            .get_message(id)
            .and_then(|m| m.value())
            .ok_or_else(format_error)?;
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(args), &mut errors);
        if !errors.is_empty() {
            return Err(format_error());
        }
        let text = text.into_owned();
        if text.trim().is_empty() {
            return Err(ComposeError::Empty {
                language: self.template.language.to_string(),
                message: id.to_owned(),
            });
        }
        Ok(text)
    }

    /// A one-line message (a title, a heading, the salutation).
    fn line(&self, id: &str, args: &FluentArgs) -> Result<String, ComposeError> {
        Ok(line(&self.format(id, args)?.replace(LINE_BREAK, " ")))
    }

    /// A message of one or more paragraphs (separated by blank lines).
    fn paragraphs(&self, id: &str, args: &FluentArgs) -> Result<Vec<String>, ComposeError> {
        Ok(paragraphs(&self.format(id, args)?))
    }

    /// A date written out in the template's language: its `date` message
    /// with `$day`, `$year` and `$month`, the name from `month-1` … `month-12`.
    fn date(&self, date: NaiveDate) -> Result<String, ComposeError> {
        let month = self.format(&month_id(date.month()), &FluentArgs::new())?;
        let mut args = FluentArgs::new();
        args.set("day", FluentValue::from(date.day()));
        args.set("month", line(&month));
        args.set("year", FluentValue::from(date.year()));
        Ok(line(&self.format("date", &args)?))
    }

    fn qio(&self, qio: &QioNotice, args: &FluentArgs) -> Result<Section, ComposeError> {
        let mut args = clone_args(args);
        let mut paragraph = vec![self.format("qio-notice", &args)?];
        if let Some(organization) = present(&qio.organization) {
            args.set("qio-organization", line(organization));
            paragraph.push(self.format("qio-organization", &args)?);
        }
        if let Some(phone) = present(&qio.phone) {
            args.set("qio-phone", line(phone));
            paragraph.push(self.format("qio-phone", &args)?);
        }
        Ok(Section {
            heading: Some(self.line("qio-heading", &args)?),
            paragraphs: paragraphs(&paragraph.join(" ")),
        })
    }

    /// The signer: the contact person's name, title, phone and email.
    fn signature(
        &self,
        contact: &ContactPerson,
        args: &FluentArgs,
    ) -> Result<Vec<String>, ComposeError> {
        let mut args = clone_args(args);
        let mut lines = vec![line(&contact.name)];
        if let Some(title) = present(&contact.title) {
            lines.push(line(title));
        }
        if let Some(phone) = present(&contact.phone) {
            args.set("contact-phone", line(phone));
            lines.push(self.line("signature-phone", &args)?);
        }
        if let Some(email) = present(&contact.email) {
            args.set("contact-email", line(email));
            lines.push(self.line("signature-email", &args)?);
        }
        Ok(lines)
    }
}

fn clone_args(args: &FluentArgs<'_>) -> FluentArgs<'static> {
    let mut out = FluentArgs::new();
    for (key, value) in args.iter() {
        out.set(key.to_owned(), value.into_owned());
    }
    out
}

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.trim().is_empty())
}

/// One line: whitespace runs (line breaks included) become one space.
fn line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn non_empty_lines(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|l| line(l))
        .filter(|l| !l.is_empty())
        .collect()
}

/// A fact of several lines as a variable: paragraphs (blank-line
/// separated) stay paragraphs, its line breaks become [`LINE_BREAK`].
fn multiline(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace(['\r', '\t'], " ");
    let mut out: Vec<String> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for l in text.split('\n').map(str::trim) {
        if l.is_empty() {
            if !current.is_empty() {
                out.push(current.join(&LINE_BREAK.to_string()));
                current.clear();
            }
        } else {
            current.push(l);
        }
    }
    if !current.is_empty() {
        out.push(current.join(&LINE_BREAK.to_string()));
    }
    out.join("\n\n")
}

/// Formatted text cut into paragraphs at blank lines; inside one, the
/// template's line breaks become spaces and a fact's stay line breaks.
fn paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut flush = |current: &mut Vec<&str>| {
        if !current.is_empty() {
            let joined = line(&current.join(" "));
            let kept: Vec<&str> = joined.split(LINE_BREAK).map(str::trim).collect();
            out.push(kept.join("\n"));
            current.clear();
        }
    };
    for l in text.split('\n') {
        if l.trim().is_empty() {
            flush(&mut current);
        } else {
            current.push(l.trim());
        }
    }
    flush(&mut current);
    out
}

/// Every fact that is text, with whether it may span lines.
fn text_fields(vars: &LetterVars) -> Vec<(&'static str, &str)> {
    let mut out = vec![
        ("language", vars.language.as_str()),
        ("facility.name", vars.facility.name.as_str()),
        ("reference", vars.reference.as_str()),
        ("recipient_name", vars.recipient_name.as_str()),
        ("contact.name", vars.contact.name.as_str()),
    ];
    out.extend(
        vars.facility
            .address
            .iter()
            .map(|l| ("facility.address", l.as_str())),
    );
    out.extend(
        vars.recipient_address
            .iter()
            .map(|l| ("recipient_address", l.as_str())),
    );
    for (field, value) in [
        ("contact.title", &vars.contact.title),
        ("contact.phone", &vars.contact.phone),
        ("contact.email", &vars.contact.email),
        ("extension_reason", &vars.extension_reason),
        ("investigation_steps", &vars.investigation_steps),
        ("results", &vars.results),
        ("body", &vars.body),
    ] {
        if let Some(v) = value {
            out.push((field, v.as_str()));
        }
    }
    if let Some(qio) = &vars.qio {
        for (field, value) in [
            ("qio.organization", &qio.organization),
            ("qio.phone", &qio.phone),
        ] {
            if let Some(v) = value {
                out.push((field, v.as_str()));
            }
        }
    }
    out
}

/// Facts come validated from the services; this is the last guard before
/// a letter: tab, line feed and carriage return are whitespace, anything
/// else invisible is refused.
fn check_text(vars: &LetterVars) -> Result<(), ComposeError> {
    for (field, value) in text_fields(vars) {
        if let Some(character) = value
            .chars()
            .find(|c| !matches!(c, '\n' | '\r' | '\t') && forbidden(*c))
        {
            return Err(ComposeError::InvalidText { field, character });
        }
    }
    Ok(())
}

/// The letter carries no control character (but the line breaks inside a
/// paragraph) and no invisible bidirectional mark.
fn check_output(doc: &LetterDocument) -> Result<(), ComposeError> {
    let mut texts: Vec<(&'static str, &str)> = vec![
        ("title", &doc.title),
        ("date", &doc.date),
        ("reference", &doc.reference),
        ("salutation", &doc.salutation),
        ("closing", &doc.closing),
        ("facility.name", &doc.facility.name),
    ];
    texts.extend(
        doc.facility
            .address
            .iter()
            .map(|l| ("facility.address", l.as_str())),
    );
    texts.extend(doc.recipient.iter().map(|l| ("recipient", l.as_str())));
    texts.extend(doc.signature.iter().map(|l| ("signature", l.as_str())));
    for section in &doc.sections {
        if let Some(h) = &section.heading {
            texts.push(("heading", h));
        }
    }
    for (field, text) in texts {
        if let Some(character) = text.chars().find(|c| *c == '\n' || forbidden(*c)) {
            return Err(ComposeError::InvalidText { field, character });
        }
    }
    for section in &doc.sections {
        for p in &section.paragraphs {
            if let Some(character) = p.chars().find(|c| forbidden(*c)) {
                return Err(ComposeError::InvalidText {
                    field: "paragraph",
                    character,
                });
            }
        }
    }
    Ok(())
}

/// Facts with every field filled, for checking a template at load.
pub(super) fn sample_vars(kind: LetterKind, language: &str) -> LetterVars {
    let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default();
    LetterVars {
        kind,
        language: language.to_owned(),
        format: LetterFormat::Standard,
        facility: FacilityBlock {
            name: "Sample Hospital".to_owned(),
            address: vec!["1 Sample Road".to_owned()],
        },
        date: day(12, 1),
        reference: "G-2026-000001".to_owned(),
        recipient_name: "Sample Person".to_owned(),
        recipient_address: vec!["2 Sample Street".to_owned()],
        received_on: day(11, 2),
        contact: ContactPerson {
            name: "Sample Contact".to_owned(),
            title: Some("Patient Relations".to_owned()),
            phone: Some("555-0100".to_owned()),
            email: Some("contact@example.org".to_owned()),
        },
        response_by: Some(day(12, 2)),
        extension_reason: Some("A sample reason.".to_owned()),
        investigation_steps: Some("Sample steps.\nA second step.".to_owned()),
        results: Some("Sample results.".to_owned()),
        completed_on: Some(day(11, 30)),
        qio: Some(QioNotice {
            organization: Some("Sample QIO".to_owned()),
            phone: Some("555-0199".to_owned()),
        }),
        body: Some("A sample paragraph.".to_owned()),
    }
}

/// Composes a letter of every kind, with and without the optional parts,
/// and each of the twelve months, so a template that passed validation but
/// fails to format is refused at load rather than on a patient's letter.
pub(super) fn sample_check(template: &Template) -> Result<(), TemplateError> {
    let language = template.language.to_string();
    let sample_error = |kind, error| TemplateError::Sample {
        file: template.file.clone(),
        kind,
        error: Box::new(error),
    };
    for kind in super::spec::KINDS {
        let full = sample_vars(kind, &language);
        let mut bare = full.clone();
        bare.qio = None;
        bare.contact = ContactPerson {
            name: full.contact.name.clone(),
            ..ContactPerson::default()
        };
        if kind != LetterKind::Other {
            bare.body = None;
        }
        for vars in [full, bare] {
            compose(template, &vars).map_err(|e| sample_error(kind, e))?;
        }
    }
    let composer = Composer { template };
    for month in 1..=12 {
        let date = NaiveDate::from_ymd_opt(2026, month, 1).unwrap_or_default();
        composer
            .date(date)
            .map_err(|e| sample_error(LetterKind::Other, e))?;
    }
    Ok(())
}
