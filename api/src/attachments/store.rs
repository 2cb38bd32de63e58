//! Attachment bytes by content: each document is kept once under
//! `sha256/<hex>` of its bytes, through `object_store` — a local directory
//! (by default `<data dir>/objects`) or an S3-compatible bucket. The object
//! is written before the row that names it commits: an object without a
//! row is harmless (an upload that failed later), a row without its object
//! cannot happen. Reads check the hash of what comes back.

use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, PutPayload};
use sha2::{Digest, Sha256};

use crate::config::{ObjectStoreLocation, S3Settings};

/// Where attachment bytes are kept.
#[derive(Clone, Debug)]
pub struct Objects {
    store: Arc<dyn ObjectStore>,
    /// Where, for logs (never a secret).
    pub describe: String,
}

/// A fault of the store, or bytes that are not what the row says.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("object store: {0}")]
    Store(#[from] object_store::Error),
    #[error("the stored object {key} is missing")]
    Missing { key: String },
    #[error("the stored object {key} does not match its hash (read {actual})")]
    Tampered { key: String, actual: String },
    #[error("object store setup: {0}")]
    Setup(String),
}

/// The lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The object key of a hash: `sha256/<hex>`.
pub fn key_of(sha256: &str) -> String {
    format!("sha256/{sha256}")
}

impl Objects {
    /// Opens the configured store (creating the local directory, owner
    /// only).
    pub fn open(location: &ObjectStoreLocation) -> Result<Objects, StoreError> {
        match location {
            ObjectStoreLocation::Local(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StoreError::Setup(format!("creating {}: {e}", dir.display())))?;
                let store = LocalFileSystem::new_with_prefix(dir)?;
                Ok(Objects {
                    store: Arc::new(store),
                    describe: format!("local directory {}", dir.display()),
                })
            }
            ObjectStoreLocation::S3(s3) => Self::s3(s3),
        }
    }

    fn s3(s3: &S3Settings) -> Result<Objects, StoreError> {
        let rest = s3.url.strip_prefix("s3://").ok_or_else(|| {
            StoreError::Setup("REDRESS_OBJECT_STORE_URL must be s3://bucket[/prefix]".into())
        })?;
        let (bucket, prefix) = match rest.split_once('/') {
            Some((b, p)) => (b, p.trim_matches('/')),
            None => (rest, ""),
        };
        if bucket.is_empty() {
            return Err(StoreError::Setup(
                "REDRESS_OBJECT_STORE_URL names no bucket (s3://bucket[/prefix])".into(),
            ));
        }
        // AWS_* variables (keys, region, endpoint) first; explicit
        // settings win.
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        if let Some(endpoint) = &s3.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        if let Some(region) = &s3.region {
            builder = builder.with_region(region);
        }
        if let Some(id) = &s3.access_key_id {
            builder = builder.with_access_key_id(id);
        }
        if let Some(secret) = &s3.secret_access_key {
            use secrecy::ExposeSecret;
            builder = builder.with_secret_access_key(secret.expose_secret());
        }
        let store = builder.build()?;
        let describe = format!("s3://{bucket}/{prefix}");
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(store)
        } else {
            Arc::new(PrefixStore::new(store, prefix))
        };
        Ok(Objects { store, describe })
    }

    /// Keeps `bytes` under their hash, once: a document already stored
    /// (the same letter uploaded twice) is not written again.
    pub async fn put(&self, sha256: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        let key = ObjectPath::from(key_of(sha256));
        match self.store.head(&key).await {
            Ok(_) => return Ok(()),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        self.store.put(&key, PutPayload::from(bytes)).await?;
        Ok(())
    }

    /// The bytes stored under `sha256`, checked against it.
    pub async fn get(&self, sha256: &str) -> Result<actix_web::web::Bytes, StoreError> {
        let key_text = key_of(sha256);
        let key = ObjectPath::from(key_text.as_str());
        let bytes = match self.store.get(&key).await {
            Ok(r) => r.bytes().await?,
            Err(object_store::Error::NotFound { .. }) => {
                return Err(StoreError::Missing { key: key_text });
            }
            Err(e) => return Err(e.into()),
        };
        let actual = sha256_hex(&bytes);
        if actual != sha256 {
            return Err(StoreError::Tampered {
                key: key_text,
                actual,
            });
        }
        Ok(bytes)
    }
}
