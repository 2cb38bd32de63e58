//! Lines and pages: each block of the letter wrapped by the shaped width of
//! its words and placed top to bottom, a new page when the next line does
//! not fit, a heading never alone at the foot of a page.

use unicode_script::{Script, UnicodeScript};

use super::fonts::{Fonts, Run, Shaper};
use super::{Paper, RenderError};
use crate::{LetterDocument, LetterFormat};

/// Sizes in points. Standard print follows ordinary business letters
/// (11 pt body); large print follows the American Printing House's
/// guidance (18 pt body, sans serif, left aligned, generous leading and
/// margins).
#[derive(Copy, Clone, Debug)]
struct Style {
    margin: f32,
    body: f32,
    leading: f32,
    facility: f32,
    title: f32,
    heading: f32,
    footer: f32,
}

impl Style {
    fn of(format: LetterFormat) -> Self {
        match format {
            LetterFormat::Standard => Style {
                margin: 64.0,
                body: 11.0,
                leading: 1.35,
                facility: 15.0,
                title: 14.0,
                heading: 12.0,
                footer: 9.0,
            },
            LetterFormat::LargePrint => Style {
                margin: 72.0,
                body: 18.0,
                leading: 1.5,
                facility: 24.0,
                title: 22.0,
                heading: 20.0,
                footer: 14.0,
            },
        }
    }
}

/// What a block is in the tag tree.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum BlockKind {
    Paragraph,
    /// The letter's title (H1).
    Title,
    /// A section heading (H2).
    Heading,
}

pub(super) struct Block {
    pub(super) kind: BlockKind,
    /// The heading's text (its tag's title); empty for paragraphs.
    pub(super) text: String,
}

/// One laid-out line: its runs start at `x` on `baseline` (points from
/// the page's top left).
pub(super) struct Line {
    pub(super) block: usize,
    pub(super) size: f32,
    pub(super) bold: bool,
    pub(super) x: f32,
    pub(super) baseline: f32,
    pub(super) runs: Vec<Run>,
}

/// A bookmark: a heading and where it is.
pub(super) struct Mark {
    pub(super) kind: BlockKind,
    pub(super) text: String,
    pub(super) page: usize,
    pub(super) x: f32,
    pub(super) y: f32,
}

pub(super) struct Layout<'f> {
    regular: Shaper<'f>,
    bold: Shaper<'f>,
    style: Style,
    width: f32,
    height: f32,
    pub(super) blocks: Vec<Block>,
    pub(super) pages: Vec<Vec<Line>>,
    pub(super) marks: Vec<Mark>,
    /// Top of the next line, from the page's top.
    y: f32,
}

/// DejaVu Sans's ascender and descender as a fraction of the size (the
/// baseline sits so that the line's glyphs are centred in its leading).
const ASCENT: f32 = 0.928;
const DESCENT: f32 = 0.236;

impl<'f> Layout<'f> {
    pub(super) fn letter(
        doc: &LetterDocument,
        fonts: &'f Fonts,
        paper: Paper,
    ) -> Result<Self, RenderError> {
        let style = Style::of(doc.format);
        let (width, height) = paper.size();
        let mut l = Layout {
            regular: Shaper::new(fonts.faces(false))?,
            bold: Shaper::new(fonts.faces(true))?,
            style,
            width,
            height,
            blocks: Vec::new(),
            pages: vec![Vec::new()],
            marks: Vec::new(),
            y: style.margin,
        };
        let body = style.body;
        let line = body * style.leading;

        l.block(
            BlockKind::Paragraph,
            &doc.facility.name,
            style.facility,
            true,
            0.0,
        )?;
        l.block(
            BlockKind::Paragraph,
            &doc.facility.address.join("\n"),
            body,
            false,
            0.0,
        )?;
        l.block(BlockKind::Paragraph, &doc.date, body, false, 1.5 * line)?;
        l.block(
            BlockKind::Paragraph,
            &doc.recipient.join("\n"),
            body,
            false,
            line,
        )?;
        l.block(BlockKind::Paragraph, &doc.reference, body, false, line)?;
        l.block(BlockKind::Title, &doc.title, style.title, true, 1.2 * line)?;
        l.block(
            BlockKind::Paragraph,
            &doc.salutation,
            body,
            false,
            0.8 * line,
        )?;
        for section in &doc.sections {
            if let Some(heading) = &section.heading {
                l.block(BlockKind::Heading, heading, style.heading, true, line)?;
            }
            for paragraph in &section.paragraphs {
                l.block(BlockKind::Paragraph, paragraph, body, false, 0.6 * line)?;
            }
        }
        l.block(BlockKind::Paragraph, &doc.closing, body, false, line)?;
        // Room for a handwritten signature above the signer's name.
        let space = if doc.closing.trim().is_empty() {
            line
        } else {
            2.5 * line
        };
        l.block(
            BlockKind::Paragraph,
            &doc.signature.join("\n"),
            body,
            false,
            space,
        )?;
        Ok(l)
    }

    fn bottom(&self) -> f32 {
        // The footer (page numbers) sits in the bottom margin.
        self.height - self.style.margin
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = self.style.margin;
    }

    fn at_page_top(&self) -> bool {
        self.y <= self.style.margin
    }

    /// Lays out one block (lines separated by `\n`), `space` points below
    /// the previous one. Blank blocks are left out.
    fn block(
        &mut self,
        kind: BlockKind,
        text: &str,
        size: f32,
        bold: bool,
        space: f32,
    ) -> Result<(), RenderError> {
        let text = clean(text)?;
        if text.trim().is_empty() {
            return Ok(());
        }
        let shaper = if bold { &self.bold } else { &self.regular };
        let max = self.width - 2.0 * self.style.margin;
        let mut lines = Vec::new();
        for hard in text.split('\n') {
            lines.extend(wrap(shaper, hard.trim(), size, max)?);
        }
        let leading = size * self.style.leading;
        if !self.at_page_top() {
            self.y += space;
        }
        // A heading keeps its first two lines of text with it.
        let keep = if kind == BlockKind::Paragraph {
            leading
        } else {
            leading * lines.len() as f32 + 2.0 * self.style.body * self.style.leading
        };
        if !self.at_page_top() && self.y + keep > self.bottom() {
            self.new_page();
        }
        let block = self.blocks.len();
        self.blocks.push(Block {
            kind,
            text: if kind == BlockKind::Paragraph {
                String::new()
            } else {
                text.split_whitespace().collect::<Vec<_>>().join(" ")
            },
        });
        if kind != BlockKind::Paragraph {
            self.marks.push(Mark {
                kind,
                text: text.split_whitespace().collect::<Vec<_>>().join(" "),
                page: self.pages.len() - 1,
                x: self.style.margin,
                y: self.y,
            });
        }
        for line in lines {
            if !self.at_page_top() && self.y + leading > self.bottom() {
                self.new_page();
            }
            let runs = {
                let shaper = if bold { &self.bold } else { &self.regular };
                if line.is_empty() {
                    Vec::new()
                } else {
                    shaper.runs(&line)?
                }
            };
            let baseline = self.y + (leading - size * (ASCENT + DESCENT)) / 2.0 + size * ASCENT;
            if !runs.is_empty()
                && let Some(page) = self.pages.last_mut()
            {
                page.push(Line {
                    block,
                    size,
                    bold,
                    x: self.style.margin,
                    baseline,
                    runs,
                });
            }
            self.y += leading;
        }
        Ok(())
    }

    /// The page number line ("2 / 3") centred in the bottom margin; none
    /// for a letter of one page.
    pub(super) fn page_number(
        &self,
        index: usize,
        total: usize,
    ) -> Result<Option<Line>, RenderError> {
        if total < 2 {
            return Ok(None);
        }
        let size = self.style.footer;
        let runs = self.regular.runs(&format!("{} / {}", index + 1, total))?;
        let width: f32 = runs.iter().map(|r| r.advance).sum::<f32>() * size;
        Ok(Some(Line {
            block: usize::MAX,
            size,
            bold: false,
            x: (self.width - width) / 2.0,
            baseline: self.height - self.style.margin / 2.0,
            runs,
        }))
    }
}

/// Tabs become spaces and carriage returns go; any other control character
/// is an error (the API's text types refuse them, so one here is a bug).
fn clean(text: &str) -> Result<String, RenderError> {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push('\n'),
            '\t' => out.push(' '),
            '\r' => {}
            c if c.is_control() => {
                return Err(RenderError::ControlCharacter {
                    codepoint: u32::from(c),
                });
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// Ideographic scripts break between any two characters.
fn ideographic(c: char) -> bool {
    matches!(
        c.script(),
        Script::Han | Script::Hiragana | Script::Katakana | Script::Bopomofo | Script::Yi
    ) || matches!(c, '\u{3000}'..='\u{303F}' | '\u{FF00}'..='\u{FFEF}')
}

/// Punctuation that must not start a line (it stays with the word before).
fn closing(c: char) -> bool {
    matches!(
        c,
        ',' | '.'
            | ';'
            | ':'
            | '!'
            | '?'
            | ')'
            | ']'
            | '}'
            | '»'
            | '，'
            | '。'
            | '、'
            | '．'
            | '！'
            | '？'
            | '：'
            | '；'
            | '）'
            | '」'
            | '』'
            | '】'
            | '〕'
            | '〉'
            | '》'
            | '々'
            | 'ー'
    )
}

/// Punctuation that must not end a line (it stays with the word after).
fn opening(c: char) -> bool {
    matches!(c, '（' | '「' | '『' | '【' | '〔' | '〈' | '《')
}

/// The unbreakable pieces of a line and whether a space follows each.
fn tokens(line: &str) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    let mut cur = String::new();
    // The current token ends after this character (an ideograph).
    let mut ends = false;
    // The current token is an opening bracket: the next character joins it.
    let mut holds = false;
    for c in line.chars() {
        if c.is_whitespace() && c != '\u{00A0}' {
            if !cur.is_empty() {
                out.push((std::mem::take(&mut cur), true));
            } else if let Some(last) = out.last_mut() {
                last.1 = true;
            }
            ends = false;
            holds = false;
            continue;
        }
        if closing(c) {
            cur.push(c);
            continue;
        }
        let starts = ideographic(c) || opening(c);
        if !cur.is_empty() && !holds && (ends || starts) {
            out.push((std::mem::take(&mut cur), false));
        }
        cur.push(c);
        holds = opening(c);
        ends = ideographic(c) && !holds;
    }
    if !cur.is_empty() {
        out.push((cur, false));
    }
    out
}

/// Wraps one line of text to `max` points at `size`: greedy, on spaces and
/// between ideographs; a word longer than a line is broken between
/// characters.
fn wrap(shaper: &Shaper<'_>, line: &str, size: f32, max: f32) -> Result<Vec<String>, RenderError> {
    let space = shaper.width(" ")? * size;
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut current_width = 0.0;
    let mut space_before = false;
    for (token, space_after) in tokens(line) {
        let mut pieces = vec![token];
        let mut width = shaper.width(&pieces[0])? * size;
        if width > max {
            pieces = split_long(shaper, &pieces[0], size, max)?;
            width = shaper.width(pieces.last().map_or("", String::as_str))? * size;
        }
        let last = pieces.len() - 1;
        for (i, piece) in pieces.into_iter().enumerate() {
            let piece_width = if i == last {
                width
            } else {
                shaper.width(&piece)? * size
            };
            let gap = if space_before { space } else { 0.0 };
            if !current.is_empty() && current_width + gap + piece_width > max {
                lines.push(std::mem::take(&mut current));
                current_width = 0.0;
            }
            if !current.is_empty() && space_before {
                current.push(' ');
                current_width += space;
            }
            current.push_str(&piece);
            current_width += piece_width;
            space_before = false;
        }
        space_before = space_after;
    }
    lines.push(current);
    Ok(lines)
}

/// Breaks a word wider than a line into pieces that each fit.
fn split_long(
    shaper: &Shaper<'_>,
    word: &str,
    size: f32,
    max: f32,
) -> Result<Vec<String>, RenderError> {
    let mut pieces = Vec::new();
    let mut piece = String::new();
    for c in word.chars() {
        let mut next = piece.clone();
        next.push(c);
        if !piece.is_empty() && shaper.width(&next)? * size > max {
            pieces.push(std::mem::replace(&mut piece, c.to_string()));
        } else {
            piece = next;
        }
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        tokens(line).into_iter().map(|(t, _)| t).collect()
    }

    #[test]
    fn tokens_break_on_spaces_and_between_ideographs() {
        let cases: &[(&str, &[&str])] = &[
            ("Dear  Ana Ruiz,", &["Dear", "Ana", "Ruiz,"]),
            ("我们已收到", &["我", "们", "已", "收", "到"]),
            ("您好，王先生。", &["您", "好，", "王", "先", "生。"]),
            ("（参考）编号", &["（参", "考）", "编", "号"]),
            ("G-2026 号", &["G-2026", "号"]),
            ("a\u{00A0}b", &["a\u{00A0}b"]),
        ];
        for (line, expected) in cases {
            assert_eq!(words(line), *expected, "{line:?}");
        }
        assert_eq!(
            tokens("a b  c"),
            vec![("a".into(), true), ("b".into(), true), ("c".into(), false)]
        );
    }

    #[test]
    fn wrapping_uses_glyph_widths_and_keeps_every_word() {
        let fonts = Fonts::builtin().unwrap();
        let shaper = Shaper::new(fonts.faces(false)).unwrap();
        let text = "Wide WWWW words and narrow iiii words mixed together again and again";
        let max = 120.0;
        let lines = wrap(&shaper, text, 11.0, max).unwrap();
        assert!(lines.len() > 2, "{lines:?}");
        for line in &lines {
            assert!(shaper.width(line).unwrap() * 11.0 <= max + 0.01, "{line:?}");
        }
        assert_eq!(lines.join(" "), text);
        // Twelve W are wider than twelve i: fewer fit on a line.
        let ws = wrap(&shaper, &"W ".repeat(60), 11.0, max).unwrap();
        let is = wrap(&shaper, &"i ".repeat(60), 11.0, max).unwrap();
        assert!(ws.len() > is.len(), "{} vs {}", ws.len(), is.len());
    }

    #[test]
    fn a_word_longer_than_a_line_is_broken_between_characters() {
        let fonts = Fonts::builtin().unwrap();
        let shaper = Shaper::new(fonts.faces(false)).unwrap();
        let word = "x".repeat(200);
        let lines = wrap(&shaper, &format!("ab {word} cd"), 11.0, 100.0).unwrap();
        assert!(lines.len() > 3, "{lines:?}");
        assert_eq!(lines.concat().replace(' ', ""), format!("ab{word}cd"));
        for line in &lines {
            assert!(shaper.width(line).unwrap() * 11.0 <= 100.01, "{line:?}");
        }
    }

    #[test]
    fn control_characters_are_refused_tabs_are_spaces() {
        assert_eq!(clean("a\tb\r\nc").unwrap(), "a b\nc");
        assert!(matches!(
            clean("a\u{7}b"),
            Err(RenderError::ControlCharacter { codepoint: 7 })
        ));
    }
}
