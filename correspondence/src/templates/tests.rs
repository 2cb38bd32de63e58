//! Table tests: every kind in every shipped language, language matching,
//! the facts a kind needs, and bad template files refused at load.

use super::compose::sample_vars;
use super::validate::forbidden;
use super::*;
use crate::{LetterKind, render_text};

fn builtin() -> Templates {
    match Templates::load(None) {
        Ok(t) => t,
        Err(e) => panic!("the shipped templates must load: {e}"),
    }
}

/// What each (language, kind) letter must say, with `sample_vars`' facts.
fn expected(lang: &str, kind: LetterKind) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = vec![
        "Sample Hospital",
        "1 Sample Road",
        "Sample Person",
        "2 Sample Street",
        "G-2026-000001",
        "Sample Contact",
        "Patient Relations",
        "555-0100",
        "contact@example.org",
        "A sample paragraph.",
    ];
    let en = lang == "en";
    v.push(if en {
        "December 1, 2026"
    } else {
        "1 de diciembre de 2026"
    });
    v.push(if en {
        "Dear Sample Person,"
    } else {
        "Estimado/a Sample Person:"
    });
    v.push(if en { "Sincerely," } else { "Atentamente," });
    v.push(if en {
        "Reference: G-2026-000001"
    } else {
        "Referencia: G-2026-000001"
    });
    match kind {
        LetterKind::Acknowledgement => {
            v.push(if en {
                "We have received your concern"
            } else {
                "Hemos recibido su queja"
            });
            v.push(if en {
                "November 2, 2026"
            } else {
                "2 de noviembre de 2026"
            });
        }
        LetterKind::ProgressNotice => {
            v.push(if en {
                "still reviewing"
            } else {
                "Seguimos revisando"
            });
            v.push(if en {
                "by December 2, 2026"
            } else {
                "más tardar el 2 de diciembre de 2026"
            });
        }
        LetterKind::Extension => {
            v.push(if en {
                "need more time"
            } else {
                "Necesitamos más tiempo"
            });
            v.push("A sample reason.");
            v.push(if en {
                "by December 2, 2026"
            } else {
                "más tardar el 2 de diciembre de 2026"
            });
        }
        LetterKind::Resolution => {
            v.push(if en {
                "Our response to your grievance"
            } else {
                "Nuestra respuesta a su queja formal"
            });
            // A-0123: steps taken, results, date of completion, contact person.
            v.push("Sample steps.\nA second step.");
            v.push("Sample results.");
            v.push(if en {
                "November 30, 2026"
            } else {
                "30 de noviembre de 2026"
            });
            v.push(if en {
                "please contact Sample Contact"
            } else {
                "comuníquese con Sample Contact"
            });
            // A-0120: the QIO notice.
            v.push(if en {
                "Quality Improvement Organization"
            } else {
                "Organización para el Mejoramiento de la Calidad"
            });
            v.push("Sample QIO");
            v.push("555-0199");
        }
        LetterKind::Other => {
            v.push(if en {
                "A letter from Sample Hospital"
            } else {
                "Carta de Sample Hospital"
            });
        }
    }
    v
}

#[test]
fn every_kind_in_every_shipped_language_says_what_it_must() {
    let templates = builtin();
    for lang in ["en", "es"] {
        for kind in spec::KINDS {
            let doc = match templates.compose("MAIN", &sample_vars(kind, lang)) {
                Ok(d) => d,
                Err(e) => panic!("{lang} {kind:?}: {e}"),
            };
            assert_eq!(doc.language, lang);
            let text = render_text(&doc);
            // Paragraphs as composed (render_text wraps lines).
            let flat: Vec<String> = doc
                .sections
                .iter()
                .flat_map(|s| s.heading.iter().chain(s.paragraphs.iter()).cloned())
                .chain([
                    doc.title.clone(),
                    doc.salutation.clone(),
                    doc.closing.clone(),
                    doc.reference.clone(),
                    doc.date.clone(),
                ])
                .chain(doc.signature.iter().cloned())
                .chain(doc.recipient.iter().cloned())
                .chain(doc.facility.address.iter().cloned())
                .chain([doc.facility.name.clone()])
                .collect();
            let all = flat.join("\n");
            for part in expected(lang, kind) {
                assert!(
                    all.contains(part),
                    "{lang} {kind:?} lacks {part:?}:\n{text}"
                );
            }
            assert!(
                !text.chars().any(|c| c != '\n' && forbidden(c)),
                "{lang} {kind:?}: invisible or control character"
            );
            assert!(
                !text.contains('{') && !text.contains('$'),
                "{lang} {kind:?}: an unfilled placeable:\n{text}"
            );
        }
    }
}

#[test]
fn language_matching_follows_bcp47_lookup_and_never_falls_back_to_english() {
    let templates = builtin();
    let table: [(&str, Result<&str, ComposeError>); 9] = [
        ("en", Ok("en")),
        ("en-US", Ok("en")),
        ("es", Ok("es")),
        ("es-MX", Ok("es")),
        ("es-419", Ok("es")),
        ("ES-mx", Ok("es")),
        (
            "fr",
            Err(ComposeError::NoTemplate {
                language: "fr".into(),
                kind: LetterKind::Resolution,
            }),
        ),
        (
            "zh-Hant-TW",
            Err(ComposeError::NoTemplate {
                language: "zh-Hant-TW".into(),
                kind: LetterKind::Resolution,
            }),
        ),
        (
            "not a tag",
            Err(ComposeError::InvalidLanguage {
                language: "not a tag".into(),
            }),
        ),
    ];
    for (asked, want) in table {
        let got = templates
            .compose("MAIN", &sample_vars(LetterKind::Resolution, asked))
            .map(|d| d.language);
        assert_eq!(
            templates.language_for("MAIN", asked),
            want.clone().ok().map(str::to_owned),
            "asked {asked}"
        );
        assert_eq!(got, want.map(str::to_owned), "asked {asked}");
    }
    assert_eq!(templates.languages("MAIN"), ["en", "es"]);
}

#[test]
fn a_kind_without_the_facts_it_must_state_is_not_composed() {
    let templates = builtin();
    type Edit = fn(&mut crate::LetterVars);
    let table: [(LetterKind, &str, Edit); 12] = [
        (LetterKind::Resolution, "results", |v| v.results = None),
        (LetterKind::Resolution, "results", |v| {
            v.results = Some(" \n ".into())
        }),
        (LetterKind::Resolution, "investigation_steps", |v| {
            v.investigation_steps = None
        }),
        (LetterKind::Resolution, "completed_on", |v| {
            v.completed_on = None
        }),
        (LetterKind::ProgressNotice, "response_by", |v| {
            v.response_by = None
        }),
        (LetterKind::Extension, "response_by", |v| {
            v.response_by = None
        }),
        (LetterKind::Extension, "extension_reason", |v| {
            v.extension_reason = None
        }),
        (LetterKind::Other, "body", |v| v.body = None),
        (LetterKind::Acknowledgement, "contact.name", |v| {
            v.contact.name = " ".into()
        }),
        (LetterKind::Acknowledgement, "recipient_name", |v| {
            v.recipient_name.clear()
        }),
        (LetterKind::Acknowledgement, "reference", |v| {
            v.reference.clear()
        }),
        (LetterKind::Other, "facility.name", |v| {
            v.facility.name.clear()
        }),
    ];
    for (kind, field, edit) in table {
        for lang in ["en", "es"] {
            let mut vars = sample_vars(kind, lang);
            edit(&mut vars);
            assert_eq!(
                templates.compose("MAIN", &vars),
                Err(ComposeError::MissingValue { kind, field }),
                "{lang} {kind:?} without {field}"
            );
        }
    }
}

#[test]
fn facts_a_kind_does_not_use_are_not_needed() {
    let templates = builtin();
    for kind in spec::KINDS {
        let mut vars = sample_vars(kind, "en");
        if kind != LetterKind::Resolution {
            vars.results = None;
            vars.investigation_steps = None;
            vars.completed_on = None;
            vars.qio = None;
        }
        if !matches!(kind, LetterKind::ProgressNotice | LetterKind::Extension) {
            vars.response_by = None;
        }
        if kind != LetterKind::Extension {
            vars.extension_reason = None;
        }
        if kind != LetterKind::Other {
            vars.body = None;
        }
        vars.contact.title = None;
        vars.contact.phone = None;
        vars.contact.email = None;
        vars.recipient_address.clear();
        let doc = templates.compose("MAIN", &vars);
        assert!(doc.is_ok(), "{kind:?}: {doc:?}");
    }
}

#[test]
fn the_qio_notice_appears_exactly_when_owed_with_what_is_configured() {
    let templates = builtin();
    let cases: [(Option<crate::QioNotice>, &[&str], &[&str]); 4] = [
        (None, &[], &["Quality Improvement Organization", "QIO"]),
        (
            Some(crate::QioNotice::default()),
            &["Quality Improvement Organization (QIO)"],
            &["The QIO for this area", "You can call"],
        ),
        (
            Some(crate::QioNotice {
                organization: Some("Livanta".into()),
                phone: None,
            }),
            &["The QIO for this area is Livanta."],
            &["You can call"],
        ),
        (
            Some(crate::QioNotice {
                organization: None,
                phone: Some("1-888-524-9900".into()),
            }),
            &["You can call the QIO at 1-888-524-9900."],
            &["The QIO for this area"],
        ),
    ];
    for (qio, present, absent) in cases {
        let mut vars = sample_vars(LetterKind::Resolution, "en");
        vars.qio = qio.clone();
        let text = match templates.compose("MAIN", &vars) {
            Ok(d) => render_text(&d).replace('\n', " "),
            Err(e) => panic!("{qio:?}: {e}"),
        };
        for p in present {
            assert!(text.contains(p), "{qio:?}: lacks {p:?}");
        }
        for a in absent {
            assert!(!text.contains(a), "{qio:?}: has {a:?}");
        }
    }
}

#[test]
fn line_breaks_of_a_fact_stay_and_those_of_the_template_do_not() {
    let templates = builtin();
    let mut vars = sample_vars(LetterKind::Resolution, "en");
    vars.investigation_steps =
        Some("1. We read your letter.\r\n2. We spoke\twith staff.\n\nThen we met.".into());
    let doc = templates.compose("MAIN", &vars).map_err(|e| e.to_string());
    let Ok(doc) = doc else { panic!("{doc:?}") };
    assert_eq!(
        doc.sections[1].paragraphs,
        [
            "1. We read your letter.\n2. We spoke with staff.",
            "Then we met."
        ]
    );
    // The intro is written over three lines in en.ftl: one paragraph, one line.
    assert!(!doc.sections[0].paragraphs[0].contains('\n'));
}

#[test]
fn a_fact_with_an_invisible_or_control_character_is_refused() {
    let templates = builtin();
    type Edit = fn(&mut crate::LetterVars);
    let table: [(&str, char, Edit); 4] = [
        ("recipient_name", '\u{7}', |v| {
            v.recipient_name.push('\u{7}')
        }),
        ("results", '\u{2068}', |v| {
            v.results = Some("ok \u{2068}x\u{2069}".into())
        }),
        ("facility.address", '\u{1b}', |v| {
            v.facility.address.push("\u{1b}[31m".into())
        }),
        ("body", '\u{202E}', |v| v.body = Some("a\u{202E}b".into())),
    ];
    for (field, character, edit) in table {
        let mut vars = sample_vars(LetterKind::Resolution, "es");
        edit(&mut vars);
        assert_eq!(
            templates.compose("MAIN", &vars),
            Err(ComposeError::InvalidText { field, character }),
            "{field}"
        );
    }
}

#[test]
fn builtin_is_the_two_shipped_languages_and_shareable() {
    fn shareable<T: Send + Sync>(_: &T) {}
    let t = Templates::builtin();
    shareable(&t);
    assert_eq!(t.languages("ANY"), ["en", "es"]);
    assert_eq!(t.languages("ANY"), builtin().languages("ANY"));
}

// ---- Facility templates from a directory ------------------------------------

/// A fresh directory under the system's temporary directory.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "redress-templates-{}-{name}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&path);
        if let Err(e) = std::fs::create_dir_all(&path) {
            panic!("{}: {e}", path.display());
        }
        TempDir(path)
    }

    fn write(&self, relative: &str, text: &str) -> std::path::PathBuf {
        let path = self.0.join(relative);
        if let Some(parent) = path.parent()
            && let Err(e) = std::fs::create_dir_all(parent)
        {
            panic!("{}: {e}", parent.display());
        }
        if let Err(e) = std::fs::write(&path, text) {
            panic!("{}: {e}", path.display());
        }
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const EN: &str = include_str!("../../templates/en.ftl");

/// A French template made from the English one: its own month names and
/// date order, and one French title to tell it apart.
fn french() -> String {
    let months = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let mut out = Vec::new();
    for l in EN.lines() {
        if let Some(rest) = l.strip_prefix("month-") {
            let n: usize = rest
                .split(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            out.push(format!("month-{n} = {}", months[n - 1]));
        } else if l.starts_with("date = ") {
            out.push("date = { $day } { $month } { $year }".to_owned());
        } else if l.starts_with("acknowledgement-title = ") {
            out.push("acknowledgement-title = Nous avons bien reçu votre réclamation".to_owned());
        } else {
            out.push(l.to_owned());
        }
    }
    out.join("\n")
}

/// The English file with `message`'s definition (its first line, and the
/// indented and blank lines after it) replaced by `replacement` ("" to drop it).
fn en_with(message: &str, replacement: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut skipping = false;
    let mut found = false;
    for l in EN.lines() {
        if l.starts_with(&format!("{message} =")) {
            skipping = true;
            found = true;
            if !replacement.is_empty() {
                out.push(replacement.to_owned());
            }
            continue;
        }
        if skipping && (l.starts_with("    ") || l.is_empty()) {
            continue;
        }
        skipping = false;
        out.push(l.to_owned());
    }
    assert!(found, "no message {message} in en.ftl");
    out.join("\n")
}

#[test]
fn a_facility_adds_a_language_and_rewords_a_shipped_one_for_itself_only() {
    let dir = TempDir::new("facility");
    dir.write("MAIN/fr.ftl", &french());
    dir.write(
        "MAIN/en.ftl",
        &en_with(
            "acknowledgement-title",
            "acknowledgement-title = Thank you for telling us",
        ),
    );
    dir.write("MAIN/README.txt", "not a template: ignored");
    dir.write("NORTH_2/.en.ftl.swp", "hidden: ignored");
    let templates = match Templates::load(Some(&dir.0)) {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(templates.languages("MAIN"), ["en", "es", "fr"]);
    assert_eq!(templates.languages("main"), ["en", "es", "fr"]);
    assert_eq!(templates.languages("NORTH_2"), ["en", "es"]);
    assert_eq!(templates.languages("ELSEWHERE"), ["en", "es"]);
    assert_eq!(templates.language_for("MAIN", "fr-CA"), Some("fr".into()));
    assert_eq!(templates.language_for("ELSEWHERE", "fr-CA"), None);

    let ack = |facility: &str, lang: &str| {
        templates
            .compose(facility, &sample_vars(LetterKind::Acknowledgement, lang))
            .map(|d| (d.language, d.title, d.date))
    };
    assert_eq!(
        ack("MAIN", "fr-CA"),
        Ok((
            "fr".into(),
            "Nous avons bien reçu votre réclamation".into(),
            "1 décembre 2026".into()
        ))
    );
    assert_eq!(
        ack("MAIN", "en"),
        Ok((
            "en".into(),
            "Thank you for telling us".into(),
            "December 1, 2026".into()
        ))
    );
    assert_eq!(
        ack("ELSEWHERE", "en"),
        Ok((
            "en".into(),
            "We have received your concern".into(),
            "December 1, 2026".into()
        ))
    );
    assert_eq!(
        ack("ELSEWHERE", "fr"),
        Err(ComposeError::NoTemplate {
            language: "fr".into(),
            kind: LetterKind::Acknowledgement
        })
    );
}

/// (case, file name under MAIN/, file text, what the error must say).
fn bad_files() -> Vec<(&'static str, &'static str, String, Vec<&'static str>)> {
    vec![
        (
            "syntax error",
            "en.ftl",
            en_with("reference", "reference = Reference: { $reference"),
            vec!["en.ftl:", "syntax error"],
        ),
        (
            "missing message",
            "en.ftl",
            en_with("resolution-results", ""),
            vec!["en.ftl", "`resolution-results`", "missing"],
        ),
        (
            "a language without month names",
            "fr.ftl",
            en_with("month-3", ""),
            vec!["fr.ftl", "`month-3`", "missing"],
        ),
        (
            "a language without a date pattern",
            "fr.ftl",
            en_with("date", ""),
            vec!["fr.ftl", "`date`", "missing"],
        ),
        (
            "unknown variable",
            "en.ftl",
            en_with(
                "acknowledgement-title",
                "acknowledgement-title = About { $results }",
            ),
            vec![
                "en.ftl",
                "`acknowledgement-title`",
                "`$results`",
                "does not give",
            ],
        ),
        (
            "a variable of another message",
            "en.ftl",
            en_with("qio-notice", "qio-notice = Call { $qio-phone }."),
            vec!["en.ftl", "`qio-notice`", "`$qio-phone`"],
        ),
        (
            "unknown variable through a referenced message",
            "en.ftl",
            format!(
                "{}\nshared = {{ $patient-mrn }}",
                en_with("other-title", "other-title = { shared }")
            ),
            vec!["en.ftl", "other-title → shared", "`$patient-mrn`"],
        ),
        (
            "a term's variable not passed to it",
            "en.ftl",
            format!(
                "{}\n-clinic = {{ $facility-name }} clinic",
                en_with("other-title", "other-title = { -clinic }")
            ),
            vec![
                "en.ftl",
                "other-title → -clinic",
                "`$facility-name`",
                "term",
            ],
        ),
        (
            "progress notice without its date",
            "en.ftl",
            en_with(
                "progress-notice-body",
                "progress-notice-body = We are still working on it.",
            ),
            vec![
                "en.ftl",
                "`progress-notice-body`",
                "must use",
                "`$response-by`",
            ],
        ),
        (
            "resolution without its results",
            "en.ftl",
            en_with("resolution-results", "resolution-results = See above."),
            vec!["en.ftl", "`resolution-results`", "must use", "`$results`"],
        ),
        (
            "a required variable printed in only one variant of a select",
            "en.ftl",
            en_with(
                "progress-notice-body",
                "progress-notice-body = { $reference ->\n    [G-1] Soon.\n   *[other] By { $response-by }.\n}",
            ),
            vec![
                "en.ftl",
                "`progress-notice-body`",
                "must use",
                "`$response-by`",
            ],
        ),
        (
            "a message no letter uses (misspelt)",
            "en.ftl",
            format!("{EN}\nresolution-footnote = Thank you for your patience."),
            vec!["en.ftl", "`resolution-footnote`", "not used"],
        ),
        (
            "an unused term",
            "en.ftl",
            format!("{EN}\n-brand = Mercy"),
            vec!["en.ftl", "`-brand`", "not used"],
        ),
        (
            "reference to an undefined attribute",
            "en.ftl",
            en_with("other-title", "other-title = { other-closing.formal }"),
            vec![
                "en.ftl",
                "`other-title`",
                "`other-closing.formal`",
                "not defined",
            ],
        ),
        (
            "reference to an undefined message",
            "en.ftl",
            en_with("other-title", "other-title = { -brand } letter"),
            vec!["en.ftl", "`other-title`", "`-brand`", "not defined"],
        ),
        (
            "a circular reference",
            "en.ftl",
            format!(
                "{}\nloop = {{ other-title }}",
                en_with("other-title", "other-title = { loop }")
            ),
            vec!["en.ftl", "other-title → loop", "`other-title`"],
        ),
        (
            "a function",
            "en.ftl",
            en_with("date", "date = { $month } { NUMBER($day) }, { $year }"),
            vec!["en.ftl", "`date`", "`NUMBER`"],
        ),
        (
            "a message defined twice",
            "en.ftl",
            format!("{EN}\nreference = Ref. {{ $reference }}"),
            vec!["en.ftl", "`reference`", "twice"],
        ),
        (
            "a message with attributes only",
            "en.ftl",
            en_with("other-closing", "other-closing =\n    .short = Bye"),
            vec!["en.ftl", "`other-closing`", "no text"],
        ),
        (
            "a control character",
            "en.ftl",
            en_with("other-closing", "other-closing = Sincerely,\u{7}"),
            vec!["en.ftl:", "U+0007"],
        ),
        (
            "a Unicode isolation mark",
            "en.ftl",
            en_with(
                "other-closing",
                "other-closing = \u{2068}Sincerely,\u{2069}",
            ),
            vec!["en.ftl:", "U+2068"],
        ),
        (
            "an escaped control character",
            "en.ftl",
            en_with("other-closing", "other-closing = Sincerely,{ \"\\u001F\" }"),
            vec!["en.ftl", "`other-closing`", "U+001F"],
        ),
        (
            "a file name that is not a language tag",
            "e.ftl",
            EN.to_owned(),
            vec!["e.ftl", "not a language tag"],
        ),
        (
            "two files for one language",
            "EN.ftl",
            EN.to_owned(),
            vec!["en", "a second template"],
        ),
    ]
}

#[test]
fn bad_template_files_are_refused_at_load_naming_file_message_and_variable() {
    for (case, name, text, says) in bad_files() {
        let dir = TempDir::new("bad");
        dir.write(&format!("MAIN/{name}"), &text);
        if case == "two files for one language" {
            dir.write("MAIN/en.ftl", EN);
        }
        match Templates::load(Some(&dir.0)) {
            Ok(_) => panic!("{case}: loaded"),
            Err(e) => {
                let message = e.to_string();
                for part in says {
                    assert!(message.contains(part), "{case}: {message:?} lacks {part:?}");
                }
            }
        }
    }
}

#[test]
fn a_syntax_error_names_its_line() {
    let dir = TempDir::new("line");
    let text = en_with("reference", "reference = Reference: { $reference");
    let line = text
        .lines()
        .position(|l| l.starts_with("reference ="))
        .map(|i| i + 1);
    dir.write("MAIN/en.ftl", &text);
    match Templates::load(Some(&dir.0)) {
        Err(TemplateError::Syntax { file, line: at, .. }) => {
            assert!(file.ends_with("en.ftl"), "{file}");
            // The parser reports where it gave up: the line or the next.
            let line = line.unwrap_or(0);
            assert!(at == line || at == line + 1, "line {at}, expected {line}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn terms_with_arguments_and_shared_messages_are_accepted() {
    let dir = TempDir::new("terms");
    let text = format!(
        "{}\n-clinic = {{ $name }} Patient Relations\nsign-off = Sincerely,",
        en_with(
            "other-title",
            "other-title = A letter from { -clinic(name: \"North\") }"
        )
    );
    let text = text.replace("other-closing = Sincerely,", "other-closing = { sign-off }");
    dir.write("MAIN/en.ftl", &text);
    let templates = match Templates::load(Some(&dir.0)) {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    let doc = templates.compose("MAIN", &sample_vars(LetterKind::Other, "en"));
    assert_eq!(
        doc.map(|d| (d.title, d.closing)),
        Ok((
            "A letter from North Patient Relations".into(),
            "Sincerely,".into()
        ))
    );
}

#[test]
fn a_directory_laid_out_wrongly_is_refused() {
    let cases: [(&str, &str); 3] = [
        ("en.ftl", "<FACILITY_CODE>/<lang>.ftl"),
        ("main/en.ftl", "facility code"),
        ("MAIN/en.ftl/x", "a directory where a template file belongs"),
    ];
    for (path, says) in cases {
        let dir = TempDir::new("layout");
        dir.write(path, EN);
        match Templates::load(Some(&dir.0)) {
            Ok(_) => panic!("{path}: loaded"),
            Err(e) => assert!(e.to_string().contains(says), "{path}: {e}"),
        }
    }
    let missing = std::env::temp_dir().join("redress-templates-no-such-dir");
    assert!(matches!(
        Templates::load(Some(&missing)),
        Err(TemplateError::Io { .. })
    ));
}
