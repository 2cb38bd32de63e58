//! `GET /letters/{id}/pdf`: a letter as a PDF, through the read path
//! (authorised like its complaint, recorded in the complaint's access log).
//! A sent letter answers with the bytes stored when it was sent (their
//! SHA-256 is on the audit trail); a draft is rendered as it stands, for
//! review before it goes out.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, web};
use sea_orm::DatabaseConnection;
use tracing_actix_web::RequestId;

use super::answers::{RequestReads, error, internal, not_found};
use super::attachments::{DOWNLOAD_CSP, authenticate};
use super::graphql::GraphqlEndpoint;
use crate::ids::{NodeKind, decode_id};
use crate::services::letters::LetterPdf;

pub async fn pdf(
    request: HttpRequest,
    id: web::Path<String>,
    endpoint: web::Data<GraphqlEndpoint>,
    db: web::Data<DatabaseConnection>,
    request_id: RequestId,
) -> HttpResponse {
    let actor = match authenticate(&request, &endpoint).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let Some((NodeKind::Letter, id)) = decode_id(&id) else {
        return not_found();
    };
    let reads = RequestReads::new(&request_id);
    let reader = reads.reader(db.get_ref(), &actor, &endpoint);
    let (name, bytes) = match reader.letter_pdf(id).await {
        Ok(None) => return not_found(),
        Ok(Some(LetterPdf::Stored(bytes))) => (format!("letter-{id}.pdf"), bytes),
        Ok(Some(LetterPdf::Draft(bytes))) => (format!("letter-{id}-draft.pdf"), bytes),
        Ok(Some(LetterPdf::Unprintable(e))) => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "LETTER_UNPRINTABLE",
                &format!("the letter cannot be printed as a PDF: {e}"),
            );
        }
        Ok(Some(LetterPdf::NoText)) => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "LETTER_NOT_WRITTEN",
                "the letter has no text yet (see its compositionProblem or languageGap)",
            );
        }
        Err(e) => {
            tracing::error!(letter_id = %id, error = %e, "letter pdf: database fault");
            return internal("the letter could not be read");
        }
    };
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(name)],
        })
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, DOWNLOAD_CSP))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes)
}
