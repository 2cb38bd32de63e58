//! `/healthz` (the process runs) and `/readyz` (the database answers).

use std::time::Duration;

use actix_web::{HttpResponse, web};
use sea_orm::DatabaseConnection;

use crate::db::DbHealth;
use serde_json::json;

/// How long `/readyz` waits for a connection of the request pool once the
/// probe says the database answers.
const READY_TIMEOUT: Duration = Duration::from_millis(500);

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({ "status": "ok" }))
}

/// Ready when the background probe last reached the database (answered at
/// once: a caller never waits on a dead database) and the request pool
/// hands out a working connection within half a second.
pub async fn readyz(
    db: web::Data<DatabaseConnection>,
    health: web::Data<DbHealth>,
) -> HttpResponse {
    if !health.is_up() {
        return unavailable();
    }
    match tokio::time::timeout(READY_TIMEOUT, crate::db::ping(db.get_ref())).await {
        Ok(Ok(())) => HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(json!({ "status": "ready" })),
        Ok(Err(e)) => {
            let error = crate::db::unavailable::describe(&e);
            tracing::warn!(error, "readiness check: database error");
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
        .insert_header(("Retry-After", "1"))
        .json(json!({ "status": "unavailable", "reason": "the database is not answering" }))
}
