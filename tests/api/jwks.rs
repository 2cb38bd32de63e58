//! Keys from the identity provider: a JWKS served by a stand-in provider
//! (or read from a file), RS256/PS256/ES256 tokens signed with the test
//! fixtures' private keys, rotation, outages and the refresh rate limit.

mod server;

use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use redress_api::auth::keys::{Sources, resolve};
use redress_api::auth::{JwksOptions, KeyConfig, KeySource};
use reqwest::StatusCode;
use serde_json::{Value, json};

use self::server::{EC, JwksServer, ROTATED, RSA, RSA_RS256_ONLY, Reply, key_set};
use crate::helpers::*;

/// Fetches at most once per `min_refresh`; a set is kept an hour.
fn options(min_refresh: Duration) -> JwksOptions {
    JwksOptions {
        timeout: Duration::from_secs(5),
        min_refresh,
        max_age: Duration::from_secs(3600),
    }
}

async fn spawn_with_url(url: &str, options: JwksOptions) -> TestApp {
    let key = KeyConfig::jwks_url(url, options).unwrap();
    TestApp::spawn_with(|settings| {
        settings.auth.key = key;
        settings.auth.source = KeySource::JwksUrl(url.to_owned());
    })
    .await
}

fn good_claims() -> Value {
    claims("idp-user", &["COMPLIANCE"], &["MAIN"])
}

async fn assert_verifies(app: &TestApp, token: &str, case: &str) {
    let (status, body) = app.me_status(token).await;
    assert_eq!(status, StatusCode::OK, "{case}: {body}");
    assert_eq!(body["data"]["me"]["subject"], json!("idp-user"), "{case}");
}

/// Asserts a 401 `UNAUTHENTICATED`; returns the message.
async fn assert_refused(app: &TestApp, token: &str, case: &str) -> String {
    let (status, body) = app.me_status(token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}: {body}");
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{case}");
    body["errors"][0]["message"].as_str().unwrap().to_owned()
}

fn unsigned(header: Value, claims: &Value) -> String {
    use base64::Engine as _;
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    format!("{}.{}.", b64(&header), b64(claims))
}

#[tokio::test]
async fn rs256_ps256_and_es256_tokens_verify_against_the_providers_set() {
    let provider = JwksServer::start(Reply::Json(key_set(&[RSA, RSA_RS256_ONLY, EC]), None)).await;
    let app = spawn_with_url(&provider.url, options(Duration::from_secs(3600))).await;
    let good = good_claims();
    for (case, token) in [
        ("RS256", RSA.sign(Algorithm::RS256, true, &good)),
        ("PS256", RSA.sign(Algorithm::PS256, true, &good)),
        ("ES256", EC.sign(Algorithm::ES256, true, &good)),
        (
            "RS256 key stating RS256",
            RSA_RS256_ONLY.sign(Algorithm::RS256, true, &good),
        ),
    ] {
        assert_verifies(&app, &token, case).await;
    }

    let public_pem = std::fs::read(fixture("rs256-public.pem")).unwrap();
    let hs256_public = jsonwebtoken::encode(
        &Header {
            kid: Some(RSA.kid.into()),
            ..Header::new(Algorithm::HS256)
        },
        &good,
        &EncodingKey::from_secret(&public_pem),
    )
    .unwrap();
    let expired = {
        let mut claims = good.clone();
        claims["exp"] = json!(1);
        claims
    };
    let refused = [
        (
            "PS256 to a key stating RS256",
            RSA_RS256_ONLY.sign(Algorithm::PS256, true, &good),
            "the token's algorithm is not accepted",
        ),
        (
            "ES256 naming the RSA key",
            EC.sign_as(Algorithm::ES256, Some(RSA.kid), &good),
            "the token's algorithm is not accepted",
        ),
        (
            "RS256 naming the EC key",
            RSA.sign_as(Algorithm::RS256, Some(EC.kid), &good),
            "the token's algorithm is not accepted",
        ),
        (
            "RS384",
            RSA.sign(Algorithm::RS384, true, &good),
            "the token's algorithm is not accepted",
        ),
        (
            "RS512",
            RSA.sign(Algorithm::RS512, true, &good),
            "the token's algorithm is not accepted",
        ),
        (
            "HS256 with the public key as secret",
            hs256_public,
            "the token's algorithm is not accepted",
        ),
        (
            "HS256 with the test secret",
            sign_hs256(&good),
            "the token's algorithm is not accepted",
        ),
        (
            "alg none",
            unsigned(json!({"alg": "none", "kid": RSA.kid}), &good),
            "the token is malformed",
        ),
        (
            "no kid, several keys",
            RSA.sign(Algorithm::RS256, false, &good),
            "the token must name its signing key (`kid`)",
        ),
        (
            "unknown kid",
            RSA.sign_as(Algorithm::RS256, Some("kid-from-nowhere"), &good),
            "the token's signing key is not known",
        ),
        (
            "another key's signature",
            ROTATED.sign_as(Algorithm::RS256, Some(RSA.kid), &good),
            "the token's signature is invalid",
        ),
        (
            "expired",
            RSA.sign(Algorithm::RS256, true, &expired),
            "the token has expired",
        ),
    ];
    for (case, token, expected) in refused {
        let message = assert_refused(&app, &token, case).await;
        assert_eq!(message, expected, "{case}");
    }
    assert_eq!(provider.requests(), 1, "fetched once, at start");
}

#[tokio::test]
async fn a_single_key_set_needs_no_kid() {
    let provider = JwksServer::start(Reply::Json(key_set(&[EC]), None)).await;
    let app = spawn_with_url(&provider.url, options(Duration::from_secs(3600))).await;
    assert_verifies(
        &app,
        &EC.sign(Algorithm::ES256, false, &good_claims()),
        "no kid",
    )
    .await;
}

/// A new key is picked up when a token names it; a key the provider
/// dropped is accepted until the next fetch, refused after.
#[tokio::test]
async fn a_rotated_key_verifies_after_the_refresh_and_a_removed_one_is_refused() {
    let min_refresh = Duration::from_millis(50);
    let provider = JwksServer::start(Reply::Json(key_set(&[RSA]), None)).await;
    let app = spawn_with_url(&provider.url, options(min_refresh)).await;
    let old = RSA.sign(Algorithm::RS256, true, &good_claims());
    let new = ROTATED.sign(Algorithm::RS256, true, &good_claims());
    assert_verifies(&app, &old, "before the rotation").await;

    provider.set(Reply::Json(key_set(&[ROTATED]), None));
    assert_verifies(&app, &old, "old key, set not fetched again yet").await;
    assert_eq!(provider.requests(), 1);
    tokio::time::sleep(min_refresh).await;
    assert_verifies(&app, &new, "new kid: fetched, then verified").await;
    assert_eq!(provider.requests(), 2);
    tokio::time::sleep(min_refresh).await;
    let message = assert_refused(&app, &old, "old key after the fetch").await;
    assert_eq!(message, "the token's signing key is not known");
    assert_verifies(&app, &new, "new key still").await;
}

/// The provider fails in every way while tokens arrive naming an unknown
/// key (each forcing a fetch): the last good set keeps verifying.
#[tokio::test]
async fn a_provider_outage_keeps_the_last_good_set() {
    let min_refresh = Duration::from_millis(50);
    let provider = JwksServer::start(Reply::Json(key_set(&[RSA, EC]), None)).await;
    let app = spawn_with_url(
        &provider.url,
        JwksOptions {
            timeout: Duration::from_millis(500),
            ..options(min_refresh)
        },
    )
    .await;
    let good = EC.sign(Algorithm::ES256, true, &good_claims());
    let unknown = EC.sign_as(Algorithm::ES256, Some("rotated-away"), &good_claims());
    let outages = [
        ("500", Reply::Status(500)),
        ("404", Reply::Status(404)),
        ("garbage", Reply::Garbage),
        (
            "no usable key",
            Reply::Json(json!({ "keys": [{ "kty": "oct", "k": "c2VjcmV0" }] }), None),
        ),
        ("not a set", Reply::Json(json!({ "keys": "none" }), None)),
        ("no answer (timeout)", Reply::Hang),
    ];
    for (case, reply) in outages {
        provider.set(reply);
        let before = provider.requests();
        tokio::time::sleep(min_refresh).await;
        assert_refused(&app, &unknown, case).await;
        assert_eq!(provider.requests(), before + 1, "{case}: one fetch tried");
        let (status, body) = app.me_status(&good).await;
        assert_eq!(status, StatusCode::OK, "{case}: last good set kept: {body}");
    }
    provider.stop();
    tokio::time::sleep(min_refresh).await;
    assert_refused(&app, &unknown, "provider down").await;
    assert_verifies(&app, &good, "provider down: last good set kept").await;
}

/// Tokens naming random keys never make Redress fetch more than once per
/// interval, however many arrive at once.
#[tokio::test]
async fn unknown_kids_fetch_at_most_once_per_interval() {
    let interval = Duration::from_millis(700);
    let provider = JwksServer::start(Reply::Json(key_set(&[EC]), None)).await;
    let started = Instant::now();
    let app = spawn_with_url(&provider.url, options(interval)).await;
    tokio::time::sleep(interval).await;
    for round in 0..3 {
        let tokens: Vec<String> = (0..20)
            .map(|i| {
                EC.sign_as(
                    Algorithm::ES256,
                    Some(&format!("random-{round}-{i}")),
                    &good_claims(),
                )
            })
            .collect();
        let answers = futures_util::future::join_all(tokens.iter().map(|t| app.me_status(t))).await;
        for (status, body) in answers {
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        }
    }
    let elapsed = started.elapsed();
    let fetches = provider.requests();
    let allowed = 1 + (elapsed.as_millis() / interval.as_millis()) as usize;
    assert!(fetches >= 2, "an unknown kid after the interval fetches");
    assert!(
        fetches <= allowed,
        "{fetches} fetches in {elapsed:?}: at most {allowed} allowed"
    );
    assert_verifies(
        &app,
        &EC.sign(Algorithm::ES256, true, &good_claims()),
        "known key",
    )
    .await;
}

/// The set is fetched again when the provider's `Cache-Control: max-age`
/// runs out, with no token asking: a dropped key is refused after that.
#[tokio::test]
async fn the_set_is_refreshed_when_its_max_age_runs_out() {
    let provider =
        JwksServer::start(Reply::Json(key_set(&[RSA, EC]), Some("public, max-age=1"))).await;
    let app = spawn_with_url(&provider.url, options(Duration::from_millis(50))).await;
    let dropped = EC.sign(Algorithm::ES256, true, &good_claims());
    assert_verifies(&app, &dropped, "before").await;
    provider.set(Reply::Json(key_set(&[RSA]), Some("public, max-age=1")));
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, _) = app.me_status(&dropped).await;
        if status == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(Instant::now() < deadline, "the set was never fetched again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(provider.requests() >= 2);
}

/// The provider is down when Redress starts: it starts anyway and answers
/// tokens 503 `AUTH_KEYS_UNAVAILABLE` until a fetch succeeds.
#[tokio::test]
async fn keys_unavailable_at_start_answer_503_until_the_provider_answers() {
    let min_refresh = Duration::from_millis(50);
    let provider = JwksServer::start(Reply::Status(503)).await;
    let app = spawn_with_url(&provider.url, options(min_refresh)).await;
    let token = EC.sign(Algorithm::ES256, true, &good_claims());
    tokio::time::sleep(min_refresh).await;
    let (status, body) = app.me_status(&token).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(error_code(&body), "AUTH_KEYS_UNAVAILABLE");
    let export = app
        .client
        .get(app.url("/exports/grievance-log.csv"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(export.headers().contains_key("retry-after"));
    let (status, _) = app.graphql(None, "{ __typename }", json!({})).await;
    assert_eq!(status, StatusCode::OK, "anonymous requests are served");
    let ready = || async {
        let response = app.client.get(app.url("/readyz")).send().await.unwrap();
        response.status()
    };
    assert_eq!(ready().await, StatusCode::SERVICE_UNAVAILABLE, "not ready");

    provider.set(Reply::Json(key_set(&[EC]), None));
    tokio::time::sleep(min_refresh).await;
    assert_verifies(&app, &token, "provider back").await;
    assert_eq!(
        ready().await,
        StatusCode::OK,
        "ready once the keys are loaded"
    );
}

fn temp_file(name: &str, contents: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("redress-jwks-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

#[tokio::test]
async fn a_jwks_file_verifies_its_keys() {
    let path = temp_file("jwks.json", key_set(&[RSA, EC]).to_string().as_bytes());
    let sources = Sources {
        jwks_file: Some(&path),
        ..Sources::default()
    };
    let (key, source) = resolve(sources, path.parent().unwrap()).unwrap();
    assert_eq!(source, KeySource::JwksFile(path.clone()));
    let app = TestApp::spawn_with(|settings| {
        settings.auth.key = key;
        settings.auth.source = source;
    })
    .await;
    let good = good_claims();
    assert_verifies(&app, &RSA.sign(Algorithm::PS256, true, &good), "PS256").await;
    assert_verifies(&app, &EC.sign(Algorithm::ES256, true, &good), "ES256").await;
    assert_refused(&app, &RSA.sign(Algorithm::RS256, false, &good), "no kid").await;
    assert_refused(&app, &sign_hs256(&good), "HS256").await;

    for (case, contents) in [
        (
            "no usable key",
            json!({ "keys": [{ "kty": "oct", "k": "c2VjcmV0" }] }).to_string(),
        ),
        ("not JSON", "<html>".to_owned()),
    ] {
        let path = temp_file("bad.json", contents.as_bytes());
        let sources = Sources {
            jwks_file: Some(&path),
            ..Sources::default()
        };
        let error = resolve(sources, path.parent().unwrap())
            .err()
            .map(|e| format!("{e:#}"));
        assert!(
            error
                .as_deref()
                .is_some_and(|e| e.contains("loading the JWKS file")),
            "{case}: {error:?}"
        );
    }
}

/// `redress token` cannot sign for a provider's keys, and a second key
/// source, or a JWKS URL over plain http to another host, stops the start.
#[test]
fn the_binary_refuses_conflicting_sources_and_signing_for_a_provider() {
    let data_dir = std::env::temp_dir().join(format!("redress-jwks-{}", uuid::Uuid::now_v7()));
    let jwks_file = temp_file("jwks.json", key_set(&[EC]).to_string().as_bytes());
    let token = ["token", "--sub", "u1", "--role", "ADMIN", "--facility", "*"];
    let url = "https://idp.example.org/keys";
    let secret = "0123456789abcdef0123456789abcdef0123";
    let file = jwks_file.to_str().unwrap();
    let pem = fixture("rs256-public.pem");
    let pem = pem.to_str().unwrap();
    /// Arguments, environment, what stderr says.
    type Case<'a> = (&'a [&'a str], Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            &token,
            vec![("REDRESS_JWT_JWKS_URL", url)],
            "(REDRESS_JWT_JWKS_URL); get a token from that identity provider",
        ),
        (
            &token,
            vec![("REDRESS_JWT_JWKS_FILE", file)],
            "(REDRESS_JWT_JWKS_FILE); get a token from that identity provider",
        ),
        (
            &["serve"],
            vec![
                ("REDRESS_JWT_SECRET", secret),
                ("REDRESS_JWT_JWKS_URL", url),
            ],
            "configure one key source only, not REDRESS_JWT_SECRET and REDRESS_JWT_JWKS_URL",
        ),
        (
            &["serve"],
            vec![
                ("REDRESS_JWT_PUBLIC_KEY", pem),
                ("REDRESS_JWT_JWKS_FILE", file),
            ],
            "configure one key source only, not REDRESS_JWT_PUBLIC_KEY and REDRESS_JWT_JWKS_FILE",
        ),
        (
            &["serve"],
            vec![
                ("REDRESS_JWT_JWKS_URL", url),
                ("REDRESS_JWT_JWKS_FILE", file),
            ],
            "configure one key source only, not REDRESS_JWT_JWKS_URL and REDRESS_JWT_JWKS_FILE",
        ),
        (
            &["serve"],
            vec![("REDRESS_JWT_JWKS_URL", "http://idp.example.org/keys")],
            "REDRESS_JWT_JWKS_URL must use https://",
        ),
        (
            &["serve"],
            vec![
                ("REDRESS_JWT_JWKS_URL", url),
                ("REDRESS_JWT_JWKS_MIN_REFRESH", "0s"),
            ],
            "REDRESS_JWT_JWKS_MIN_REFRESH must be at least 1s",
        ),
    ];
    for (args, env, expected) in cases {
        let mut command = crate::cli::redress();
        command
            .args(args)
            .env("REDRESS_DATA_DIR", &data_dir)
            .env("REDRESS_LISTEN", "127.0.0.1:0")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = command.spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                child.kill().unwrap();
                panic!("{args:?} {env:?} did not stop");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} {env:?}");
        assert!(output.stdout.is_empty(), "{args:?} {env:?}");
        assert!(stderr.contains(expected), "{args:?} {env:?}: {stderr}");
    }
}
