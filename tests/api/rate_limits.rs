//! Rate limits: separate read, write and export budgets per user and per
//! client address; 429 `RATE_LIMITED` with `Retry-After`; nothing runs
//! when refused; the proxy header believed only from a trusted proxy.
//!
//! Budgets are tiny (one or two a minute), so a test spends them in a few
//! requests; the refill is checked through `Retry-After` (a budget of N a
//! minute gives one back every 60/N seconds), never by waiting.

use entity::{access_log_entry, audit_event, complaint};
use redress_api::config::{RateLimitSettings, parse_proxy};
use redress_api::startup::Application;
use reqwest::StatusCode;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::helpers::*;

/// The app and a connection to its database, so the test counts rows
/// without spending its own budgets.
struct Fixture {
    app: TestApp,
    db: DatabaseConnection,
    _guard: TestDb,
}

/// Limits on, every budget unlimited (0) but those `configure` sets.
async fn limited(configure: impl FnOnce(&mut RateLimitSettings)) -> Fixture {
    let guard = TestDb::new().await;
    let db = guard.connect().await;
    let mut settings = settings(&guard.url);
    let mut limits = RateLimitSettings {
        rate_limits: true,
        rate_limit_reads_per_minute: 0,
        rate_limit_writes_per_minute: 0,
        rate_limit_exports_per_hour: 0,
        rate_limit_address_factor: 0,
        ..RateLimitSettings::default()
    };
    configure(&mut limits);
    settings.rate_limits = limits;
    let app = TestApp::start(
        Application::build_with_db(settings, db.clone())
            .await
            .unwrap(),
    );
    Fixture {
        app,
        db,
        _guard: guard,
    }
}

/// An answer: status, `Retry-After` in seconds, body.
struct Answer {
    status: StatusCode,
    retry_after: Option<u64>,
    body: Value,
}

impl Answer {
    async fn of(response: reqwest::Response) -> Answer {
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().parse().unwrap());
        let text = response.text().await.unwrap();
        Answer {
            status,
            retry_after,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        }
    }

    /// A 429 `RATE_LIMITED` whose `Retry-After` (also in the body) is at
    /// most `refill` seconds; returns the message.
    fn assert_limited(&self, refill: u64, ctx: &str) -> String {
        assert_eq!(
            self.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{ctx}: {:#}",
            self.body
        );
        assert_eq!(error_code(&self.body), "RATE_LIMITED", "{ctx}");
        assert!(self.body.get("data").is_none(), "{ctx}: nothing ran");
        let seconds = self.retry_after.expect("Retry-After");
        assert!(
            (1..=refill).contains(&seconds),
            "{ctx}: Retry-After {seconds}"
        );
        assert_eq!(
            self.body["errors"][0]["extensions"]["retryAfterSeconds"],
            json!(seconds),
            "{ctx}"
        );
        self.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

impl Fixture {
    /// POSTs a GraphQL request with these extra headers.
    async fn post(
        &self,
        token: Option<&str>,
        query: &str,
        vars: Value,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut request = self
            .app
            .client
            .post(self.app.url("/graphql"))
            .json(&json!({ "query": query, "variables": vars }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Answer::of(request.send().await.unwrap()).await
    }

    async fn me(&self, token: &str) -> Answer {
        self.post(Some(token), ME, json!({}), &[]).await
    }

    async fn export(&self, token: Option<&str>) -> Answer {
        let mut request = self.app.client.get(
            self.app
                .url("/exports/grievance-log.csv?from=2026-01-01&to=2026-12-31"),
        );
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Answer::of(request.send().await.unwrap()).await
    }

    async fn count<E: EntityTrait>(&self, _: E) -> u64
    where
        E::Model: Sync,
    {
        E::find().count(&self.db).await.unwrap()
    }
}

#[tokio::test]
async fn reads_and_writes_spend_separate_budgets_and_a_refusal_runs_nothing() {
    let fx = limited(|l| {
        l.rate_limit_reads_per_minute = 2;
        l.rate_limit_writes_per_minute = 1;
    })
    .await;
    // The facility is the ADMIN's write, not the specialist's.
    fx.app.create_facility("MAIN").await;
    let pr = specialist();

    let created = fx
        .post(
            Some(&pr),
            &create_mutation(),
            json!({ "input": intake("MAIN") }),
            &[],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{:#}", created.body);
    let id = created.body["data"]["complaintCreate"]["complaint"]["id"].clone();
    assert!(id.is_string(), "{:#}", created.body);

    // Writes: one a minute, so the next comes back within 60 seconds.
    let (complaints, events) = (
        fx.count(complaint::Entity).await,
        fx.count(audit_event::Entity).await,
    );
    let refused = fx
        .post(
            Some(&pr),
            &create_mutation(),
            json!({ "input": intake("MAIN") }),
            &[],
        )
        .await;
    let message = refused.assert_limited(60, "second write");
    assert!(message.contains("too many writes"), "{message}");
    assert_eq!(
        fx.count(complaint::Entity).await,
        complaints,
        "nothing created"
    );
    assert_eq!(
        fx.count(audit_event::Entity).await,
        events,
        "nothing in the trail"
    );

    // Reads are a budget of their own: both still there after the writes.
    const READ: &str = "query C($id: ID!) { complaint(id: $id) { id description } }";
    for n in 0..2 {
        let read = fx.post(Some(&pr), READ, json!({ "id": id }), &[]).await;
        assert_eq!(read.status, StatusCode::OK, "read {n}: {:#}", read.body);
        assert_eq!(read.body["data"]["complaint"]["id"], id);
    }
    // Two a minute: one comes back every 30 seconds.
    let reads_logged = fx.count(access_log_entry::Entity).await;
    let refused = fx.post(Some(&pr), READ, json!({ "id": id }), &[]).await;
    let message = refused.assert_limited(30, "third read");
    assert!(
        message.contains("too many reads") && message.contains("your budget of 2 per minute"),
        "{message}"
    );
    assert_eq!(
        fx.count(access_log_entry::Entity).await,
        reads_logged,
        "no read logged"
    );

    // A query over GET spends the same budget.
    let get = fx
        .app
        .client
        .get(fx.app.url("/graphql?query=%7Bme%7Bsubject%7D%7D"))
        .bearer_auth(&pr)
        .send()
        .await
        .unwrap();
    Answer::of(get).await.assert_limited(30, "GET query");
}

#[tokio::test]
async fn exports_have_a_budget_per_hour_and_a_refused_one_reads_nothing() {
    let fx = limited(|l| l.rate_limit_exports_per_hour = 1).await;
    let officer = auditor();
    let first = fx.export(Some(&officer)).await;
    assert_eq!(first.status, StatusCode::OK, "{:#}", first.body);
    let logged = fx.count(access_log_entry::Entity).await;
    assert!(logged > 0, "the export is access-logged");

    let refused = fx.export(Some(&officer)).await;
    let message = refused.assert_limited(3600, "second export");
    assert!(message.contains("per hour"), "{message}");
    assert_eq!(
        fx.count(access_log_entry::Entity).await,
        logged,
        "no export logged"
    );
    // Queries are not exports.
    assert_eq!(fx.me(&officer).await.status, StatusCode::OK);
}

#[tokio::test]
async fn one_users_spent_budget_leaves_anothers_alone() {
    let fx = limited(|l| l.rate_limit_reads_per_minute = 1).await;
    let a = token("user-a", &["PATIENT_RELATIONS"], &["MAIN"]);
    let b = token("user-b", &["PATIENT_RELATIONS"], &["MAIN"]);
    assert_eq!(fx.me(&a).await.status, StatusCode::OK);
    fx.me(&a).await.assert_limited(60, "A's second read");
    let answer = fx.me(&b).await;
    assert_eq!(answer.status, StatusCode::OK, "{:#}", answer.body);
    assert_eq!(answer.body["data"]["me"]["subject"], "user-b");
    fx.me(&b).await.assert_limited(60, "B's second read");
}

/// The address's budget (here 3 reads: one user's 1 times 3) is shared
/// by everyone from it; requests without a valid token count against it
/// alone.
#[tokio::test]
async fn an_address_budget_spans_users_and_anonymous_requests() {
    let fx = limited(|l| {
        l.rate_limit_reads_per_minute = 1;
        l.rate_limit_address_factor = 3;
    })
    .await;
    let typename = fx.post(None, "{ __typename }", json!({}), &[]).await;
    assert_eq!(typename.status, StatusCode::OK, "{:#}", typename.body);
    let bad = fx.post(Some("not-a-token"), ME, json!({}), &[]).await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED, "{:#}", bad.body);
    // User A's own budget was not touched by either.
    let a = fx
        .me(&token("user-a", &["PATIENT_RELATIONS"], &["MAIN"]))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{:#}", a.body);

    let b = fx
        .me(&token("user-b", &["PATIENT_RELATIONS"], &["MAIN"]))
        .await;
    let message = b.assert_limited(20, "B from a spent address");
    assert!(message.contains("network address"), "{message}");
    fx.post(None, "{ __typename }", json!({}), &[])
        .await
        .assert_limited(20, "anonymous");
    fx.post(Some("not-a-token"), ME, json!({}), &[])
        .await
        .assert_limited(20, "a refused token: 429 before 401");
}

#[tokio::test]
async fn exports_without_a_token_spend_the_address_budget() {
    let fx = limited(|l| {
        l.rate_limit_exports_per_hour = 1;
        l.rate_limit_address_factor = 2;
    })
    .await;
    assert_eq!(fx.export(None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(fx.export(Some(&auditor())).await.status, StatusCode::OK);
    fx.export(Some(&admin()))
        .await
        .assert_limited(1800, "address spent");
    fx.export(None).await.assert_limited(1800, "anonymous");
}

/// (X-Forwarded-For sent, expected status): one read a minute per
/// client address.
async fn forwarded_reads(trusted: &str, cases: &[(Option<&str>, StatusCode)]) {
    let fx = limited(|l| {
        l.rate_limit_reads_per_minute = 1;
        l.rate_limit_address_factor = 1;
        l.trusted_proxy_header = Some("x-forwarded-for".parse().unwrap());
        l.trusted_proxies = vec![parse_proxy(trusted).unwrap()];
    })
    .await;
    for (n, (forwarded, expected)) in cases.iter().enumerate() {
        let headers: Vec<(&str, &str)> =
            forwarded.iter().map(|f| ("X-Forwarded-For", *f)).collect();
        let answer = fx.post(None, "{ __typename }", json!({}), &headers).await;
        assert_eq!(
            answer.status, *expected,
            "{trusted}, request {n} ({forwarded:?}): {:#}",
            answer.body
        );
    }
}

#[tokio::test]
async fn the_proxy_header_is_believed_only_from_a_trusted_proxy() {
    const OK: StatusCode = StatusCode::OK;
    const LIMITED: StatusCode = StatusCode::TOO_MANY_REQUESTS;
    // The test client (127.0.0.1) is the trusted proxy: each forwarded
    // client has its own budget, and the rightmost untrusted hop counts.
    forwarded_reads(
        "127.0.0.0/8",
        &[
            (Some("203.0.113.1"), OK),
            (Some("203.0.113.1"), LIMITED),
            (Some("203.0.113.2"), OK),
            // A client's own entry on the left is not believed.
            (Some("203.0.113.3, 203.0.113.1"), LIMITED),
            // Without the header, the proxy itself is the client.
            (None, OK),
            (None, LIMITED),
        ],
    )
    .await;
    // The test client is not a trusted proxy: its header is ignored and
    // every request counts against 127.0.0.1, whatever it claims.
    forwarded_reads(
        "192.0.2.0/24",
        &[
            (Some("203.0.113.1"), OK),
            (Some("203.0.113.2"), LIMITED),
            (Some("198.51.100.9"), LIMITED),
            (None, LIMITED),
        ],
    )
    .await;
}
