//! What is rendered and stored when a letter is sent, in one place: the
//! bytes of each rendition and their SHA-256, so what was sent can be
//! proven later. The PDF (tagged PDF/UA, fonts embedded: the letter as
//! printed, mailed, faxed or attached) is the primary rendition, whose hash
//! the `letterMarkSent` audit event records; the plain text (email body,
//! portal copy) is stored beside it with its own hash.

use redress_correspondence::{LetterDocument, RenderError, render_pdf, render_text};
use sha2::{Digest, Sha256};

use super::setup;
use crate::domain::letter::Rendition;

/// One rendition's bytes and what the audit trail records of them.
#[derive(Clone, Debug)]
pub struct Rendered {
    pub summary: Rendition,
    pub bytes: Vec<u8>,
}

pub const TEXT: &str = "text/plain; charset=utf-8";
pub const PDF: &str = "application/pdf";

fn rendered(media_type: &str, bytes: Vec<u8>) -> Rendered {
    Rendered {
        summary: Rendition {
            media_type: media_type.to_owned(),
            sha256: hex::encode(Sha256::digest(&bytes)),
            bytes: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
        },
        bytes,
    }
}

/// The letter as a PDF, with the fonts installed at start.
pub fn pdf(doc: &LetterDocument) -> Result<Vec<u8>, RenderError> {
    let fonts = setup::fonts().map_err(|_| RenderError::Font)?;
    render_pdf(doc, fonts)
}

/// Every rendition stored at send, the primary one (the PDF, whose hash
/// the letter and its audit event record) first. Fails when the letter
/// cannot be printed (a character no configured font has).
pub fn at_send(doc: &LetterDocument) -> Result<Vec<Rendered>, RenderError> {
    Ok(vec![rendered(PDF, pdf(doc)?), text_only(doc)])
}

/// The plain-text rendition alone (`redress seed --scale` stores only this:
/// a PDF per seeded letter would multiply the seed's time for no test).
pub fn text_only(doc: &LetterDocument) -> Rendered {
    rendered(TEXT, render_text(doc).into_bytes())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_pdf_comes_first_and_each_hash_is_of_its_stored_bytes() {
        let doc = LetterDocument {
            language: "en".into(),
            title: "Tidings".into(),
            ..LetterDocument::default()
        };
        let r = at_send(&doc).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].summary.media_type, PDF);
        assert!(r[0].bytes.starts_with(b"%PDF-"));
        assert_eq!(r[1].summary.media_type, TEXT);
        for one in &r {
            assert_eq!(one.summary.sha256, hex::encode(Sha256::digest(&one.bytes)));
            assert_eq!(one.summary.bytes as usize, one.bytes.len());
        }
        assert!(String::from_utf8_lossy(&r[1].bytes).contains("Tidings"));
    }
}
