//! Text that is known to be fit to store: a newtype per class of field whose
//! only constructor checks it.
//!
//! Every kind trims surrounding whitespace, refuses the empty string (use
//! [`Name::parse_optional`] and friends where a field may be absent), counts
//! its maximum in characters (not bytes), and refuses control characters:
//! every [`char::is_control`] character (NUL, bell, backspace, escape, DEL,
//! the C1 range …). Multi-line kinds (descriptions, notes, reasons,
//! findings, letters' text) allow tab, line feed and carriage return inside
//! the text; single-line kinds (names, codes, contact details, languages,
//! titles) allow none of them.
//!
//! The bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069)
//! are refused too: they are invisible and reorder what a reader sees, so a
//! note or an audit entry could display something other than what is
//! stored ("Trojan Source", CVE-2021-42574). Right-to-left text itself
//! (Arabic, Hebrew) needs none of them and is accepted; the implicit marks
//! U+200E/U+200F stay allowed.
//!
//! Deserialising does not re-check: a stored record must always load, even
//! one written before these rules. Only [`TextKind::parse`] makes new values.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Violation;

/// Why a text was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextError {
    /// Nothing left after trimming.
    Empty,
    /// More characters than the kind allows.
    TooLong { max: usize },
    /// A control character the kind does not allow (the first one found).
    ControlCharacter(char),
    /// A bidirectional override or isolate.
    BidiControl(char),
}

impl TextError {
    /// The refusal as a sentence about `what` (e.g. "the reason"); an empty
    /// `what` gives the short form used when the field path says it all.
    pub fn message(self, what: &str) -> String {
        let subject = if what.is_empty() { "" } else { what };
        let sep = if what.is_empty() { "" } else { " " };
        match self {
            TextError::Empty if what.is_empty() => "must not be empty".to_owned(),
            TextError::Empty => format!("{what} is required"),
            TextError::TooLong { max } => {
                format!("{subject}{sep}must be at most {max} characters")
            }
            TextError::ControlCharacter(c) => format!(
                "{subject}{sep}must not contain control characters (found U+{:04X})",
                u32::from(c)
            ),
            TextError::BidiControl(c) => format!(
                "{subject}{sep}must not contain bidirectional override characters (found U+{:04X})",
                u32::from(c)
            ),
        }
    }

    /// The refusal as a validation error on `field`.
    pub fn violation(self, field: &[&str], what: &str) -> Violation {
        Violation::validation(field, self.message(what))
    }
}

/// Whether `c` is a bidirectional embedding, override or isolate.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Checks the characters of `value` only (no trimming, no length): the
/// rule every stored free-form string follows, for callers that keep
/// their own shape checks (idempotency keys, for instance).
pub fn check_characters(value: &str, multi_line: bool) -> Result<(), TextError> {
    for c in value.chars() {
        if c.is_control() && !(multi_line && matches!(c, '\t' | '\n' | '\r')) {
            return Err(TextError::ControlCharacter(c));
        }
        if is_bidi_control(c) {
            return Err(TextError::BidiControl(c));
        }
    }
    Ok(())
}

/// Trims and checks `value` against a kind's rules.
pub fn check(value: &str, max: usize, multi_line: bool) -> Result<&str, TextError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(TextError::Empty);
    }
    check_characters(value, multi_line)?;
    if value.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    Ok(value)
}

/// A class of text field: its maximum length and whether it may span lines.
pub trait TextKind: Sized + AsRef<str> + Into<String> {
    /// Longest value, in characters after trimming.
    const MAX: usize;
    /// Whether tab, line feed and carriage return are allowed inside.
    const MULTI_LINE: bool;

    #[doc(hidden)]
    fn from_checked(value: String) -> Self;

    /// The only way to make a value: trimmed, non-empty, at most
    /// [`Self::MAX`] characters, no forbidden character.
    fn check(value: &str) -> Result<Self, TextError> {
        check(value, Self::MAX, Self::MULTI_LINE).map(|v| Self::from_checked(v.to_owned()))
    }

    /// [`Self::check`], refused as a validation error on `field` with the
    /// short messages ("must not be empty", "must be at most 200
    /// characters", "must not contain control characters …").
    fn parse(field: &[&str], value: &str) -> Result<Self, Violation> {
        Self::check(value).map_err(|e| e.violation(field, ""))
    }

    /// [`Self::parse`] with messages naming the value ("the department is
    /// required", "the department must be at most 200 characters" …).
    fn parse_named(field: &[&str], value: &str, what: &str) -> Result<Self, Violation> {
        Self::check(value).map_err(|e| e.violation(field, what))
    }

    /// Absent or blank is `None`; anything else must pass [`Self::parse`].
    fn parse_optional(field: &[&str], value: Option<&str>) -> Result<Option<Self>, Violation> {
        Self::parse_optional_named(field, value, "")
    }

    /// [`Self::parse_optional`] with messages naming the value.
    fn parse_optional_named(
        field: &[&str],
        value: Option<&str>,
        what: &str,
    ) -> Result<Option<Self>, Violation> {
        match value.filter(|v| !v.trim().is_empty()) {
            None => Ok(None),
            Some(v) => Self::parse_named(field, v, what).map(Some),
        }
    }

    fn as_str(&self) -> &str {
        self.as_ref()
    }

    fn into_string(self) -> String {
        self.into()
    }
}

macro_rules! text_kind {
    ($(#[$doc:meta])* $name:ident, max = $max:expr, multi_line = $multi:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl TextKind for $name {
            const MAX: usize = $max;
            const MULTI_LINE: bool = $multi;

            fn from_checked(value: String) -> Self {
                $name(value)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }
    };
}

text_kind!(
    /// A short code or tag on one line, at most 64 characters: an MRN, a
    /// preferred language.
    Code, max = 64, multi_line = false
);
text_kind!(
    /// An identifier or a short label on one line, at most 100 characters:
    /// a staff id, an encounter number, a relationship.
    Label, max = 100, multi_line = false
);
text_kind!(
    /// A name or title on one line, at most 200 characters: people,
    /// departments, vendors, contact details, a policy's name.
    Name, max = 200, multi_line = false
);
text_kind!(
    /// A short free text, at most 1000 characters, lines allowed: the aid
    /// a patient asked for, what was provided instead.
    Phrase, max = 1000, multi_line = true
);
text_kind!(
    /// A summary, at most 2000 characters, lines allowed: an issue's
    /// summary, communication needs.
    Summary, max = 2000, multi_line = true
);
text_kind!(
    /// A note or a reason, at most 4000 characters, lines allowed.
    Note, max = 4000, multi_line = true
);
text_kind!(
    /// A long text, at most 20000 characters, lines allowed: a complaint's
    /// description, findings, a written response, working notes.
    LongText, max = 20_000, multi_line = true
);

/// Parses an optional field into a `String` for state that stores one.
pub fn optional_string<K: TextKind>(
    field: &[&str],
    value: Option<&str>,
) -> Result<Option<String>, Violation> {
    K::parse_optional(field, value).map(|v| v.map(K::into_string))
}

#[cfg(test)]
mod tests;
