//! The attachment download walked like the exports: outsiders to the
//! seeded complaint (another facility's roles, STAFF who did not log it,
//! ADMIN) get 404 and no byte of it; the owner and facility A's lead and
//! compliance officer get the document.

use reqwest::StatusCode;

use super::seed::{self, ATTACHMENT_CONTENT, SENTINEL};
use super::{insiders, outsiders, spawn};

#[tokio::test]
async fn no_attachment_download_reaches_outsiders() {
    let app = spawn().await;
    let s = seed::seed(&app).await;
    let get = |token: String| {
        let request = app.client.get(app.url(&s.attachment)).bearer_auth(token);
        async move {
            let r = request.send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    for (who, token) in outsiders() {
        let (status, body) = get(token).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}");
        assert!(!body.contains(SENTINEL), "{who}: {body}");
    }
    for (who, token) in insiders() {
        let (status, body) = get(token).await;
        assert_eq!(status, StatusCode::OK, "{who}");
        assert!(body.contains(ATTACHMENT_CONTENT), "{who}");
    }
}
