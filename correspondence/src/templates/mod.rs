//! Letter templates in Fluent: a letter's facts ([`LetterVars`]) put into
//! words in its language ([`LetterDocument`]).
//!
//! English and Spanish ship inside the binary (`correspondence/templates/`).
//! A facility adds or replaces a language with a **file**,
//! `<dir>/<FACILITY_CODE>/<lang>.ftl` (for example `templates/MERCY-WEST/vi.ftl`),
//! read when Redress starts. Every file, shipped or added, is checked at
//! load: a missing message, a variable the composer does
//! not give, or a message that leaves out what the letter must say is an
//! error naming the file, the message and the variable, never a blank in a
//! patient's letter.
//!
//! A letter in `es-MX` uses `es-MX`, else `es` (BCP 47 lookup, RFC 4647);
//! it never falls back to English: no template in the language is
//! [`ComposeError::NoTemplate`].

mod compose;
mod error;
mod spec;
mod validate;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fluent_bundle::FluentResource;
use fluent_bundle::concurrent::FluentBundle;
use unic_langid::LanguageIdentifier;

pub use error::{ComposeError, TemplateError};

use crate::{LetterDocument, LetterVars};

/// The shipped templates: (language, file name, text).
const BUILTIN: [(&str, &str, &str); 2] = [
    ("en", "en.ftl", include_str!("../../templates/en.ftl")),
    ("es", "es.ftl", include_str!("../../templates/es.ftl")),
];

/// One language's validated template.
struct Template {
    language: LanguageIdentifier,
    /// Where it came from, for messages (`builtin/en.ftl`, a path).
    file: String,
    bundle: FluentBundle<FluentResource>,
}

/// Every template Redress can compose letters with: the shipped ones and
/// each facility's own. Cheap to share (`Send + Sync`); load once at start.
pub struct Templates {
    builtin: Vec<Template>,
    /// Facility code → its own templates (which take precedence over a
    /// shipped one of the same language).
    facilities: BTreeMap<String, Vec<Template>>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let files = |ts: &Vec<Template>| ts.iter().map(|t| t.file.clone()).collect::<Vec<_>>();
        f.debug_struct("Templates")
            .field("builtin", &files(&self.builtin))
            .field(
                "facilities",
                &self
                    .facilities
                    .iter()
                    .map(|(k, v)| (k.clone(), files(v)))
                    .collect::<BTreeMap<_, _>>(),
            )
            .finish()
    }
}

impl Templates {
    /// The templates shipped with Redress: English and Spanish. (They are
    /// checked like any other file; the tests prove they pass, so none is
    /// ever left out here.)
    pub fn builtin() -> Templates {
        Templates {
            builtin: BUILTIN
                .iter()
                .filter_map(|(lang, name, text)| builtin_template(lang, name, text).ok())
                .collect(),
            facilities: BTreeMap::new(),
        }
    }

    /// Built-in plus each facility's own, from `dir` laid out as
    /// `<dir>/<FACILITY_CODE>/<lang>.ftl` (`FACILITY_CODE` as the
    /// facility's code, upper case; `lang` a BCP 47 tag). Files not ending
    /// in `.ftl` are ignored; a `.ftl` file directly in `dir`, a directory
    /// whose name is not a facility code or a file name that is not a
    /// language tag is refused. Every file is validated: the first problem
    /// found is the error.
    pub fn load(dir: Option<&Path>) -> Result<Templates, TemplateError> {
        let mut builtin = Vec::new();
        for (lang, name, text) in BUILTIN {
            builtin.push(builtin_template(lang, name, text)?);
        }
        let mut facilities = BTreeMap::new();
        if let Some(dir) = dir {
            for (code, path) in sorted_entries(dir)? {
                if path.is_dir() {
                    if !facility_code_is_valid(&code) {
                        return Err(TemplateError::Layout {
                            path,
                            problem: "a directory here must be named by a facility code \
                                      (2–32 of A–Z, 0–9, '-', '_')"
                                .to_owned(),
                        });
                    }
                    let templates = facility_templates(&path)?;
                    facilities.insert(code, templates);
                } else if code.ends_with(".ftl") {
                    return Err(TemplateError::Layout {
                        path,
                        problem: "a template goes in <dir>/<FACILITY_CODE>/<lang>.ftl".to_owned(),
                    });
                }
            }
        }
        Ok(Templates {
            builtin,
            facilities,
        })
    }

    /// The languages a facility has templates for (BCP 47 tags, sorted):
    /// the shipped ones and the facility's own.
    pub fn languages(&self, facility_code: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .builtin
            .iter()
            .chain(self.own(facility_code).iter())
            .map(|t| t.language.to_string())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The language a letter asked in `language` would be written in for
    /// this facility (`es-MX` → `es`), or `None` when there is no template
    /// for it (or `language` is not a language tag). Never English in
    /// place of another language.
    pub fn language_for(&self, facility_code: &str, language: &str) -> Option<String> {
        let requested: LanguageIdentifier = language.parse().ok()?;
        self.find(facility_code, &requested)
            .map(|t| t.language.to_string())
    }

    /// Puts `vars` into words with the facility's template in
    /// `vars.language` (or a less specific form of it).
    pub fn compose(
        &self,
        facility_code: &str,
        vars: &LetterVars,
    ) -> Result<LetterDocument, ComposeError> {
        let requested: LanguageIdentifier =
            vars.language
                .parse()
                .map_err(|_| ComposeError::InvalidLanguage {
                    language: vars.language.clone(),
                })?;
        match self.find(facility_code, &requested) {
            Some(template) => compose::compose(template, vars),
            None => Err(ComposeError::NoTemplate {
                language: requested.to_string(),
                kind: vars.kind,
            }),
        }
    }

    /// The facility's own template first, then a shipped one, for the tag
    /// and then each less specific form of it.
    fn find(&self, facility_code: &str, requested: &LanguageIdentifier) -> Option<&Template> {
        let own = self.own(facility_code);
        lookup_chain(requested).into_iter().find_map(|candidate| {
            own.iter()
                .chain(self.builtin.iter())
                .find(|t| t.language == candidate)
        })
    }

    fn own(&self, facility_code: &str) -> &[Template] {
        self.facilities
            .get(&facility_code.trim().to_ascii_uppercase())
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// RFC 4647 lookup: the tag, then less specific forms of it (variants,
/// region, script dropped in turn). `zh-Hant-TW` → `zh-Hant` → `zh`.
fn lookup_chain(tag: &LanguageIdentifier) -> Vec<LanguageIdentifier> {
    let mut chain = vec![tag.clone()];
    let mut current = tag.clone();
    if current.variants().next().is_some() {
        current.clear_variants();
        chain.push(current.clone());
    }
    if current.region.is_some() {
        current.region = None;
        chain.push(current.clone());
    }
    if current.script.is_some() {
        current.script = None;
        chain.push(current.clone());
    }
    chain
}

/// A facility code's shape (as `redress_domain::facility::code_is_valid`;
/// this crate does not depend on the domain).
fn facility_code_is_valid(code: &str) -> bool {
    let bytes = code.as_bytes();
    (2..=32).contains(&bytes.len())
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'-' || *b == b'_')
}

/// A directory's entries as (file name, path), sorted by name so the
/// first error is the same on every machine.
fn sorted_entries(dir: &Path) -> Result<Vec<(String, PathBuf)>, TemplateError> {
    let io = |source| TemplateError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            return Err(TemplateError::Layout {
                path,
                problem: "the name is not UTF-8".to_owned(),
            });
        };
        if name.starts_with('.') {
            continue;
        }
        out.push((name, path));
    }
    out.sort();
    Ok(out)
}

fn facility_templates(dir: &Path) -> Result<Vec<Template>, TemplateError> {
    let mut templates: Vec<Template> = Vec::new();
    for (name, path) in sorted_entries(dir)? {
        let Some(stem) = name.strip_suffix(".ftl") else {
            continue;
        };
        if path.is_dir() {
            return Err(TemplateError::Layout {
                path,
                problem: "a directory where a template file belongs".to_owned(),
            });
        }
        let language: LanguageIdentifier = stem.parse().map_err(|_| TemplateError::Layout {
            path: path.clone(),
            problem: format!("{stem:?} is not a language tag (BCP 47: en, es, es-MX, zh-Hans)"),
        })?;
        let file = path.display().to_string();
        if templates.iter().any(|t| t.language == language) {
            return Err(TemplateError::DuplicateLanguage {
                file,
                language: language.to_string(),
            });
        }
        let text = std::fs::read_to_string(&path).map_err(|source| TemplateError::Io {
            path: path.clone(),
            source,
        })?;
        templates.push(template(language, file, &text)?);
    }
    Ok(templates)
}

fn builtin_template(lang: &str, name: &str, text: &str) -> Result<Template, TemplateError> {
    let file = format!("builtin/{name}");
    let language = lang.parse().map_err(|_| TemplateError::Layout {
        path: PathBuf::from(&file),
        problem: format!("{lang:?} is not a language tag"),
    })?;
    template(language, file, text)
}

/// Parses, validates and bundles one file, then composes a sample letter
/// of every kind with it.
fn template(
    language: LanguageIdentifier,
    file: String,
    text: &str,
) -> Result<Template, TemplateError> {
    let source = validate::normalize_source(&file, text)?;
    let resource = validate::parse(&file, source)?;
    validate::validate(&file, &resource)?;
    let mut bundle = FluentBundle::new_concurrent(vec![language.clone()]);
    // Fluent wraps each placeable in invisible Unicode isolation marks
    // (U+2068/U+2069) by default; a letter must not carry them.
    bundle.set_use_isolating(false);
    if let Err(errors) = bundle.add_resource(resource) {
        let message = errors.first().map(|e| format!("{e:?}")).unwrap_or_default();
        return Err(TemplateError::Duplicate { file, message });
    }
    let template = Template {
        language,
        file,
        bundle,
    };
    compose::sample_check(&template)?;
    Ok(template)
}
