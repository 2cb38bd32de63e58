//! Building and running the application: database, schema, HTTP server.

use std::net::TcpListener;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::Context;
use redress_correspondence::mail::Mailer;
use sea_orm::DatabaseConnection;
use tracing_actix_web::TracingLogger;

use crate::auth::TokenVerifier;
use crate::checkpoint_key::{CheckpointKeySource, CheckpointSigner};
use crate::config::Settings;
use crate::graphql::{self, SchemaOptions};
use crate::http::graphql::trusted_documents::TrustedDocuments;
use crate::http::graphql::{self as endpoint, GraphqlEndpoint};
use crate::http::rate_limit::{self, RateLimits};
use crate::http::tracing_span::RedressRootSpan;
use crate::http::{attachments, exports, graphiql, health, letters};
use crate::{db, services};

/// A bound, ready server. `port()` is known before it runs (port 0 in tests).
pub struct Application {
    port: u16,
    address: String,
    server: Server,
    db: DatabaseConnection,
    /// The periodic checkpoint task; stopped with the server.
    checkpoints: Option<TaskGuard>,
    /// Forgets idle rate-limit keys; stopped with the server.
    rate_limit_sweeper: TaskGuard,
    /// The access log's group-commit writer: drained after the last
    /// request has finished, before the pool closes.
    access_log: services::access_log::Stopper,
}

impl Application {
    /// Connects and migrates the database, builds the schema once, and binds
    /// the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let db = db::connect_with(&settings.database_url, &settings.pool).await?;
        db::migrate(&db).await?;
        Self::build_with_db(settings, db).await
    }

    /// As [`build`](Self::build), on an already migrated connection.
    pub async fn build_with_db(
        settings: Settings,
        db: DatabaseConnection,
    ) -> anyhow::Result<Application> {
        // A defective letter template or font stops start-up too, rather
        // than a blank in a letter or a refused send later.
        crate::services::letters::setup::install_from_env()?;
        // A defective manifest stops start-up before the server is set up.
        let trusted_documents = match &settings.trusted_documents {
            None => None,
            Some(path) => {
                let documents = TrustedDocuments::load(path)?;
                tracing::info!(
                    path = %path.display(),
                    documents = documents.len(),
                    "running only the trusted documents of this manifest"
                );
                if settings.graphiql {
                    tracing::warn!(
                        "GraphiQL is on, but its free-form queries are refused in trusted \
                         mode: set REDRESS_GRAPHIQL=false"
                    );
                }
                Some(Arc::new(documents))
            }
        };
        let verifier = TokenVerifier::new(
            &settings.auth.key,
            &settings.auth.issuer,
            &settings.auth.audience,
            settings.auth.leeway_seconds,
        )
        .await?;
        let signer = settings.checkpoints.signer.clone();
        let key_path = settings
            .checkpoints
            .source
            .path()
            .map(|p| p.display().to_string());
        tracing::info!(
            path = key_path.as_deref().unwrap_or("(in memory)"),
            created = matches!(
                settings.checkpoints.source,
                CheckpointKeySource::Generated { created: true, .. }
            ),
            key_id = signer.key_id(),
            interval = ?settings.checkpoints.interval,
            "signing audit checkpoints with this key"
        );
        let db_health =
            db::DbHealth::monitor(&settings.database_url, settings.pool.db_health_interval);
        let (access_log, access_log_stopper) =
            services::access_log::spawn(db.clone(), settings.pool.access_log_batch);
        let mailer = match &settings.mail {
            None => {
                tracing::info!(
                    "SMTP is not configured: email delivery of letters is recorded by hand"
                );
                None
            }
            Some(mail) => {
                let mailer = Mailer::new(mail).context("the SMTP settings")?;
                tracing::info!(
                    host = %mail.host,
                    port = mail.port,
                    security = ?mail.security,
                    "emailing letters sent by EMAIL through this relay"
                );
                Some(mailer)
            }
        };
        let schema = graphql::build_schema(
            db.clone(),
            db_health.clone(),
            signer.clone(),
            access_log.clone(),
            &SchemaOptions {
                limits: settings.limits.clone(),
                introspection: settings.introspection,
                field_suggestions: settings.field_suggestions,
                mailer,
            },
        );
        let endpoint = web::Data::new(GraphqlEndpoint {
            schema,
            verifier: Arc::new(verifier),
            limits: settings.limits.clone(),
            graphiql: settings.graphiql,
            trusted_documents,
            health: db_health.clone(),
            access_log,
        });
        let db_data = web::Data::new(db.clone());
        let rate_limits = web::Data::new(RateLimits::new(&settings.rate_limits)?);
        let rate_limit_sweeper = TaskGuard(tokio::spawn(rate_limit::forget_idle(
            rate_limits.clone().into_inner(),
        )));
        let health_data = web::Data::new(db_health);
        let objects = crate::attachments::Objects::open(&settings.attachments.store)?;
        tracing::info!(store = %objects.describe, "keeping attachments in this object store");
        let attachment_store = web::Data::new(attachments::AttachmentStore {
            objects,
            max_bytes: settings.attachments.max_bytes,
        });

        let cors_origins = settings.cors_origins.clone();
        let graphiql_enabled = settings.graphiql;
        let listener = TcpListener::bind(&settings.listen)
            .with_context(|| format!("binding {}", settings.listen))?;
        let local = listener.local_addr()?;
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(cors(&cors_origins))
                .wrap(
                    actix_web::middleware::DefaultHeaders::new()
                        .add(("X-Content-Type-Options", "nosniff"))
                        .add(("Referrer-Policy", "no-referrer"))
                        .add(("X-Frame-Options", "DENY"))
                        // The GraphiQL page sets its own policy; these are
                        // only added where a response has none.
                        .add(("Content-Security-Policy", graphiql::API_CSP)),
                )
                // Outermost last: the logger assigns the request id that the
                // inner middleware echoes.
                .wrap(actix_web::middleware::from_fn(request_id_header))
                .wrap(TracingLogger::<RedressRootSpan>::new())
                .app_data(endpoint.clone())
                .app_data(db_data.clone())
                .app_data(health_data.clone())
                .app_data(rate_limits.clone())
                .app_data(attachment_store.clone())
                .route("/healthz", web::get().to(health::healthz))
                .route("/readyz", web::get().to(health::readyz))
                .route("/exports/{file}", web::get().to(exports::export))
                .route(
                    "/complaints/{id}/attachments",
                    web::post().to(attachments::upload),
                )
                .route("/attachments/{id}", web::get().to(attachments::download))
                .route("/letters/{id}/pdf", web::get().to(letters::pdf))
                .service(
                    web::resource("/graphql")
                        .route(web::post().to(endpoint::post))
                        .route(web::get().to(endpoint::get))
                        .default_service(web::to(endpoint::method_not_allowed)),
                )
                .configure(|config| {
                    if graphiql_enabled {
                        config.route("/graphiql/{file:.+}", web::get().to(graphiql::asset));
                    }
                })
                .default_service(web::to(not_found))
        })
        .shutdown_timeout(settings.shutdown_timeout_seconds)
        .listen(listener)?;
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        let checkpoints = settings.checkpoints.interval.map(|every| {
            TaskGuard(tokio::spawn(periodic_checkpoints(
                db.clone(),
                signer,
                every,
            )))
        });
        Ok(Application {
            port: local.port(),
            address: local.to_string(),
            server: server.run(),
            db,
            checkpoints,
            rate_limit_sweeper,
            access_log: access_log_stopper,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn address(&self) -> &str {
        &self.address
    }

    /// Serves until SIGINT/SIGTERM, lets in-flight requests finish, then
    /// closes the database pool.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let served = self.server.await;
        drop(self.checkpoints);
        drop(self.rate_limit_sweeper);
        // Every request has answered; what is still queued is committed.
        self.access_log.drain().await;
        served?;
        tracing::info!("server stopped; closing the database");
        self.db.close().await?;
        Ok(())
    }
}

/// Aborts the task it holds when dropped.
struct TaskGuard(tokio::task::JoinHandle<()>);

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Signs the head of the audit trail every `every` (the first time at
/// start) when it has advanced past the latest checkpoint. A failure is
/// logged and the next tick tries again; it never stops the server.
async fn periodic_checkpoints(
    db: DatabaseConnection,
    signer: Arc<CheckpointSigner>,
    every: std::time::Duration,
) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match services::checkpoints::create_if_advanced(&db, &signer, chrono::Utc::now()).await {
            Ok(Some(checkpoint)) => tracing::info!(
                checkpoint_id = %checkpoint.id,
                sequence = checkpoint.sequence,
                key_id = %checkpoint.key_id,
                "audit checkpoint signed"
            ),
            Ok(None) => {}
            Err(error) => tracing::error!(
                error = format!("{error:#}"),
                "periodic audit checkpoint failed; retrying at the next interval"
            ),
        }
    }
}

/// Cross-origin access for the configured origins only. Other origins get
/// no CORS headers (so browsers keep the answer from them), and same-origin
/// requests, GraphiQL's included, are unaffected.
fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST"])
        .allowed_headers([
            actix_web::http::header::AUTHORIZATION,
            actix_web::http::header::CONTENT_TYPE,
            actix_web::http::header::ACCEPT,
            // Attachment uploads name their file.
            actix_web::http::header::CONTENT_DISPOSITION,
        ])
        .expose_headers(["x-request-id", "content-disposition"])
        .block_on_origin_mismatch(false)
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// Echoes the request id as `X-Request-Id`, so a client can quote it.
async fn request_id_header(
    request: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::HttpMessage;
    let id = request
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(ToString::to_string);
    let mut response = next.call(request).await?;
    if let Some(value) = id.and_then(|id| actix_web::http::header::HeaderValue::from_str(&id).ok())
    {
        response.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("x-request-id"),
            value,
        );
    }
    Ok(response)
}

async fn not_found() -> HttpResponse {
    crate::http::not_found()
}
