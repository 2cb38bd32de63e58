//! Key material for tokens, and the generated local secret.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

/// File name of the generated secret inside the data directory.
pub const SECRET_FILE: &str = "jwt-secret";
/// Shortest accepted HS256 secret, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;
/// Smallest accepted RSA modulus.
pub const MIN_RSA_BITS: usize = 2048;

/// Where tokens are verified against.
#[derive(Clone)]
pub enum KeyConfig {
    /// HS256 with a shared secret.
    Secret(SecretString),
    /// RS256 or ES256 with an identity provider's public key (PEM).
    PublicKey { algorithm: Algorithm, pem: Vec<u8> },
}

impl std::fmt::Debug for KeyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyConfig::Secret(_) => f.write_str("KeyConfig::Secret([redacted])"),
            KeyConfig::PublicKey { algorithm, .. } => {
                write!(f, "KeyConfig::PublicKey({algorithm:?})")
            }
        }
    }
}

/// How the key was chosen, for the start-up log line (never the secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    ConfiguredSecret,
    PublicKeyFile(PathBuf),
    /// Generated (or reused) in the data directory.
    GeneratedSecret {
        path: PathBuf,
        created: bool,
    },
}

impl KeyConfig {
    pub fn algorithm(&self) -> Algorithm {
        match self {
            KeyConfig::Secret(_) => Algorithm::HS256,
            KeyConfig::PublicKey { algorithm, .. } => *algorithm,
        }
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

    pub(crate) fn decoding_key(&self) -> anyhow::Result<DecodingKey> {
        Ok(match self {
            KeyConfig::Secret(s) => DecodingKey::from_secret(s.expose_secret().as_bytes()),
            KeyConfig::PublicKey {
                algorithm: Algorithm::RS256,
                pem,
            } => DecodingKey::from_rsa_pem(pem)?,
            KeyConfig::PublicKey { pem, .. } => DecodingKey::from_ec_pem(pem)?,
        })
    }

    pub(crate) fn encoding_key(&self) -> Option<EncodingKey> {
        match self {
            KeyConfig::Secret(s) => Some(EncodingKey::from_secret(s.expose_secret().as_bytes())),
            KeyConfig::PublicKey { .. } => None,
        }
    }
}

/// Chooses the key: a configured secret, else a configured public key, else
/// the secret generated in the data directory (created on first use,
/// readable by the owner only). Both configured is an error.
pub fn resolve(
    secret: Option<SecretString>,
    public_key: Option<&Path>,
    data_dir: &Path,
) -> anyhow::Result<(KeyConfig, KeySource)> {
    match (secret, public_key) {
        (Some(_), Some(_)) => {
            bail!("configure either REDRESS_JWT_SECRET or REDRESS_JWT_PUBLIC_KEY, not both")
        }
        (Some(secret), None) => Ok((KeyConfig::secret(secret)?, KeySource::ConfiguredSecret)),
        (None, Some(path)) => {
            let pem = fs::read(path)
                .with_context(|| format!("reading the JWT public key {}", path.display()))?;
            let key = KeyConfig::public_key_pem(pem)
                .with_context(|| format!("loading the JWT public key {}", path.display()))?;
            Ok((key, KeySource::PublicKeyFile(path.to_owned())))
        }
        (None, None) => {
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
        assert!(
            resolve(
                Some(SecretString::from("x".repeat(40))),
                Some(Path::new("/nonexistent.pem")),
                &dir
            )
            .is_err()
        );
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
                .map(|k| k.algorithm());
            assert_eq!(got, *expected, "{file}");
        }
        assert!(KeyConfig::public_key_pem(b"not a key".to_vec()).is_err());
    }
}
