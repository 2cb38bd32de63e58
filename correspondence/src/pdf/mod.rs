//! The PDF rendering: a tagged PDF that declares PDF/UA-1 (krilla checks
//! the rules it can check while writing), with its fonts embedded and
//! subset, so the letter looks the same in every viewer and a screen reader
//! reads it in order: letterhead, date, recipient, reference, title (H1),
//! salutation, sections (H2 and paragraphs), closing and signature.
//!
//! Layout is done here, line by line: text is shaped (harfrust) in the
//! first font that has each character, wrapped by the shaped glyphs'
//! advances, and broken into pages; page numbers are artifacts, outside the
//! reading order. See [`render_pdf`].

mod fonts;
mod layout;

use std::num::NonZeroU16;

use krilla::configure::{Accessibility, ConfigurationBuilder};
use krilla::geom::Point;
use krilla::metadata::Metadata;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::surface::Surface;
use krilla::tagging::{
    Artifact, ArtifactType, ContentTag, SpanTag, Tag, TagGroup, TagKind, TagTree,
};
use krilla::{Document, SerializeSettings};

pub use fonts::{FontError, FontFile, Fonts};
use layout::{BlockKind, Layout, Line};

use crate::LetterDocument;

/// The paper a letter is laid out on.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Paper {
    /// US Letter, 8.5 × 11 in (the default: US hospitals).
    #[default]
    Letter,
    /// ISO A4, 210 × 297 mm.
    A4,
}

impl Paper {
    /// Width and height in points.
    fn size(self) -> (f32, f32) {
        match self {
            Paper::Letter => (612.0, 792.0),
            Paper::A4 => (595.276, 841.89),
        }
    }
}

/// How a letter is rendered beyond its own content.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct PdfOptions {
    pub paper: Paper,
}

/// Why a letter could not be rendered. No variant carries the letter's
/// text, only the one character that could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(
        "no configured font has a glyph for U+{:04X} ({character:?}, {script} script): configure a fallback font that covers the {script} script",
        u32::from(*character)
    )]
    MissingGlyph {
        character: char,
        script: &'static str,
    },
    #[error("right-to-left text ({script} script) is not supported in PDF letters")]
    RightToLeft { script: &'static str },
    #[error("control character U+{codepoint:04X} in the letter's text")]
    ControlCharacter { codepoint: u32 },
    #[error("the letter has no title (a PDF/UA document must have one)")]
    MissingTitle,
    #[error("the letter has no language (a PDF/UA document must declare one)")]
    MissingLanguage,
    #[error("a configured font could not be read by the shaper")]
    Font,
    #[error("the PDF writer refused the document: {0}")]
    Pdf(String),
}

/// Renders the letter as a tagged PDF/UA-1 document on US Letter paper.
pub fn render_pdf(doc: &LetterDocument, fonts: &Fonts) -> Result<Vec<u8>, RenderError> {
    render_pdf_with(doc, fonts, PdfOptions::default())
}

/// Renders the letter as a tagged PDF/UA-1 document with `options`.
pub fn render_pdf_with(
    doc: &LetterDocument,
    fonts: &Fonts,
    options: PdfOptions,
) -> Result<Vec<u8>, RenderError> {
    let title = doc.title.trim();
    if title.is_empty() {
        return Err(RenderError::MissingTitle);
    }
    let language = doc.language.trim();
    if language.is_empty() {
        return Err(RenderError::MissingLanguage);
    }
    let laid = Layout::letter(doc, fonts, options.paper)?;

    let configuration = ConfigurationBuilder::new()
        .with_accessibility_validator(Accessibility::UA1)
        .finish()
        .map_err(|e| RenderError::Pdf(format!("{e:?}")))?;
    let settings = SerializeSettings {
        configuration,
        enable_tagging: true,
        ..SerializeSettings::default()
    };
    let mut document = Document::new_with(settings);
    let (width, height) = options.paper.size();

    let mut groups: Vec<TagGroup> = laid
        .blocks
        .iter()
        .map(|block| TagGroup::new(tag_kind(block.kind, &block.text)))
        .collect();
    let total = laid.pages.len();
    for (index, lines) in laid.pages.iter().enumerate() {
        let settings = PageSettings::from_wh(width, height)
            .ok_or_else(|| RenderError::Pdf("page size".into()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for line in lines {
            let id = surface.start_tagged(ContentTag::Span(SpanTag::empty()));
            draw_line(&mut surface, fonts, line);
            surface.end_tagged();
            if let Some(group) = groups.get_mut(line.block) {
                group.push(id);
            }
        }
        if let Some(number) = laid.page_number(index, total)? {
            surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(
                ArtifactType::PageNumber,
            )));
            draw_line(&mut surface, fonts, &number);
            surface.end_tagged();
        }
        surface.finish();
        page.finish();
    }

    let mut tree = TagTree::new().with_lang(Some(language.to_owned()));
    for group in groups {
        tree.push(group);
    }
    document.set_tag_tree(tree);
    document.set_outline(outline(&laid));
    document.set_metadata(
        Metadata::new()
            .title(title.to_owned())
            .language(language.to_owned())
            .creator("Redress".to_owned())
            .producer("Redress (krilla)".to_owned()),
    );
    document
        .finish()
        .map_err(|e| RenderError::Pdf(e.to_string()))
}

fn tag_kind(kind: BlockKind, text: &str) -> TagKind {
    match kind {
        BlockKind::Paragraph => Tag::P.into(),
        BlockKind::Title => Tag::Hn(NonZeroU16::MIN, Some(text.to_owned())).into(),
        BlockKind::Heading => {
            Tag::Hn(NonZeroU16::MIN.saturating_add(1), Some(text.to_owned())).into()
        }
    }
}

fn draw_line(surface: &mut Surface<'_>, fonts: &Fonts, line: &Line) {
    let faces = fonts.faces(line.bold);
    let mut x = line.x;
    for run in &line.runs {
        if let Some(face) = faces.get(run.face) {
            surface.draw_glyphs(
                Point::from_xy(x, line.baseline),
                &run.glyphs,
                face.font.clone(),
                &run.text,
                line.size,
                false,
            );
        }
        x += run.advance * line.size;
    }
}

/// The document outline (bookmarks, which PDF/UA requires): the title, and
/// the section headings under it.
fn outline(laid: &Layout) -> Outline {
    let mut outline = Outline::new();
    let mut top: Option<OutlineNode> = None;
    for mark in &laid.marks {
        let dest =
            krilla::destination::XyzDestination::new(mark.page, Point::from_xy(mark.x, mark.y));
        let node = OutlineNode::new(mark.text.clone(), dest);
        match (mark.kind, top.as_mut()) {
            (BlockKind::Heading, Some(parent)) => parent.push_child(node),
            _ => {
                if let Some(done) = top.take() {
                    outline.push_child(done);
                }
                top = Some(node.with_open(true));
            }
        }
    }
    if let Some(done) = top {
        outline.push_child(done);
    }
    outline
}
