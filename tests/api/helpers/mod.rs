//! The harness: a fresh database, the app on port 0, tokens, and the
//! requests tests make, as methods of [`TestApp`]: here the raw ones, in
//! `complaints`, `work` (the linked records), `facilities` (and policies)
//! and `audit` (trail, access log, checkpoints) the rest. Builders that
//! make no request (tokens, inputs) are free functions.

mod audit;
mod complaints;
mod facilities;
mod letters;
mod refusals;
mod work;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use migration::{Migrator, MigratorTrait};
use redress_api::auth::{KeyConfig, KeySource};
use redress_api::config::{
    AttachmentSettings, AuthSettings, CheckpointSettings, Limits, PoolSettings, RateLimitSettings,
    Settings,
};
use redress_api::startup::Application;
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use uuid::Uuid;

pub use self::audit::*;
pub use self::complaints::*;
pub use self::facilities::*;
pub use self::letters::*;
pub use self::refusals::*;
pub use self::work::*;

pub const ISSUER: &str = "redress-test";
pub const AUDIENCE: &str = "redress-api-test";

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn init_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            redress_api::telemetry::init(redress_api::config::LogFormat::Text);
        }
    });
}

/// A fresh, migrated database for one test.
pub struct TestDb {
    pub url: String,
}

impl TestDb {
    pub async fn new() -> TestDb {
        match std::env::var("DATABASE_URL") {
            Ok(url) if url.starts_with("postgres") => TestDb::postgres(&url).await,
            _ => TestDb::sqlite().await,
        }
    }

    /// A fresh database with no tables at all.
    pub async fn empty() -> TestDb {
        match std::env::var("DATABASE_URL") {
            Ok(admin_url) if admin_url.starts_with("postgres") => {
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("postgres connects");
                let name = format!("redress_test_{}", uuid::Uuid::now_v7().simple());
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create empty database");
                admin.close().await.expect("close admin");
                TestDb {
                    url: with_database(&admin_url, &name),
                }
            }
            _ => TestDb {
                url: Self::sqlite_url(),
            },
        }
    }

    fn sqlite_url() -> String {
        let path = std::env::temp_dir().join(format!("redress-test-{}.db", uuid::Uuid::now_v7()));
        format!("sqlite://{}?mode=rwc", path.display())
    }

    /// A fresh, migrated SQLite file, whatever `DATABASE_URL` says (for
    /// what only the embedded database does, e.g. `redress backup`).
    pub async fn sqlite() -> TestDb {
        let url = Self::sqlite_url();
        let db = redress_api::db::connect(&url)
            .await
            .expect("sqlite connects");
        Migrator::up(&db, None).await.expect("migrations run");
        db.close().await.expect("close");
        TestDb { url }
    }

    /// `CREATE DATABASE … TEMPLATE` a database migrated once per migration
    /// set: cheap, and each test still gets its own database.
    async fn postgres(admin_url: &str) -> TestDb {
        let admin = Database::connect(admin_url)
            .await
            .expect("postgres connects");
        let names: Vec<String> = Migrator::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        let template = format!("redress_tmpl_{:016x}", fnv1a(names.join(",").as_bytes()));
        // One process creates the template; the others wait on the lock.
        admin
            .execute_unprepared("SELECT pg_advisory_lock(727274)")
            .await
            .expect("advisory lock");
        let exists = admin
            .query_one_raw(sea_orm::Statement::from_string(
                admin.get_database_backend(),
                format!("SELECT 1 FROM pg_database WHERE datname = '{template}'"),
            ))
            .await
            .expect("query pg_database")
            .is_some();
        if !exists {
            let building = format!("{template}_building");
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {building}"))
                .await
                .expect("drop stale template");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {building}"))
                .await
                .expect("create template");
            let db = Database::connect(with_database(admin_url, &building))
                .await
                .expect("connect template");
            Migrator::up(&db, None).await.expect("migrate template");
            db.close().await.expect("close template");
            admin
                .execute_unprepared(&format!("ALTER DATABASE {building} RENAME TO {template}"))
                .await
                .expect("publish template");
        }
        admin
            .execute_unprepared("SELECT pg_advisory_unlock(727274)")
            .await
            .expect("advisory unlock");
        let name = format!("redress_test_{}", uuid::Uuid::now_v7().simple());
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .await
            .expect("create test database");
        admin.close().await.expect("close admin");
        TestDb {
            url: with_database(admin_url, &name),
        }
    }

    pub async fn connect(&self) -> DatabaseConnection {
        redress_api::db::connect(&self.url)
            .await
            .expect("test database connects")
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    })
}

fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{database}?{q}"),
        None => format!("{host_part}/{database}"),
    }
}

pub const TEST_SECRET: &str = "test-secret-0123456789abcdef0123456789abcdef";

/// Settings for a test app: HS256 with [`TEST_SECRET`], port 0.
pub fn settings(database_url: &str) -> Settings {
    Settings {
        listen: "127.0.0.1:0".into(),
        database_url: database_url.to_owned(),
        // Tests run many apps at once on two cores: a generous wait for a
        // connection keeps load from looking like an outage. The fail-fast
        // tests set their own.
        pool: PoolSettings {
            db_acquire_timeout: Duration::from_secs(5),
            ..PoolSettings::default()
        },
        auth: AuthSettings {
            key: KeyConfig::secret(TEST_SECRET.to_owned().into()).expect("secret"),
            source: KeySource::ConfiguredSecret,
            issuer: ISSUER.into(),
            audience: AUDIENCE.into(),
            leeway_seconds: 5,
        },
        limits: Limits::default(),
        graphiql: true,
        introspection: true,
        field_suggestions: true,
        shutdown_timeout_seconds: 1,
        workers: Some(2),
        cors_origins: Vec::new(),
        // A fresh key per test, no periodic checkpoints.
        checkpoints: CheckpointSettings::ephemeral(),
        // No rate limits unless a test turns them on (tests/api/rate_limits.rs).
        rate_limits: RateLimitSettings::off(),
        trusted_documents: None,
        // A fresh object directory per app.
        attachments: AttachmentSettings::in_dir(
            std::env::temp_dir().join(format!("redress-objects-{}", uuid::Uuid::now_v7())),
        ),
        // No email unless a test turns it on (tests/api/letters_email.rs).
        mail: None,
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
        let db = TestDb::new().await;
        let mut settings = settings(&db.url);
        configure(&mut settings);
        Self::start(Application::build(settings).await.expect("app builds"))
    }

    /// Serves an application built by the test itself.
    pub fn start(app: Application) -> TestApp {
        init_logs();
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        TestApp {
            address,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// POSTs a GraphQL request as `application/json` and returns status and body.
    pub async fn graphql(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .header("Accept", "application/graphql-response+json")
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request is sent");
        let status = response.status();
        let body = response.json::<Value>().await.expect("body is JSON");
        assert_plain_messages(&body);
        (status, body)
    }

    /// Like [`graphql`](Self::graphql), asserting a 200 with no errors; returns `data`.
    pub async fn ok(&self, token: &str, query: &str, variables: Value) -> Value {
        let (status, body) = self.graphql(Some(token), query, variables).await;
        assert_eq!(status, StatusCode::OK, "{body:#}");
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// Runs a query as `token`: its `data`, or `None` when refused with a
    /// top-level FORBIDDEN (`data` may then hold nulls for the fields refused).
    pub async fn query_or_forbidden(
        &self,
        token: &str,
        query: &str,
        variables: Value,
        ctx: &str,
    ) -> Option<Value> {
        self.data_or_refusal(token, query, variables, ctx)
            .await
            .ok()
    }

    /// Like [`query_or_forbidden`](Self::query_or_forbidden), asserting that
    /// a refusal returned no data at all.
    pub async fn read_or_forbidden(
        &self,
        token: &str,
        query: &str,
        variables: Value,
        ctx: &str,
    ) -> Option<Value> {
        match self.data_or_refusal(token, query, variables, ctx).await {
            Ok(data) => Some(data),
            Err(body) => {
                assert_eq!(
                    body["data"],
                    Value::Null,
                    "{ctx}: refused but data came back: {body:#}"
                );
                None
            }
        }
    }

    /// `data`, or the whole body of a top-level FORBIDDEN refusal.
    async fn data_or_refusal(
        &self,
        token: &str,
        query: &str,
        variables: Value,
        ctx: &str,
    ) -> Result<Value, Value> {
        let (status, body) = self.graphql(Some(token), query, variables).await;
        assert_eq!(status, StatusCode::OK, "{ctx}: {body:#}");
        if body.get("errors").is_some() {
            assert_eq!(error_code(&body), "FORBIDDEN", "{ctx}: {body:#}");
            return Err(body);
        }
        Ok(body["data"].clone())
    }

    /// POSTs `body` as it is, with these headers; returns status, media
    /// type and the body (JSON when it parses, else the text).
    pub async fn post_raw(
        &self,
        accept: Option<&str>,
        content_type: Option<&str>,
        body: &str,
    ) -> (StatusCode, String, Value) {
        let mut request = self.client.post(self.url("/graphql")).body(body.to_owned());
        if let Some(accept) = accept {
            request = request.header("Accept", accept);
        }
        if let Some(ct) = content_type {
            request = request.header(CONTENT_TYPE, ct);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let ct = response
            .headers()
            .get(CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let text = response.text().await.unwrap();
        (
            status,
            ct,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// POSTs `body` as `application/json`, as it is.
    pub async fn post_body(&self, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.client
            .post(self.url("/graphql"))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// `me` as `token`: status and body.
    pub async fn me_status(&self, token: &str) -> (StatusCode, Value) {
        self.graphql(Some(token), ME, json!({})).await
    }
}

/// Claims of a well-formed token for the test app; tests break them.
pub fn claims(sub: &str, roles: &[&str], facilities: &[&str]) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "sub": sub,
        "name": format!("User {sub}"),
        "roles": roles,
        "facilities": facilities,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    })
}

pub fn sign_hs256(claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(TEST_SECRET.as_bytes()),
    )
    .expect("sign")
}

/// A valid HS256 token for the test app.
pub fn token(sub: &str, roles: &[&str], facilities: &[&str]) -> String {
    sign_hs256(&claims(sub, roles, facilities))
}

pub fn admin() -> String {
    token("admin-1", &["ADMIN"], &["*"])
}

pub fn manager() -> String {
    token("prm-1", &["PATIENT_RELATIONS_MANAGER"], &["MAIN"])
}

pub fn specialist() -> String {
    token("pr-1", &["PATIENT_RELATIONS"], &["MAIN"])
}

pub fn compliance() -> String {
    token("co-1", &["COMPLIANCE"], &["MAIN"])
}

/// A compliance officer for every facility: reads back and counts
/// everything, the whole audit trail included.
pub fn auditor() -> String {
    token("co-all", &["COMPLIANCE"], &["*"])
}

/// A second lead in MAIN (who did not propose or decide anything).
pub fn second_manager() -> String {
    token("prm-2", &["PATIENT_RELATIONS_MANAGER"], &["MAIN"])
}

/// The `extensions.code` of the first top-level error.
/// The record id inside a GraphQL global id (base64 of `Type:uuid`).
pub fn uuid_of_global(id: &Value) -> Uuid {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id.as_str().unwrap())
        .unwrap();
    let raw = String::from_utf8(raw).unwrap();
    Uuid::parse_str(raw.split_once(':').unwrap().1).unwrap()
}

pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<none>")
}

pub const ME: &str = "{ me { subject name roles facilities allFacilities } }";
