//! Token verification over HTTP: every defect is a 401 `UNAUTHENTICATED`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use redress_api::auth::{KeyConfig, KeySource};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn hs(alg: Algorithm, claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret)).unwrap()
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

#[tokio::test]
async fn a_valid_token_becomes_the_actor() {
    let app = TestApp::spawn().await;
    let token = token(
        "pr-7",
        &["PATIENT_RELATIONS", "NOT_A_ROLE"],
        &["mercy-north", "MAIN"],
    );
    let data = app.ok(&token, ME, json!({})).await;
    assert_eq!(
        data["me"],
        json!({
            "subject": "pr-7",
            "name": "User pr-7",
            "roles": ["PATIENT_RELATIONS"],
            "facilities": ["MAIN", "MERCY-NORTH"],
            "allFacilities": false,
        })
    );
}

#[tokio::test]
async fn every_token_defect_is_401_unauthenticated() {
    let app = TestApp::spawn().await;
    let now = chrono::Utc::now().timestamp();
    let good = claims("u-1", &["ADMIN"], &["*"]);
    let valid = sign_hs256(&good);
    let mut parts = valid.split('.');
    let (header, _payload, signature) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let rsa_public = std::fs::read(fixture("rs256-public.pem")).unwrap();
    let rsa_private = std::fs::read(fixture("rs256-private.pem")).unwrap();

    let cases: Vec<(&str, String)> = vec![
        (
            "expired",
            sign_hs256(&with(good.clone(), "exp", json!(now - 120))),
        ),
        (
            "not yet valid",
            sign_hs256(&with(good.clone(), "nbf", json!(now + 600))),
        ),
        (
            "wrong issuer",
            sign_hs256(&with(good.clone(), "iss", json!("someone-else"))),
        ),
        (
            "wrong audience",
            sign_hs256(&with(good.clone(), "aud", json!("other-api"))),
        ),
        (
            "audience list without ours",
            sign_hs256(&with(good.clone(), "aud", json!(["a", "b"]))),
        ),
        ("missing sub", sign_hs256(&without(good.clone(), "sub"))),
        (
            "empty sub",
            sign_hs256(&with(good.clone(), "sub", json!(""))),
        ),
        ("missing exp", sign_hs256(&without(good.clone(), "exp"))),
        ("missing iss", sign_hs256(&without(good.clone(), "iss"))),
        ("missing aud", sign_hs256(&without(good.clone(), "aud"))),
        (
            "exp as a string",
            sign_hs256(&with(good.clone(), "exp", json!((now + 600).to_string()))),
        ),
        (
            "roles not a list",
            sign_hs256(&with(good.clone(), "roles", json!("ADMIN"))),
        ),
        (
            "wrong secret",
            hs(
                Algorithm::HS256,
                &good,
                b"another-secret-0123456789abcdef-0123456789",
            ),
        ),
        (
            "wrong algorithm HS384",
            hs(Algorithm::HS384, &good, TEST_SECRET.as_bytes()),
        ),
        (
            "wrong algorithm HS512",
            hs(Algorithm::HS512, &good, TEST_SECRET.as_bytes()),
        ),
        (
            "RS256 token to an HS256 server",
            jsonwebtoken::encode(
                &Header::new(Algorithm::RS256),
                &good,
                &EncodingKey::from_rsa_pem(&rsa_private).unwrap(),
            )
            .unwrap(),
        ),
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(&json!({"alg": "none", "typ": "JWT"})),
                b64(&good)
            ),
        ),
        (
            "alg none with signature",
            format!(
                "{}.{}.{signature}",
                b64(&json!({"alg": "none"})),
                b64(&good)
            ),
        ),
        (
            "tampered payload",
            format!(
                "{header}.{}.{signature}",
                b64(&with(good.clone(), "roles", json!(["ADMIN", "COMPLIANCE"])))
            ),
        ),
        (
            "malformed header segment",
            format!("not-base64!.{}.{signature}", b64(&good)),
        ),
        (
            "header not JSON",
            format!(
                "{}.{}.{signature}",
                URL_SAFE_NO_PAD.encode("alg"),
                b64(&good)
            ),
        ),
        ("two segments", format!("{header}.{}", b64(&good))),
        ("garbage", "garbage".to_owned()),
        (
            "HS256 signed with the public key as secret",
            hs(Algorithm::HS256, &good, &rsa_public),
        ),
    ];
    for (defect, token) in cases {
        let (status, body) = app.me_status(&token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{defect}: {body}");
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{defect}: {body}");
        assert!(body.get("data").is_none(), "{defect}: {body}");
    }
}

#[tokio::test]
async fn malformed_authorization_headers_are_401() {
    let app = TestApp::spawn().await;
    for header in [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer    ",
        admin().as_str(),
        "Token abc",
    ] {
        let response = app
            .client
            .post(app.url("/graphql"))
            .header("Authorization", header)
            .json(&json!({ "query": ME }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{header}");
        assert!(
            response.headers().get("www-authenticate").is_some(),
            "{header}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{header}");
    }
}

#[tokio::test]
async fn leeway_tolerates_small_skew_only() {
    let app = TestApp::spawn().await;
    let now = chrono::Utc::now().timestamp();
    // The test app allows 5 seconds.
    let just_expired = sign_hs256(&with(
        claims("u", &["STAFF"], &["*"]),
        "exp",
        json!(now - 2),
    ));
    assert_eq!(app.me_status(&just_expired).await.0, StatusCode::OK);
    let long_expired = sign_hs256(&with(
        claims("u", &["STAFF"], &["*"]),
        "exp",
        json!(now - 40),
    ));
    assert_eq!(
        app.me_status(&long_expired).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn without_a_token_only_typename_and_introspection_answer() {
    let app = TestApp::spawn().await;
    let (status, body) = app.graphql(None, "{ __typename }", json!({})).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({ "data": { "__typename": "Query" } }))
    );
    let (status, body) = app
        .graphql(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for query in [ME, "{ facilities { totalCount } }", UPSERT] {
        let variables = json!({ "input": facility_input("MAIN") });
        let (status, body) = app.graphql(None, query, variables).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{query}: {body}");
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{query}");
    }
}

async fn spawn_with_public_key(file: &str) -> TestApp {
    let pem = std::fs::read(fixture(file)).unwrap();
    TestApp::spawn_with(move |settings| {
        settings.auth.key = KeyConfig::public_key_pem(pem).unwrap();
        settings.auth.source = KeySource::PublicKeyFile(fixture(file));
    })
    .await
}

fn sign_with(alg: Algorithm, private: &str, claims: &Value) -> String {
    let pem = std::fs::read(fixture(private)).unwrap();
    let key = match alg {
        Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem).unwrap(),
        _ => EncodingKey::from_ec_pem(&pem).unwrap(),
    };
    jsonwebtoken::encode(&Header::new(alg), claims, &key).unwrap()
}

#[tokio::test]
async fn rs256_tokens_verify_with_a_configured_public_key() {
    let app = spawn_with_public_key("rs256-public.pem").await;
    let good = claims("idp-user", &["COMPLIANCE"], &["MAIN"]);
    let data = app
        .ok(
            &sign_with(Algorithm::RS256, "rs256-private.pem", &good),
            ME,
            json!({}),
        )
        .await;
    assert_eq!(data["me"]["roles"], json!(["COMPLIANCE"]));

    let public_pem = std::fs::read(fixture("rs256-public.pem")).unwrap();
    let refused = [
        (
            "HS256 with the public key as secret",
            hs(Algorithm::HS256, &good, &public_pem),
        ),
        (
            "ES256 token",
            sign_with(Algorithm::ES256, "es256-private.pem", &good),
        ),
        ("HS256 with the test secret", sign_hs256(&good)),
        (
            "expired",
            sign_with(
                Algorithm::RS256,
                "rs256-private.pem",
                &with(good.clone(), "exp", json!(1)),
            ),
        ),
    ];
    for (defect, token) in refused {
        let (status, body) = app.me_status(&token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{defect}: {body}");
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{defect}");
    }
}

#[tokio::test]
async fn es256_tokens_verify_with_a_configured_public_key() {
    let app = spawn_with_public_key("es256-public.pem").await;
    let good = claims("idp-user", &["STAFF"], &["MAIN"]);
    let data = app
        .ok(
            &sign_with(Algorithm::ES256, "es256-private.pem", &good),
            ME,
            json!({}),
        )
        .await;
    assert_eq!(data["me"]["subject"], json!("idp-user"));
    let (status, _) = app
        .me_status(&sign_with(Algorithm::RS256, "rs256-private.pem", &good))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
