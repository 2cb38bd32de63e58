//! The plain-text rendering: the body of an email and the portal's copy.

use crate::LetterDocument;

/// Width of a line in the text rendering (RFC 5322 recommends at most 78).
const WIDTH: usize = 72;

/// Renders the letter as plain text: letterhead, date, recipient,
/// reference, body and signature, paragraphs wrapped at 72 columns on
/// spaces (a word longer than a line is kept whole), blocks separated by a
/// blank line. Lines end in `\n`.
pub fn render_text(doc: &LetterDocument) -> String {
    let mut blocks: Vec<String> = Vec::new();
    let mut head = vec![doc.facility.name.clone()];
    head.extend(doc.facility.address.iter().cloned());
    blocks.push(lines(&head));
    blocks.push(doc.date.clone());
    if !doc.recipient.is_empty() {
        blocks.push(lines(&doc.recipient));
    }
    if !doc.reference.is_empty() {
        blocks.push(doc.reference.clone());
    }
    blocks.push(doc.title.clone());
    if !doc.salutation.is_empty() {
        blocks.push(doc.salutation.clone());
    }
    for section in &doc.sections {
        if let Some(heading) = &section.heading {
            blocks.push(heading.clone());
        }
        for paragraph in &section.paragraphs {
            blocks.push(wrap(paragraph, WIDTH));
        }
    }
    let mut sign = Vec::new();
    if !doc.closing.is_empty() {
        sign.push(doc.closing.clone());
    }
    sign.extend(doc.signature.iter().cloned());
    if !sign.is_empty() {
        blocks.push(lines(&sign));
    }
    let blocks: Vec<String> = blocks
        .into_iter()
        .map(|b| b.trim_end().to_owned())
        .filter(|b| !b.is_empty())
        .collect();
    let mut out = blocks.join("\n\n");
    out.push('\n');
    out
}

fn lines(items: &[String]) -> String {
    items
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Wraps `text` at `width` characters on whitespace; explicit line breaks
/// in the paragraph are kept.
fn wrap(text: &str, width: usize) -> String {
    let mut out: Vec<String> = Vec::new();
    for source_line in text.lines() {
        let mut line = String::new();
        let mut len = 0usize;
        for word in source_line.split_whitespace() {
            let w = word.chars().count();
            if len > 0 && len + 1 + w > width {
                out.push(std::mem::take(&mut line));
                len = 0;
            }
            if len > 0 {
                line.push(' ');
                len += 1;
            }
            line.push_str(word);
            len += w;
        }
        out.push(line);
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FacilityBlock, Section};

    fn doc() -> LetterDocument {
        LetterDocument {
            language: "en".into(),
            title: "Response to your grievance".into(),
            facility: FacilityBlock {
                name: "Riverside General".into(),
                address: vec!["1 River Road".into(), "Springfield, IL 62701".into()],
            },
            date: "December 1, 2026".into(),
            recipient: vec!["Ana Ruiz".into(), "2 Elm St".into()],
            reference: "Reference: G-2026-000123".into(),
            salutation: "Dear Ana Ruiz,".into(),
            sections: vec![Section {
                heading: Some("What we did".into()),
                paragraphs: vec!["word ".repeat(40)],
            }],
            closing: "Sincerely,".into(),
            signature: vec!["Pat Lee".into(), "Patient Relations".into()],
            ..LetterDocument::default()
        }
    }

    #[test]
    fn every_block_appears_in_order() {
        let text = render_text(&doc());
        let order = [
            "Riverside General\n1 River Road\nSpringfield, IL 62701",
            "December 1, 2026",
            "Ana Ruiz\n2 Elm St",
            "Reference: G-2026-000123",
            "Response to your grievance",
            "Dear Ana Ruiz,",
            "What we did",
            "word word",
            "Sincerely,\nPat Lee\nPatient Relations",
        ];
        let mut at = 0;
        for part in order {
            let found = text[at..].find(part);
            assert!(found.is_some(), "{part:?} after byte {at} in\n{text}");
            at += found.unwrap_or(0) + part.len();
        }
        assert!(text.ends_with("Relations\n"));
    }

    #[test]
    fn paragraphs_wrap_at_72_columns_and_keep_long_words() {
        let text = wrap(&format!("{} {}", "a ".repeat(50), "x".repeat(90)), WIDTH);
        assert!(
            text.lines()
                .all(|l| l.chars().count() <= WIDTH || !l.contains(' '))
        );
        assert!(text.lines().any(|l| l == "x".repeat(90)));
        assert_eq!(wrap("one\ntwo", WIDTH), "one\ntwo");
    }

    #[test]
    fn empty_optional_blocks_leave_no_gaps() {
        let mut d = doc();
        d.recipient.clear();
        d.reference.clear();
        d.salutation.clear();
        assert!(!render_text(&d).contains("\n\n\n"));
    }
}
