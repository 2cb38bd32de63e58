//! Typed configuration, loaded once from flags and `REDRESS_*` variables.

use std::fs;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, ValueEnum};
use secrecy::SecretString;

use crate::auth::{JwksOptions, KeyConfig, KeySource, keys};
use crate::checkpoint_key::{CheckpointKeySource, CheckpointSigner};

mod attachments;
pub use attachments::{AttachmentArgs, AttachmentSettings, ObjectStoreLocation, S3Settings};

/// Where Redress keeps its files and which database it uses.
#[derive(Args, Clone, Debug)]
pub struct StorageArgs {
    /// Directory for the embedded database and the generated token secret.
    #[arg(long, env = "REDRESS_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// `sqlite://path?mode=rwc` or `postgres://…`; default: a SQLite file in the data directory.
    #[arg(long, env = "REDRESS_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

impl StorageArgs {
    /// The database URL, defaulting to `<data_dir>/redress.db` (directory
    /// created, owner-only).
    pub fn database_url(&self) -> anyhow::Result<String> {
        match &self.database_url {
            Some(url) => Ok(url.clone()),
            None => {
                ensure_data_dir(&self.data_dir)?;
                Ok(format!(
                    "sqlite://{}?mode=rwc",
                    self.data_dir.join("redress.db").display()
                ))
            }
        }
    }

    /// The database URL without creating the data directory, for commands
    /// that only read an existing database (`backup`, `verify`).
    pub fn existing_database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("redress.db").display()),
        }
    }
}

/// How tokens are verified.
#[derive(Args, Clone, Debug)]
pub struct AuthArgs {
    /// HS256 shared secret, at least 32 bytes.
    #[arg(long, env = "REDRESS_JWT_SECRET", hide_env_values = true, value_parser = parse_secret)]
    pub jwt_secret: Option<SecretString>,
    /// Path to a PEM public key (RS256 or ES256) of the identity provider.
    #[arg(long, env = "REDRESS_JWT_PUBLIC_KEY")]
    pub jwt_public_key: Option<PathBuf>,
    /// Required `iss` claim.
    #[arg(long, env = "REDRESS_JWT_ISSUER", default_value = "redress")]
    pub jwt_issuer: String,
    /// Required `aud` claim.
    #[arg(long, env = "REDRESS_JWT_AUDIENCE", default_value = "redress")]
    pub jwt_audience: String,
    /// Clock skew tolerated on `exp`/`nbf`, in seconds (at most 30).
    #[arg(long, env = "REDRESS_JWT_LEEWAY_SECONDS", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(0..=30))]
    pub jwt_leeway_seconds: u64,
    /// URL of the identity provider's JWKS (RS256, PS256, ES256 keys):
    /// https://, or http:// to a loopback address only.
    #[arg(long, env = "REDRESS_JWT_JWKS_URL")]
    pub jwt_jwks_url: Option<String>,
    /// Path to a JWKS file of the identity provider's keys, read at start.
    #[arg(long, env = "REDRESS_JWT_JWKS_FILE")]
    pub jwt_jwks_file: Option<PathBuf>,
    /// Longest wait for the JWKS URL to answer (e.g. `5s`).
    #[arg(long, env = "REDRESS_JWT_JWKS_TIMEOUT", default_value = "5s",
          value_parser = humantime::parse_duration)]
    pub jwt_jwks_timeout: Duration,
    /// Least time between two fetches of the JWKS URL, whatever asks for
    /// them (a token's unknown `kid`, a retry after a failure); at least 1s.
    #[arg(long, env = "REDRESS_JWT_JWKS_MIN_REFRESH", default_value = "1m",
          value_parser = humantime::parse_duration)]
    pub jwt_jwks_min_refresh: Duration,
    /// Longest time a fetched key set is used before it is fetched again
    /// (sooner when the provider's `Cache-Control: max-age` says so).
    #[arg(long, env = "REDRESS_JWT_JWKS_MAX_AGE", default_value = "1h",
          value_parser = humantime::parse_duration)]
    pub jwt_jwks_max_age: Duration,
}

fn parse_secret(s: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(s.to_owned()))
}

impl AuthArgs {
    pub fn resolve(&self, data_dir: &Path) -> anyhow::Result<AuthSettings> {
        anyhow::ensure!(
            self.jwt_jwks_min_refresh >= Duration::from_secs(1),
            "REDRESS_JWT_JWKS_MIN_REFRESH must be at least 1s"
        );
        let sources = keys::Sources {
            secret: self.jwt_secret.clone(),
            public_key: self.jwt_public_key.as_deref(),
            jwks_url: self.jwt_jwks_url.as_deref(),
            jwks_file: self.jwt_jwks_file.as_deref(),
            jwks: JwksOptions {
                timeout: self.jwt_jwks_timeout,
                min_refresh: self.jwt_jwks_min_refresh,
                max_age: self.jwt_jwks_max_age,
            },
        };
        let (key, source) = keys::resolve(sources, data_dir)?;
        Ok(AuthSettings {
            key,
            source,
            issuer: self.jwt_issuer.clone(),
            audience: self.jwt_audience.clone(),
            leeway_seconds: self.jwt_leeway_seconds,
        })
    }
}

/// Signed checkpoints of the audit trail.
#[derive(Args, Clone, Debug)]
pub struct CheckpointArgs {
    /// PKCS#8 PEM Ed25519 private key that signs audit checkpoints (keep it
    /// off the database's volume); default: `<data dir>/checkpoint-key.pem`,
    /// generated on first start.
    #[arg(long, env = "REDRESS_CHECKPOINT_KEY_FILE")]
    pub checkpoint_key_file: Option<PathBuf>,
    /// How often to sign the head of the audit trail when it has advanced,
    /// e.g. `15m`, `1h`, `1day`; `0` turns periodic checkpoints off.
    #[arg(long, env = "REDRESS_CHECKPOINT_INTERVAL", default_value = "1h",
          value_parser = humantime::parse_duration)]
    pub checkpoint_interval: Duration,
}

impl CheckpointArgs {
    pub fn resolve(&self, data_dir: &Path) -> anyhow::Result<CheckpointSettings> {
        let (signer, source) =
            CheckpointSigner::resolve(self.checkpoint_key_file.as_deref(), data_dir)?;
        Ok(CheckpointSettings {
            signer: Arc::new(signer),
            source,
            interval: (!self.checkpoint_interval.is_zero()).then_some(self.checkpoint_interval),
        })
    }
}

/// The checkpoint key and how often the server signs on its own.
#[derive(Clone, Debug)]
pub struct CheckpointSettings {
    pub signer: Arc<CheckpointSigner>,
    pub source: CheckpointKeySource,
    /// `None`: no periodic checkpoints (on demand only).
    pub interval: Option<Duration>,
}

impl CheckpointSettings {
    /// A fresh key held in memory only, no periodic checkpoints (tests).
    pub fn ephemeral() -> Self {
        CheckpointSettings {
            signer: Arc::new(CheckpointSigner::generate()),
            source: CheckpointKeySource::Ephemeral,
            interval: None,
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines, for development.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Request limits; exceeding one is a clear 4xx error.
#[derive(Args, Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body in bytes (413 beyond).
    #[arg(long, env = "REDRESS_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Deepest selection nesting allowed in a query.
    #[arg(long, env = "REDRESS_MAX_QUERY_DEPTH", default_value_t = 15)]
    pub max_query_depth: usize,
    /// Largest query complexity (one per field, page sizes multiply).
    #[arg(long, env = "REDRESS_MAX_QUERY_COMPLEXITY", default_value_t = 2500)]
    pub max_query_complexity: usize,
    /// Most aliases in one document.
    #[arg(long, env = "REDRESS_MAX_ALIASES", default_value_t = 30)]
    pub max_aliases: usize,
    /// Largest page of any connection (`first`/`last`).
    #[arg(long, env = "REDRESS_MAX_PAGE_SIZE", default_value_t = 100,
          value_parser = clap::value_parser!(u64).range(1..=100))]
    pub max_page_size: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1024 * 1024,
            max_query_depth: 15,
            max_query_complexity: 2500,
            max_aliases: 30,
            max_page_size: 100,
        }
    }
}

/// The database connection pool, and how quickly a request gives up on it.
#[derive(Args, Clone, Debug, PartialEq, Eq)]
pub struct PoolSettings {
    /// Most open database connections (default: 8 on SQLite, 16 on PostgreSQL).
    #[arg(long, env = "REDRESS_DB_MAX_CONNECTIONS",
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub db_max_connections: Option<u32>,
    /// How long a request waits for a database connection before it fails
    /// with 503 `DATABASE_UNAVAILABLE` (e.g. `1s`, `500ms`).
    #[arg(long, env = "REDRESS_DB_ACQUIRE_TIMEOUT", default_value = "1s",
          value_parser = humantime::parse_duration)]
    pub db_acquire_timeout: std::time::Duration,
    /// How often the database is probed for `/readyz` and for failing fast
    /// while it is down (e.g. `500ms`).
    #[arg(long, env = "REDRESS_DB_HEALTH_INTERVAL", default_value = "500ms",
          value_parser = humantime::parse_duration)]
    pub db_health_interval: std::time::Duration,
    /// Most access-log entries committed together: concurrent reads are
    /// logged in one transaction (group commit), each answered only once
    /// its entries are committed.
    #[arg(long, env = "REDRESS_ACCESS_LOG_BATCH", default_value_t = crate::services::access_log::DEFAULT_MAX_BATCH,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=100_000))]
    pub access_log_batch: usize,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            db_max_connections: None,
            db_acquire_timeout: std::time::Duration::from_secs(1),
            db_health_interval: std::time::Duration::from_millis(500),
            access_log_batch: crate::services::access_log::DEFAULT_MAX_BATCH,
        }
    }
}

/// Rate limits per user (token subject) and per client address, with
/// separate budgets for reads, writes and exports; exceeding one is a 429
/// `RATE_LIMITED` with `Retry-After` (see `http::rate_limit`).
#[derive(Args, Clone, Debug, PartialEq, Eq)]
pub struct RateLimitSettings {
    /// Apply the rate limits (`false`: none at all).
    #[arg(long, env = "REDRESS_RATE_LIMITS", default_value_t = true, action = clap::ArgAction::Set)]
    pub rate_limits: bool,
    /// Queries one user may run per minute (bursts of this many); 0: unlimited.
    #[arg(
        long,
        env = "REDRESS_RATE_LIMIT_READS_PER_MINUTE",
        default_value_t = 600
    )]
    pub rate_limit_reads_per_minute: u32,
    /// Mutations one user may run per minute (bursts of this many); 0: unlimited.
    #[arg(
        long,
        env = "REDRESS_RATE_LIMIT_WRITES_PER_MINUTE",
        default_value_t = 120
    )]
    pub rate_limit_writes_per_minute: u32,
    /// CSV exports one user may download per hour (bursts of this many); 0: unlimited.
    #[arg(
        long,
        env = "REDRESS_RATE_LIMIT_EXPORTS_PER_HOUR",
        default_value_t = 60
    )]
    pub rate_limit_exports_per_hour: u32,
    /// A client address's budgets as a multiple of one user's (the users
    /// behind a NAT or a terminal server share an address); 0: no
    /// per-address budgets.
    #[arg(long, env = "REDRESS_RATE_LIMIT_ADDRESS_FACTOR", default_value_t = 20)]
    pub rate_limit_address_factor: u32,
    /// Header from which a trusted reverse proxy's client address is taken,
    /// e.g. `X-Forwarded-For`; only from a peer in `--trusted-proxies`.
    #[arg(long, env = "REDRESS_TRUSTED_PROXY_HEADER", value_parser = parse_header_name)]
    pub trusted_proxy_header: Option<actix_web::http::header::HeaderName>,
    /// Comma-separated addresses or CIDR blocks of the reverse proxies
    /// trusted to set `--trusted-proxy-header`.
    #[arg(long, env = "REDRESS_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_proxy)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl Default for RateLimitSettings {
    /// What `serve` uses without configuration: limits on, no proxy.
    fn default() -> Self {
        RateLimitSettings {
            rate_limits: true,
            rate_limit_reads_per_minute: 600,
            rate_limit_writes_per_minute: 120,
            rate_limit_exports_per_hour: 60,
            rate_limit_address_factor: 20,
            trusted_proxy_header: None,
            trusted_proxies: Vec::new(),
        }
    }
}

impl RateLimitSettings {
    /// No rate limits (the tests' default).
    pub fn off() -> Self {
        RateLimitSettings {
            rate_limits: false,
            ..Self::default()
        }
    }
}

fn parse_header_name(s: &str) -> Result<actix_web::http::header::HeaderName, String> {
    actix_web::http::header::HeaderName::from_bytes(s.trim().as_bytes())
        .map_err(|_| format!("`{s}` is not an HTTP header name"))
}

/// A trusted proxy: an address (`10.0.0.7`, `::1`) or a CIDR block (`10.0.0.0/24`).
pub fn parse_proxy(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("`{s}` is not an address or a CIDR block like 10.0.0.0/24"))
}

/// Everything `serve` needs, resolved and validated.
#[derive(Clone, Debug)]
pub struct Settings {
    pub listen: String,
    pub database_url: String,
    pub pool: PoolSettings,
    pub auth: AuthSettings,
    pub limits: Limits,
    pub graphiql: bool,
    pub introspection: bool,
    pub field_suggestions: bool,
    /// Seconds in-flight requests get to finish on shutdown.
    pub shutdown_timeout_seconds: u64,
    /// HTTP worker threads; `None`: one per core.
    pub workers: Option<usize>,
    /// Browser origins allowed to call the API cross-origin (the web
    /// client's); empty: same-origin only.
    pub cors_origins: Vec<String>,
    /// The audit checkpoint key and interval.
    pub checkpoints: CheckpointSettings,
    /// Rate limits and the trusted reverse proxy's client-address header.
    pub rate_limits: RateLimitSettings,
    /// Trusted documents: a manifest of the only operations the server
    /// runs; `None` runs any document (development).
    pub trusted_documents: Option<std::path::PathBuf>,
    /// The attachment size limit and where the bytes are kept.
    pub attachments: AttachmentSettings,
    /// The mail relay for letters sent by EMAIL (`REDRESS_SMTP_*`); `None`: by hand.
    pub mail: Option<crate::correspondence::mail::SmtpSettings>,
}

/// Creates `path` with `contents`, readable and writable by its owner only
/// (mode 0600), synced to disk. `Ok(false)` when it already exists (another
/// process may have created it first: theirs is used).
///
/// The contents are written to a private temporary file first and linked
/// into place, so another process starting at the same moment never reads
/// a file that exists but is not yet written.
pub fn create_owner_only(path: &Path, contents: &[u8]) -> anyhow::Result<bool> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{file_name}.{}.tmp", uuid::Uuid::now_v7()));
    let written = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temporary)
        .and_then(|mut file| {
            file.write_all(contents)?;
            file.sync_all()
        });
    if let Err(e) = written {
        let _ = fs::remove_file(&temporary);
        return Err(e).with_context(|| format!("writing {}", temporary.display()));
    }
    let linked = fs::hard_link(&temporary, path);
    let _ = fs::remove_file(&temporary);
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e).with_context(|| format!("creating {}", path.display())),
    }
}

/// Checks a CORS origin: `http(s)://host[:port]`, no path, no wildcard.
pub fn parse_origin(origin: &str) -> Result<String, String> {
    let origin = origin.trim().trim_end_matches('/');
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or("an origin starts with https:// or http://")?;
    let valid = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if valid {
        Ok(origin.to_owned())
    } else {
        Err(format!(
            "`{origin}` is not an origin like https://patient-relations.example.org"
        ))
    }
}

#[derive(Clone, Debug)]
pub struct AuthSettings {
    pub key: KeyConfig,
    pub source: KeySource,
    pub issuer: String,
    pub audience: String,
    pub leeway_seconds: u64,
}

/// Creates the data directory (mode 0700) if it does not exist.
pub fn ensure_data_dir(dir: &Path) -> anyhow::Result<()> {
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("creating the data directory {}", dir.display()))?;
    } else if !dir.is_dir() {
        anyhow::bail!("{} is not a directory", dir.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_table() {
        let cases = [
            ("https://pr.example.org", Some("https://pr.example.org")),
            ("http://localhost:5173/", Some("http://localhost:5173")),
            ("https://[::1]:8443", Some("https://[::1]:8443")),
            ("*", None),
            ("https://*.example.org", None),
            ("https://pr.example.org/app", None),
            ("pr.example.org", None),
            ("https://", None),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_origin(input).ok().as_deref(), expected, "{input}");
        }
    }
}

#[cfg(test)]
mod owner_only_tests {
    use std::os::unix::fs::PermissionsExt;

    use super::create_owner_only;

    /// Processes starting at once on one data directory: exactly one
    /// creates the file, and none ever reads it half-written.
    #[test]
    fn racing_creators_never_see_a_partial_file() {
        let dir = std::env::temp_dir().join(format!("redress-owner-only-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        for round in 0..20 {
            let path = dir.join(format!("secret-{round}"));
            let handles: Vec<_> = (0..8u8)
                .map(|n| {
                    let path = path.clone();
                    std::thread::spawn(move || {
                        let contents = vec![b'a' + n; 64 * 1024];
                        let created = create_owner_only(&path, &contents).unwrap();
                        let read = std::fs::read(&path).unwrap();
                        assert_eq!(read.len(), contents.len(), "never half-written");
                        created
                    })
                })
                .collect();
            let created = handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .filter(|c| *c)
                .count();
            assert_eq!(created, 1, "round {round}");
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            20,
            "no temporary files left"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
