//! Trusted documents: with `REDRESS_TRUSTED_DOCUMENTS`, only the manifest's
//! operations run, named by `documentId` or
//! `extensions.persistedQuery.sha256Hash`; without it, free-form queries
//! run and an id sent with a query is checked.

use std::path::PathBuf;

use md5::Md5;
use redress_api::startup::Application;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::helpers::*;

const HELLO: &str = "query Hello { __typename }";
const INTROSPECTION: &str = "{ __schema { queryType { name } } }";

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Writes `manifest` to a fresh file and returns its path.
fn manifest_file(manifest: &Value) -> PathBuf {
    write_manifest(&manifest.to_string())
}

fn write_manifest(text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("redress-manifest-{}.json", uuid::Uuid::now_v7()));
    std::fs::write(&path, text).unwrap();
    path
}

async fn trusted_app(manifest: &Value) -> TestApp {
    let path = manifest_file(manifest);
    TestApp::spawn_with(|s| s.trusted_documents = Some(path)).await
}

impl TestApp {
    /// POSTs `body` as JSON; status and body.
    async fn post_json(&self, token: Option<&str>, body: &Value) -> (StatusCode, Value) {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .header("Accept", "application/graphql-response+json")
            .json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        (response.status(), response.json().await.unwrap())
    }

    /// GETs `/graphql` with these parameters; status and body.
    async fn get_params(&self, params: &[(&str, String)]) -> (StatusCode, Value) {
        let response = self
            .client
            .get(self.url("/graphql"))
            .query(params)
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap();
        (response.status(), response.json().await.unwrap())
    }
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

/// Each format web-client builds write, with its ids: the document runs by
/// the manifest's id (`documentId`) and by its SHA-256 (Apollo and Relay's
/// `extensions.persistedQuery`).
#[tokio::test]
async fn each_manifest_format_loads_and_runs_by_id() {
    let md5 = hex::encode(<Md5 as md5::Digest>::digest(HELLO.as_bytes()));
    let sha1 = hex::encode(<Sha1 as sha1::Digest>::digest(HELLO.as_bytes()));
    let sha = sha256(HELLO);
    let formats = [
        (
            "graphql-codegen, SHA-256",
            json!({ sha.clone(): HELLO }),
            sha.clone(),
        ),
        (
            "graphql-codegen, SHA-1",
            json!({ sha1.clone(): HELLO }),
            sha1,
        ),
        ("Relay, MD5", json!({ md5.clone(): HELLO }), md5),
        (
            "Apollo",
            json!({
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [{ "id": sha.clone(), "name": "Hello", "type": "query", "body": HELLO }]
            }),
            sha.clone(),
        ),
        (
            "Apollo, custom ids",
            json!({
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [{ "id": "hello-v1", "name": "Hello", "type": "query", "body": HELLO }]
            }),
            "hello-v1".to_owned(),
        ),
    ];
    let expected = json!({ "data": { "__typename": "Query" } });
    for (format, manifest, id) in formats {
        let app = trusted_app(&manifest).await;
        let requests = [
            json!({ "documentId": id }),
            json!({ "documentId": format!("sha256:{sha}") }),
            json!({ "documentId": sha.to_uppercase() }),
            json!({ "extensions": persisted(&sha) }),
            json!({ "extensions": persisted(&sha), "operationName": "Hello", "variables": {} }),
        ];
        for request in requests {
            let got = app.post_json(None, &request).await;
            assert_eq!(
                got,
                (StatusCode::OK, expected.clone()),
                "{format}: {request}"
            );
        }
        let got = app.get_params(&[("documentId", id.clone())]).await;
        assert_eq!(got, (StatusCode::OK, expected.clone()), "{format}: GET");
        let got = app
            .get_params(&[("extensions", persisted(&sha).to_string())])
            .await;
        assert_eq!(got, (StatusCode::OK, expected.clone()), "{format}: GET");
    }
}

/// A manifest with any defect stops the server from starting, and the
/// message names the entry and the defect.
#[tokio::test]
async fn bad_manifests_refuse_to_start() {
    let db = TestDb::new().await;
    let connection = db.connect().await;
    let wrong = sha256("query Other { __typename }");
    let apollo = |operations: Value, version: i64| {
        json!({ "format": "apollo-persisted-query-manifest", "version": version, "operations": operations })
            .to_string()
    };
    let cases: Vec<(&str, String, Vec<String>)> = vec![
        (
            "not JSON",
            "{ not json".into(),
            vec!["not valid JSON".into()],
        ),
        (
            "an array",
            "[]".into(),
            vec!["must be a JSON object".into()],
        ),
        ("empty", "{}".into(), vec!["holds no documents".into()]),
        (
            "SHA-256 of another document",
            json!({ wrong.clone(): HELLO }).to_string(),
            vec![
                format!("entry {wrong}"),
                "not the SHA-256".into(),
                sha256(HELLO),
            ],
        ),
        (
            "MD5-shaped id of another document",
            json!({ "0123456789abcdef0123456789abcdef": HELLO }).to_string(),
            vec!["entry 0123456789abcdef".into(), "not the MD5".into()],
        ),
        (
            "unparsable document",
            json!({ sha256("query {"): "query {" }).to_string(),
            vec![
                format!("entry {}", sha256("query {")),
                "does not parse".into(),
            ],
        ),
        (
            "document not a string",
            json!({ "a": 1 }).to_string(),
            vec!["entry a".into(), "must be a string".into()],
        ),
        (
            "Apollo, version 2",
            apollo(json!([{ "id": sha256(HELLO), "body": HELLO }]), 2),
            vec!["version 1".into()],
        ),
        (
            "Apollo, an operation without body",
            apollo(json!([{ "id": "x" }]), 1),
            vec!["entry operations[0]".into(), "`body`".into()],
        ),
        (
            "Apollo, a bad hash",
            apollo(json!([{ "id": wrong.clone(), "body": HELLO }]), 1),
            vec![format!("entry {wrong}"), "not the SHA-256".into()],
        ),
    ];
    for (case, text, fragments) in cases {
        let path = write_manifest(&text);
        let mut settings = settings(&db.url);
        settings.trusted_documents = Some(path.clone());
        let error = match Application::build_with_db(settings, connection.clone()).await {
            Ok(_) => panic!("{case}: the server started"),
            Err(e) => format!("{e:#}"),
        };
        assert!(
            error.contains(&path.display().to_string()),
            "{case}: {error}"
        );
        for fragment in fragments {
            assert!(
                error.contains(&fragment),
                "{case}: {fragment:?} not in {error}"
            );
        }
    }
    let mut settings = settings(&db.url);
    settings.trusted_documents = Some(PathBuf::from("/nonexistent/manifest.json"));
    let error = Application::build_with_db(settings, connection.clone())
        .await
        .err()
        .map(|e| format!("{e:#}"));
    assert!(
        error
            .as_deref()
            .is_some_and(|e| e.contains("cannot read") && e.contains("/nonexistent/manifest.json")),
        "{error:?}"
    );
}

/// In trusted mode nothing else runs: free-form documents (introspection
/// included) are 400 `PERSISTED_QUERY_REQUIRED`, unknown ids 400
/// `PERSISTED_QUERY_NOT_FOUND`, a query that is not its id's document 400
/// `PERSISTED_QUERY_MISMATCH`; GET never runs a mutation.
#[tokio::test]
async fn trusted_mode_runs_nothing_else() {
    let mutation = create_mutation();
    let app = trusted_app(&json!({ sha256(HELLO): HELLO, sha256(&mutation): mutation })).await;
    let unknown = sha256("query Unknown { __typename }");
    let cases = [
        (json!({ "query": HELLO }), "PERSISTED_QUERY_REQUIRED"),
        (
            json!({ "query": INTROSPECTION }),
            "PERSISTED_QUERY_REQUIRED",
        ),
        (
            json!({ "documentId": unknown }),
            "PERSISTED_QUERY_NOT_FOUND",
        ),
        (
            json!({ "documentId": "hello" }),
            "PERSISTED_QUERY_NOT_FOUND",
        ),
        (
            json!({ "extensions": persisted(&unknown) }),
            "PERSISTED_QUERY_NOT_FOUND",
        ),
        (
            json!({ "query": "query Hello { __schema { types { name } } }", "extensions": persisted(&sha256(HELLO)) }),
            "PERSISTED_QUERY_MISMATCH",
        ),
        (
            json!({ "query": HELLO, "documentId": sha256(HELLO), "extensions": persisted(&sha256(HELLO)) }),
            "BAD_REQUEST",
        ),
    ];
    for (request, expected) in cases {
        for token in [None, Some(manager())] {
            let (status, body) = app.post_json(token.as_deref(), &request).await;
            assert_eq!(
                (status, code(&body)),
                (StatusCode::BAD_REQUEST, expected),
                "{request}: {body}"
            );
            assert!(body.get("data").is_none(), "{request}: {body}");
        }
    }
    // The same text as its id's document runs.
    let got = app
        .post_json(
            None,
            &json!({ "query": HELLO, "extensions": persisted(&sha256(HELLO)) }),
        )
        .await;
    assert_eq!(got.0, StatusCode::OK, "{}", got.1);
    // Free-form and unknown over GET too; a trusted mutation not over GET.
    let gets = [
        (
            vec![("query", HELLO.to_owned())],
            StatusCode::BAD_REQUEST,
            "PERSISTED_QUERY_REQUIRED",
        ),
        (
            vec![("documentId", unknown)],
            StatusCode::BAD_REQUEST,
            "PERSISTED_QUERY_NOT_FOUND",
        ),
        (
            vec![("documentId", sha256(&mutation))],
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
        ),
    ];
    for (params, status, expected) in gets {
        let (got, body) = app.get_params(&params).await;
        assert_eq!((got, code(&body)), (status, expected), "{params:?}: {body}");
    }
}

/// A mutation run by id is the same change as the same text sent
/// free-form: accepted, and audited the same way.
#[tokio::test]
async fn mutations_by_id_are_audited_as_usual() {
    let db = TestDb::new().await;
    let dev = TestApp::start(Application::build(settings(&db.url)).await.unwrap());
    dev.create_facility("MAIN").await;
    let mutation = create_mutation();
    let mut trusted_settings = settings(&db.url);
    trusted_settings.trusted_documents =
        Some(manifest_file(&json!({ sha256(&mutation): mutation })));
    let trusted = TestApp::start(Application::build(trusted_settings).await.unwrap());

    let before = dev.audit_event_count().await;
    let free_form = dev.create_complaint(&manager(), intake("MAIN")).await;
    let after_free_form = dev.audit_event_count().await;

    let (status, body) = trusted
        .post_json(
            Some(&manager()),
            &json!({ "documentId": format!("sha256:{}", sha256(&mutation)), "variables": { "input": intake("MAIN") } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    let payload = &body["data"]["complaintCreate"];
    assert_eq!(payload["userErrors"], json!([]), "{body:#}");
    let by_id = payload["complaint"].clone();
    let after_by_id = dev.audit_event_count().await;

    assert!(after_free_form > before);
    assert_eq!(after_by_id - after_free_form, after_free_form - before);
    assert_eq!(
        dev.history_actions(&by_id["id"]).await,
        dev.history_actions(&free_form["id"]).await
    );
    assert_eq!(by_id["status"], free_form["status"]);
}

/// Development (no manifest): free-form documents run as before; an id
/// sent with a query must be its SHA-256; an id alone is "not found" (as
/// Apollo's automatic persisted queries expect: the client then sends the
/// query with it).
#[tokio::test]
async fn development_runs_free_form_and_checks_ids_sent_along() {
    let app = TestApp::spawn().await;
    let hello = json!({ "data": { "__typename": "Query" } });
    let runs = [
        json!({ "query": HELLO }),
        json!({ "query": HELLO, "extensions": persisted(&sha256(HELLO)) }),
        json!({ "query": HELLO, "documentId": format!("sha256:{}", sha256(HELLO)) }),
        json!({ "query": HELLO, "documentId": "a-name-not-a-hash" }),
    ];
    for request in runs {
        assert_eq!(
            app.post_json(None, &request).await,
            (StatusCode::OK, hello.clone()),
            "{request}"
        );
    }
    let other = sha256("query Other { __typename }");
    let refused = [
        (
            json!({ "query": HELLO, "extensions": persisted(&other) }),
            "PERSISTED_QUERY_MISMATCH",
        ),
        (
            json!({ "query": HELLO, "documentId": other }),
            "PERSISTED_QUERY_MISMATCH",
        ),
        (
            json!({ "extensions": persisted(&sha256(HELLO)) }),
            "PERSISTED_QUERY_NOT_FOUND",
        ),
        (
            json!({ "documentId": sha256(HELLO) }),
            "PERSISTED_QUERY_NOT_FOUND",
        ),
    ];
    for (request, expected) in refused {
        let (status, body) = app.post_json(None, &request).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, expected),
            "{request}: {body}"
        );
    }
    let data = app.ok(&manager(), INTROSPECTION, json!({})).await;
    assert_eq!(data["__schema"]["queryType"]["name"], "Query");
}
