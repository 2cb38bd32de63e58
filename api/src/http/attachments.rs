//! Attachments over HTTP: `POST /complaints/{id}/attachments` uploads a
//! document, `GET /attachments/{id}` downloads one.
//!
//! Why a dedicated endpoint and not the GraphQL multipart request spec:
//! the token travels in `Authorization: Bearer`, which a browser never
//! adds on its own, so a cross-site page cannot forge an upload (the CSRF
//! risk of multipart GraphQL comes from cookies and "simple" requests);
//! a request with `Authorization` is not simple, so a browser sends a CORS
//! preflight that only the configured origins pass. The raw body streams
//! into a hash and a buffer bounded by the size limit, with no multipart
//! parsing, and the document's facts are plain headers.
//!
//! Upload: the body is the file; `Content-Disposition: attachment;
//! filename="…"` names it (`filename*` for non-ASCII); `?kind=` is the
//! attachment kind (`INCOMING_CORRESPONDENCE`, `PHOTO`, `SIGNED_FORM`,
//! `SENT_LETTER`, `OTHER`), `&idempotencyKey=` optional. `Content-Type`
//! is optional; when it names a type, it must match the content. 201 with
//! the attachment's metadata; 401 without a token; 404 for a complaint
//! that does not exist for the caller; 403 for a role that may not add
//! documents; 413 beyond `REDRESS_ATTACHMENT_MAX_BYTES`; 415 for a type
//! not accepted or a declared type the content contradicts.
//!
//! Download: the bytes, checked against their SHA-256, with the detected
//! `Content-Type`, `Content-Disposition: attachment`, `nosniff` and a
//! sandboxing CSP; authorised as the complaint and recorded in its access
//! log (operation `attachmentDownload`, which attachment in the detail).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use serde_json::json;
use tracing_actix_web::RequestId;
use uuid::Uuid;

use super::answers::{
    RequestReads, bad_request, error, internal, not_found, refusal_message, unauthorized,
};
use super::graphql::GraphqlEndpoint;
use crate::attachments::detect;
use crate::attachments::store::{Objects, StoreError, sha256_hex};
use crate::auth::AuthError;
use crate::domain::actor::Actor;
use crate::domain::attachment::{AttachmentKind, AttachmentState};
use crate::domain::command::attachment::AddAttachment;
use crate::ids::{NodeKind, decode_id, encode_id};
use crate::services::{RefusalCode, ServiceError, attachments};

/// The store and the size limit, shared by the workers.
#[derive(Clone, Debug)]
pub struct AttachmentStore {
    pub objects: Objects,
    pub max_bytes: u64,
}

/// The policy of a downloaded document: nothing in it runs or loads.
pub const DOWNLOAD_CSP: &str = "sandbox; default-src 'none'";

/// The caller, or the response that refuses them.
pub(super) async fn authenticate(
    request: &HttpRequest,
    endpoint: &GraphqlEndpoint,
) -> Result<Actor, HttpResponse> {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return Err(unauthorized("documents need a bearer token"));
    };
    let verified = match value.to_str() {
        Ok(value) => endpoint.verifier.verify_header(value).await,
        Err(_) => Err(AuthError::MalformedHeader),
    };
    match verified {
        Ok(actor) => Ok(actor),
        Err(e) if e.is_unavailable() => Err(error(
            StatusCode::SERVICE_UNAVAILABLE,
            "AUTH_KEYS_UNAVAILABLE",
            &e.to_string(),
        )),
        Err(_) => Err(unauthorized("the bearer token was refused")),
    }
}

/// A refusal of the services as an HTTP answer.
fn refused(e: ServiceError) -> HttpResponse {
    match e {
        ServiceError::Refused(refusals) => {
            let message = refusal_message(&refusals);
            let (status, code) = match refusals.first().map(|r| r.code) {
                Some(RefusalCode::NotFound) => (StatusCode::NOT_FOUND, "NOT_FOUND"),
                Some(RefusalCode::Forbidden) => (StatusCode::FORBIDDEN, "FORBIDDEN"),
                Some(RefusalCode::Conflict) => (StatusCode::CONFLICT, "CONFLICT"),
                _ => (StatusCode::BAD_REQUEST, "VALIDATION"),
            };
            error(status, code, &message)
        }
        ServiceError::Db(e) => {
            tracing::error!(error = %e, "attachment: database fault");
            internal("the attachment could not be recorded")
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UploadQuery {
    kind: String,
    idempotency_key: Option<String>,
}

/// The file name of `Content-Disposition` (`filename*` first).
fn filename_of(request: &HttpRequest) -> Option<String> {
    let value = request.headers().get(header::CONTENT_DISPOSITION)?;
    let cd = ContentDisposition::from_raw(value).ok()?;
    if let Some(name) = cd
        .get_filename_ext()
        .and_then(|ext| String::from_utf8(ext.value.clone()).ok())
    {
        return Some(name);
    }
    cd.get_filename().map(str::to_owned)
}

fn too_large(max: u64) -> HttpResponse {
    error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "PAYLOAD_TOO_LARGE",
        &format!("an attachment may hold at most {max} bytes; nothing was stored"),
    )
}

fn metadata(id: Uuid, s: &AttachmentState) -> serde_json::Value {
    json!({
        "id": id.to_string(),
        "complaintId": encode_id(NodeKind::Complaint, s.complaint_id).0,
        "kind": s.kind.as_str(),
        "filename": s.filename,
        "mediaType": s.media_type,
        "sizeBytes": s.size_bytes,
        "sha256": s.sha256,
        "uploadedAt": s.uploaded_at,
        "downloadPath": format!("/attachments/{id}"),
    })
}

/// `POST /complaints/{id}/attachments`.
pub async fn upload(
    request: HttpRequest,
    complaint: web::Path<String>,
    mut payload: web::Payload,
    endpoint: web::Data<GraphqlEndpoint>,
    db: web::Data<DatabaseConnection>,
    store: web::Data<AttachmentStore>,
    request_id: RequestId,
) -> HttpResponse {
    let actor = match authenticate(&request, &endpoint).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let complaint_id = match decode_id(&complaint) {
        Some((NodeKind::Complaint, id)) => id,
        _ => return not_found(),
    };
    let query = match web::Query::<UploadQuery>::from_query(request.query_string()) {
        Ok(q) => q.into_inner(),
        Err(_) => {
            return bad_request(
                "the query string takes `kind` (INCOMING_CORRESPONDENCE, PHOTO, SIGNED_FORM, SENT_LETTER or OTHER) and an optional `idempotencyKey`",
            );
        }
    };
    let Some(kind) = AttachmentKind::parse(&query.kind) else {
        return bad_request(
            "`kind` must be INCOMING_CORRESPONDENCE, PHOTO, SIGNED_FORM, SENT_LETTER or OTHER",
        );
    };
    let Some(filename) = filename_of(&request) else {
        return bad_request("name the file with `Content-Disposition: attachment; filename=\"…\"`");
    };
    // Who may add here, before a byte is read or stored.
    if let Err(e) = attachments::check_upload(&db, &actor, complaint_id).await {
        return refused(e);
    }
    let max = store.max_bytes;
    let declared_length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared_length.is_some_and(|n| n > max) {
        return too_large(max);
    }
    let mut body: Vec<u8> =
        Vec::with_capacity(usize::try_from(declared_length.unwrap_or(0).min(max)).unwrap_or(0));
    while let Some(chunk) = payload.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(_) => return bad_request("the upload was interrupted; nothing was stored"),
        };
        if (body.len() + chunk.len()) as u64 > max {
            return too_large(max);
        }
        body.extend_from_slice(&chunk);
    }
    if body.is_empty() {
        return bad_request("the upload is empty; send the file as the request body");
    }
    let detected = match detect::detect(&body) {
        Ok(t) => t,
        Err(e) => {
            return error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                &e.to_string(),
            );
        }
    };
    let declared = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if let Err(e) = detect::check_declared(declared, detected) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "MEDIA_TYPE_MISMATCH",
            &e.to_string(),
        );
    }
    let sha256 = sha256_hex(&body);
    let size_bytes = i64::try_from(body.len()).unwrap_or(i64::MAX);
    // The object first: a row never names bytes that are not stored.
    if let Err(e) = store.objects.put(&sha256, body).await {
        tracing::error!(error = %e, store = %store.objects.describe, "attachment: storing failed");
        return internal("the attachment could not be stored");
    }
    let reads = RequestReads::new(&request_id);
    let caller = reads.caller(&actor);
    let command = AddAttachment {
        complaint_id,
        kind,
        filename,
        media_type: detected.to_owned(),
        size_bytes,
        sha256,
    };
    match attachments::add(&db, &caller, command, query.idempotency_key.as_deref()).await {
        Ok((id, state, replayed)) => {
            let mut body = metadata(id, &state);
            body["replayed"] = json!(replayed);
            let status = if replayed {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            HttpResponse::build(status).json(body)
        }
        Err(e) => refused(e),
    }
}

/// `GET /attachments/{id}`.
pub async fn download(
    request: HttpRequest,
    id: web::Path<String>,
    endpoint: web::Data<GraphqlEndpoint>,
    db: web::Data<DatabaseConnection>,
    store: web::Data<AttachmentStore>,
    request_id: RequestId,
) -> HttpResponse {
    let actor = match authenticate(&request, &endpoint).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let Ok(id) = Uuid::try_parse(&id) else {
        return not_found();
    };
    let reads = RequestReads::new(&request_id);
    let reader = reads.reader(db.get_ref(), &actor, &endpoint);
    let state = match reader.attachment(id).await {
        Ok(Some((_, state))) => state,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::error!(error = %e, "attachment: database fault");
            return internal("the attachment could not be read");
        }
    };
    let bytes = match store.objects.get(&state.sha256).await {
        Ok(bytes) => bytes,
        Err(e @ (StoreError::Tampered { .. } | StoreError::Missing { .. })) => {
            // Ids and hashes only: no file name, no content.
            tracing::error!(attachment_id = %id, error = %e, "attachment integrity check failed; not served");
            return error(
                StatusCode::CONFLICT,
                "ATTACHMENT_INTEGRITY",
                "the stored document does not match the hash recorded when it was uploaded, so it is not served; tell your administrator (the audit trail holds the original hash)",
            );
        }
        Err(e) => {
            tracing::error!(attachment_id = %id, error = %e, "attachment: reading the store failed");
            return internal("the attachment could not be read");
        }
    };
    HttpResponse::Ok()
        .content_type(state.media_type.as_str())
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(state.filename.clone())],
        })
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, DOWNLOAD_CSP))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes)
}
