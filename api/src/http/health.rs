//! `/healthz` (the process runs) and `/readyz` (the database answers and
//! tokens can be verified).

use std::time::Duration;

use actix_web::{HttpResponse, web};
use sea_orm::DatabaseConnection;

use super::graphql::GraphqlEndpoint;
use crate::auth::jwks::KEYS_RETRY_AFTER_SECONDS;
use crate::db::DbHealth;
use serde_json::json;

/// How long `/readyz` waits for a connection of the request pool once the
/// probe says the database answers.
const READY_TIMEOUT: Duration = Duration::from_millis(300);

/// How long `/readyz` waits for the probe's verdict when the pool is busy.
const CONFIRM_TIMEOUT: Duration = Duration::from_millis(400);

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({ "status": "ok" }))
}

/// Ready when the background probe last reached the database (answered at
/// once: a caller never waits on a dead database) and the request pool
/// works. When the pool gives no connection in time, the probe is asked
/// for a fresh verdict: a pool busy with requests on a database that
/// answers is ready (`"pool": "busy"`), since turning a loaded server out of
/// its load balancer would only make things worse.
pub async fn readyz(
    db: web::Data<DatabaseConnection>,
    health: web::Data<DbHealth>,
    endpoint: web::Data<GraphqlEndpoint>,
) -> HttpResponse {
    if !endpoint.verifier.has_keys() {
        // No token can be verified before the identity provider's keys
        // are fetched (a JWKS URL's first fetch failed).
        return HttpResponse::ServiceUnavailable()
            .insert_header(("Cache-Control", "no-store"))
            .insert_header(("Retry-After", KEYS_RETRY_AFTER_SECONDS))
            .json(json!({
                "status": "unavailable",
                "reason": "the identity provider's signing keys are not loaded yet"
            }));
    }
    if !health.is_up() {
        return unavailable();
    }
    let ready = |pool: &str| {
        HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(json!({ "status": "ready", "pool": pool }))
    };
    let busy = || async {
        if health.confirm(CONFIRM_TIMEOUT).await {
            ready("busy")
        } else {
            unavailable()
        }
    };
    match tokio::time::timeout(READY_TIMEOUT, crate::db::ping(db.get_ref())).await {
        Ok(Ok(())) => ready("ok"),
        Ok(Err(e)) => match crate::db::unavailable::classify(&e) {
            Some(u) if !u.connection_lost => busy().await,
            _ => {
                let error = crate::db::unavailable::describe(&e);
                tracing::warn!(error, "readiness check: database error");
                health.report_trouble();
                unavailable()
            }
        },
        Err(_) => busy().await,
    }
}

fn unavailable() -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Retry-After", "1"))
        .json(json!({ "status": "unavailable", "reason": "the database is not answering" }))
}
