//! GraphiQL from the binary, and the Content-Security-Policy on every
//! response.

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};

use crate::helpers::*;

/// The page's policy around its per-response style nonce.
const PAGE_CSP: (&str, &str) = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'nonce-",
    "'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
);
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// `(src|href)="/graphiql/…"` in the page.
fn referenced_files(page: &str) -> Vec<String> {
    page.split('"')
        .filter(|part| part.starts_with("/graphiql/"))
        .map(str::to_owned)
        .collect()
}

/// Every `http://` or `https://` URL in `text`.
fn urls(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for scheme in ["http://", "https://"] {
        for (i, _) in text.match_indices(scheme) {
            let url: String = text[i..]
                .chars()
                .take_while(|c| !c.is_whitespace() && !"\"'`)<>".contains(*c))
                .collect();
            found.push(url);
        }
    }
    found
}

/// The page and its style nonce, checking its status, type and policy.
async fn load_page(app: &TestApp) -> (String, String) {
    let response = app
        .client
        .get(app.url("/graphql"))
        .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, CONTENT_TYPE), "text/html; charset=utf-8");
    assert_eq!(header(&response, CACHE_CONTROL), "no-store");
    let csp = header(&response, CONTENT_SECURITY_POLICY);
    let nonce = csp
        .strip_prefix(PAGE_CSP.0)
        .and_then(|rest| rest.strip_suffix(PAGE_CSP.1))
        .unwrap_or_else(|| panic!("unexpected policy: {csp}"))
        .to_owned();
    assert!(nonce.len() >= 22, "{nonce}");
    let page = response.text().await.unwrap();
    assert!(
        page.contains(&format!(
            r#"<meta name="redress-style-nonce" content="{nonce}">"#
        )),
        "{page}"
    );
    (page, nonce)
}

#[tokio::test]
async fn the_page_and_its_files_are_served_from_the_binary_under_a_strict_policy() {
    let app = TestApp::spawn().await;
    let (page, nonce) = load_page(&app).await;
    assert_ne!(load_page(&app).await.1, nonce, "a nonce is per response");
    assert!(
        !page.contains("<script>") && !page.contains("style="),
        "{page}"
    );
    assert_eq!(
        urls(&page),
        Vec::<String>::new(),
        "the page names another host"
    );

    let files = referenced_files(&page);
    assert_eq!(files.len(), 6, "{files:?}");
    for file in files {
        let response = app.client.get(app.url(&file)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{file}");
        let expected_type = if file.ends_with(".js") {
            "text/javascript; charset=utf-8"
        } else {
            "text/css; charset=utf-8"
        };
        assert_eq!(header(&response, CONTENT_TYPE), expected_type, "{file}");
        assert_eq!(
            header(&response, CONTENT_SECURITY_POLICY),
            API_CSP,
            "{file}"
        );
        assert_eq!(
            header(&response, "x-content-type-options".try_into().unwrap()),
            "nosniff"
        );
        let vendored = file.contains("-3.9.0/") || file.contains("-18.3.1/");
        let cache = header(&response, CACHE_CONTROL);
        assert_eq!(
            cache,
            if vendored {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            },
            "{file}"
        );
        let body = response.text().await.unwrap();
        assert!(body.len() > 20, "{file}");
        if !vendored {
            // Redress's own script and stylesheet: nothing from elsewhere.
            assert_eq!(urls(&body), Vec::<String>::new(), "{file}");
        }
    }
}

#[tokio::test]
async fn every_other_response_carries_the_api_policy() {
    let app = TestApp::spawn().await;
    let token = manager();
    let requests = [
        app.client
            .post(app.url("/graphql"))
            .json(&serde_json::json!({ "query": "{ __typename }" })),
        app.client
            .post(app.url("/graphql"))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "query": "{ nope }" })),
        app.client.get(app.url("/graphql?query=%7B__typename%7D")),
        app.client.put(app.url("/graphql")),
        app.client.get(app.url("/healthz")),
        app.client.get(app.url("/readyz")),
        app.client
            .get(app.url("/exports/grievance-log.csv"))
            .bearer_auth(&token),
        app.client.get(app.url("/exports/nothing.csv")),
        app.client.get(app.url("/nowhere")),
        app.client.get(app.url("/graphiql/nothing.js")),
    ];
    for request in requests {
        let request = request.build().unwrap();
        let described = format!("{} {}", request.method(), request.url());
        let response = app.client.execute(request).await.unwrap();
        assert_eq!(
            header(&response, CONTENT_SECURITY_POLICY),
            API_CSP,
            "{described}: {}",
            response.status()
        );
    }
}

#[tokio::test]
async fn graphiql_switched_off_serves_nothing() {
    let app = TestApp::spawn_with(|s| s.graphiql = false).await;
    let response = app
        .client
        .get(app.url("/graphql"))
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_ACCEPTABLE);
    assert_eq!(header(&response, CONTENT_SECURITY_POLICY), API_CSP);
    for file in [
        "/graphiql/redress-graphiql.js",
        "/graphiql/graphiql-3.9.0/graphiql.min.js",
        "/graphiql/react-18.3.1/react.production.min.js",
    ] {
        let response = app.client.get(app.url(file)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{file}");
    }
}
