//! The Ed25519 key that signs audit checkpoints. It lives in a file outside
//! the database (`REDRESS_CHECKPOINT_KEY_FILE`, by default
//! `<data dir>/checkpoint-key.pem`, generated on first start), so whoever
//! can rewrite the database cannot also sign for the rewritten trail.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::spki::der::zeroize::Zeroizing;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey};

use crate::domain::checkpoint::{self, Head, SignedCheckpoint, VerifyingKey};

/// File name of the generated key inside the data directory.
pub const KEY_FILE: &str = "checkpoint-key.pem";

/// The signing key. It never prints: `Debug` shows the key id only, and the
/// key bytes are wiped when it is dropped.
pub struct CheckpointSigner {
    key: SigningKey,
    key_id: String,
}

impl std::fmt::Debug for CheckpointSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CheckpointSigner {{ key_id: {}, key: [redacted] }}",
            self.key_id
        )
    }
}

/// Where the key came from, for the start-up log line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckpointKeySource {
    /// `REDRESS_CHECKPOINT_KEY_FILE`.
    Configured(PathBuf),
    /// Generated (or reused) in the data directory.
    Generated { path: PathBuf, created: bool },
    /// Made in memory (tests); gone when the process ends.
    Ephemeral,
}

impl CheckpointKeySource {
    pub fn path(&self) -> Option<&Path> {
        match self {
            CheckpointKeySource::Configured(path) | CheckpointKeySource::Generated { path, .. } => {
                Some(path)
            }
            CheckpointKeySource::Ephemeral => None,
        }
    }
}

const NOT_ED25519: &str =
    "not a PKCS#8 PEM Ed25519 private key (what `openssl genpkey -algorithm ed25519` writes)";

impl CheckpointSigner {
    fn new(key: SigningKey) -> Self {
        let key_id = checkpoint::key_id(&key.verifying_key().to_bytes());
        CheckpointSigner { key, key_id }
    }

    /// A fresh random key.
    pub fn generate() -> Self {
        Self::new(SigningKey::from_bytes(&rand::random::<[u8; 32]>()))
    }

    /// A key from PKCS#8 PEM text (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pem(pem: &str) -> anyhow::Result<Self> {
        SigningKey::from_pkcs8_pem(pem)
            .map(Self::new)
            .map_err(|_| anyhow::anyhow!(NOT_ED25519))
    }

    /// The key in a PKCS#8 PEM file; refuses a file other users can read.
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let mode = fs::metadata(path)
            .with_context(|| format!("reading the checkpoint key {}", path.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            bail!(
                "the checkpoint key {} is readable by other users (mode {:o}); run `chmod 600` on it",
                path.display(),
                mode & 0o777
            );
        }
        let pem = Zeroizing::new(
            fs::read_to_string(path)
                .with_context(|| format!("reading the checkpoint key {}", path.display()))?,
        );
        Self::from_pem(&pem)
            .with_context(|| format!("loading the checkpoint key {}", path.display()))
    }

    /// `<data_dir>/checkpoint-key.pem`, created with a fresh key and mode
    /// 0600 if it does not exist (as the token secret is). Returns whether
    /// it was created.
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<(Self, PathBuf, bool)> {
        crate::config::ensure_data_dir(data_dir)?;
        let path = data_dir.join(KEY_FILE);
        let mut created = false;
        if !path.exists() {
            let pem = Self::generate().to_pem()?;
            created = crate::config::create_owner_only(&path, pem.as_bytes())?;
        }
        Ok((Self::from_file(&path)?, path, created))
    }

    /// The configured key file, else the one in the data directory.
    pub fn resolve(
        configured: Option<&Path>,
        data_dir: &Path,
    ) -> anyhow::Result<(Self, CheckpointKeySource)> {
        match configured {
            Some(path) => Ok((
                Self::from_file(path)?,
                CheckpointKeySource::Configured(path.to_owned()),
            )),
            None => {
                let (signer, path, created) = Self::load_or_create(data_dir)?;
                Ok((signer, CheckpointKeySource::Generated { path, created }))
            }
        }
    }

    /// The key as PKCS#8 PEM, wiped from memory when dropped.
    pub fn to_pem(&self) -> anyhow::Result<Zeroizing<String>> {
        self.key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|_| anyhow::anyhow!("encoding the checkpoint key as PEM"))
    }

    /// The public key that verifies this key's checkpoints.
    pub fn public_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// First 16 hex characters of SHA-256 over the public key.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn sign(&self, head: Head) -> SignedCheckpoint {
        checkpoint::sign(&self.key, head)
    }
}

/// The trusted public key from a file, for checking checkpoints without
/// being able to make them: the private key file itself, or its public half
/// (`openssl pkey -in checkpoint-key.pem -pubout`).
pub fn load_public_key(path: &Path) -> anyhow::Result<VerifyingKey> {
    let text = Zeroizing::new(
        fs::read_to_string(path)
            .with_context(|| format!("reading the checkpoint key {}", path.display()))?,
    );
    match VerifyingKey::from_public_key_pem(&text) {
        Ok(key) => Ok(key),
        Err(_) => Ok(CheckpointSigner::from_file(path)?.public_key()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn temp_dir(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("redress-ckey-{name}-{}", uuid::Uuid::now_v7()))
    }

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures")
            .join(name)
    }

    #[test]
    fn generated_key_is_private_and_stable() -> anyhow::Result<()> {
        let dir = temp_dir("gen");
        let (first, path, created) = CheckpointSigner::load_or_create(&dir)?;
        assert!(created);
        assert_eq!(path, dir.join(KEY_FILE));
        assert_eq!(fs::metadata(&path)?.permissions().mode() & 0o777, 0o600);
        assert!(fs::read_to_string(&path)?.starts_with("-----BEGIN PRIVATE KEY-----"));
        let (second, _, created_again) = CheckpointSigner::load_or_create(&dir)?;
        assert!(!created_again);
        assert_eq!(first.public_key(), second.public_key());
        assert_eq!(load_public_key(&path)?, first.public_key());
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640))?;
        let refused = CheckpointSigner::load_or_create(&dir).map(|_| ());
        assert!(format!("{refused:?}").contains("chmod 600"), "{refused:?}");
        fs::remove_dir_all(&dir)?;
        Ok(())
    }

    /// What `openssl genpkey -algorithm ed25519` writes loads, and its
    /// public half (`openssl pkey -pubout`) is the same key.
    #[test]
    fn openssl_keys_load() -> anyhow::Result<()> {
        let dir = temp_dir("openssl");
        crate::config::ensure_data_dir(&dir)?;
        let private = dir.join("key.pem");
        fs::copy(fixture("ed25519-private.pem"), &private)?;
        fs::set_permissions(&private, fs::Permissions::from_mode(0o600))?;
        let signer = CheckpointSigner::from_file(&private)?;
        let public = load_public_key(&fixture("ed25519-public.pem"))?;
        assert_eq!(signer.public_key(), public);
        assert_eq!(load_public_key(&private)?, public);
        fs::remove_dir_all(&dir)?;
        Ok(())
    }

    #[test]
    fn other_keys_and_garbage_are_refused() -> anyhow::Result<()> {
        let dir = temp_dir("bad");
        crate::config::ensure_data_dir(&dir)?;
        for (name, text) in [
            ("es256", fs::read_to_string(fixture("es256-private.pem"))?),
            ("rsa", fs::read_to_string(fixture("rs256-private.pem"))?),
            ("garbage", "not a key".to_owned()),
            ("empty", String::new()),
        ] {
            let path = dir.join(name);
            fs::write(&path, text)?;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600))?;
            let error = CheckpointSigner::from_file(&path).map(|_| ());
            let message = format!("{:#}", error.err().unwrap_or_else(|| anyhow::anyhow!("")));
            assert!(message.contains("Ed25519"), "{name}: {message}");
            assert!(
                message.contains(&path.display().to_string()),
                "{name}: {message}"
            );
        }
        assert!(CheckpointSigner::from_file(&dir.join("missing.pem")).is_err());
        fs::remove_dir_all(&dir)?;
        Ok(())
    }

    #[test]
    fn never_prints_the_key() -> anyhow::Result<()> {
        let signer = CheckpointSigner::generate();
        let pem = signer.to_pem()?;
        let debug = format!("{signer:?}");
        assert!(debug.contains(signer.key_id()) && debug.contains("redacted"));
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        assert!(!debug.contains(&body));
        // And it round-trips through PEM.
        let again = CheckpointSigner::from_pem(&pem)?;
        assert_eq!(again.public_key(), signer.public_key());
        let head = Head {
            sequence: 1,
            hash: "00".repeat(32),
            signed_at: Utc::now(),
        };
        assert_eq!(
            signer.sign(head).signature_problem(&again.public_key()),
            None
        );
        Ok(())
    }
}
