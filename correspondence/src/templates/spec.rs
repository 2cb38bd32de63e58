//! What a template file must hold: every message the composer formats,
//! the variables the composer gives each of them, and the variables a
//! message must state (a progress notice that never says by when, or a
//! resolution letter without its results, is refused at load).

use crate::LetterKind;

/// Every kind of letter, in a fixed order.
pub(crate) const KINDS: [LetterKind; 5] = [
    LetterKind::Acknowledgement,
    LetterKind::ProgressNotice,
    LetterKind::Extension,
    LetterKind::Resolution,
    LetterKind::Other,
];

/// Variables every letter message may use.
pub(crate) const COMMON_VARS: [&str; 5] = [
    "facility-name",
    "reference",
    "recipient-name",
    "received-on",
    "contact-name",
];

/// The variables of the `date` message.
pub(crate) const DATE_VARS: [&str; 3] = ["day", "month", "year"];

/// The prefix of a kind's messages (`progress-notice-title`).
pub(crate) fn prefix(kind: LetterKind) -> &'static str {
    match kind {
        LetterKind::Acknowledgement => "acknowledgement",
        LetterKind::ProgressNotice => "progress-notice",
        LetterKind::Extension => "extension",
        LetterKind::Resolution => "resolution",
        LetterKind::Other => "other",
    }
}

/// The variables a kind's messages may use beyond [`COMMON_VARS`].
pub(crate) fn kind_vars(kind: LetterKind) -> &'static [&'static str] {
    match kind {
        LetterKind::Acknowledgement | LetterKind::Other => &[],
        LetterKind::ProgressNotice => &["response-by"],
        LetterKind::Extension => &["response-by", "extension-reason"],
        LetterKind::Resolution => &["investigation-steps", "results", "completed-on"],
    }
}

/// One message a template file must define.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MessageSpec {
    /// The message's id.
    pub id: String,
    /// The variables the composer passes when it formats this message.
    pub vars: Vec<&'static str>,
    /// The variables the message must use (directly or through a message
    /// it references).
    pub must_use: Vec<&'static str>,
}

impl MessageSpec {
    fn new(id: impl Into<String>, vars: Vec<&'static str>, must_use: &[&'static str]) -> Self {
        MessageSpec {
            id: id.into(),
            vars,
            must_use: must_use.to_vec(),
        }
    }
}

fn common_with(extra: &[&'static str]) -> Vec<&'static str> {
    let mut v = COMMON_VARS.to_vec();
    v.extend_from_slice(extra);
    v
}

/// The message id of month `n` (1–12).
pub(crate) fn month_id(n: u32) -> String {
    format!("month-{n}")
}

/// Every message a template file must define, with its variables.
pub(crate) fn required_messages() -> Vec<MessageSpec> {
    let mut out = Vec::new();
    out.push(MessageSpec::new("date", DATE_VARS.to_vec(), &DATE_VARS));
    for n in 1..=12 {
        out.push(MessageSpec::new(month_id(n), Vec::new(), &[]));
    }
    out.push(MessageSpec::new(
        "reference",
        COMMON_VARS.to_vec(),
        &["reference"],
    ));
    out.push(MessageSpec::new(
        "signature-phone",
        common_with(&["contact-phone"]),
        &["contact-phone"],
    ));
    out.push(MessageSpec::new(
        "signature-email",
        common_with(&["contact-email"]),
        &["contact-email"],
    ));
    for kind in KINDS {
        let p = prefix(kind);
        let vars = common_with(kind_vars(kind));
        out.push(MessageSpec::new(format!("{p}-title"), vars.clone(), &[]));
        out.push(MessageSpec::new(
            format!("{p}-salutation"),
            vars.clone(),
            &[],
        ));
        match kind {
            LetterKind::Other => {}
            LetterKind::Acknowledgement => {
                out.push(MessageSpec::new(format!("{p}-body"), vars.clone(), &[]));
            }
            LetterKind::ProgressNotice => out.push(MessageSpec::new(
                format!("{p}-body"),
                vars.clone(),
                &["response-by"],
            )),
            LetterKind::Extension => out.push(MessageSpec::new(
                format!("{p}-body"),
                vars.clone(),
                &["extension-reason", "response-by"],
            )),
            LetterKind::Resolution => {
                out.push(MessageSpec::new(format!("{p}-body"), vars.clone(), &[]));
                for (id, must) in [
                    ("resolution-steps-heading", None),
                    ("resolution-steps", Some("investigation-steps")),
                    ("resolution-results-heading", None),
                    ("resolution-results", Some("results")),
                    ("resolution-completed", Some("completed-on")),
                    ("resolution-contact", Some("contact-name")),
                ] {
                    let must: Vec<&'static str> = must.into_iter().collect();
                    out.push(MessageSpec::new(id, vars.clone(), &must));
                }
                out.push(MessageSpec::new("qio-heading", COMMON_VARS.to_vec(), &[]));
                out.push(MessageSpec::new("qio-notice", COMMON_VARS.to_vec(), &[]));
                out.push(MessageSpec::new(
                    "qio-organization",
                    common_with(&["qio-organization"]),
                    &["qio-organization"],
                ));
                out.push(MessageSpec::new(
                    "qio-phone",
                    common_with(&["qio-phone"]),
                    &["qio-phone"],
                ));
            }
        }
        out.push(MessageSpec::new(format!("{p}-closing"), vars, &[]));
    }
    out
}
