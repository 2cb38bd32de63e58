//! The PDF rendering checked with poppler's tools (Debian `poppler-utils`):
//! every part of the letter comes back out as text, in reading order; the
//! file is tagged and declares PDF/UA-1 with a language and a structure
//! tree; large print is larger; Chinese renders with a configured Noto CJK
//! font (Debian `fonts-noto-cjk`). A missing tool fails the test, naming
//! the package to install.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use redress_correspondence::{
    FacilityBlock, FontFile, Fonts, LetterDocument, LetterFormat, Paper, PdfOptions, RenderError,
    Section, render_pdf, render_pdf_with,
};

const NOTO_CJK: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";

fn letter() -> LetterDocument {
    LetterDocument {
        language: "en-US".into(),
        title: "Response to your grievance".into(),
        facility: FacilityBlock {
            name: "Riverside General Hospital".into(),
            address: vec![
                "1 River Road".into(),
                "Springfield, IL 62701".into(),
                "Patient Relations: (217) 555-0100".into(),
            ],
        },
        date: "December 1, 2026".into(),
        recipient: vec![
            "Ana Ruiz".into(),
            "2 Elm Street".into(),
            "Springfield, IL 62702".into(),
        ],
        reference: "Reference: G-2026-000123".into(),
        salutation: "Dear Ana Ruiz,".into(),
        sections: vec![
            Section {
                heading: Some("What we did".into()),
                paragraphs: vec![
                    "We reviewed your medical record, spoke with the nurses on the unit and \
                     with the attending physician, and met with the unit manager."
                        .into(),
                    "Straße Ñandú Œuvre: every Latin letter is embedded and extractable.".into(),
                ],
            },
            Section {
                heading: Some("What we found".into()),
                paragraphs: vec![
                    "The call light response times on the night of November 12 were longer \
                     than our standard."
                        .into(),
                ],
            },
        ],
        closing: "Sincerely,".into(),
        signature: vec!["Pat Lee".into(), "Patient Relations Manager".into()],
        format: LetterFormat::Standard,
    }
}

/// Runs a poppler tool on `file` (and then `extra` arguments, e.g. "-" for
/// standard output) and returns what it printed.
fn tool(name: &str, args: &[&str], file: &Path, extra: &[&str]) -> String {
    let out = Command::new(name).args(args).arg(file).args(extra).output();
    let out = match out {
        Ok(out) => out,
        Err(e) => panic!(
            "cannot run `{name}` ({e}): install Debian's poppler-utils (apt-get install poppler-utils)"
        ),
    };
    assert!(
        out.status.success(),
        "{name} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn pdfinfo(file: &Path) -> String {
    tool("pdfinfo", &[], file, &[])
}

/// The structure tree as `pdfinfo -struct-text` reads it: for each element
/// under Document, its type with the heading's title, and its text (the
/// lines joined by spaces), in the tree's (the reading) order. Artifacts
/// (page numbers) are not in it.
fn structure(file: &Path) -> Vec<(String, String)> {
    let out = tool("pdfinfo", &["-struct-text"], file, &[]);
    let mut elements: Vec<(String, Vec<String>)> = Vec::new();
    for line in out.lines() {
        if let Some(content) = line.strip_prefix("    \"") {
            let content = content.strip_suffix('"').unwrap_or(content);
            elements.last_mut().unwrap().1.push(content.to_owned());
        } else if let Some(element) = line.strip_prefix("  ") {
            elements.push((element.trim_end_matches(" (block)").to_owned(), Vec::new()));
        }
    }
    elements
        .into_iter()
        .map(|(tag, lines)| (tag, lines.join(" ")))
        .collect()
}

fn write(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pdf");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn text_of(file: &Path) -> String {
    // Reading order as extracted, without layout: one string of words.
    tool("pdftotext", &["-enc", "UTF-8"], file, &["-"])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The `size` of the first word `word` in `pdftotext -bbox` output (the
/// height of its box, which grows with the font size).
fn word_height(file: &Path, word: &str) -> f32 {
    let html = tool("pdftotext", &["-bbox"], file, &["-"]);
    let line = html
        .lines()
        .find(|l| l.contains(&format!(">{word}</word>")))
        .unwrap_or_else(|| panic!("{word} not in\n{html}"));
    let attr = |name: &str| -> f32 {
        let start = line.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        line[start..].split('"').next().unwrap().parse().unwrap()
    };
    attr("yMax") - attr("yMin")
}

#[test]
fn every_part_of_the_letter_is_extractable_in_reading_order() {
    let doc = letter();
    let pdf = render_pdf(&doc, &Fonts::builtin().unwrap()).unwrap();
    assert!(pdf.starts_with(b"%PDF-1.7"));
    let file = write("standard.pdf", &pdf);
    let text = text_of(&file);
    let mut parts: Vec<String> = vec![doc.facility.name.clone()];
    parts.extend(doc.facility.address.iter().cloned());
    parts.push(doc.date.clone());
    parts.extend(doc.recipient.iter().cloned());
    parts.push(doc.reference.clone());
    parts.push(doc.title.clone());
    parts.push(doc.salutation.clone());
    for section in &doc.sections {
        parts.extend(section.heading.iter().cloned());
        parts.extend(section.paragraphs.iter().map(|p| squash(p)));
    }
    parts.push(doc.closing.clone());
    parts.extend(doc.signature.iter().cloned());
    let mut at = 0;
    for part in &parts {
        let found = text[at..].find(part.as_str());
        assert!(found.is_some(), "{part:?} after byte {at} in\n{text}");
        at += found.unwrap() + part.len();
    }
}

#[test]
fn the_pdf_is_tagged_and_declares_pdf_ua_with_language_title_and_structure() {
    let pdf = render_pdf(&letter(), &Fonts::builtin().unwrap()).unwrap();
    let file = write("tagged.pdf", &pdf);
    let info = pdfinfo(&file);
    assert!(info.lines().any(|l| l == "Tagged:          yes"), "{info}");
    assert!(
        info.lines()
            .any(|l| l.starts_with("Title:") && l.ends_with("Response to your grievance")),
        "{info}"
    );
    assert!(
        info.contains("Page size:       612 x 792 pts (letter)"),
        "{info}"
    );
    let meta = tool("pdfinfo", &["-meta"], &file, &[]);
    assert!(meta.contains("<pdfuaid:part>1</pdfuaid:part>"), "{meta}");
    assert!(meta.contains("<rdf:li>en-US</rdf:li>"), "{meta}");
    let raw = String::from_utf8_lossy(&pdf);
    // The catalog (not compressed) has the language, the structure tree,
    // says the file is marked, and shows the title instead of the file name.
    for key in [
        "/Lang(en-US)",
        "/StructTreeRoot",
        "/MarkInfo<</Marked true",
        "/DisplayDocTitle true",
    ] {
        assert!(raw.contains(key), "no {key}");
    }
    // The structure tree, in reading order: headings are H1 (the title)
    // and H2 (the sections), everything else a paragraph.
    let doc = letter();
    let p = |s: &str| ("P".to_owned(), squash(s));
    let h = |level: u8, s: &str| (format!("H{level} \"{s}\""), s.to_owned());
    let mut expected = vec![
        p(&doc.facility.name),
        p(&doc.facility.address.join(" ")),
        p(&doc.date),
        p(&doc.recipient.join(" ")),
        p(&doc.reference),
        h(1, &doc.title),
        p(&doc.salutation),
    ];
    for section in &doc.sections {
        expected.push(h(2, section.heading.as_deref().unwrap()));
        expected.extend(section.paragraphs.iter().map(|x| p(x)));
    }
    expected.push(p(&doc.closing));
    expected.push(p(&doc.signature.join(" ")));
    assert_eq!(structure(&file), expected);
    // Fonts are embedded (subset), not referenced.
    let fonts = tool("pdffonts", &[], &file, &[]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(rows.len() >= 2, "{fonts}");
    for row in rows {
        assert!(row.contains("DejaVuSans"), "{row}");
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name type encoding emb sub uni …: emb and sub are "yes".
        let n = cols.len();
        assert_eq!(&cols[n - 5..n - 2], &["yes", "yes", "yes"], "{row}");
    }
}

#[test]
fn the_same_letter_renders_to_the_same_bytes() {
    let fonts = Fonts::builtin().unwrap();
    assert_eq!(
        render_pdf(&letter(), &fonts).unwrap(),
        render_pdf(&letter(), &fonts).unwrap()
    );
}

#[test]
fn large_print_is_larger_than_standard() {
    let fonts = Fonts::builtin().unwrap();
    let standard = write("size-standard.pdf", &render_pdf(&letter(), &fonts).unwrap());
    let mut large = letter();
    large.format = LetterFormat::LargePrint;
    let large_pdf = render_pdf(&large, &fonts).unwrap();
    let large = write("size-large.pdf", &large_pdf);
    // "reviewed" is body text: 11 pt standard, 18 pt large print.
    let (s, l) = (
        word_height(&standard, "reviewed"),
        word_height(&large, "reviewed"),
    );
    assert!(l / s > 1.5, "standard {s}, large {l}");
    // The same text takes more pages in large print, and pages are numbered.
    let pages = |file: &Path| -> usize {
        let info = pdfinfo(file);
        let line = info.lines().find(|l| l.starts_with("Pages:")).unwrap();
        line.split_whitespace().last().unwrap().parse().unwrap()
    };
    assert_eq!(pages(&standard), 1);
    assert!(pages(&large) >= 2, "large print fits on one page?");
    let text = text_of(&large).replace(' ', "");
    assert!(text.contains(&format!("1/{}", pages(&large))), "{text}");
    // Everything is still there.
    assert!(text.contains("PatientRelationsManager"), "{text}");
}

#[test]
fn long_letters_break_into_pages_and_keep_every_paragraph() {
    let mut doc = letter();
    let paragraphs: Vec<String> = (1..=40)
        .map(|i| format!("Paragraph number {i} of the long letter, which is long enough to wrap across more than one line of the page."))
        .collect();
    doc.sections.push(Section {
        heading: Some("Details".into()),
        paragraphs: paragraphs.clone(),
    });
    let file = write(
        "long.pdf",
        &render_pdf_with(
            &doc,
            &Fonts::builtin().unwrap(),
            PdfOptions { paper: Paper::A4 },
        )
        .unwrap(),
    );
    let info = pdfinfo(&file);
    assert!(info.contains("(A4)"), "{info}");
    // Reading order comes from the structure tree: page numbers (artifacts)
    // do not interrupt a paragraph split across pages.
    let blocks = structure(&file);
    let texts: Vec<&str> = blocks.iter().map(|(_, text)| text.as_str()).collect();
    let at = texts.iter().position(|t| *t == "Details").unwrap();
    assert_eq!(
        &texts[at + 1..at + 41],
        &paragraphs.iter().map(String::as_str).collect::<Vec<_>>()[..]
    );
    assert_eq!(texts.last(), Some(&"Pat Lee Patient Relations Manager"));
    let pages = info.lines().find(|l| l.starts_with("Pages:")).unwrap();
    assert!(!pages.ends_with(" 1"), "{info}");
    // pdftotext (which ignores tags) finds the page numbers.
    assert!(text_of(&file).replace(' ', "").contains("1/"));
}

fn chinese() -> LetterDocument {
    LetterDocument {
        language: "zh-Hans".into(),
        title: "关于您的投诉的答复".into(),
        facility: FacilityBlock {
            name: "Riverside General Hospital 河滨总医院".into(),
            address: vec!["1 River Road".into()],
        },
        date: "2026年12月1日".into(),
        recipient: vec!["王芳".into()],
        reference: "编号：G-2026-000123".into(),
        salutation: "尊敬的王芳女士：".into(),
        sections: vec![Section {
            heading: Some("我们的调查".into()),
            paragraphs: vec!["我们已经查阅了您的病历，并与护理人员进行了面谈。".repeat(4)],
        }],
        closing: "此致".into(),
        signature: vec!["Pat Lee".into()],
        format: LetterFormat::Standard,
    }
}

#[test]
fn chinese_renders_with_a_configured_noto_cjk_font() {
    assert!(
        Path::new(NOTO_CJK).exists(),
        "{NOTO_CJK} is missing: install Debian's fonts-noto-cjk (apt-get install fonts-noto-cjk)"
    );
    let doc = chinese();
    // Face 2 of the collection is Simplified Chinese.
    let fonts = Fonts::builtin()
        .unwrap()
        .with_fallback(&FontFile::parse(&format!("{NOTO_CJK}#2")))
        .unwrap();
    let file = write("chinese.pdf", &render_pdf(&doc, &fonts).unwrap());
    // CJK text comes back without spaces between characters.
    let text =
        tool("pdftotext", &["-enc", "UTF-8"], &file, &["-"]).replace(char::is_whitespace, "");
    for part in [
        "河滨总医院",
        "编号：G-2026-000123",
        "关于您的投诉的答复",
        "我们的调查",
        &doc.sections[0].paragraphs[0],
        "此致",
    ] {
        assert!(text.contains(part), "{part:?} not in {text}");
    }
    let fonts = tool("pdffonts", &[], &file, &[]);
    assert!(fonts.contains("NotoSansCJK"), "{fonts}");
    assert!(fonts.contains("DejaVuSans"), "{fonts}");
    assert!(String::from_utf8_lossy(&std::fs::read(&file).unwrap()).contains("/Lang(zh-Hans)"));
}

#[test]
fn a_character_no_font_has_is_an_error_not_a_blank() {
    let err = render_pdf(&chinese(), &Fonts::builtin().unwrap()).unwrap_err();
    assert!(
        matches!(err, RenderError::MissingGlyph { script: "Han", .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("Han script"), "{err}");
    // A script the CJK font lacks too (Cherokee) is refused with it configured.
    let fonts = Fonts::with_fallbacks(&[NOTO_CJK]).unwrap();
    let mut doc = letter();
    doc.salutation = "ᏏᏲ Ana,".into();
    let err = render_pdf(&doc, &fonts).unwrap_err();
    assert!(
        matches!(
            err,
            RenderError::MissingGlyph {
                script: "Cherokee",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_letter_without_title_or_language_is_refused() {
    let fonts = Fonts::builtin().unwrap();
    let mut doc = letter();
    doc.title = " ".into();
    assert!(matches!(
        render_pdf(&doc, &fonts),
        Err(RenderError::MissingTitle)
    ));
    let mut doc = letter();
    doc.language.clear();
    assert!(matches!(
        render_pdf(&doc, &fonts),
        Err(RenderError::MissingLanguage)
    ));
}
