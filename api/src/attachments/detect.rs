//! What a document is, read from its bytes (magic numbers through the
//! `infer` crate, and a check for plain text and email), never from what
//! the client says. Only the types a complaint's documents come in are
//! accepted; anything else is refused.

/// Media types an attachment may have, as detected.
pub const ALLOWED: &[&str] = &[
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/tiff",
    "image/heic",
    "image/heif",
    "image/gif",
    "image/webp",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "text/plain",
    "message/rfc822",
];

/// Why the bytes are refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error(
        "this kind of file is not accepted{}; attach PDF, PNG, JPEG, TIFF, HEIC/HEIF, GIF, WebP, DOCX, plain text (UTF-8) or an email (.eml)",
        .0.as_ref().map(|t| format!(" (the content is {t})")).unwrap_or_default()
    )]
    Unsupported(Option<String>),
    #[error(
        "the declared type {declared} does not match the content, which is {detected}; nothing was stored"
    )]
    Mismatch { declared: String, detected: String },
}

/// The media type of `bytes`, or why they are refused.
pub fn detect(bytes: &[u8]) -> Result<&'static str, Refused> {
    if let Some(t) = infer::get(bytes) {
        let mime = t.mime_type();
        return ALLOWED
            .iter()
            .find(|a| **a == mime)
            .copied()
            .ok_or_else(|| Refused::Unsupported(Some(mime.to_owned())));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if is_plain_text(text) => Ok(if looks_like_email(text) {
            "message/rfc822"
        } else {
            "text/plain"
        }),
        _ => Err(Refused::Unsupported(None)),
    }
}

/// UTF-8 text without NUL or other control characters than tab, line
/// feed, carriage return and form feed (a text a person wrote).
fn is_plain_text(text: &str) -> bool {
    !text.is_empty()
        && !text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
}

/// An Internet message (RFC 5322): a header block of `Name: value` lines
/// that has a `From:` and a `Date:` or `Subject:`, then a blank line.
fn looks_like_email(text: &str) -> bool {
    let mut names = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let Some((name, _)) = line.split_once(':') else {
            return false;
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return false;
        }
        names.push(name.to_ascii_lowercase());
    }
    let has = |n: &str| names.iter().any(|x| x == n);
    has("from") && (has("date") || has("subject"))
}

/// The family a declared type is judged in: spellings that name the same
/// content.
fn family(mime: &str) -> &str {
    match mime {
        "image/jpg" | "image/pjpeg" => "image/jpeg",
        "image/heic" | "image/heif" | "image/heic-sequence" | "image/heif-sequence" => "image/heif",
        "image/tif" => "image/tiff",
        "text/plain" | "message/rfc822" => "text",
        other => other,
    }
}

/// Checks the client's `Content-Type` against the content: absent or
/// `application/octet-stream` claims nothing; anything else must name the
/// detected type (or a spelling of it).
pub fn check_declared(declared: Option<&str>, detected: &str) -> Result<(), Refused> {
    let Some(declared) = declared else {
        return Ok(());
    };
    let essence = declared
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence.is_empty() || essence == "application/octet-stream" {
        return Ok(());
    }
    if family(&essence) == family(detected) {
        Ok(())
    } else {
        Err(Refused::Mismatch {
            declared: essence,
            detected: detected.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0";
    const JPEG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0";
    const GIF: &[u8] = b"GIF89a\x01\0\x01\0\0\0\0;";
    const TIFF: &[u8] = b"II*\0\x08\0\0\0\0\0";
    const WEBP: &[u8] = b"RIFF\x24\0\0\0WEBPVP8 \x18\0\0\0";
    const HEIC: &[u8] = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
    const ZIP: &[u8] = b"PK\x03\x04\x14\0\0\0\0\0";
    const ELF: &[u8] = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0";
    const EMAIL: &[u8] =
        b"From: Ana <ana@example.org>\r\nDate: Mon, 30 Nov 2026 09:00:00 -0600\r\nSubject: My stay\r\n\r\nDear hospital,\r\n";

    /// Every sample × what is detected (or refused).
    #[test]
    fn detection_table() {
        let cases: &[(&str, &[u8], Option<&str>)] = &[
            ("pdf", PDF, Some("application/pdf")),
            ("png", PNG, Some("image/png")),
            ("jpeg", JPEG, Some("image/jpeg")),
            ("gif", GIF, Some("image/gif")),
            ("tiff", TIFF, Some("image/tiff")),
            ("webp", WEBP, Some("image/webp")),
            ("heic", HEIC, Some("image/heif")),
            (
                "text",
                b"Dear Sir,\nI write about my stay.\n",
                Some("text/plain"),
            ),
            (
                "spanish text",
                "Estimados señores:\n".as_bytes(),
                Some("text/plain"),
            ),
            ("email", EMAIL, Some("message/rfc822")),
            ("zip", ZIP, None),
            ("executable", ELF, None),
            ("NUL in text", b"abc\0def", None),
            ("escape in text", b"abc\x1b[31m", None),
            ("latin-1", b"caf\xe9", None),
            ("empty", b"", None),
        ];
        for (name, bytes, expected) in cases {
            assert_eq!(detect(bytes).ok(), *expected, "{name}");
        }
    }

    /// Declared × detected: refused only when they name different content.
    #[test]
    fn declared_type_table() {
        let cases: &[(Option<&str>, &str, bool)] = &[
            (None, "application/pdf", true),
            (Some("application/octet-stream"), "image/png", true),
            (Some("application/pdf"), "application/pdf", true),
            (Some("Application/PDF; x=y"), "application/pdf", true),
            (Some("image/jpg"), "image/jpeg", true),
            (Some("image/heif"), "image/heic", true),
            (Some("text/plain; charset=utf-8"), "text/plain", true),
            (Some("message/rfc822"), "text/plain", true),
            (Some("image/png"), "application/pdf", false),
            (Some("application/pdf"), "text/plain", false),
            (Some("text/html"), "text/plain", false),
        ];
        for (declared, detected, ok) in cases {
            assert_eq!(
                check_declared(*declared, detected).is_ok(),
                *ok,
                "{declared:?} {detected}"
            );
        }
    }
}
