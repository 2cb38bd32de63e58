//! The `redress` binary: `token`, `export-schema`, and a first start on the
//! embedded default.

use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::fixture;

/// The `redress` binary without the caller's `REDRESS_*` environment.
pub fn redress() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_redress"));
    for (key, _) in std::env::vars() {
        if key.starts_with("REDRESS_") {
            command.env_remove(key);
        }
    }
    command
}

/// Runs `redress ARGS` on a data directory, asserts success, returns stdout.
fn run_ok(data_dir: &std::path::Path, args: &[&str]) -> String {
    let output = redress()
        .args(args)
        .env("REDRESS_DATA_DIR", data_dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// `redress token …` signed with the data directory's secret.
fn mint_token(data_dir: &std::path::Path, args: &[&str]) -> String {
    run_ok(data_dir, &[&["token"], args].concat())
}

async fn post(client: &reqwest::Client, base: &str, token: &str, body: &Value) -> Value {
    client
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn temp_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("redress-cli-{}", uuid::Uuid::now_v7()))
}

#[test]
fn token_refuses_when_only_a_public_key_is_configured() {
    let output = redress()
        .args(["token", "--sub", "u1", "--role", "ADMIN", "--facility", "*"])
        .env("REDRESS_DATA_DIR", temp_dir())
        .env("REDRESS_JWT_PUBLIC_KEY", fixture("rs256-public.pem"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("identity provider"), "{stderr}");
}

#[test]
fn token_refuses_unknown_roles() {
    let output = redress()
        .args([
            "token",
            "--sub",
            "u1",
            "--role",
            "SUPERUSER",
            "--facility",
            "*",
        ])
        .env("REDRESS_DATA_DIR", temp_dir())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown role"));
}

#[test]
fn export_schema_prints_the_checked_in_schema() {
    let output = redress().arg("export-schema").output().unwrap();
    assert!(output.status.success());
    let checked_in =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    assert_eq!(String::from_utf8(output.stdout).unwrap(), checked_in);
}

/// The README's first run: `redress` with no configuration creates its data
/// directory, database and secret; `redress token` signs with that secret.
#[tokio::test]
async fn first_start_on_the_embedded_default_answers_me() {
    let data_dir = temp_dir();
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut server = redress()
        .env("REDRESS_DATA_DIR", &data_dir)
        .env("REDRESS_LISTEN", format!("127.0.0.1:{port}"))
        .env("REDRESS_WORKERS", "1")
        .env("REDRESS_LOG_FORMAT", "json")
        .env("RUST_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..100 {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status() == StatusCode::OK
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "server did not become ready");
    assert!(data_dir.join("redress.db").exists());
    let secret = data_dir.join("jwt-secret");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // The checkpoint key is generated beside it, owner-only too.
    let checkpoint_key = data_dir.join("checkpoint-key.pem");
    assert_eq!(
        std::fs::metadata(&checkpoint_key)
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    let key_id = redress_api::checkpoint_key::CheckpointSigner::from_file(&checkpoint_key)
        .unwrap()
        .key_id()
        .to_owned();

    let token = mint_token(
        &data_dir,
        &[
            "--sub",
            "dana",
            "--name",
            "Dana Reyes",
            "--role",
            "patient_relations",
            "--facility",
            "MAIN",
            "--ttl",
            "15m",
        ],
    );
    let body = post(
        &client,
        &base,
        &token,
        &json!({ "query": "{ me { subject name roles facilities } }" }),
    )
    .await;
    assert_eq!(
        body,
        json!({ "data": { "me": {
            "subject": "dana", "name": "Dana Reyes",
            "roles": ["PATIENT_RELATIONS"], "facilities": ["MAIN"],
        }}})
    );

    // Stand-in PHI in variables, a query string and a refused token: none
    // of it may reach the log.
    const PHI: &str = "Jane-Doe-MRN-884422";
    let upsert = json!({
        "query": "mutation($i: FacilityUpsertInput!) { facilityUpsert(input: $i) { created } }",
        "variables": { "i": { "code": "MAIN", "name": PHI, "timeZone": "UTC",
                              "approvalThreshold": { "amount": "1", "currency": "USD" } } },
    });
    let admin = mint_token(
        &data_dir,
        &["--sub", "ann", "--role", "ADMIN", "--facility", "*"],
    );
    let body = post(&client, &base, &admin, &upsert).await;
    assert_eq!(
        body,
        json!({ "data": { "facilityUpsert": { "created": true } } })
    );
    let response = client
        .get(format!("{base}/graphql"))
        .query(&[
            ("query", "query($x: String) { me { name } }"),
            ("variables", &format!("{{\"x\":\"{PHI}\"}}")),
        ])
        .bearer_auth(token.trim())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let response = client
        .post(format!("{base}/graphql"))
        .bearer_auth(PHI)
        .json(&upsert)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // Graceful shutdown on SIGTERM; the log never contains the secret.
    let pid = server.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let output = server_wait(&mut server);
    assert!(output.0.success(), "exit status {:?}", output.0);
    let secret_text = std::fs::read_to_string(&secret).unwrap();
    assert!(!output.1.contains(secret_text.trim()));
    assert!(!output.1.contains(token.trim()));
    assert!(
        output.1.contains("jwt-secret"),
        "the log names where the secret is"
    );
    // The log names the checkpoint key's file and id, never the key.
    assert!(output.1.contains("checkpoint-key.pem"), "{}", output.1);
    assert!(output.1.contains(&key_id), "{}", output.1);
    let pem = std::fs::read_to_string(&checkpoint_key).unwrap();
    for line in pem.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!output.1.contains(line), "the checkpoint key is in the log");
    }
    let _ = std::fs::remove_dir_all(&data_dir);
}

fn server_wait(server: &mut std::process::Child) -> (std::process::ExitStatus, String) {
    use std::io::Read;
    let status = server.wait().unwrap();
    let mut log = String::new();
    if let Some(mut stderr) = server.stderr.take() {
        stderr.read_to_string(&mut log).unwrap();
    }
    (status, log)
}

#[test]
fn migrate_creates_the_embedded_database() {
    let data_dir = temp_dir();
    run_ok(&data_dir, &["migrate"]);
    assert!(data_dir.join("redress.db").exists());
    // Running it again is a no-op, not an error.
    run_ok(&data_dir, &["migrate"]);
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// Bad configuration stops start-up with a message that names the setting.
#[test]
fn bad_configuration_is_refused_at_start() {
    // An EC key where the Ed25519 checkpoint key belongs (owner-only, so
    // the refusal is about what it holds).
    let keys = temp_dir();
    std::fs::create_dir_all(&keys).unwrap();
    let not_ed25519 = keys.join("es256.pem");
    std::fs::copy(fixture("es256-private.pem"), &not_ed25519).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&not_ed25519, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let not_ed25519 = not_ed25519.display().to_string();
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("REDRESS_JWT_SECRET", "short")], "at least 32 bytes"),
        (
            &[("REDRESS_JWT_LEEWAY_SECONDS", "31")],
            "jwt-leeway-seconds",
        ),
        (&[("REDRESS_MAX_PAGE_SIZE", "500")], "max-page-size"),
        (
            &[("REDRESS_JWT_PUBLIC_KEY", "/nonexistent/key.pem")],
            "public key",
        ),
        (
            &[
                ("REDRESS_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
                ("REDRESS_JWT_PUBLIC_KEY", "/k.pem"),
            ],
            "configure one key source only, not REDRESS_JWT_SECRET and REDRESS_JWT_PUBLIC_KEY",
        ),
        (
            &[("REDRESS_CHECKPOINT_KEY_FILE", "/nonexistent/key.pem")],
            "checkpoint key",
        ),
        (
            &[("REDRESS_CHECKPOINT_KEY_FILE", not_ed25519.as_str())],
            "not a PKCS#8 PEM Ed25519 private key",
        ),
        (
            &[("REDRESS_CHECKPOINT_INTERVAL", "soon")],
            "checkpoint-interval",
        ),
        (
            &[("REDRESS_TRUSTED_PROXY_HEADER", "X-Forwarded-For")],
            "needs REDRESS_TRUSTED_PROXIES",
        ),
        (
            &[("REDRESS_TRUSTED_PROXIES", "10.0.0.0/8")],
            "needs REDRESS_TRUSTED_PROXY_HEADER",
        ),
        (
            &[("REDRESS_TRUSTED_PROXIES", "proxy.example.org")],
            "trusted-proxies",
        ),
        (
            &[("REDRESS_RATE_LIMIT_READS_PER_MINUTE", "lots")],
            "rate-limit-reads-per-minute",
        ),
    ];
    for (env, expected) in cases {
        let mut command = redress();
        command
            .arg("serve")
            .env("REDRESS_DATA_DIR", temp_dir())
            .env("REDRESS_LISTEN", "127.0.0.1:0");
        for (key, value) in *env {
            command.env(key, value);
        }
        let output = command.output().unwrap();
        assert!(!output.status.success(), "{env:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{env:?}: {stderr}");
        assert!(
            !stderr.contains("0123456789abcdef0123456789abcdef"),
            "secret in the output"
        );
    }
    let _ = std::fs::remove_dir_all(&keys);
}
