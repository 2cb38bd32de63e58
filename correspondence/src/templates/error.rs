//! Why templates did not load, and why a letter could not be composed.

use std::path::PathBuf;

use thiserror::Error;

use crate::LetterKind;

/// A template file (or the directory of them) that was refused at load.
/// Each names the file and, where there is one, the message and variable,
/// so the person who wrote the template can fix it.
#[derive(Debug, Error)]
pub enum TemplateError {
    /// The directory or a file in it could not be read.
    #[error("cannot read {path}: {source}", path = path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file or directory where none belongs, or a name that is not a
    /// facility code or a language tag.
    #[error("{path}: {problem}", path = path.display())]
    Layout { path: PathBuf, problem: String },
    /// Two files of one facility are for the same language (`es.ftl`, `ES.ftl`).
    #[error("{file}: a second template for language {language}")]
    DuplicateLanguage { file: String, language: String },
    /// The file is not valid Fluent.
    #[error("{file}:{line}: syntax error: {error}")]
    Syntax {
        file: String,
        line: usize,
        error: String,
    },
    /// A character no letter may carry (a control character, a
    /// bidirectional override or isolate, a byte-order mark inside the text).
    #[error("{file}:{line}: character U+{code:04X} is not allowed in a letter template", code = u32::from(*character))]
    Character {
        file: String,
        line: usize,
        character: char,
    },
    /// A string literal's escape (`{ "\\u0007" }`) yields such a character.
    #[error("{file}: message `{message}` writes character U+{code:04X}, which a letter may not carry", code = u32::from(*character))]
    EscapedCharacter {
        file: String,
        message: String,
        character: char,
    },
    /// A message the composer needs is not in the file.
    #[error("{file}: message `{message}` is missing")]
    MissingMessage { file: String, message: String },
    /// The message exists but has no value (only attributes).
    #[error("{file}: message `{message}` has no text")]
    EmptyMessage { file: String, message: String },
    /// A message or term no letter uses: most often a misspelt id, whose
    /// text would silently be left out of every letter.
    #[error("{file}: `{message}` is not used by any letter (a misspelt message id?)")]
    Unused { file: String, message: String },
    /// A message or term is defined twice.
    #[error("{file}: `{message}` is defined twice")]
    Duplicate { file: String, message: String },
    /// A message uses a variable the composer does not give it.
    #[error("{file}: message `{message}` uses variable `${variable}`, which {context}")]
    UnknownVariable {
        file: String,
        message: String,
        variable: String,
        /// Which message needs it, and what it may use instead.
        context: String,
    },
    /// A message does not state what the letter must say (the date of a
    /// progress notice, the results of a resolution letter).
    #[error("{file}: message `{message}` must use variable `${variable}`")]
    VariableNotUsed {
        file: String,
        message: String,
        variable: String,
    },
    /// A reference to a message, attribute or term the file does not define.
    #[error("{file}: message `{message}` refers to `{reference}`, which is not defined")]
    UnknownReference {
        file: String,
        message: String,
        reference: String,
    },
    /// A function call (`NUMBER(…)`): the composer provides none; dates
    /// and numbers arrive already written out.
    #[error(
        "{file}: message `{message}` calls function `{function}`; templates may not call functions"
    )]
    Function {
        file: String,
        message: String,
        function: String,
    },
    /// Messages or terms that refer to each other in a circle.
    #[error("{file}: message `{message}` refers to itself through `{through}`")]
    Cycle {
        file: String,
        message: String,
        through: String,
    },
    /// The file passed every check but composing a sample letter with it
    /// failed (a belt-and-braces check at load).
    #[error("{file}: composing a sample {kind:?} letter failed: {error}")]
    Sample {
        file: String,
        kind: LetterKind,
        error: Box<ComposeError>,
    },
}

/// Why a letter could not be composed.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ComposeError {
    /// No template in the letter's language (or a less specific form of
    /// it) for this facility. Never answered with English instead.
    #[error("no {kind:?} letter template in language {language}")]
    NoTemplate { language: String, kind: LetterKind },
    /// The letter's language is not a BCP 47 tag.
    #[error("{language:?} is not a language tag")]
    InvalidLanguage { language: String },
    /// A fact this kind of letter must state is absent or empty (for
    /// example the results of a RESOLUTION letter).
    #[error("a {kind:?} letter needs {field}")]
    MissingValue {
        kind: LetterKind,
        /// The `LetterVars` field (`results`, `contact.name`).
        field: &'static str,
    },
    /// A fact holds a control character or a bidirectional override.
    #[error("{field} holds a character a letter may not carry (U+{code:04X})", code = u32::from(*character))]
    InvalidText {
        field: &'static str,
        character: char,
    },
    /// A message formatted to no text at all.
    #[error("template {language}: message `{message}` gives no text")]
    Empty { language: String, message: String },
    /// Fluent could not format a message (does not happen with a template
    /// that passed validation).
    #[error("template {language}: message `{message}` could not be formatted")]
    Format { language: String, message: String },
}
