//! Signed checkpoints of the audit trail: the head of the hash chain
//! (sequence, hash, time) signed with an Ed25519 key kept outside the
//! database, the canonical bytes that are signed, the checks a checkpoint
//! must pass, and the one-line export a compliance officer keeps off the
//! server.
//!
//! A database administrator can rewrite the chain and re-hash it so that it
//! verifies again; he cannot sign for the new head without the key, so a
//! checkpoint taken before the rewrite no longer matches.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::{Signature, Signer as _, SigningKey};
use sha2::{Digest, Sha256};

pub use ed25519_dalek::VerifyingKey;

/// First line of every signed message: names the format and its version.
pub const MESSAGE_PREFIX: &str = "redress-audit-checkpoint/v1\n";
/// First field of an export line.
pub const EXPORT_PREFIX: &str = "redress-checkpoint/v1";
/// Fields in an export line, the prefix included.
const EXPORT_FIELDS: usize = 7;
/// Length of a key id: hex characters of SHA-256 over the public key.
pub const KEY_ID_LEN: usize = 16;

/// What is wrong with a checkpoint: why the trail fails it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::Enum),
    graphql(name = "AuditCheckpointProblemCode")
)]
pub enum CheckpointProblem {
    /// The chain's event at the checkpoint's sequence has another hash: the
    /// trail was rewritten after the checkpoint was signed.
    HashMismatch,
    /// There is no event at the checkpoint's sequence: the trail was
    /// truncated below a signed head.
    EventsMissing,
    /// The signature does not verify: the checkpoint itself was altered or
    /// forged.
    BadSignature,
    /// Validly signed, but by a key this server does not trust.
    UntrustedKey,
}

impl CheckpointProblem {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckpointProblem::HashMismatch => "HASH_MISMATCH",
            CheckpointProblem::EventsMissing => "EVENTS_MISSING",
            CheckpointProblem::BadSignature => "BAD_SIGNATURE",
            CheckpointProblem::UntrustedKey => "UNTRUSTED_KEY",
        }
    }
}

/// The head of the chain at a moment: what a checkpoint vouches for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    pub sequence: i64,
    /// Hex SHA-256 of the event at `sequence`.
    pub hash: String,
    /// When it was signed, in UTC (microseconds).
    pub signed_at: DateTime<Utc>,
}

/// A head with its signature and the public key that made it. The key and
/// signature are kept as raw bytes: whether they are a valid point and a
/// valid signature is what [`SignedCheckpoint::signature_problem`] decides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCheckpoint {
    pub head: Head,
    pub public_key: [u8; 32],
    pub signature: [u8; 64],
}

/// The canonical bytes that are signed: the format line, then sequence,
/// hash and the time (RFC 3339, UTC, microseconds, `Z`), each on its own
/// line.
pub fn message(head: &Head) -> Vec<u8> {
    format!(
        "{MESSAGE_PREFIX}{}\n{}\n{}\n",
        head.sequence,
        head.hash,
        format_time(head.signed_at)
    )
    .into_bytes()
}

fn format_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// First 16 hex characters of SHA-256 over the 32-byte public key.
pub fn key_id(public_key: &[u8; 32]) -> String {
    let mut id = hex::encode(Sha256::digest(public_key));
    id.truncate(KEY_ID_LEN);
    id
}

/// Signs a head.
pub fn sign(key: &SigningKey, head: Head) -> SignedCheckpoint {
    let signature = key.sign(&message(&head)).to_bytes();
    SignedCheckpoint {
        head,
        public_key: key.verifying_key().to_bytes(),
        signature,
    }
}

impl SignedCheckpoint {
    pub fn key_id(&self) -> String {
        key_id(&self.public_key)
    }

    /// Whether the signature holds and the key is the trusted one: a bad
    /// signature first (the checkpoint was altered, whoever's key it
    /// names), then an untrusted key.
    pub fn signature_problem(&self, trusted: &VerifyingKey) -> Option<CheckpointProblem> {
        let valid = VerifyingKey::from_bytes(&self.public_key)
            .ok()
            .is_some_and(|key| {
                key.verify_strict(
                    &message(&self.head),
                    &Signature::from_bytes(&self.signature),
                )
                .is_ok()
            });
        if !valid {
            Some(CheckpointProblem::BadSignature)
        } else if self.public_key != trusted.to_bytes() {
            Some(CheckpointProblem::UntrustedKey)
        } else {
            None
        }
    }

    /// Every check against the chain: the signature and key, then the
    /// event the checkpoint names (`None`: no event at that sequence).
    pub fn check(
        &self,
        trusted: &VerifyingKey,
        event_hash: Option<&str>,
    ) -> Option<CheckpointProblem> {
        if let Some(problem) = self.signature_problem(trusted) {
            return Some(problem);
        }
        match event_hash {
            None => Some(CheckpointProblem::EventsMissing),
            Some(hash) if hash != self.head.hash => Some(CheckpointProblem::HashMismatch),
            Some(_) => None,
        }
    }

    /// The printable line: `redress-checkpoint/v1 <sequence> <hash>
    /// <signed_at> <key_id> <public_key> <signature>`, the key and
    /// signature in unpadded URL-safe base64. About 270 ASCII characters
    /// without quotes or slashes, safe to print or email.
    pub fn export_line(&self) -> String {
        format!(
            "{EXPORT_PREFIX} {} {} {} {} {} {}",
            self.head.sequence,
            self.head.hash,
            format_time(self.head.signed_at),
            self.key_id(),
            URL_SAFE_NO_PAD.encode(self.public_key),
            URL_SAFE_NO_PAD.encode(self.signature),
        )
    }

    /// Parses an export line strictly: the seven fields in order, each in
    /// its one canonical spelling, the key id matching the key. Fields may
    /// be separated by any whitespace (a mail client may wrap the line).
    /// Whether the signature holds is not a parsing question: see
    /// [`check`](Self::check).
    pub fn parse_export_line(line: &str) -> Result<SignedCheckpoint, ExportLineError> {
        let fields: Vec<&str> = line.split_ascii_whitespace().collect();
        if fields.first() != Some(&EXPORT_PREFIX) {
            return Err(ExportLineError::NotACheckpoint);
        }
        let [
            _,
            sequence,
            hash,
            signed_at,
            key_id_text,
            public_key,
            signature,
        ] = fields[..]
        else {
            return Err(ExportLineError::FieldCount(fields.len()));
        };
        let sequence = sequence
            .parse::<i64>()
            .ok()
            .filter(|s| *s >= 1 && s.to_string() == sequence)
            .ok_or(ExportLineError::Sequence)?;
        if !is_lower_hex(hash, 64) {
            return Err(ExportLineError::Hash);
        }
        let signed_at = DateTime::parse_from_rfc3339(signed_at)
            .ok()
            .map(|t| t.with_timezone(&Utc))
            .filter(|t| format_time(*t) == signed_at)
            .ok_or(ExportLineError::Time)?;
        if !is_lower_hex(key_id_text, KEY_ID_LEN) {
            return Err(ExportLineError::KeyId);
        }
        let public_key: [u8; 32] = decode_fixed(public_key).ok_or(ExportLineError::PublicKey)?;
        let signature: [u8; 64] = decode_fixed(signature).ok_or(ExportLineError::Signature)?;
        if key_id(&public_key) != key_id_text {
            return Err(ExportLineError::KeyIdMismatch);
        }
        Ok(SignedCheckpoint {
            head: Head {
                sequence,
                hash: hash.to_owned(),
                signed_at,
            },
            public_key,
            signature,
        })
    }
}

fn is_lower_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Unpadded URL-safe base64 of exactly `N` bytes, in its canonical spelling.
fn decode_fixed<const N: usize>(text: &str) -> Option<[u8; N]> {
    let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
    let array: [u8; N] = bytes.try_into().ok()?;
    (URL_SAFE_NO_PAD.encode(array) == text).then_some(array)
}

/// Why an export line was not accepted. The messages quote no part of the
/// line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExportLineError {
    #[error("it does not start with `{EXPORT_PREFIX}`")]
    NotACheckpoint,
    #[error("it has {0} fields; a checkpoint line has {EXPORT_FIELDS}")]
    FieldCount(usize),
    #[error("the sequence is not a positive whole number")]
    Sequence,
    #[error("the hash is not 64 lower-case hex characters")]
    Hash,
    #[error("the time is not RFC 3339 in UTC with microseconds, like 2026-11-30T14:05:09.123456Z")]
    Time,
    #[error("the key id is not {KEY_ID_LEN} lower-case hex characters")]
    KeyId,
    #[error("the public key is not 32 bytes of unpadded URL-safe base64")]
    PublicKey,
    #[error("the signature is not 64 bytes of unpadded URL-safe base64")]
    Signature,
    #[error("the key id does not belong to the public key")]
    KeyIdMismatch,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn head() -> Head {
        Head {
            sequence: 42,
            hash: "ab".repeat(32),
            signed_at: Utc
                .with_ymd_and_hms(2026, 11, 30, 14, 5, 9)
                .single()
                .unwrap_or_default()
                + chrono::Duration::microseconds(123_456),
        }
    }

    #[test]
    fn message_is_fixed() {
        assert_eq!(
            String::from_utf8(message(&head())).unwrap_or_default(),
            format!(
                "redress-audit-checkpoint/v1\n42\n{}\n2026-11-30T14:05:09.123456Z\n",
                "ab".repeat(32)
            )
        );
    }

    #[test]
    fn signed_checkpoint_verifies_under_its_key() {
        let key = key(7);
        let cp = sign(&key, head());
        assert_eq!(cp.signature_problem(&key.verifying_key()), None);
        assert_eq!(cp.check(&key.verifying_key(), Some(&"ab".repeat(32))), None);
        assert_eq!(cp.key_id().len(), 16);
        assert_eq!(cp.key_id(), key_id(&key.verifying_key().to_bytes()));
    }

    #[test]
    fn export_line_round_trips() {
        let cp = sign(&key(7), head());
        let line = cp.export_line();
        // Letters, digits and ` -_.:/` only: nothing a mail client or a
        // printer mangles.
        assert!(
            line.chars()
                .all(|c| c.is_ascii_alphanumeric() || " -_.:/".contains(c)),
            "{line}"
        );
        assert!(line.len() < 300, "{}", line.len());
        assert_eq!(SignedCheckpoint::parse_export_line(&line), Ok(cp.clone()));
        // A mail client wrapped it, or it was pasted with a line ending.
        let wrapped = format!("  {}\r\n", line.replace(' ', "\n"));
        assert_eq!(SignedCheckpoint::parse_export_line(&wrapped), Ok(cp));
    }

    /// Changing any signed field, the key or the signature breaks it.
    #[test]
    fn every_field_is_covered() {
        let key = key(7);
        let trusted = key.verifying_key();
        let cp = sign(&key, head());
        let mut tampered = Vec::new();
        let mut c = cp.clone();
        c.head.sequence += 1;
        tampered.push(("sequence", c));
        let mut c = cp.clone();
        c.head.hash = "ac".repeat(32);
        tampered.push(("hash", c));
        let mut c = cp.clone();
        c.head.signed_at += chrono::Duration::microseconds(1);
        tampered.push(("signed_at", c));
        let mut c = cp.clone();
        c.signature[0] ^= 1;
        tampered.push(("signature", c));
        let mut c = cp.clone();
        c.signature[63] ^= 0x10;
        tampered.push(("signature end", c));
        let mut c = cp.clone();
        c.public_key = self::key(8).verifying_key().to_bytes();
        tampered.push(("public key", c));
        let mut c = cp.clone();
        c.public_key = [0; 32];
        tampered.push(("zero public key", c));
        for (what, c) in tampered {
            assert_eq!(
                c.signature_problem(&trusted),
                Some(CheckpointProblem::BadSignature),
                "{what}"
            );
            // Through the export line too.
            let parsed = SignedCheckpoint::parse_export_line(&c.export_line());
            assert_eq!(
                parsed.map(|p| p.signature_problem(&trusted)),
                Ok(Some(CheckpointProblem::BadSignature)),
                "{what}"
            );
        }
    }

    #[test]
    fn another_key_is_untrusted() {
        let cp = sign(&key(8), head());
        assert_eq!(
            cp.check(&key(7).verifying_key(), Some(&"ab".repeat(32))),
            Some(CheckpointProblem::UntrustedKey)
        );
    }

    #[test]
    fn chain_checks() {
        let key = key(7);
        let trusted = key.verifying_key();
        let cp = sign(&key, head());
        assert_eq!(
            cp.check(&trusted, None),
            Some(CheckpointProblem::EventsMissing)
        );
        assert_eq!(
            cp.check(&trusted, Some(&"cd".repeat(32))),
            Some(CheckpointProblem::HashMismatch)
        );
        // The signature comes first: a forged checkpoint is not evidence of
        // a rewritten trail.
        let mut forged = cp.clone();
        forged.head.hash = "cd".repeat(32);
        assert_eq!(
            forged.check(&trusted, Some(&"ab".repeat(32))),
            Some(CheckpointProblem::BadSignature)
        );
    }

    #[test]
    fn malformed_lines_are_refused() {
        let line = sign(&key(7), head()).export_line();
        let fields: Vec<&str> = line.split(' ').collect();
        let with = |index: usize, value: &str| {
            let mut f = fields.clone();
            f[index] = value;
            f.join(" ")
        };
        let other_key = URL_SAFE_NO_PAD.encode(key(8).verifying_key().to_bytes());
        let cases: Vec<(String, ExportLineError)> = vec![
            (String::new(), ExportLineError::NotACheckpoint),
            ("hello world".into(), ExportLineError::NotACheckpoint),
            (
                with(0, "redress-checkpoint/v2"),
                ExportLineError::NotACheckpoint,
            ),
            (fields[..6].join(" "), ExportLineError::FieldCount(6)),
            (format!("{line} extra"), ExportLineError::FieldCount(8)),
            (with(1, "0"), ExportLineError::Sequence),
            (with(1, "-3"), ExportLineError::Sequence),
            (with(1, "042"), ExportLineError::Sequence),
            (with(1, "+42"), ExportLineError::Sequence),
            (with(1, "4x"), ExportLineError::Sequence),
            (with(2, &"AB".repeat(32)), ExportLineError::Hash),
            (with(2, &"ab".repeat(31)), ExportLineError::Hash),
            (with(3, "2026-11-30T14:05:09Z"), ExportLineError::Time),
            (
                with(3, "2026-11-30T15:05:09.123456+01:00"),
                ExportLineError::Time,
            ),
            (with(3, "yesterday"), ExportLineError::Time),
            (with(4, "ABCDEF0123456789"), ExportLineError::KeyId),
            (with(4, "abc"), ExportLineError::KeyId),
            (with(4, "0123456789abcdef"), ExportLineError::KeyIdMismatch),
            (with(5, &other_key), ExportLineError::KeyIdMismatch),
            (with(5, "AAAA"), ExportLineError::PublicKey),
            (
                with(5, &format!("{}=", fields[5])),
                ExportLineError::PublicKey,
            ),
            (with(6, &fields[6][1..]), ExportLineError::Signature),
            (with(6, "!!"), ExportLineError::Signature),
        ];
        for (input, expected) in cases {
            assert_eq!(
                SignedCheckpoint::parse_export_line(&input),
                Err(expected.clone()),
                "{input}"
            );
            // The message quotes nothing from the line.
            let message = expected.to_string();
            assert!(!message.contains(fields[2]) && !message.contains(fields[6]));
        }
    }
}
