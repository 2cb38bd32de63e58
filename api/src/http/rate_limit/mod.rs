//! Rate limits: per user (the token's subject) and per client address,
//! with separate budgets for reads (queries), writes (mutations) and
//! exports (`GET /exports/*.csv`), kept by `governor`'s keyed GCRA limiters
//! (state in a mutex-guarded `HashMap`, held for one lookup).
//!
//! - A budget of N per minute (per hour for exports) lets a burst of N
//!   through and then one more every 60/N seconds (3600/N): a client that
//!   pauses gets its burst back.
//! - A request counts against its user's budget and its address's budget
//!   for its kind (the address's is the user's times
//!   `REDRESS_RATE_LIMIT_ADDRESS_FACTOR`); a request without a valid token
//!   (introspection, a refused token) counts against its address only. The
//!   user's budget is checked first: a user over their budget does not
//!   spend the address's, while a request refused by the address's budget
//!   has already spent one of its user's.
//! - Over a budget: 429 with `Retry-After` (whole seconds, rounded up) and
//!   `{"errors":[{"message","extensions":{"code":"RATE_LIMITED","retryAfterSeconds"}}]}`;
//!   nothing has run, so nothing is read, logged or written.
//! - GraphQL requests are classified after the document is parsed and the
//!   operation chosen, before anything runs (a mutation is a write,
//!   everything else a read); requests refused earlier (malformed, too
//!   large) count against nothing.
//! - Memory: limiters keep one entry per user and per address seen.
//!   [`forget_idle`] drops every entry whose budget is full again once a
//!   minute, so the state holds only keys active within their refill time
//!   (one minute for reads and writes, one hour for exports): it is bounded
//!   by the request rate, never by history. Per-user keys only come from
//!   verified tokens.

mod client_address;
#[cfg(test)]
mod flags_tests;

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use async_graphql::parser::types::OperationType;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use serde_json::{Value, json};

pub use self::client_address::ClientAddresses;
use crate::config::RateLimitSettings;

/// What a request spends.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Class {
    /// A query (or anything that is not a mutation, e.g. a document that
    /// does not parse).
    Read,
    /// A mutation.
    Write,
    /// A CSV export.
    Export,
}

impl Class {
    /// The class of a GraphQL operation; `None` (no operation chosen) is a read.
    pub fn of_operation(ty: Option<OperationType>) -> Class {
        match ty {
            Some(OperationType::Mutation) => Class::Write,
            _ => Class::Read,
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Class::Read => "reads",
            Class::Write => "writes",
            Class::Export => "exports",
        }
    }
}

/// Whose budget refused a request.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Scope {
    User,
    Address,
}

/// One kind's budgets: per user and per address (`None`: unlimited).
struct Budget {
    per: &'static str,
    user: Option<(u32, DefaultKeyedRateLimiter<String>)>,
    address: Option<(u32, DefaultKeyedRateLimiter<IpAddr>)>,
}

impl Budget {
    fn new(
        per_user: u32,
        factor: u32,
        per: &'static str,
        quota: fn(NonZeroU32) -> Quota,
    ) -> Budget {
        let quota = |n: u32| NonZeroU32::new(n).map(quota);
        let per_address = per_user.saturating_mul(factor);
        Budget {
            per,
            user: quota(per_user).map(|q| (per_user, DefaultKeyedRateLimiter::keyed(q))),
            address: quota(per_address).map(|q| (per_address, DefaultKeyedRateLimiter::keyed(q))),
        }
    }

    fn forget_idle(&self) {
        if let Some((_, limiter)) = &self.user {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        if let Some((_, limiter)) = &self.address {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    fn keys(&self) -> usize {
        self.user.as_ref().map_or(0, |(_, l)| l.len())
            + self.address.as_ref().map_or(0, |(_, l)| l.len())
    }
}

/// The server's limiters; shared by every request.
pub struct RateLimits {
    /// `None`: limits are off.
    budgets: Option<[Budget; 3]>,
    addresses: ClientAddresses,
    clock: DefaultClock,
}

impl RateLimits {
    /// Refuses a proxy header without trusted proxies (it would never be
    /// read) and trusted proxies without a header (they would mean nothing).
    pub fn new(settings: &RateLimitSettings) -> anyhow::Result<RateLimits> {
        match (
            &settings.trusted_proxy_header,
            settings.trusted_proxies.is_empty(),
        ) {
            (Some(_), true) => anyhow::bail!(
                "REDRESS_TRUSTED_PROXY_HEADER needs REDRESS_TRUSTED_PROXIES: the proxies whose header is believed"
            ),
            (None, false) => anyhow::bail!(
                "REDRESS_TRUSTED_PROXIES needs REDRESS_TRUSTED_PROXY_HEADER: the header those proxies set"
            ),
            _ => {}
        }
        let factor = settings.rate_limit_address_factor;
        Ok(RateLimits {
            budgets: settings.rate_limits.then(|| {
                [
                    Budget::new(
                        settings.rate_limit_reads_per_minute,
                        factor,
                        "minute",
                        Quota::per_minute,
                    ),
                    Budget::new(
                        settings.rate_limit_writes_per_minute,
                        factor,
                        "minute",
                        Quota::per_minute,
                    ),
                    Budget::new(
                        settings.rate_limit_exports_per_hour,
                        factor,
                        "hour",
                        Quota::per_hour,
                    ),
                ]
            }),
            addresses: ClientAddresses::new(
                settings.trusted_proxy_header.clone(),
                settings.trusted_proxies.clone(),
            ),
            clock: DefaultClock::default(),
        })
    }

    /// The budgets `request` counts against: its client address, and the
    /// user `subject` when the token was verified.
    pub fn gate(&self, request: &HttpRequest, subject: Option<&str>) -> Gate<'_> {
        Gate {
            limits: self,
            subject: subject.map(str::to_owned),
            address: self.addresses.of(request),
        }
    }

    fn budget(&self, class: Class) -> Option<&Budget> {
        let budgets = self.budgets.as_ref()?;
        Some(match class {
            Class::Read => &budgets[0],
            Class::Write => &budgets[1],
            Class::Export => &budgets[2],
        })
    }

    /// Drops every key whose budget is full again.
    pub fn forget_idle(&self) {
        for budget in self.budgets.iter().flatten() {
            budget.forget_idle();
        }
    }

    /// How many users and addresses the limiters hold state for.
    pub fn tracked_keys(&self) -> usize {
        self.budgets.iter().flatten().map(Budget::keys).sum()
    }

    fn retry_after(&self, not_until: &governor::NotUntil<governor::clock::QuantaInstant>) -> u64 {
        let wait = not_until.wait_time_from(self.clock.now());
        (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
    }
}

/// Every minute, [`RateLimits::forget_idle`]; runs until aborted.
pub async fn forget_idle(limits: Arc<RateLimits>) {
    let mut ticker = tokio::time::interval(Duration::from_secs(60));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        limits.forget_idle();
    }
}

/// One request's budgets.
pub struct Gate<'a> {
    limits: &'a RateLimits,
    subject: Option<String>,
    address: IpAddr,
}

impl Gate<'_> {
    /// Spends one `class` request from the user's budget, then the
    /// address's; `Err` when either is spent (nothing may run then).
    pub fn check(&self, class: Class) -> Result<(), Limited> {
        let Some(budget) = self.limits.budget(class) else {
            return Ok(());
        };
        let refused = |scope, budget_size, not_until| {
            let limited = Limited {
                class,
                scope,
                budget: budget_size,
                per: budget.per,
                retry_after_seconds: self.limits.retry_after(&not_until),
            };
            tracing::info!(
                class = class.plural(),
                scope = ?scope,
                retry_after_seconds = limited.retry_after_seconds,
                "rate limited"
            );
            limited
        };
        if let (Some(subject), Some((size, limiter))) = (&self.subject, &budget.user) {
            limiter
                .check_key(subject)
                .map_err(|n| refused(Scope::User, *size, n))?;
        }
        if let Some((size, limiter)) = &budget.address {
            limiter
                .check_key(&self.address)
                .map_err(|n| refused(Scope::Address, *size, n))?;
        }
        Ok(())
    }
}

/// A refused request: which budget, and when to try again.
#[derive(Clone, Debug)]
pub struct Limited {
    class: Class,
    scope: Scope,
    budget: u32,
    per: &'static str,
    retry_after_seconds: u64,
}

impl Limited {
    pub fn retry_after_seconds(&self) -> u64 {
        self.retry_after_seconds
    }

    pub fn message(&self) -> String {
        let whose = match self.scope {
            Scope::User => "your",
            Scope::Address => "your network address's",
        };
        format!(
            "too many {}: {whose} budget of {} per {} is spent; nothing was run; retry in {} seconds",
            self.class.plural(),
            self.budget,
            self.per,
            self.retry_after_seconds
        )
    }

    /// The GraphQL-shaped error body.
    pub fn body(&self) -> Value {
        json!({ "errors": [{
            "message": self.message(),
            "extensions": {
                "code": "RATE_LIMITED",
                "retryAfterSeconds": self.retry_after_seconds,
            },
        }]})
    }

    /// Adds `Retry-After` to a 429 built by the caller (in its media type).
    pub fn with_retry_after(&self, mut response: HttpResponse) -> HttpResponse {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(self.retry_after_seconds),
        );
        response
    }

    /// The 429 as `application/json` (exports).
    pub fn json_response(&self) -> HttpResponse {
        self.with_retry_after(
            HttpResponse::build(StatusCode::TOO_MANY_REQUESTS)
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .json(self.body()),
        )
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn limits(reads: u32, factor: u32) -> RateLimits {
        RateLimits::new(&RateLimitSettings {
            rate_limit_reads_per_minute: reads,
            rate_limit_address_factor: factor,
            ..RateLimitSettings::default()
        })
        .unwrap()
    }

    fn from(address: &str) -> HttpRequest {
        TestRequest::default()
            .peer_addr(format!("{address}:4711").parse().unwrap())
            .to_http_request()
    }

    #[test]
    fn zero_is_unlimited_and_off_is_off() {
        let request = from("192.0.2.1");
        let unlimited = limits(0, 20);
        let off = RateLimits::new(&RateLimitSettings::off()).unwrap();
        for _ in 0..1000 {
            assert!(
                unlimited
                    .gate(&request, Some("a"))
                    .check(Class::Read)
                    .is_ok()
            );
            assert!(off.gate(&request, Some("a")).check(Class::Export).is_ok());
        }
        assert_eq!(off.tracked_keys(), 0);
    }

    #[test]
    fn retry_after_is_the_refill_time_rounded_up() {
        let limits = limits(2, 0);
        let gate = limits.gate(&from("192.0.2.1"), Some("a"));
        assert!(gate.check(Class::Read).is_ok());
        assert!(gate.check(Class::Read).is_ok());
        let limited = gate.check(Class::Read).unwrap_err();
        // One read comes back every 30 seconds.
        assert!(
            (29..=30).contains(&limited.retry_after_seconds()),
            "{limited:?}"
        );
        assert_eq!(
            limited.body()["errors"][0]["extensions"]["code"],
            "RATE_LIMITED"
        );
    }

    /// Keys whose budget is full again are dropped: state does not grow
    /// with the number of addresses ever seen.
    #[test]
    fn idle_keys_are_forgotten() {
        // A budget so large that one request's cell refills within a
        // microsecond.
        let limits = limits(60_000_000, 1);
        for n in 0..=255u8 {
            let gate = limits.gate(&from(&format!("192.0.2.{n}")), Some(&format!("user-{n}")));
            assert!(gate.check(Class::Read).is_ok());
        }
        assert_eq!(limits.tracked_keys(), 512);
        std::thread::sleep(Duration::from_millis(5));
        limits.forget_idle();
        assert_eq!(limits.tracked_keys(), 0);
    }

    #[test]
    fn a_proxy_header_needs_trusted_proxies_and_back() {
        let header = RateLimitSettings {
            trusted_proxy_header: Some(header::X_FORWARDED_FOR),
            ..RateLimitSettings::default()
        };
        assert!(RateLimits::new(&header).is_err());
        let proxies = RateLimitSettings {
            trusted_proxies: vec![crate::config::parse_proxy("10.0.0.0/8").unwrap()],
            ..RateLimitSettings::default()
        };
        assert!(RateLimits::new(&proxies).is_err());
        assert!(
            RateLimits::new(&RateLimitSettings {
                trusted_proxy_header: Some(header::X_FORWARDED_FOR),
                ..proxies
            })
            .is_ok()
        );
    }
}
