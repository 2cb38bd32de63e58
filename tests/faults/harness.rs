//! The pieces every fault test needs: the real `redress` binary as a child
//! process, databases (a SQLite file, a fresh PostgreSQL database, a private
//! PostgreSQL cluster), tokens and one GraphQL call that reports what came
//! back and how long it took. Everything a test starts is stopped or removed
//! by a `Drop` guard, also when the test fails.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub const SECRET: &str = "fault-injection-secret-0123456789abcdef";
pub const ISSUER: &str = "redress-faults";
pub const AUDIENCE: &str = "redress-faults-api";
pub const FACILITY: &str = "MAIN";

/// How long the server gets to become ready after a start.
const READY_WITHIN: Duration = Duration::from_secs(60);

pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    listener.local_addr().expect("local address").port()
}

/// Runs a command to completion; panics with its output when it fails.
pub fn run(command: &mut Command) -> String {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// A directory removed (recursively) when dropped.
pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!(
            "redress-faults-{label}-{}",
            uuid::Uuid::now_v7().simple()
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir { path }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// The administrative URL of the shared PostgreSQL server.
pub fn pg_admin_url() -> String {
    std::env::var("PG_ADMIN_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Replaces the database name of a PostgreSQL URL.
pub fn with_database(url: &str, database: &str) -> String {
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

/// The database a test runs on: a SQLite file in a temp dir, or a fresh
/// `redress_test_<uuid>` database on the shared PostgreSQL server (dropped
/// on drop). The server migrates it when it starts.
pub enum TestDatabase {
    Sqlite {
        dir: TempDir,
    },
    Postgres {
        admin_url: String,
        name: String,
        dir: TempDir,
    },
}

impl TestDatabase {
    pub fn sqlite() -> TestDatabase {
        TestDatabase::Sqlite {
            dir: TempDir::new("sqlite"),
        }
    }

    pub fn postgres() -> TestDatabase {
        let admin_url = pg_admin_url();
        let name = format!("redress_test_{}", uuid::Uuid::now_v7().simple());
        run(Command::new("psql").args([
            admin_url.as_str(),
            "-qAtc",
            &format!("CREATE DATABASE {name}"),
        ]));
        TestDatabase::Postgres {
            admin_url,
            name,
            dir: TempDir::new("pg"),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            TestDatabase::Sqlite { .. } => "SQLite",
            TestDatabase::Postgres { .. } => "PostgreSQL",
        }
    }

    /// The server's data directory (the SQLite file lives there).
    pub fn data_dir(&self) -> &Path {
        match self {
            TestDatabase::Sqlite { dir } | TestDatabase::Postgres { dir, .. } => &dir.path,
        }
    }

    pub fn url(&self) -> String {
        match self {
            TestDatabase::Sqlite { dir } => {
                format!(
                    "sqlite://{}?mode=rwc",
                    dir.path.join("redress.db").display()
                )
            }
            TestDatabase::Postgres {
                admin_url, name, ..
            } => with_database(admin_url, name),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres {
            admin_url, name, ..
        } = self
        {
            let _ = Command::new("psql")
                .args([
                    admin_url.as_str(),
                    "-qAtc",
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// The real server binary, killed (SIGKILL) and reaped on drop.
pub struct Server {
    child: Option<Child>,
    pub base: String,
    log: PathBuf,
    _log_dir: TempDir,
}

impl Server {
    /// Starts `redress serve` and waits until `/readyz` answers 200.
    pub async fn start(data_dir: &Path, database_url: &str) -> Server {
        let port = free_port();
        let log_dir = TempDir::new("log");
        let log = log_dir.path.join("server.log");
        let log_file = std::fs::File::create(&log).expect("create server log");
        let child = Command::new(env!("CARGO_BIN_EXE_redress"))
            .arg("serve")
            .env("REDRESS_LISTEN", format!("127.0.0.1:{port}"))
            .env("REDRESS_DATA_DIR", data_dir)
            .env("REDRESS_DATABASE_URL", database_url)
            .env("REDRESS_JWT_SECRET", SECRET)
            .env("REDRESS_JWT_ISSUER", ISSUER)
            .env("REDRESS_JWT_AUDIENCE", AUDIENCE)
            .env("REDRESS_WORKERS", "2")
            .env("REDRESS_SHUTDOWN_TIMEOUT_SECONDS", "2")
            // Durability under load, not rate limits (tests/api/rate_limits.rs).
            .env("REDRESS_RATE_LIMITS", "false")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("spawn the redress binary");
        let server = Server {
            child: Some(child),
            base: format!("http://127.0.0.1:{port}"),
            log,
            _log_dir: log_dir,
        };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&self) {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("client");
        let deadline = Instant::now() + READY_WITHIN;
        while Instant::now() < deadline {
            if let Ok(r) = client.get(format!("{}/readyz", self.base)).send().await
                && r.status() == StatusCode::OK
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "the server did not become ready within {READY_WITHIN:?}; its log:\n{}",
            self.log_tail()
        );
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// `kill -9` and reap.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM (graceful shutdown) and reap; SIGKILL when it hangs.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The last lines of the server's log (ids and codes only: it carries no PHI).
    pub fn log_tail(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut text);
        }
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A private PostgreSQL cluster (initdb'd under /tmp, owned by `postgres`),
/// so stopping it never touches the shared server. Stopped and removed on
/// drop.
pub struct PgCluster {
    dir: PathBuf,
    bin: PathBuf,
    pub port: u16,
}

impl PgCluster {
    pub fn start() -> PgCluster {
        let bin = pg_bin_dir();
        let dir = std::env::temp_dir().join(format!(
            "redress-faults-pgdata-{}",
            uuid::Uuid::now_v7().simple()
        ));
        std::fs::create_dir_all(&dir).expect("create cluster dir");
        let cluster = PgCluster {
            dir,
            bin,
            port: free_port(),
        };
        run(Command::new("chown").args(["postgres:postgres", &cluster.dir_str()]));
        cluster.as_postgres(&[
            "initdb",
            "-D",
            &cluster.dir_str(),
            "--auth=trust",
            "-U",
            "postgres",
            "--no-sync",
        ]);
        cluster.pg_ctl_start();
        cluster
    }

    fn dir_str(&self) -> String {
        self.dir.display().to_string()
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn as_postgres(&self, args: &[&str]) -> String {
        let program = self.bin.join(args[0]);
        let mut command = Command::new("runuser");
        command
            .args(["-u", "postgres", "--"])
            .arg(program)
            .args(&args[1..]);
        run(&mut command)
    }

    pub fn pg_ctl_start(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off",
            self.port,
            self.dir_str()
        );
        self.as_postgres(&[
            "pg_ctl",
            "-D",
            &self.dir_str(),
            "-o",
            &options,
            "-l",
            &format!("{}/postgres.log", self.dir_str()),
            "-w",
            "start",
        ]);
    }

    /// `pg_ctl stop -m <mode>` (`immediate`, `fast`).
    pub fn pg_ctl_stop(&self, mode: &str) {
        self.as_postgres(&["pg_ctl", "-D", &self.dir_str(), "-m", mode, "-w", "stop"]);
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", &self.dir_str(), "-m", "immediate", "-w", "stop"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Where `initdb` and `pg_ctl` live: next to `pg_config --bindir`, else the
/// newest `/usr/lib/postgresql/*/bin`.
fn pg_bin_dir() -> PathBuf {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").exists() {
            return dir;
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| {
                    let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
                    Some((v, e.path().join("bin")))
                })
                .filter(|(_, bin)| bin.join("initdb").exists())
                .collect()
        })
        .unwrap_or_default();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .expect("PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin")
}

/// A tmpfs of `size` mounted on a fresh directory; unmounted and removed on
/// drop. Fails clearly when mounting is not permitted.
pub struct Tmpfs {
    pub path: PathBuf,
}

impl Tmpfs {
    pub fn mount(size: &str) -> Tmpfs {
        let path = std::env::temp_dir().join(format!(
            "redress-faults-tmpfs-{}",
            uuid::Uuid::now_v7().simple()
        ));
        std::fs::create_dir_all(&path).expect("create mount point");
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .output();
        match output {
            Ok(o) if o.status.success() => Tmpfs { path },
            other => {
                let _ = std::fs::remove_dir(&path);
                let why = match other {
                    Ok(o) => String::from_utf8_lossy(&o.stderr).into_owned(),
                    Err(e) => e.to_string(),
                };
                panic!(
                    "the disk-full test needs to mount a tmpfs (run as root, as CI does): \
                     `mount -t tmpfs` failed: {why}"
                );
            }
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(&self.path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir(&self.path);
    }
}

/// A valid HS256 token for the server under test.
pub fn token(sub: &str, roles: &[&str]) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "sub": sub,
        "name": format!("User {sub}"),
        "roles": roles,
        "facilities": if roles.contains(&"ADMIN") { json!(["*"]) } else { json!([FACILITY]) },
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 3600,
    });
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("sign token")
}

pub fn admin() -> String {
    token("admin-1", &["ADMIN"])
}

pub fn specialist(n: usize) -> String {
    token(&format!("pr-{n}"), &["PATIENT_RELATIONS"])
}

pub fn compliance() -> String {
    token("co-1", &["COMPLIANCE"])
}

/// What one GraphQL request came back with.
#[derive(Debug)]
pub struct Reply {
    pub status: Option<StatusCode>,
    pub retry_after: Option<String>,
    pub body: Value,
    /// Transport failure (connection refused or reset, timeout), if any.
    pub transport: Option<String>,
    pub latency: Duration,
    /// The `X-Request-Id` the server answered with (what its access-log
    /// entries carry).
    pub request_id: Option<String>,
}

impl Reply {
    /// `errors[0].extensions.code`, if any.
    pub fn error_code(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["code"].as_str()
    }

    /// How this reply is counted: `ok`, `503 DATABASE_UNAVAILABLE`,
    /// `200 INTERNAL_SERVER_ERROR`, `200 userError CONFLICT`, `transport: …`.
    pub fn kind(&self, field: &str) -> String {
        if let Some(t) = &self.transport {
            return format!("transport: {t}");
        }
        let status = self.status.map_or(0, |s| s.as_u16());
        if let Some(code) = self.error_code() {
            return format!("{status} {code}");
        }
        if self.body.get("errors").is_some() {
            return format!("{status} error without code");
        }
        let payload = &self.body["data"][field];
        if let Some(code) = payload["userErrors"][0]["code"].as_str() {
            return format!("{status} userError {code}");
        }
        if status == 200 && payload["complaint"]["id"].is_string() {
            "ok".to_owned()
        } else {
            format!("{status} without a record")
        }
    }
}

/// A client of one server.
#[derive(Clone)]
pub struct Api {
    client: reqwest::Client,
    pub base: String,
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .expect("client"),
            base: base.to_owned(),
        }
    }

    pub async fn graphql(&self, token: &str, query: &str, variables: Value) -> Reply {
        let started = Instant::now();
        let sent = self
            .client
            .post(format!("{}/graphql", self.base))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => {
                return Reply {
                    status: None,
                    retry_after: None,
                    body: Value::Null,
                    transport: Some(transport_kind(&e)),
                    latency: started.elapsed(),
                    request_id: None,
                };
            }
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let request_id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.json::<Value>().await;
        let latency = started.elapsed();
        match body {
            Ok(body) => Reply {
                status: Some(status),
                retry_after,
                body,
                transport: None,
                latency,
                request_id,
            },
            Err(e) => Reply {
                status: Some(status),
                retry_after,
                body: Value::Null,
                transport: Some(format!("body: {}", transport_kind(&e))),
                latency,
                request_id,
            },
        }
    }

    /// A query that must succeed; returns `data`.
    pub async fn ok(&self, token: &str, query: &str, variables: Value) -> Value {
        self.try_ok(token, query, variables)
            .await
            .unwrap_or_else(|e| panic!("expected success: {e}"))
    }

    /// `data` of a successful answer, or what came back instead.
    pub async fn try_ok(
        &self,
        token: &str,
        query: &str,
        variables: Value,
    ) -> Result<Value, String> {
        let reply = self.graphql(token, query, variables).await;
        if reply.status == Some(StatusCode::OK)
            && reply.transport.is_none()
            && reply.body.get("errors").is_none()
        {
            Ok(reply.body["data"].clone())
        } else {
            Err(format!(
                "{:?} {} {}",
                reply.status,
                reply.transport.as_deref().unwrap_or(""),
                reply.error_code().unwrap_or("")
            ))
        }
    }

    /// `GET /readyz`: status (None on transport failure) and latency.
    pub async fn readyz(&self) -> (Option<StatusCode>, Duration) {
        let started = Instant::now();
        let status = self
            .client
            .get(format!("{}/readyz", self.base))
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .ok()
            .map(|r| r.status());
        (status, started.elapsed())
    }
}

fn transport_kind(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "connect".into()
    } else {
        "closed".into()
    }
}

pub const FACILITY_UPSERT: &str = "mutation($input: FacilityUpsertInput!) { facilityUpsert(input: $input) { facility { id } userErrors { code } } }";

/// Creates the test facility as ADMIN.
pub async fn create_facility(api: &Api) {
    let data = api
        .ok(
            &admin(),
            FACILITY_UPSERT,
            json!({ "input": {
                "code": FACILITY,
                "name": "Main Hospital",
                "timeZone": "America/Chicago",
                "approvalThreshold": { "amount": "250.00", "currency": "USD" },
            }}),
        )
        .await;
    assert_eq!(
        data["facilityUpsert"]["userErrors"],
        json!([]),
        "facility: {data:#}"
    );
}
