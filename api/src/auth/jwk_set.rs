//! An identity provider's key set (JWKS, RFC 7517), reduced to the keys
//! Redress accepts: signing keys for RS256 or PS256 (RSA of 2048 bits or
//! more) and ES256 (EC on P-256). Any other key in the set (an encryption
//! key, another curve, a short RSA key, a symmetric key) is skipped with a
//! warning naming its `kid`, so one odd key never makes the whole set
//! unusable; a set with no usable key at all is refused.

use base64::Engine as _;
use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, KeyOperations, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, DecodingKey, Header};

/// Smallest accepted RSA modulus.
pub const MIN_RSA_BITS: usize = 2048;

/// The algorithms a key from a JWKS may verify.
pub const JWKS_ALGORITHMS: [Algorithm; 3] = [Algorithm::RS256, Algorithm::PS256, Algorithm::ES256];

/// Most keys read from one set; a real provider publishes a handful.
const MAX_KEYS: usize = 50;

/// Why a key set was refused as a whole.
#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    #[error("the key set is not JSON of the form {{\"keys\": [...]}}")]
    NotAKeySet,
    #[error(
        "the key set holds no usable signing key (RS256, PS256 or ES256; RSA of at least {MIN_RSA_BITS} bits, EC on P-256)"
    )]
    NoUsableKey,
}

/// One key Redress verifies with.
pub struct VerifyingKey {
    pub kid: Option<String>,
    /// The token algorithms this key verifies: the JWK's own `alg` when it
    /// states one, else those of its key type.
    pub algorithms: Vec<Algorithm>,
    key: DecodingKey,
}

impl VerifyingKey {
    pub fn decoding_key(&self) -> &DecodingKey {
        &self.key
    }
}

/// Why no key was found for a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The token's `kid` is not in the set.
    UnknownKid(String),
    /// The set has several keys and the token names none.
    MissingKid,
    /// The token's algorithm is not one this key (or Redress) accepts.
    WrongAlgorithm,
}

/// The usable keys of a set.
pub struct KeySet {
    keys: Vec<VerifyingKey>,
}

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(
                self.keys
                    .iter()
                    .map(|k| k.kid.as_deref().unwrap_or("(no kid)")),
            )
            .finish()
    }
}

impl KeySet {
    /// Parses a JWKS document and keeps its usable keys.
    pub fn parse(json: &[u8]) -> Result<KeySet, JwksError> {
        #[derive(serde::Deserialize)]
        struct Document {
            keys: Vec<serde_json::Value>,
        }
        let document: Document = serde_json::from_slice(json).map_err(|_| JwksError::NotAKeySet)?;
        let mut keys: Vec<VerifyingKey> = Vec::new();
        for value in document.keys.into_iter().take(MAX_KEYS) {
            let kid = value
                .get("kid")
                .and_then(serde_json::Value::as_str)
                .map(printable);
            match usable(value) {
                Ok(key) if key.kid.is_some() && keys.iter().any(|k| k.kid == key.kid) => {
                    tracing::warn!(kid, "JWKS key skipped: its kid repeats an earlier key's");
                }
                Ok(key) => keys.push(key),
                Err(reason) => tracing::warn!(kid, reason, "JWKS key skipped"),
            }
        }
        if keys.is_empty() {
            return Err(JwksError::NoUsableKey);
        }
        Ok(KeySet { keys })
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The kids of the set, for logs.
    pub fn kids(&self) -> Vec<&str> {
        self.keys
            .iter()
            .map(|k| k.kid.as_deref().unwrap_or("(none)"))
            .collect()
    }

    /// The key a token's header asks for. A token must name its key
    /// (`kid`) when the set has more than one; a set of one key without a
    /// `kid` verifies any token whose algorithm fits it.
    pub fn select(&self, header: &Header) -> Result<&VerifyingKey, Lookup> {
        if !JWKS_ALGORITHMS.contains(&header.alg) {
            return Err(Lookup::WrongAlgorithm);
        }
        let key = match (&header.kid, self.keys.as_slice()) {
            (_, [only]) if only.kid.is_none() => only,
            (Some(kid), keys) => keys
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid.as_str()))
                .ok_or_else(|| Lookup::UnknownKid(printable(kid)))?,
            (None, [only]) => only,
            (None, _) => return Err(Lookup::MissingKid),
        };
        if key.algorithms.contains(&header.alg) {
            Ok(key)
        } else {
            Err(Lookup::WrongAlgorithm)
        }
    }
}

/// A `kid` fit for a log line: at most 100 characters, controls escaped.
pub fn printable(kid: &str) -> String {
    kid.chars()
        .take(100)
        .flat_map(char::escape_default)
        .collect()
}

/// One JWK as a verifying key, or why it is skipped.
fn usable(value: serde_json::Value) -> Result<VerifyingKey, &'static str> {
    let jwk: Jwk = serde_json::from_value(value).map_err(|_| "not a key Redress can read")?;
    let common = &jwk.common;
    if common
        .public_key_use
        .as_ref()
        .is_some_and(|u| *u != PublicKeyUse::Signature)
    {
        return Err("not a signing key (`use` is not `sig`)");
    }
    if common
        .key_operations
        .as_ref()
        .is_some_and(|ops| !ops.contains(&KeyOperations::Verify))
    {
        return Err("not a signing key (`key_ops` lacks `verify`)");
    }
    let stated = common.key_algorithm;
    let (algorithms, key) = match &jwk.algorithm {
        AlgorithmParameters::RSA(rsa) => {
            let bits = modulus_bits(&rsa.n).ok_or("the RSA modulus is not base64url")?;
            if bits < MIN_RSA_BITS {
                return Err("the RSA key is shorter than 2048 bits");
            }
            let algorithms = match stated {
                None => vec![Algorithm::RS256, Algorithm::PS256],
                Some(KeyAlgorithm::RS256) => vec![Algorithm::RS256],
                Some(KeyAlgorithm::PS256) => vec![Algorithm::PS256],
                Some(_) => return Err("the RSA key's `alg` is neither RS256 nor PS256"),
            };
            let key = DecodingKey::from_rsa_components(&rsa.n, &rsa.e)
                .map_err(|_| "the RSA key's components are invalid")?;
            (algorithms, key)
        }
        AlgorithmParameters::EllipticCurve(ec) => {
            if ec.curve != EllipticCurve::P256 {
                return Err("the EC key is not on P-256");
            }
            if !matches!(stated, None | Some(KeyAlgorithm::ES256)) {
                return Err("the EC key's `alg` is not ES256");
            }
            if !on_p256(&ec.x, &ec.y) {
                return Err("the EC key's point is not on P-256");
            }
            let key = DecodingKey::from_ec_components(&ec.x, &ec.y)
                .map_err(|_| "the EC key's coordinates are invalid")?;
            (vec![Algorithm::ES256], key)
        }
        AlgorithmParameters::OctetKey(_) => return Err("a symmetric key is never accepted"),
        AlgorithmParameters::OctetKeyPair(_) => return Err("EdDSA keys are not accepted"),
    };
    Ok(VerifyingKey {
        kid: common.key_id.clone(),
        algorithms,
        key,
    })
}

fn b64url(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .ok()
}

/// The size of an RSA modulus in bits (leading zero bytes ignored).
fn modulus_bits(n: &str) -> Option<usize> {
    let bytes = b64url(n)?;
    let bytes: &[u8] = match bytes.iter().position(|b| *b != 0) {
        Some(first) => &bytes[first..],
        None => &[],
    };
    Some(match bytes.first() {
        Some(top) => (bytes.len() - 1) * 8 + (8 - top.leading_zeros() as usize),
        None => 0,
    })
}

/// Whether `(x, y)` is a valid point of P-256 (not the identity).
fn on_p256(x: &str, y: &str) -> bool {
    match (b64url(x), b64url(y)) {
        (Some(x), Some(y)) if x.len() == 32 && y.len() == 32 => {
            let mut sec1 = Vec::with_capacity(65);
            sec1.push(0x04);
            sec1.extend_from_slice(&x);
            sec1.extend_from_slice(&y);
            p256::PublicKey::from_sec1_bytes(&sec1).is_ok()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use rsa::traits::PublicKeyParts as _;
    use serde_json::{Value, json};

    use super::*;

    fn fixture(name: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures")
            .join(name);
        std::fs::read_to_string(path).unwrap_or_default()
    }

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    fn rsa_jwk(file: &str) -> Value {
        use rsa::pkcs8::DecodePublicKey as _;
        let key = rsa::RsaPublicKey::from_public_key_pem(&fixture(file)).unwrap();
        json!({ "kty": "RSA", "n": b64(&key.n().to_bytes_be()), "e": b64(&key.e().to_bytes_be()) })
    }

    fn ec_jwk() -> Value {
        use p256::elliptic_curve::sec1::ToEncodedPoint as _;
        use p256::pkcs8::DecodePublicKey as _;
        let key = p256::PublicKey::from_public_key_pem(&fixture("es256-public.pem")).unwrap();
        let point = key.to_encoded_point(false);
        json!({ "kty": "EC", "crv": "P-256",
                "x": b64(point.x().unwrap()), "y": b64(point.y().unwrap()) })
    }

    fn with(mut jwk: Value, field: &str, value: Value) -> Value {
        jwk[field] = value;
        jwk
    }

    fn set(keys: &[Value]) -> Vec<u8> {
        serde_json::to_vec(&json!({ "keys": keys })).unwrap()
    }

    /// Which algorithms each key verifies; `None`: skipped.
    #[test]
    fn key_table() {
        let rsa = rsa_jwk("rs256-public.pem");
        let ec = ec_jwk();
        let mut off_curve = ec.clone();
        off_curve["y"] = off_curve["x"].clone();
        let cases: Vec<(&str, Value, Option<Vec<Algorithm>>)> = vec![
            (
                "RSA, no alg",
                rsa.clone(),
                Some(vec![Algorithm::RS256, Algorithm::PS256]),
            ),
            (
                "RSA RS256",
                with(rsa.clone(), "alg", json!("RS256")),
                Some(vec![Algorithm::RS256]),
            ),
            (
                "RSA PS256",
                with(rsa.clone(), "alg", json!("PS256")),
                Some(vec![Algorithm::PS256]),
            ),
            ("RSA RS512", with(rsa.clone(), "alg", json!("RS512")), None),
            (
                "RSA encryption",
                with(rsa.clone(), "use", json!("enc")),
                None,
            ),
            (
                "RSA-OAEP",
                with(rsa.clone(), "alg", json!("RSA-OAEP")),
                None,
            ),
            (
                "RSA sign only",
                with(rsa.clone(), "key_ops", json!(["sign"])),
                None,
            ),
            (
                "RSA verify",
                with(rsa.clone(), "key_ops", json!(["verify"])),
                Some(vec![Algorithm::RS256, Algorithm::PS256]),
            ),
            ("RSA 1024", rsa_jwk("rsa1024-public.pem"), None),
            ("EC P-256", ec.clone(), Some(vec![Algorithm::ES256])),
            (
                "EC ES256",
                with(ec.clone(), "alg", json!("ES256")),
                Some(vec![Algorithm::ES256]),
            ),
            ("EC RS256", with(ec.clone(), "alg", json!("RS256")), None),
            ("EC P-384", with(ec.clone(), "crv", json!("P-384")), None),
            ("EC off the curve", off_curve, None),
            (
                "oct",
                json!({ "kty": "oct", "k": b64(b"0123456789abcdef0123456789abcdef") }),
                None,
            ),
            (
                "OKP",
                json!({ "kty": "OKP", "crv": "Ed25519", "x": b64(&[7; 32]) }),
                None,
            ),
            ("unknown kty", json!({ "kty": "XYZ" }), None),
        ];
        for (name, jwk, expected) in cases {
            let got = KeySet::parse(&set(&[jwk]))
                .ok()
                .map(|s| s.keys[0].algorithms.clone());
            assert_eq!(got, expected, "{name}");
        }
    }

    #[test]
    fn a_set_needs_one_usable_key() {
        for garbage in [&b"not json"[..], b"{}", b"[]", b"{\"keys\": 1}", b"<html>"] {
            assert!(matches!(KeySet::parse(garbage), Err(JwksError::NotAKeySet)));
        }
        let oct = json!({ "kty": "oct", "k": "AAAA" });
        assert!(matches!(
            KeySet::parse(&set(&[])),
            Err(JwksError::NoUsableKey)
        ));
        assert!(matches!(
            KeySet::parse(&set(std::slice::from_ref(&oct))),
            Err(JwksError::NoUsableKey)
        ));
        // An odd key beside a good one is skipped, not fatal.
        let keys = KeySet::parse(&set(&[oct, ec_jwk()])).unwrap();
        assert_eq!(keys.len(), 1);
    }

    #[test]
    fn selection_table() {
        let rsa = with(rsa_jwk("rs256-public.pem"), "kid", json!("r"));
        let ec = with(ec_jwk(), "kid", json!("e"));
        let two = KeySet::parse(&set(&[rsa.clone(), ec.clone()])).unwrap();
        let one = KeySet::parse(&set(std::slice::from_ref(&rsa))).unwrap();
        let anonymous = KeySet::parse(&set(&[rsa_jwk("rs256-public.pem")])).unwrap();
        let header = |alg, kid: Option<&str>| Header {
            kid: kid.map(str::to_owned),
            ..Header::new(alg)
        };
        type Case<'a> = (&'a str, &'a KeySet, Header, Result<Option<&'a str>, Lookup>);
        let cases: Vec<Case> = vec![
            (
                "RS256 r",
                &two,
                header(Algorithm::RS256, Some("r")),
                Ok(Some("r")),
            ),
            (
                "PS256 r",
                &two,
                header(Algorithm::PS256, Some("r")),
                Ok(Some("r")),
            ),
            (
                "ES256 e",
                &two,
                header(Algorithm::ES256, Some("e")),
                Ok(Some("e")),
            ),
            (
                "ES256 r",
                &two,
                header(Algorithm::ES256, Some("r")),
                Err(Lookup::WrongAlgorithm),
            ),
            (
                "RS256 e",
                &two,
                header(Algorithm::RS256, Some("e")),
                Err(Lookup::WrongAlgorithm),
            ),
            (
                "HS256 r",
                &two,
                header(Algorithm::HS256, Some("r")),
                Err(Lookup::WrongAlgorithm),
            ),
            (
                "RS384 r",
                &two,
                header(Algorithm::RS384, Some("r")),
                Err(Lookup::WrongAlgorithm),
            ),
            (
                "no kid, two keys",
                &two,
                header(Algorithm::RS256, None),
                Err(Lookup::MissingKid),
            ),
            (
                "unknown kid",
                &two,
                header(Algorithm::RS256, Some("x")),
                Err(Lookup::UnknownKid("x".into())),
            ),
            (
                "no kid, one key",
                &one,
                header(Algorithm::RS256, None),
                Ok(Some("r")),
            ),
            (
                "other kid, one key",
                &one,
                header(Algorithm::RS256, Some("x")),
                Err(Lookup::UnknownKid("x".into())),
            ),
            (
                "any kid, one key without kid",
                &anonymous,
                header(Algorithm::RS256, Some("x")),
                Ok(None),
            ),
        ];
        for (name, keys, header, expected) in cases {
            let got = keys.select(&header).map(|k| k.kid.as_deref());
            assert_eq!(got, expected, "{name}");
        }
    }

    #[test]
    fn kids_in_logs_are_short_and_escaped() {
        assert_eq!(printable("a\nb\u{1b}"), "a\\nb\\u{1b}");
        assert_eq!(printable(&"k".repeat(500)).len(), 100);
    }
}
