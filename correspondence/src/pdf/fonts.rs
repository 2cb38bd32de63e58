//! The fonts a letter is drawn in: the built-in DejaVu Sans (embedded in the
//! binary) and, after it, configured fallback fonts for scripts DejaVu Sans
//! lacks (Chinese, Japanese, Korean, Thai…). Each character is drawn in the
//! first font that has a glyph for it; a character no font has is an error,
//! never a blank box in a patient's letter.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use harfrust::{Direction, ShaperData, UnicodeBuffer};
use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::charmap::Charmap;
use skrifa::{FontRef, MetadataProvider};
use unicode_script::{Script, UnicodeScript};

use super::RenderError;

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

type Bytes = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// A font file that could not be used as a fallback font.
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error("cannot read the font file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} (face {index}) is not a font this renderer can use")]
    NotAFont { path: PathBuf, index: u32 },
    #[error("the built-in font did not load")]
    BuiltIn,
}

/// A font file and, for a collection (`.ttc`), the face in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FontFile {
    pub path: PathBuf,
    /// The face in a collection; 0 for a single font.
    pub index: u32,
}

impl FontFile {
    /// Parses `PATH` or `PATH#INDEX` (a face in a font collection, e.g.
    /// `NotoSansCJK-Regular.ttc#2` for Simplified Chinese).
    pub fn parse(spec: &str) -> Self {
        if let Some((path, index)) = spec.rsplit_once('#')
            && let Ok(index) = index.parse()
        {
            return Self {
                path: PathBuf::from(path),
                index,
            };
        }
        Self {
            path: PathBuf::from(spec),
            index: 0,
        }
    }
}

/// One face: its bytes (shared by the shaper and the PDF writer).
#[derive(Clone)]
pub(super) struct Face {
    pub(super) name: String,
    pub(super) bytes: Bytes,
    pub(super) index: u32,
    pub(super) font: Font,
}

impl Face {
    fn new(name: String, bytes: Bytes, index: u32) -> Option<Self> {
        // Both the shaper and the PDF writer must be able to read it.
        FontRef::from_index((*bytes).as_ref(), index).ok()?;
        let font = Font::new(krilla::Data::from(bytes.clone()), index)?;
        Some(Self {
            name,
            bytes,
            index,
            font,
        })
    }

    fn load(file: &FontFile) -> Result<Self, FontError> {
        let data = std::fs::read(&file.path).map_err(|source| FontError::Read {
            path: file.path.clone(),
            source,
        })?;
        let name = file
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Self::new(name, Arc::new(data), file.index).ok_or_else(|| FontError::NotAFont {
            path: file.path.clone(),
            index: file.index,
        })
    }
}

/// The fonts for regular and bold text, each a list tried in order.
#[derive(Clone)]
pub struct Fonts {
    pub(super) regular: Vec<Face>,
    pub(super) bold: Vec<Face>,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = |faces: &[Face]| faces.iter().map(|x| x.name.clone()).collect::<Vec<_>>();
        f.debug_struct("Fonts")
            .field("regular", &names(&self.regular))
            .field("bold", &names(&self.bold))
            .finish()
    }
}

impl Fonts {
    /// The built-in family only: DejaVu Sans and DejaVu Sans Bold (Latin,
    /// Greek, Cyrillic and more; see `assets/fonts/`).
    pub fn builtin() -> Result<Self, FontError> {
        let regular =
            Face::new("DejaVuSans.ttf".into(), Arc::new(REGULAR), 0).ok_or(FontError::BuiltIn)?;
        let bold =
            Face::new("DejaVuSans-Bold.ttf".into(), Arc::new(BOLD), 0).ok_or(FontError::BuiltIn)?;
        Ok(Self {
            regular: vec![regular],
            bold: vec![bold],
        })
    }

    /// Adds a fallback font, tried after the fonts already there, for
    /// regular text and (without a bold face of its own) for bold text.
    pub fn with_fallback(self, file: &FontFile) -> Result<Self, FontError> {
        self.with_fallback_family(file, None)
    }

    /// Adds a fallback family: a regular face and, optionally, a bold one.
    pub fn with_fallback_family(
        mut self,
        regular: &FontFile,
        bold: Option<&FontFile>,
    ) -> Result<Self, FontError> {
        let regular = Face::load(regular)?;
        let bold = match bold {
            Some(file) => Face::load(file)?,
            None => regular.clone(),
        };
        self.regular.push(regular);
        self.bold.push(bold);
        Ok(self)
    }

    /// The built-in family followed by the fallback fonts in `specs` (each
    /// `PATH` or `PATH#INDEX`, see [`FontFile::parse`]), in order.
    pub fn with_fallbacks<S: AsRef<str>>(specs: &[S]) -> Result<Self, FontError> {
        specs.iter().try_fold(Self::builtin()?, |fonts, spec| {
            fonts.with_fallback(&FontFile::parse(spec.as_ref()))
        })
    }

    /// The built-in family and the fallback fonts listed in
    /// `REDRESS_PDF_FONTS`: `PATH` or `PATH#FACE` entries separated by `:`
    /// (like `PATH`), tried in order. Unset or empty: the built-in family.
    pub fn from_env() -> Result<Self, FontError> {
        Self::from_lookup(|name| std::env::var_os(name))
    }

    /// [`Self::from_env`] with the variable from `lookup`.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<Self, FontError> {
        let mut fonts = Self::builtin()?;
        if let Some(list) = lookup("REDRESS_PDF_FONTS") {
            for path in std::env::split_paths(&list) {
                let spec = path.to_string_lossy();
                if !spec.trim().is_empty() {
                    fonts = fonts.with_fallback(&FontFile::parse(spec.trim()))?;
                }
            }
        }
        Ok(fonts)
    }

    pub(super) fn faces(&self, bold: bool) -> &[Face] {
        if bold { &self.bold } else { &self.regular }
    }
}

/// One face as the shaper sees it, parsed once per rendering.
struct Parsed<'a> {
    font: FontRef<'a>,
    charmap: Charmap<'a>,
    data: ShaperData,
    units_per_em: f32,
}

/// The shaper's view of a list of faces.
pub(super) struct Shaper<'a> {
    faces: Vec<Parsed<'a>>,
}

/// A piece of a line drawn in one face.
#[derive(Clone, Debug)]
pub(super) struct Run {
    pub(super) face: usize,
    pub(super) text: String,
    pub(super) glyphs: Vec<KrillaGlyph>,
    /// Advance of the whole run at size 1.
    pub(super) advance: f32,
}

/// Scripts written right to left: the renderer does not lay them out (no
/// bidirectional algorithm), so it refuses them instead of printing them
/// backwards.
fn right_to_left(script: Script) -> bool {
    matches!(
        script,
        Script::Arabic
            | Script::Hebrew
            | Script::Syriac
            | Script::Thaana
            | Script::Nko
            | Script::Samaritan
            | Script::Mandaic
            | Script::Adlam
            | Script::Hanifi_Rohingya
    )
}

/// Characters that belong with the character before them (combining marks,
/// joiners, variation selectors): they stay in the previous run's face.
fn joins_previous(c: char) -> bool {
    c.script() == Script::Inherited
        || matches!(c, '\u{200C}' | '\u{200D}' | '\u{FE00}'..='\u{FE0F}')
}

impl<'a> Shaper<'a> {
    pub(super) fn new(faces: &'a [Face]) -> Result<Self, RenderError> {
        let faces = faces
            .iter()
            .map(|f| {
                let font = FontRef::from_index((*f.bytes).as_ref(), f.index)
                    .map_err(|_| RenderError::Font)?;
                let units_per_em = font
                    .metrics(
                        skrifa::instance::Size::unscaled(),
                        skrifa::instance::LocationRef::default(),
                    )
                    .units_per_em;
                Ok(Parsed {
                    charmap: font.charmap(),
                    data: ShaperData::new(&font),
                    units_per_em: f32::from(units_per_em.max(1)),
                    font,
                })
            })
            .collect::<Result<_, RenderError>>()?;
        Ok(Self { faces })
    }

    fn covers(&self, face: usize, c: char) -> bool {
        self.faces
            .get(face)
            .is_some_and(|p| p.charmap.map(c).is_some())
    }

    /// Splits `text` (one line, no control characters) into runs, each in
    /// the first face that has its characters, and shapes them.
    pub(super) fn runs(&self, text: &str) -> Result<Vec<Run>, RenderError> {
        let mut spans: Vec<(usize, Range<usize>)> = Vec::new();
        for (at, c) in text.char_indices() {
            let script = c.script();
            if right_to_left(script) {
                return Err(RenderError::RightToLeft {
                    script: script.full_name(),
                });
            }
            let current = spans.last().map(|(face, _)| *face);
            let keep = current.filter(|&face| {
                joins_previous(c)
                    || (matches!(script, Script::Common | Script::Inherited)
                        && self.covers(face, c))
            });
            let face = match keep {
                Some(face) => face,
                None => (0..self.faces.len())
                    .find(|&face| self.covers(face, c))
                    .ok_or(RenderError::MissingGlyph {
                        character: c,
                        script: script.full_name(),
                    })?,
            };
            let end = at + c.len_utf8();
            match spans.last_mut() {
                Some((last, range)) if *last == face => range.end = end,
                _ => spans.push((face, at..end)),
            }
        }
        spans
            .into_iter()
            .map(|(face, range)| self.shape(face, &text[range]))
            .collect()
    }

    /// Shapes `text` in one face (left to right).
    fn shape(&self, face: usize, text: &str) -> Result<Run, RenderError> {
        let parsed = self.faces.get(face).ok_or(RenderError::Font)?;
        let upem = parsed.units_per_em;
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        buffer.set_direction(Direction::LeftToRight);
        let shaper = parsed.data.shaper(&parsed.font).build();
        let output = shaper.shape(buffer, &[]);
        let infos = output.glyph_infos();
        let positions = output.glyph_positions();
        let mut glyphs = Vec::with_capacity(infos.len());
        let mut advance = 0.0;
        for (i, (info, pos)) in infos.iter().zip(positions).enumerate() {
            if info.glyph_id == 0 {
                // The face has a mapping for every character of the run,
                // so this is a shaping result no reader could decode.
                let character = text[info.cluster as usize..].chars().next().unwrap_or(' ');
                return Err(RenderError::MissingGlyph {
                    character,
                    script: character.script().full_name(),
                });
            }
            let start = info.cluster as usize;
            let end = infos[i + 1..]
                .iter()
                .map(|next| next.cluster as usize)
                .find(|&c| c != start)
                .unwrap_or(text.len());
            glyphs.push(KrillaGlyph::new(
                GlyphId::new(info.glyph_id),
                pos.x_advance as f32 / upem,
                pos.x_offset as f32 / upem,
                pos.y_offset as f32 / upem,
                pos.y_advance as f32 / upem,
                start..end,
                None,
            ));
            advance += pos.x_advance as f32 / upem;
        }
        Ok(Run {
            face,
            text: text.to_owned(),
            glyphs,
            advance,
        })
    }

    /// The width of `text` at size 1.
    pub(super) fn width(&self, text: &str) -> Result<f32, RenderError> {
        Ok(self.runs(text)?.iter().map(|r| r.advance).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn font_file_specs() {
        assert_eq!(
            FontFile::parse("/f/NotoSansCJK-Regular.ttc#2"),
            FontFile {
                path: "/f/NotoSansCJK-Regular.ttc".into(),
                index: 2
            }
        );
        assert_eq!(FontFile::parse("/f/a#b.ttf").index, 0);
        assert_eq!(
            FontFile::parse("/f/a#b.ttf").path,
            PathBuf::from("/f/a#b.ttf")
        );
    }

    #[test]
    fn the_builtin_font_covers_latin_greek_and_cyrillic() {
        let fonts = Fonts::builtin().unwrap();
        let shaper = Shaper::new(fonts.faces(false)).unwrap();
        let runs = shaper.runs("Ñandú Ελλάδα Россия ç ß").unwrap();
        assert_eq!(runs.len(), 1);
        assert!(runs[0].advance > 10.0);
    }

    #[test]
    fn a_character_no_font_has_is_named() {
        let fonts = Fonts::builtin().unwrap();
        let shaper = Shaper::new(fonts.faces(false)).unwrap();
        let err = shaper.runs("Hello 你好").unwrap_err();
        assert!(
            matches!(
                err,
                RenderError::MissingGlyph {
                    character: '你',
                    script: "Han"
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("U+4F60"), "{err}");
    }

    #[test]
    fn right_to_left_text_is_refused_not_reversed() {
        let fonts = Fonts::builtin().unwrap();
        let shaper = Shaper::new(fonts.faces(false)).unwrap();
        let err = shaper.runs("שלום").unwrap_err();
        assert!(
            matches!(err, RenderError::RightToLeft { script: "Hebrew" }),
            "{err:?}"
        );
    }

    #[test]
    fn fallback_fonts_from_the_environment() {
        let names = |fonts: &Fonts| -> Vec<String> {
            fonts.regular.iter().map(|f| f.name.clone()).collect()
        };
        let none = Fonts::from_lookup(|_| None).unwrap();
        assert_eq!(names(&none), ["DejaVuSans.ttf"]);
        let empty = Fonts::from_lookup(|_| Some("".into())).unwrap();
        assert_eq!(names(&empty), ["DejaVuSans.ttf"]);
        // Two entries, the second a face of a collection: both are loaded
        // (the vendored fonts stand in for installed ones).
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/fonts");
        let list = format!("{dir}/DejaVuSans-Bold.ttf:{dir}/DejaVuSans.ttf#0");
        let two =
            Fonts::from_lookup(|name| (name == "REDRESS_PDF_FONTS").then(|| list.clone().into()))
                .unwrap();
        assert_eq!(
            names(&two),
            ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans.ttf"]
        );
        let missing = Fonts::from_lookup(|_| Some("/nonexistent/font.ttf".into()));
        assert!(matches!(missing, Err(FontError::Read { .. })));
    }

    #[test]
    fn a_missing_fallback_file_is_an_error() {
        let err = Fonts::builtin()
            .unwrap()
            .with_fallback(&FontFile::parse("/nonexistent/font.ttf"))
            .unwrap_err();
        assert!(matches!(err, FontError::Read { .. }), "{err:?}");
        let not_a_font = std::env::temp_dir().join("redress-not-a-font.ttf");
        std::fs::write(&not_a_font, b"not a font").unwrap();
        let err = Fonts::builtin()
            .unwrap()
            .with_fallback(&FontFile {
                path: not_a_font,
                index: 0,
            })
            .unwrap_err();
        assert!(matches!(err, FontError::NotAFont { .. }), "{err:?}");
    }
}
