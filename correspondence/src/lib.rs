//! Letters as documents. The services gather a letter's facts from a
//! complaint ([`LetterVars`]); a template puts them into words in the
//! letter's language ([`LetterDocument`]); this crate renders that as plain
//! text for an email body or the portal and as a tagged PDF.

mod document;
pub mod templates;
mod text;
mod vars;

pub use document::{FacilityBlock, LetterDocument, LetterFormat, Section};
pub use templates::{ComposeError, TemplateError, Templates};
pub use text::render_text;
pub use vars::{ContactPerson, LetterKind, LetterVars, QioNotice};
