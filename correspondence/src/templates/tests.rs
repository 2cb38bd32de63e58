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
        assert_eq!(got, want.map(str::to_owned), "asked {asked}");
    }
    assert_eq!(templates.languages("MAIN"), ["en", "es"]);
}
