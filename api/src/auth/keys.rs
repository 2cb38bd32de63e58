//! Key material for tokens, and the generated local secret.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

use super::jwk_set::KeySet;
use super::jwks::{self, JwksOptions};

/// File name of the generated secret inside the data directory.
pub const SECRET_FILE: &str = "jwt-secret";
/// Shortest accepted HS256 secret, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;
pub use super::jwk_set::MIN_RSA_BITS;

/// Where tokens are verified against.
#[derive(Clone)]
pub enum KeyConfig {
    /// HS256 with a shared secret.
    Secret(SecretString),
    /// RS256 or ES256 with an identity provider's public key (PEM).
    PublicKey { algorithm: Algorithm, pem: Vec<u8> },
    /// RS256, PS256 or ES256 with the keys of a JWKS file, read at start.
    JwksFile(Arc<KeySet>),
    /// RS256, PS256 or ES256 with the keys fetched from a JWKS URL.
    JwksUrl {
        url: reqwest::Url,
        options: JwksOptions,
    },
}

impl std::fmt::Debug for KeyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyConfig::Secret(_) => f.write_str("KeyConfig::Secret([redacted])"),
            KeyConfig::PublicKey { algorithm, .. } => {
                write!(f, "KeyConfig::PublicKey({algorithm:?})")
            }
            KeyConfig::JwksFile(keys) => write!(f, "KeyConfig::JwksFile({keys:?})"),
            KeyConfig::JwksUrl { url, options } => {
                write!(f, "KeyConfig::JwksUrl({url}, {options:?})")
            }
        }
    }
}

/// How the key was chosen, for the start-up log line (never the secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    ConfiguredSecret,
    PublicKeyFile(PathBuf),
    JwksFile(PathBuf),
    JwksUrl(String),
    /// Generated (or reused) in the data directory.
    GeneratedSecret {
        path: PathBuf,
        created: bool,
    },
}

impl KeyConfig {
    /// The one algorithm of a secret or a PEM key; `None` for a key set
    /// (each key has its own).
    pub fn algorithm(&self) -> Option<Algorithm> {
        match self {
            KeyConfig::Secret(_) => Some(Algorithm::HS256),
            KeyConfig::PublicKey { algorithm, .. } => Some(*algorithm),
            KeyConfig::JwksFile(_) | KeyConfig::JwksUrl { .. } => None,
        }
    }

    /// A JWKS document's usable keys; refuses a set without any.
    pub fn jwks_json(json: &[u8]) -> anyhow::Result<Self> {
        Ok(KeyConfig::JwksFile(Arc::new(KeySet::parse(json)?)))
    }

    /// A JWKS URL (https, or http to a loopback address) and how it is
    /// fetched. Nothing is fetched yet.
    pub fn jwks_url(url: &str, options: JwksOptions) -> anyhow::Result<Self> {
        if options.timeout.is_zero() {
            bail!("the JWKS timeout must be more than zero");
        }
        if options.min_refresh < std::time::Duration::from_millis(10) {
            bail!("the JWKS minimum refresh interval must be at least 10 ms");
        }
        if options.max_age < options.min_refresh {
            bail!("the JWKS maximum age must not be shorter than the minimum refresh interval");
        }
        Ok(KeyConfig::JwksUrl {
            url: jwks::parse_url(url)?,
            options,
        })
    }

    /// A configured shared secret; refuses one shorter than 32 bytes.
    pub fn secret(secret: SecretString) -> anyhow::Result<Self> {
        if secret.expose_secret().len() < MIN_SECRET_BYTES {
            bail!("REDRESS_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long");
        }
        Ok(KeyConfig::Secret(secret))
    }

    /// An identity provider's PEM public key; the algorithm follows the key:
    /// RSA of 2048 bits or more → RS256, EC on P-256 → ES256. Any other key
    /// (a weaker RSA key, another curve, a private key) is refused at start
    /// rather than failing every token later.
    pub fn public_key_pem(pem: Vec<u8>) -> anyhow::Result<Self> {
        use p256::pkcs8::DecodePublicKey as _;
        use rsa::pkcs1::DecodeRsaPublicKey as _;
        use rsa::traits::PublicKeyParts as _;

        let text = std::str::from_utf8(&pem)
            .map_err(|_| anyhow::anyhow!("the public key is not PEM text"))?;
        let rsa = rsa::RsaPublicKey::from_public_key_pem(text)
            .or_else(|_| rsa::RsaPublicKey::from_pkcs1_pem(text));
        let algorithm = if let Ok(rsa) = rsa {
            let bits = rsa.size() * 8;
            if bits < MIN_RSA_BITS {
                bail!("the RSA public key has {bits} bits; at least {MIN_RSA_BITS} are required");
            }
            Algorithm::RS256
        } else if p256::PublicKey::from_public_key_pem(text).is_ok() {
            Algorithm::ES256
        } else {
            bail!(
                "the public key must be an RSA (RS256) or EC P-256 (ES256) public key in PEM form"
            )
        };
        let key = KeyConfig::PublicKey { algorithm, pem };
        // jsonwebtoken must accept it too.
        key.decoding_key()?;
        Ok(key)
    }

    /// The key of a secret or a PEM key; `None` for a key set.
    pub(crate) fn decoding_key(&self) -> anyhow::Result<Option<DecodingKey>> {
        Ok(Some(match self {
            KeyConfig::Secret(s) => DecodingKey::from_secret(s.expose_secret().as_bytes()),
            KeyConfig::PublicKey {
                algorithm: Algorithm::RS256,
                pem,
            } => DecodingKey::from_rsa_pem(pem)?,
            KeyConfig::PublicKey { pem, .. } => DecodingKey::from_ec_pem(pem)?,
            KeyConfig::JwksFile(_) | KeyConfig::JwksUrl { .. } => return Ok(None),
        }))
    }

    pub(crate) fn encoding_key(&self) -> Option<EncodingKey> {
        match self {
            KeyConfig::Secret(s) => Some(EncodingKey::from_secret(s.expose_secret().as_bytes())),
            KeyConfig::PublicKey { .. } | KeyConfig::JwksFile(_) | KeyConfig::JwksUrl { .. } => {
                None
            }
        }
    }
}

/// The configured key sources; at most one may be set.
#[derive(Default)]
pub struct Sources<'a> {
    pub secret: Option<SecretString>,
    pub public_key: Option<&'a Path>,
    pub jwks_url: Option<&'a str>,
    pub jwks_file: Option<&'a Path>,
    pub jwks: JwksOptions,
}

/// Chooses the key: the one configured source (a secret, a PEM public key,
/// a JWKS URL or a JWKS file), else the secret generated in the data
/// directory (created on first use, readable by the owner only). More than
/// one source configured is an error.
pub fn resolve(sources: Sources<'_>, data_dir: &Path) -> anyhow::Result<(KeyConfig, KeySource)> {
    let configured: Vec<&str> = [
        ("REDRESS_JWT_SECRET", sources.secret.is_some()),
        ("REDRESS_JWT_PUBLIC_KEY", sources.public_key.is_some()),
        ("REDRESS_JWT_JWKS_URL", sources.jwks_url.is_some()),
        ("REDRESS_JWT_JWKS_FILE", sources.jwks_file.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect();
    if configured.len() > 1 {
        bail!(
            "configure one key source only, not {}: REDRESS_JWT_SECRET, REDRESS_JWT_PUBLIC_KEY, \
             REDRESS_JWT_JWKS_URL or REDRESS_JWT_JWKS_FILE",
            configured.join(" and ")
        );
    }
    match sources {
        Sources {
            secret: Some(secret),
            ..
        } => Ok((KeyConfig::secret(secret)?, KeySource::ConfiguredSecret)),
        Sources {
            public_key: Some(path),
            ..
        } => {
            let pem = fs::read(path)
                .with_context(|| format!("reading the JWT public key {}", path.display()))?;
            let key = KeyConfig::public_key_pem(pem)
                .with_context(|| format!("loading the JWT public key {}", path.display()))?;
            Ok((key, KeySource::PublicKeyFile(path.to_owned())))
        }
        Sources {
            jwks_url: Some(url),
            jwks,
            ..
        } => Ok((
            KeyConfig::jwks_url(url, jwks)?,
            KeySource::JwksUrl(url.to_owned()),
        )),
        Sources {
            jwks_file: Some(path),
            ..
        } => {
            let json = fs::read(path)
                .with_context(|| format!("reading the JWKS file {}", path.display()))?;
            let key = KeyConfig::jwks_json(&json)
                .with_context(|| format!("loading the JWKS file {}", path.display()))?;
            Ok((key, KeySource::JwksFile(path.to_owned())))
        }
        Sources { .. } => {
            let (secret, path, created) = load_or_create_secret(data_dir)?;
            Ok((
                KeyConfig::secret(secret)?,
                KeySource::GeneratedSecret { path, created },
            ))
        }
    }
}

/// Reads `<data_dir>/jwt-secret`, creating it with 256 random bits (hex) and
/// mode 0600 if it does not exist. Refuses a file others can read.
pub fn load_or_create_secret(data_dir: &Path) -> anyhow::Result<(SecretString, PathBuf, bool)> {
    crate::config::ensure_data_dir(data_dir)?;
    let path = data_dir.join(SECRET_FILE);
    let mut created = false;
    if !path.exists() {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        created = crate::config::create_owner_only(&path, hex.as_bytes())?;
    }
    let mode = fs::metadata(&path)
        .with_context(|| format!("reading {}", path.display()))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        bail!(
            "{} is readable by other users (mode {:o}); run `chmod 600` on it",
            path.display(),
            mode & 0o777
        );
    }
    let secret =
        fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    Ok((SecretString::from(secret.trim().to_owned()), path, created))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("redress-keys-{name}-{}", uuid::Uuid::now_v7()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn generated_secret_is_private_and_stable() -> anyhow::Result<()> {
        let dir = temp_dir("gen");
        let (first, path, created) = load_or_create_secret(&dir)?;
        assert!(created);
        assert_eq!(fs::metadata(&path)?.permissions().mode() & 0o777, 0o600);
        assert_eq!(first.expose_secret().len(), 64);
        let (second, _, created_again) = load_or_create_secret(&dir)?;
        assert!(!created_again);
        assert_eq!(first.expose_secret(), second.expose_secret());
        fs::remove_dir_all(&dir)?;
        Ok(())
    }

    #[test]
    fn world_readable_secret_is_refused() -> anyhow::Result<()> {
        let dir = temp_dir("perm");
        let (_, path, _) = load_or_create_secret(&dir)?;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644))?;
        assert!(load_or_create_secret(&dir).is_err());
        fs::remove_dir_all(&dir)?;
        Ok(())
    }

    #[test]
    fn short_secret_and_both_keys_are_refused() {
        assert!(KeyConfig::secret(SecretString::from("too-short")).is_err());
        let dir = temp_dir("both");
        let secret = || Some(SecretString::from("x".repeat(40)));
        let pem = Some(Path::new("/nonexistent.pem"));
        let file = Some(Path::new("/nonexistent.json"));
        let url = Some("https://idp.example.org/keys");
        let pairs = [
            Sources {
                secret: secret(),
                public_key: pem,
                ..Sources::default()
            },
            Sources {
                secret: secret(),
                jwks_url: url,
                ..Sources::default()
            },
            Sources {
                public_key: pem,
                jwks_file: file,
                ..Sources::default()
            },
            Sources {
                jwks_url: url,
                jwks_file: file,
                ..Sources::default()
            },
        ];
        for sources in pairs {
            let refused = resolve(sources, &dir).err().map(|e| e.to_string());
            assert!(
                refused
                    .as_deref()
                    .is_some_and(|e| e.starts_with("configure one key source only")),
                "{refused:?}"
            );
        }
        assert!(!dir.exists(), "nothing generated");
    }

    fn fixture(name: &str) -> Vec<u8> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures")
            .join(name);
        fs::read(path).unwrap_or_default()
    }

    #[test]
    fn public_key_table() {
        let cases: &[(&str, Option<Algorithm>)] = &[
            ("rs256-public.pem", Some(Algorithm::RS256)),
            ("rs256-public-pkcs1.pem", Some(Algorithm::RS256)),
            ("es256-public.pem", Some(Algorithm::ES256)),
            ("es384-public.pem", None),
            ("rsa1024-public.pem", None),
            ("rs256-private.pem", None),
            ("es256-private.pem", None),
            ("README", None),
        ];
        for (file, expected) in cases {
            let got = KeyConfig::public_key_pem(fixture(file))
                .ok()
                .and_then(|k| k.algorithm());
            assert_eq!(got, *expected, "{file}");
        }
        assert!(KeyConfig::public_key_pem(b"not a key".to_vec()).is_err());
    }
}
