//! What is rendered and stored when a letter is sent, in one place: the
//! bytes of each rendition and their SHA-256, which the audit event of
//! `letterMarkSent` records, so what was sent can be proven later. The
//! plain text (email body, portal copy) now; the PDF renderer joins here.

use redress_correspondence::{LetterDocument, render_text};
use sha2::{Digest, Sha256};

use crate::domain::letter::Rendition;

/// One rendition's bytes and what the audit trail records of them.
#[derive(Clone, Debug)]
pub struct Rendered {
    pub summary: Rendition,
    pub bytes: Vec<u8>,
}

pub const TEXT: &str = "text/plain; charset=utf-8";

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

/// Every rendition stored at send, the primary one (whose hash the letter
/// records) first.
pub fn at_send(doc: &LetterDocument) -> Vec<Rendered> {
    vec![rendered(TEXT, render_text(doc).into_bytes())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_of_the_stored_bytes() {
        let doc = LetterDocument {
            title: "T".into(),
            ..LetterDocument::default()
        };
        let r = at_send(&doc);
        assert_eq!(r[0].summary.media_type, TEXT);
        assert_eq!(
            r[0].summary.sha256,
            hex::encode(Sha256::digest(&r[0].bytes))
        );
        assert_eq!(r[0].summary.bytes as usize, r[0].bytes.len());
        assert!(String::from_utf8_lossy(&r[0].bytes).contains('T'));
    }
}
