//! The identity provider's key set fetched from its JWKS URL, kept in
//! memory and refreshed:
//!
//! - at start (a failure does not stop the server: tokens are answered 503
//!   `AUTH_KEYS_UNAVAILABLE` until a fetch succeeds, retried every
//!   `min_refresh`);
//! - periodically, after the provider's `Cache-Control: max-age` bounded to
//!   `[min_refresh, max_age]` (`max_age` when it states none);
//! - when a token names a `kid` the set does not hold, so a rotated key is
//!   picked up at once.
//!
//! Fetches of every kind are at most one per `min_refresh`, whatever
//! tokens arrive (random kids cannot make Redress hammer the provider), and
//! concurrent requests for a refresh share one fetch. A failed fetch
//! (timeout, error status, garbage, no usable key) keeps the last good set.

use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use reqwest::Url;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::jwk_set::{JwksError, KeySet};

/// `Retry-After` (seconds) of a 503 while no key set has been fetched.
pub const KEYS_RETRY_AFTER_SECONDS: &str = "10";

/// Largest JWKS document read.
const MAX_BYTES: usize = 256 * 1024;

/// How the JWKS URL is fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JwksOptions {
    /// Longest wait for the provider's answer.
    pub timeout: Duration,
    /// Least time between two fetches.
    pub min_refresh: Duration,
    /// Longest time a fetched set is used without a refresh.
    pub max_age: Duration,
}

impl Default for JwksOptions {
    fn default() -> Self {
        JwksOptions {
            timeout: Duration::from_secs(5),
            min_refresh: Duration::from_secs(60),
            max_age: Duration::from_secs(3600),
        }
    }
}

/// Why a fetch failed (logged; the client only learns the keys are
/// unavailable).
#[derive(Debug, thiserror::Error)]
enum FetchError {
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("the request failed: {0}")]
    Request(String),
    #[error("the provider answered HTTP {0}")]
    Status(u16),
    #[error("the answer exceeds {MAX_BYTES} bytes")]
    TooLarge,
    #[error(transparent)]
    Set(#[from] JwksError),
}

/// Checks a JWKS URL: `https://`, or `http://` to a loopback address only
/// (a local test or development provider).
pub fn parse_url(url: &str) -> anyhow::Result<Url> {
    let parsed = Url::parse(url).map_err(|e| anyhow::anyhow!("`{url}` is not a URL: {e}"))?;
    let host = parsed.host_str().unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "https" if !host.is_empty() => Ok(parsed),
        "http" if loopback => Ok(parsed),
        "http" => anyhow::bail!(
            "REDRESS_JWT_JWKS_URL must use https:// (http:// is accepted for a loopback address only)"
        ),
        _ => anyhow::bail!("REDRESS_JWT_JWKS_URL must be an https:// URL"),
    }
}

/// The fetched set and when it may be fetched again.
pub struct RemoteKeys {
    url: Url,
    client: reqwest::Client,
    options: JwksOptions,
    current: RwLock<Option<Arc<KeySet>>>,
    /// Held during a fetch; the time of the last attempt.
    fetching: Mutex<Option<Instant>>,
    refresher: std::sync::OnceLock<tokio::task::AbortHandle>,
}

impl RemoteKeys {
    /// Fetches the set once (a failure is logged, not returned) and starts
    /// the periodic refresh, which stops when this is dropped.
    pub async fn start(url: Url, options: JwksOptions) -> anyhow::Result<Arc<RemoteKeys>> {
        let client = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            .https_only(url.scheme() == "https")
            .redirect(reqwest::redirect::Policy::limited(3))
            // A fetch is rare; a fresh connection each time survives the
            // runtime that opened the last one (actix runs one per worker).
            .pool_max_idle_per_host(0)
            .user_agent(concat!("redress/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let keys = Arc::new(RemoteKeys {
            url,
            client,
            options,
            current: RwLock::new(None),
            fetching: Mutex::new(None),
            refresher: std::sync::OnceLock::new(),
        });
        let first = keys.fetch_now(&mut *keys.fetching.lock().await).await;
        let task = tokio::spawn(refresh_periodically(Arc::downgrade(&keys), first));
        let _ = keys.refresher.set(task.abort_handle());
        Ok(keys)
    }

    /// The set in use; `None` until a fetch has succeeded.
    pub fn current(&self) -> Option<Arc<KeySet>> {
        self.current.read().ok().and_then(|c| c.clone())
    }

    /// Asks for a fresh set because a token named an unknown `kid`. Waits
    /// for a fetch already under way; starts one only when none was
    /// attempted in the last `min_refresh`. Returns the set in use after.
    pub async fn refresh_for_unknown_kid(&self, seen: Option<&Arc<KeySet>>) -> Option<Arc<KeySet>> {
        let mut last = self.fetching.lock().await;
        let now = self.current();
        let changed = match (&now, seen) {
            (Some(now), Some(seen)) => !Arc::ptr_eq(now, seen),
            (now, seen) => now.is_some() != seen.is_some(),
        };
        let recent = last.is_some_and(|at| at.elapsed() < self.options.min_refresh);
        if !changed && !recent {
            self.fetch_now(&mut last).await;
        }
        drop(last);
        self.current()
    }

    /// One fetch; on success the set replaces the current one. Returns how
    /// long the answer may be cached, `None` on failure.
    async fn fetch_now(&self, last: &mut Option<Instant>) -> Option<Duration> {
        *last = Some(Instant::now());
        let fetched = tokio::time::timeout(self.options.timeout, self.fetch()).await;
        match fetched.unwrap_or(Err(FetchError::Timeout(self.options.timeout))) {
            Ok((set, max_age)) => {
                tracing::info!(url = %self.url, kids = ?set.kids(), "identity provider keys loaded");
                if let Ok(mut current) = self.current.write() {
                    *current = Some(Arc::new(set));
                }
                Some(self.bounded(max_age))
            }
            Err(error) => {
                let kept = self.current().is_some();
                tracing::warn!(
                    url = %self.url,
                    error = %error,
                    "fetching the identity provider's keys failed; {}",
                    if kept { "keeping the last good set" } else { "no keys yet: tokens are refused with 503" }
                );
                None
            }
        }
    }

    async fn fetch(&self) -> Result<(KeySet, Option<Duration>), FetchError> {
        let request_error = |e: reqwest::Error| FetchError::Request(e.without_url().to_string());
        let mut response = self
            .client
            .get(self.url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(request_error)?;
        if !response.status().is_success() {
            return Err(FetchError::Status(response.status().as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_BYTES as u64)
        {
            return Err(FetchError::TooLarge);
        }
        let max_age = response
            .headers()
            .get(reqwest::header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .and_then(cache_max_age);
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(request_error)? {
            if body.len() + chunk.len() > MAX_BYTES {
                return Err(FetchError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok((KeySet::parse(&body)?, max_age))
    }

    fn bounded(&self, max_age: Option<Duration>) -> Duration {
        max_age.unwrap_or(self.options.max_age).clamp(
            self.options.min_refresh,
            self.options.max_age.max(self.options.min_refresh),
        )
    }
}

impl Drop for RemoteKeys {
    fn drop(&mut self) {
        if let Some(task) = self.refresher.get() {
            task.abort();
        }
    }
}

/// `max-age` of a `Cache-Control` value; `no-cache`/`no-store` count as 0.
fn cache_max_age(value: &str) -> Option<Duration> {
    value.split(',').map(str::trim).find_map(|directive| {
        if directive.eq_ignore_ascii_case("no-cache") || directive.eq_ignore_ascii_case("no-store")
        {
            return Some(Duration::ZERO);
        }
        let (name, seconds) = directive.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("max-age")
            .then(|| {
                seconds
                    .trim()
                    .trim_matches('"')
                    .parse()
                    .ok()
                    .map(Duration::from_secs)
            })
            .flatten()
    })
}

/// Refreshes when the set's time is up; after a failure, every
/// `min_refresh`. Holds only a weak reference: ends with the keys.
async fn refresh_periodically(keys: Weak<RemoteKeys>, first: Option<Duration>) {
    let mut wait = match (first, keys.upgrade()) {
        (Some(wait), _) => wait,
        (None, Some(keys)) => keys.options.min_refresh,
        (None, None) => return,
    };
    loop {
        tokio::time::sleep(wait).await;
        let Some(keys) = keys.upgrade() else { return };
        let mut last = keys.fetching.lock().await;
        // A fetch for an unknown kid may have happened meanwhile.
        let since = last.map(|at| at.elapsed()).unwrap_or(Duration::MAX);
        wait = if since < keys.options.min_refresh {
            keys.options.min_refresh - since
        } else {
            keys.fetch_now(&mut last)
                .await
                .unwrap_or(keys.options.min_refresh)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_table() {
        let cases = [
            (
                "https://login.microsoftonline.com/t/discovery/v2.0/keys",
                true,
            ),
            ("http://127.0.0.1:8080/jwks", true),
            ("http://localhost/jwks", true),
            ("http://[::1]:9000/jwks", true),
            ("http://idp.example.org/jwks", false),
            ("http://10.0.0.5/jwks", false),
            ("ftp://idp.example.org/jwks", false),
            ("file:///etc/jwks.json", false),
            ("not a url", false),
        ];
        for (url, ok) in cases {
            assert_eq!(parse_url(url).is_ok(), ok, "{url}");
        }
    }

    #[test]
    fn cache_control_table() {
        let cases = [
            ("max-age=300", Some(300)),
            ("public, max-age=86400, must-revalidate", Some(86400)),
            ("MAX-AGE = 60", Some(60)),
            ("no-store", Some(0)),
            ("private, no-cache", Some(0)),
            ("public", None),
            ("max-age=soon", None),
        ];
        for (value, expected) in cases {
            assert_eq!(
                cache_max_age(value),
                expected.map(Duration::from_secs),
                "{value}"
            );
        }
    }
}
