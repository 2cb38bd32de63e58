//! Attachments end to end: upload (`POST /complaints/{id}/attachments`),
//! list (`Complaint.attachments`), download (`GET /attachments/{id}`,
//! access-logged), the hash on the trail, the refusals (401, 404 across
//! facilities, 403 by role, 413, 415 by content and by declared type), a
//! tampered object, and the facility's required documents at resolve.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::*;

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0";
const LETTER: &str = "Dear Patient Relations,\nI waited four hours in triage.\nMaria Lopez\n";

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

const LIST: &str = "query A($id: ID!) { complaint(id: $id) { attachments {
  id kind filename mediaType sizeBytes sha256 uploadedBy { subject } uploadedAt downloadPath } } }";

impl TestApp {
    /// Uploads `body` as `token` (no token: `None`) with these headers.
    async fn upload(
        &self,
        token: Option<&str>,
        complaint_id: &Value,
        kind: &str,
        filename: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let id = complaint_id.as_str().unwrap();
        let mut request = self
            .client
            .post(self.url(&format!("/complaints/{id}/attachments?kind={kind}")))
            .header(
                "Content-Disposition",
                format!("attachment; filename=\"{filename}\""),
            )
            .body(body);
        if let Some(t) = content_type {
            request = request.header("Content-Type", t);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("upload is sent");
        let status = response.status();
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        (status, body)
    }

    async fn download(&self, token: Option<&str>, path: &str) -> reqwest::Response {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("download is sent")
    }
}

/// Upload → list → download (same bytes, safe headers, logged) → the hash
/// on the trail; the same bytes again are stored once.
#[tokio::test]
async fn upload_list_download_and_the_trail() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let c = app.open_complaint().await;
    let pr = specialist();

    let (status, pdf) = app
        .upload(
            Some(&pr),
            &c["id"],
            "INCOMING_CORRESPONDENCE",
            "letter.pdf",
            Some("application/pdf"),
            PDF.to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{pdf:#}");
    assert_eq!(pdf["mediaType"], "application/pdf");
    assert_eq!(pdf["sha256"], sha(PDF));
    assert_eq!(pdf["sizeBytes"], PDF.len());
    // No declared type: detected all the same.
    let (status, text) = app
        .upload(
            Some(&pr),
            &c["id"],
            "OTHER",
            "carta.txt",
            None,
            LETTER.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{text:#}");
    assert_eq!(text["mediaType"], "text/plain");

    let data = app.ok(&compliance(), LIST, json!({ "id": c["id"] })).await;
    let list = data["complaint"]["attachments"].as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["kind"], "INCOMING_CORRESPONDENCE");
    assert_eq!(list[0]["filename"], "letter.pdf");
    assert_eq!(list[0]["uploadedBy"]["subject"], "pr-1");
    assert_eq!(list[1]["kind"], "OTHER");

    let response = app
        .download(
            Some(&compliance()),
            list[0]["downloadPath"].as_str().unwrap(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let h = response.headers().clone();
    assert_eq!(h["content-type"], "application/pdf");
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .contains("letter.pdf")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), PDF);

    let log = app.access_log(&c["id"]).await;
    let ops: Vec<&str> = log["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["operation"].as_str().unwrap())
        .collect();
    // The listing read the complaint (logged once per request, under the
    // query that read it first); the download is an entry of its own.
    assert!(ops.contains(&"attachmentDownload"), "{ops:?}");
    assert!(ops.contains(&"complaint"), "{ops:?}");

    let events = app
        .ok(
            &compliance(),
            "query E($id: ID!) { auditEvents(first: 100, filter: { complaintId: $id, actions: [\"ATTACHMENT_ADD\"] }) { nodes { action after } } }",
            json!({ "id": c["id"] }),
        )
        .await;
    let nodes = events["auditEvents"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 2, "{events:#}");
    let after = nodes[0]["after"].to_string();
    assert!(after.contains(&sha(PDF)), "{after}");

    // The same bytes again: a second record, one object.
    let (status, again) = app
        .upload(
            Some(&pr),
            &c["id"],
            "SENT_LETTER",
            "copy.pdf",
            None,
            PDF.to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{again:#}");
    assert_eq!(again["sha256"], pdf["sha256"]);
    assert_ne!(again["id"], pdf["id"]);
    let verify = app.ok(&compliance(), VERIFY, json!({})).await;
    assert_eq!(
        verify["auditTrailVerification"]["intact"], true,
        "{verify:#}"
    );
}

/// name, token, kind, declared type, body, status, error code.
type Refusal = (
    &'static str,
    Option<String>,
    &'static str,
    Option<&'static str>,
    Vec<u8>,
    StatusCode,
    &'static str,
);

/// Every refusal, and that none of them stored a record or an event.
#[tokio::test]
async fn refusals_store_nothing() {
    let app = TestApp::spawn_with(|s| s.attachments.max_bytes = 1024).await;
    app.create_facility("MAIN").await;
    app.create_facility("NORTH").await;
    let c = app.open_complaint().await;
    let pr = specialist();
    let before = app.audit_event_count().await;
    let big = {
        let mut b = PDF.to_vec();
        b.resize(2048, b' ');
        b
    };
    let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
    let html = b"<html><script>alert(1)</script></html>".to_vec();
    let text = LETTER.as_bytes().to_vec();
    let north = token("pr-north", &["PATIENT_RELATIONS"], &["NORTH"]);
    let cases: Vec<Refusal> = vec![
        (
            "no token",
            None,
            "PHOTO",
            Some("image/png"),
            PNG.to_vec(),
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
        ),
        (
            "bad token",
            Some("not-a-token".into()),
            "PHOTO",
            None,
            PNG.to_vec(),
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
        ),
        (
            "another facility's user",
            Some(north),
            "PHOTO",
            None,
            PNG.to_vec(),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
        ),
        (
            "compliance changes nothing",
            Some(compliance()),
            "PHOTO",
            None,
            PNG.to_vec(),
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
        ),
        (
            "admin sees no content",
            Some(admin()),
            "PHOTO",
            None,
            PNG.to_vec(),
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
        ),
        (
            "oversize",
            Some(pr.clone()),
            "OTHER",
            None,
            big,
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
        ),
        (
            "executable",
            Some(pr.clone()),
            "OTHER",
            None,
            elf,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            "declared png, is pdf",
            Some(pr.clone()),
            "PHOTO",
            Some("image/png"),
            PDF.to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "MEDIA_TYPE_MISMATCH",
        ),
        (
            "html",
            Some(pr.clone()),
            "OTHER",
            None,
            html,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            "declared pdf, is text",
            Some(pr.clone()),
            "OTHER",
            Some("application/pdf"),
            text,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "MEDIA_TYPE_MISMATCH",
        ),
        (
            "unknown kind",
            Some(pr.clone()),
            "SELFIE",
            None,
            PNG.to_vec(),
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
        ),
        (
            "a path as file name",
            Some(pr.clone()),
            "PHOTO",
            None,
            PNG.to_vec(),
            StatusCode::BAD_REQUEST,
            "VALIDATION",
        ),
    ];
    for (name, token, kind, declared, body, status, code) in cases {
        let filename = if name == "a path as file name" {
            "../../etc/passwd"
        } else {
            "f.bin"
        };
        let (got, answer) = app
            .upload(token.as_deref(), &c["id"], kind, filename, declared, body)
            .await;
        assert_eq!(got, status, "{name}: {answer:#}");
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], code,
            "{name}: {answer:#}"
        );
    }
    // A complaint id that names nothing: not found.
    let (got, _) = app
        .upload(
            Some(&pr),
            &json!("Q29tcGxhaW50OjAwMDA"),
            "PHOTO",
            "p.png",
            None,
            PNG.to_vec(),
        )
        .await;
    assert_eq!(got, StatusCode::NOT_FOUND);
    assert_eq!(app.audit_event_count().await, before);
    let data = app.ok(&pr, LIST, json!({ "id": c["id"] })).await;
    assert_eq!(data["complaint"]["attachments"], json!([]));
}

/// Downloads are authorised like the complaint: another facility's user
/// and ADMIN get 404, no token 401; STAFF read only what they logged.
#[tokio::test]
async fn downloads_are_authorised_like_the_complaint() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let c = app.open_complaint().await;
    let (_, a) = app
        .upload(
            Some(&specialist()),
            &c["id"],
            "PHOTO",
            "wall.png",
            None,
            PNG.to_vec(),
        )
        .await;
    let path = a["downloadPath"].as_str().unwrap().to_owned();
    let cases: &[(&str, Option<String>, StatusCode)] = &[
        ("no token", None, StatusCode::UNAUTHORIZED),
        (
            "other facility",
            Some(token("pr-n", &["PATIENT_RELATIONS"], &["NORTH"])),
            StatusCode::NOT_FOUND,
        ),
        ("admin", Some(admin()), StatusCode::NOT_FOUND),
        (
            "staff who did not log it",
            Some(token("staff-9", &["STAFF"], &["MAIN"])),
            StatusCode::NOT_FOUND,
        ),
        ("specialist", Some(specialist()), StatusCode::OK),
        ("compliance", Some(compliance()), StatusCode::OK),
    ];
    for (name, token, status) in cases {
        let r = app.download(token.as_deref(), &path).await;
        assert_eq!(r.status(), *status, "{name}");
    }
    let r = app
        .download(
            Some(&specialist()),
            &format!("/attachments/{}", uuid::Uuid::now_v7()),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// A stored object whose bytes changed is not served: a clear 409, not a
/// fault.
#[tokio::test]
async fn a_tampered_object_is_refused() {
    let dir = std::env::temp_dir().join(format!("redress-objects-{}", uuid::Uuid::now_v7()));
    let objects = dir.clone();
    let app = TestApp::spawn_with(move |s| {
        s.attachments = redress_api::config::AttachmentSettings::in_dir(objects)
    })
    .await;
    app.create_facility("MAIN").await;
    let c = app.open_complaint().await;
    let (_, a) = app
        .upload(
            Some(&specialist()),
            &c["id"],
            "PHOTO",
            "wall.png",
            None,
            PNG.to_vec(),
        )
        .await;
    let file = dir.join("sha256").join(sha(PNG));
    assert!(file.exists(), "stored under its hash: {}", file.display());
    std::fs::write(&file, b"\x89PNG\r\n\x1a\nchanged").unwrap();
    let r = app
        .download(Some(&specialist()), a["downloadPath"].as_str().unwrap())
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "ATTACHMENT_INTEGRITY"
    );
}

const RESOLVE_FIELDS: &str = "mutation R($input: ComplaintResolveInput!) { complaintResolve(input: $input) { complaint { id version status } userErrors { field message code } } }";

/// A facility that requires the original letter for LETTER complaints:
/// resolving without it is refused naming it; after the upload it passes.
/// Other channels are not held.
#[tokio::test]
async fn required_documents_guard_resolve() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let facility = app
        .ok(
            &admin(),
            "{ facilities(first: 10) { nodes { code version } } }",
            json!({}),
        )
        .await;
    let version = facility["facilities"]["nodes"][0]["version"].clone();
    let mut input = facility_input("MAIN");
    input["expectedVersion"] = version;
    input["requiredDocuments"] =
        json!([{ "channel": "LETTER", "kinds": ["INCOMING_CORRESPONDENCE"] }]);
    let data = app
        .ok(
            &admin(),
            "mutation U($input: FacilityUpsertInput!) { facilityUpsert(input: $input) { facility { requiredDocuments { channel kinds } } userErrors { message } } }",
            json!({ "input": input }),
        )
        .await;
    assert_eq!(data["facilityUpsert"]["userErrors"], json!([]), "{data:#}");
    assert_eq!(
        data["facilityUpsert"]["facility"]["requiredDocuments"],
        json!([{ "channel": "LETTER", "kinds": ["INCOMING_CORRESPONDENCE"] }])
    );

    let pr = specialist();
    let mut letter = intake("MAIN");
    letter["channel"] = json!("LETTER");
    let c = app.create_complaint(&pr, letter).await;
    let c = app
        .complaint_must(
            &pr,
            "complaintAssign",
            at(
                &c,
                json!({ "ownerSubject": "pr-1", "ownerName": "Pat Rivera" }),
            ),
        )
        .await;
    let c = app
        .complaint_must(&pr, "complaintStartInvestigation", at(&c, json!({})))
        .await;
    let qio = c["qioNoticeRequired"].as_bool().unwrap();
    app.send_resolution_letter(&pr, &c, qio).await;
    let resolve = |c: &Value| json!({ "input": at(c, json!({ "findings": findings(c) })) });
    // A photo is not the letter.
    let (status, _) = app
        .upload(Some(&pr), &c["id"], "PHOTO", "wall.png", None, PNG.to_vec())
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let refused = app.ok(&pr, RESOLVE_FIELDS, resolve(&c)).await;
    let errors = &refused["complaintResolve"]["userErrors"];
    assert_eq!(errors[0]["code"], "GUARD_FAILED", "{refused:#}");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("INCOMING_CORRESPONDENCE")
    );
    assert_eq!(
        app.complaint_status(&pr, &c["id"]).await["status"],
        "INVESTIGATING"
    );

    let (status, _) = app
        .upload(
            Some(&pr),
            &c["id"],
            "INCOMING_CORRESPONDENCE",
            "letter.txt",
            Some("text/plain"),
            LETTER.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let ok = app.ok(&pr, RESOLVE_FIELDS, resolve(&c)).await;
    assert_eq!(ok["complaintResolve"]["userErrors"], json!([]), "{ok:#}");
    assert_eq!(ok["complaintResolve"]["complaint"]["status"], "RESOLVED");

    // A phone complaint at the same facility is not held.
    let phone = app.complaint_in("RESOLVED").await;
    assert_eq!(phone["status"], "RESOLVED");
}

/// `redress seed --demo` attaches the original letter to a LETTER
/// complaint: listed, downloadable, and the trail still verifies.
#[tokio::test]
async fn the_demo_data_has_an_incoming_letter() {
    let db = TestDb::new().await;
    let conn = db.connect().await;
    redress_api::seed::demo(&conn).await.unwrap();
    let mut settings = settings(&db.url);
    let objects = redress_api::attachments::Objects::open(&settings.attachments.store).unwrap();
    let id = redress_api::seed::attachments::demo_letter(&conn, &objects)
        .await
        .unwrap()
        .expect("the demo has a LETTER complaint");
    settings.attachments.max_bytes = 1024 * 1024;
    let app = TestApp::start(
        redress_api::startup::Application::build(settings)
            .await
            .unwrap(),
    );
    let co = token("co-all", &["COMPLIANCE"], &["*"]);
    let data = app
        .ok(
            &co,
            "{ complaints(first: 100, filter: { }) { nodes { channel attachments { id kind mediaType downloadPath } } } auditTrailVerification { intact } }",
            json!({}),
        )
        .await;
    assert_eq!(data["auditTrailVerification"]["intact"], true);
    // `redress verify`: the attachment agrees with its ATTACHMENT_ADD event.
    let report = redress_api::ops::verify::verify(
        &conn,
        &redress_api::ops::verify::CheckpointInput {
            trusted: None,
            supplied: &[],
        },
    )
    .await
    .unwrap();
    assert!(report.is_whole(), "{report:?}");
    let attached: Vec<&Value> = data["complaints"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["attachments"].as_array().unwrap())
        .collect();
    assert_eq!(attached.len(), 1, "{data:#}");
    assert_eq!(attached[0]["id"], id.to_string());
    assert_eq!(attached[0]["kind"], "INCOMING_CORRESPONDENCE");
    assert_eq!(attached[0]["mediaType"], "text/plain");
    let r = app
        .download(Some(&co), attached[0]["downloadPath"].as_str().unwrap())
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Dear Patient Relations"));
}

/// Role × whose complaint: who may upload. STAFF only to complaints they
/// logged (another's does not exist to them); patient relations to any in
/// their facilities; compliance and ADMIN change nothing.
#[tokio::test]
async fn who_may_upload_table() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let staff = token("staff-1", &["STAFF"], &["MAIN"]);
    let own = app.create_complaint(&staff, intake("MAIN")).await;
    let other = app.open_complaint().await;
    let cases: &[(&str, String, &Value, StatusCode)] = &[
        ("STAFF, own", staff.clone(), &own, StatusCode::CREATED),
        (
            "STAFF, another's",
            staff.clone(),
            &other,
            StatusCode::NOT_FOUND,
        ),
        (
            "PATIENT_RELATIONS",
            specialist(),
            &other,
            StatusCode::CREATED,
        ),
        (
            "PATIENT_RELATIONS_MANAGER",
            manager(),
            &own,
            StatusCode::CREATED,
        ),
        ("COMPLIANCE", compliance(), &other, StatusCode::FORBIDDEN),
        ("ADMIN", admin(), &other, StatusCode::FORBIDDEN),
    ];
    for (who, token, complaint, status) in cases {
        let (got, body) = app
            .upload(
                Some(token),
                &complaint["id"],
                "PHOTO",
                "p.png",
                None,
                PNG.to_vec(),
            )
            .await;
        assert_eq!(got, *status, "{who}: {body:#}");
    }
}

/// The same idempotency key returns the first upload (200, replayed)
/// instead of a second record; another key makes a second one.
#[tokio::test]
async fn uploads_are_idempotent_by_key() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let c = app.open_complaint().await;
    let id = c["id"].as_str().unwrap();
    let send = |key: &'static str| {
        app.client
            .post(app.url(&format!(
                "/complaints/{id}/attachments?kind=PHOTO&idempotencyKey={key}"
            )))
            .bearer_auth(specialist())
            .header("Content-Disposition", "attachment; filename=\"p.png\"")
            .body(PNG.to_vec())
            .send()
    };
    let first = send("scan-1").await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = send("scan-1").await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["replayed"], true);
    let other = send("scan-2").await.unwrap();
    assert_eq!(other.status(), StatusCode::CREATED);
    let data = app.ok(&specialist(), LIST, json!({ "id": c["id"] })).await;
    assert_eq!(
        data["complaint"]["attachments"].as_array().unwrap().len(),
        2
    );
}

/// A body without `Content-Length` (chunked) is cut off as it streams past
/// the limit: 413, and nothing stored.
#[tokio::test]
async fn a_streamed_body_past_the_limit_is_413() {
    let app = TestApp::spawn_with(|s| s.attachments.max_bytes = 4096).await;
    app.create_facility("MAIN").await;
    let c = app.open_complaint().await;
    let chunks = (0..16).map(|i| {
        let mut chunk = if i == 0 { PDF.to_vec() } else { Vec::new() };
        chunk.resize(1024, b' ');
        Ok::<_, std::io::Error>(chunk)
    });
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let id = c["id"].as_str().unwrap();
    let response = app
        .client
        .post(app.url(&format!("/complaints/{id}/attachments?kind=OTHER")))
        .bearer_auth(specialist())
        .header("Content-Disposition", "attachment; filename=\"big.pdf\"")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let data = app.ok(&specialist(), LIST, json!({ "id": c["id"] })).await;
    assert_eq!(data["complaint"]["attachments"], json!([]));
}
