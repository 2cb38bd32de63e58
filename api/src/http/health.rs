//! `/healthz` (the process runs) and `/readyz` (the database answers).

use std::time::Duration;

use actix_web::{HttpResponse, web};
use sea_orm::DatabaseConnection;
use serde_json::json;

/// How long `/readyz` waits for the database.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({ "status": "ok" }))
}

pub async fn readyz(db: web::Data<DatabaseConnection>) -> HttpResponse {
    match tokio::time::timeout(READY_TIMEOUT, crate::db::ping(db.get_ref())).await {
        Ok(Ok(())) => HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(json!({ "status": "ready" })),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check: database error");
            unavailable()
        }
        Err(_) => {
            tracing::warn!("readiness check: database did not answer in time");
            unavailable()
        }
    }
}

fn unavailable() -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({ "status": "unavailable", "reason": "the database is not answering" }))
}
