//! Attachment settings: the upload limit and where the bytes are kept.

use std::path::{Path, PathBuf};

use clap::Args;
use secrecy::SecretString;

use super::ensure_data_dir;

/// Attachments: the upload limit and where the bytes are kept.
#[derive(Args, Clone, Debug)]
pub struct AttachmentArgs {
    /// Largest attachment in bytes (413 beyond).
    #[arg(long, env = "REDRESS_ATTACHMENT_MAX_BYTES", default_value_t = 20 * 1024 * 1024)]
    pub attachment_max_bytes: u64,
    /// `s3://bucket[/prefix]` to keep attachments in S3-compatible storage
    /// (keys and region from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_REGION`); default: `<data dir>/objects`.
    #[arg(long, env = "REDRESS_OBJECT_STORE_URL")]
    pub object_store_url: Option<String>,
    /// The S3-compatible endpoint (e.g. `https://minio.internal:9000`);
    /// default: AWS (or `AWS_ENDPOINT`).
    #[arg(long, env = "REDRESS_OBJECT_STORE_ENDPOINT")]
    pub object_store_endpoint: Option<String>,
    /// The bucket's region; default: `AWS_REGION` (or us-east-1).
    #[arg(long, env = "REDRESS_OBJECT_STORE_REGION")]
    pub object_store_region: Option<String>,
}

impl AttachmentArgs {
    pub fn resolve(&self, data_dir: &Path) -> anyhow::Result<AttachmentSettings> {
        anyhow::ensure!(
            self.attachment_max_bytes > 0,
            "REDRESS_ATTACHMENT_MAX_BYTES must be at least 1"
        );
        let store = match &self.object_store_url {
            Some(url) => ObjectStoreLocation::S3(S3Settings {
                url: url.clone(),
                endpoint: self.object_store_endpoint.clone(),
                region: self.object_store_region.clone(),
                access_key_id: None,
                secret_access_key: None,
            }),
            None => {
                ensure_data_dir(data_dir)?;
                ObjectStoreLocation::Local(data_dir.join("objects"))
            }
        };
        Ok(AttachmentSettings {
            max_bytes: self.attachment_max_bytes,
            store,
        })
    }
}

/// The upload limit and the store.
#[derive(Clone, Debug)]
pub struct AttachmentSettings {
    pub max_bytes: u64,
    pub store: ObjectStoreLocation,
}

impl AttachmentSettings {
    /// 20 MiB, kept in `dir` (tests).
    pub fn in_dir(dir: PathBuf) -> Self {
        AttachmentSettings {
            max_bytes: 20 * 1024 * 1024,
            store: ObjectStoreLocation::Local(dir),
        }
    }
}

/// Where attachment bytes are kept.
#[derive(Clone, Debug)]
pub enum ObjectStoreLocation {
    Local(PathBuf),
    S3(S3Settings),
}

/// An S3-compatible bucket. Unset values come from the `AWS_*` variables.
#[derive(Clone, Debug)]
pub struct S3Settings {
    /// `s3://bucket[/prefix]`.
    pub url: String,
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<SecretString>,
}
