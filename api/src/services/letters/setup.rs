//! What letters are written and printed with, loaded once at start: the
//! templates (the shipped English and Spanish, plus a facility's own files
//! from `REDRESS_LETTER_TEMPLATES_DIR`) and the PDF fonts (the built-in
//! family plus `REDRESS_PDF_FONTS`). A bad template file or font stops
//! start-up with an error naming it, rather than a blank in a patient's
//! letter or a refused send later.

use std::path::PathBuf;
use std::sync::OnceLock;

use redress_correspondence::{FontError, Fonts, Templates};

static TEMPLATES: OnceLock<Templates> = OnceLock::new();
static FONTS: OnceLock<Fonts> = OnceLock::new();

/// The directory of a facility's own templates, when configured.
pub const TEMPLATES_DIR_VAR: &str = "REDRESS_LETTER_TEMPLATES_DIR";

/// Loads the templates and fonts the environment names (once per
/// process; later calls keep the first). Errors name the file.
pub fn install_from_env() -> anyhow::Result<()> {
    if TEMPLATES.get().is_none() {
        let dir = std::env::var_os(TEMPLATES_DIR_VAR)
            .filter(|d| !d.is_empty())
            .map(PathBuf::from);
        let templates = Templates::load(dir.as_deref())
            .map_err(|e| anyhow::anyhow!("{TEMPLATES_DIR_VAR}: {e}"))?;
        if let Some(dir) = &dir {
            tracing::info!(dir = %dir.display(), "letter templates loaded, with the facilities' own files");
        }
        let _ = TEMPLATES.set(templates);
    }
    if FONTS.get().is_none() {
        let fonts = Fonts::from_env().map_err(|e| anyhow::anyhow!("REDRESS_PDF_FONTS: {e}"))?;
        let _ = FONTS.set(fonts);
    }
    Ok(())
}

/// The templates: those installed at start, else the shipped ones.
pub fn templates() -> &'static Templates {
    TEMPLATES.get_or_init(Templates::builtin)
}

/// The PDF fonts: those installed at start, else the built-in family.
pub fn fonts() -> Result<&'static Fonts, FontError> {
    if let Some(fonts) = FONTS.get() {
        return Ok(fonts);
    }
    let fonts = Fonts::builtin()?;
    Ok(FONTS.get_or_init(|| fonts))
}
