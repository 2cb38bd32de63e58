//! The `redress` command line: `serve` (default), `migrate`, `token`,
//! `export-schema`, `seed --demo` / `seed --scale N`, `backup`, `verify`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};

use crate::auth::jwt::TokenRequest;
use crate::auth::{KeySource, TokenSigner};
use crate::config::{
    AuthArgs, CheckpointArgs, Limits, LogFormat, PoolSettings, RateLimitSettings, Settings,
    StorageArgs,
};
use crate::domain::actor::Role;
use crate::{db, graphql, ops, startup, telemetry};

#[derive(Parser, Debug)]
#[command(
    name = "redress",
    version,
    about = "Complaints and grievances backend for hospital patient relations"
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// `redress` alone is `redress serve`.
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand, Debug)]
// Parsed once at start-up: the size of `Serve` costs nothing.
#[allow(clippy::large_enum_variant)]
enum Command {
    /// Run the GraphQL server (the default).
    Serve(ServeArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate(MigrateArgs),
    /// Print a signed token for local use (HS256 secret configurations only).
    Token(TokenArgs),
    /// Print the GraphQL schema (SDL) built from the code.
    ExportSchema,
    /// Load data into the database (migrating it first).
    Seed(SeedArgs),
    /// Copy the SQLite database, consistently, while the server runs; then
    /// check the copy. (PostgreSQL: pg_dump, see the README.)
    Backup(BackupArgs),
    /// Check a database is whole, read-only: file integrity, migrations,
    /// the audit chain, every record against its events. Exit status 0:
    /// whole; 1: problems found; 2: could not check.
    Verify(VerifyArgs),
}

#[derive(Args, Debug)]
struct BackupArgs {
    /// The backup file to create; refused if it exists.
    file: PathBuf,
    #[command(flatten)]
    storage: StorageArgs,
}

#[derive(Args, Debug)]
struct VerifyArgs {
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Exported checkpoint lines kept off the server (one per line; `#`
    /// comments allowed), checked besides the stored checkpoints.
    #[arg(long)]
    checkpoints: Option<PathBuf>,
    /// The trusted checkpoint key: the server's private key file or its
    /// public half (`openssl pkey -in checkpoint-key.pem -pubout`); default:
    /// `REDRESS_CHECKPOINT_KEY_FILE`, else `<data dir>/checkpoint-key.pem` if
    /// it exists. Without one, checkpoints are not checked.
    #[arg(long, env = "REDRESS_CHECKPOINT_KEY_FILE")]
    checkpoint_key: Option<PathBuf>,
    #[command(flatten)]
    storage: StorageArgs,
}

#[derive(Args, Debug)]
#[group(id = "what", required = true, multiple = false, args = ["demo", "scale"])]
struct SeedArgs {
    /// A realistic demo data set for trying the web client: two facilities
    /// and complaints in every state. Refused when it is already there.
    #[arg(long)]
    demo: bool,
    /// N complaints over the last three years across seven facilities in
    /// five time zones, with their linked work and audit trail, for
    /// benchmarks. Only into a database without complaints.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=20_000_000))]
    scale: Option<u64>,
    /// The random seed of `--scale` (the same seed gives the same data,
    /// but for ids and the moment "now").
    #[arg(long, default_value_t = 11, requires = "scale")]
    seed: u64,
    #[command(flatten)]
    storage: StorageArgs,
    /// Where `--demo` keeps its attachment (the same settings as `serve`).
    #[command(flatten)]
    attachments: crate::config::AttachmentArgs,
}

#[derive(Args, Debug, Clone)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "REDRESS_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    #[command(flatten)]
    storage: StorageArgs,
    #[command(flatten)]
    pool: PoolSettings,
    #[command(flatten)]
    auth: AuthArgs,
    #[command(flatten)]
    limits: Limits,
    #[command(flatten)]
    checkpoints: CheckpointArgs,
    #[command(flatten)]
    rate_limits: RateLimitSettings,
    /// Serve GraphiQL on `GET /graphql` to browsers.
    #[arg(long, env = "REDRESS_GRAPHIQL", default_value_t = true, action = clap::ArgAction::Set)]
    graphiql: bool,
    /// Answer introspection queries (switch off in production if the client does not need it).
    #[arg(long, env = "REDRESS_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set)]
    introspection: bool,
    /// Suggest field names in validation errors ("did you mean …").
    #[arg(long, env = "REDRESS_FIELD_SUGGESTIONS", default_value_t = true, action = clap::ArgAction::Set)]
    field_suggestions: bool,
    /// Log format.
    #[arg(long, env = "REDRESS_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Seconds in-flight requests get to finish on shutdown.
    #[arg(long, env = "REDRESS_SHUTDOWN_TIMEOUT_SECONDS", default_value_t = 30)]
    shutdown_timeout_seconds: u64,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "REDRESS_WORKERS")]
    workers: Option<usize>,
    /// Comma-separated browser origins allowed cross-origin (the web client's).
    #[arg(long, env = "REDRESS_CORS_ORIGINS", value_delimiter = ',', value_parser = crate::config::parse_origin)]
    cors_origins: Vec<String>,
    /// A manifest of trusted documents (graphql-codegen/Relay JSON or an
    /// Apollo persisted query manifest): only its operations run.
    #[arg(long, env = "REDRESS_TRUSTED_DOCUMENTS", value_name = "FILE")]
    trusted_documents: Option<std::path::PathBuf>,
    #[command(flatten)]
    attachments: crate::config::AttachmentArgs,
}

#[derive(Args, Debug)]
struct MigrateArgs {
    #[command(flatten)]
    storage: StorageArgs,
}

#[derive(Args, Debug)]
struct TokenArgs {
    /// The user id (`sub`).
    #[arg(long)]
    sub: String,
    /// Display name (`name`).
    #[arg(long)]
    name: Option<String>,
    /// A role; repeat for several.
    #[arg(long = "role", required = true, value_parser = parse_role)]
    roles: Vec<Role>,
    /// A facility code, or `*` for all; repeat for several.
    #[arg(long = "facility", required = true)]
    facilities: Vec<String>,
    /// Lifetime, e.g. `15m`, `1h`, `8h`.
    #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
    ttl: Duration,
    #[command(flatten)]
    storage: StorageArgs,
    #[command(flatten)]
    auth: AuthArgs,
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(&s.to_ascii_uppercase()).ok_or_else(|| {
        let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        format!("unknown role; use one of {}", names.join(", "))
    })
}

/// Parses the command line and runs it.
pub async fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        Command::Serve(args) => serve(args).await?,
        Command::Migrate(args) => {
            telemetry::init(LogFormat::Text);
            let db = db::connect(&args.storage.database_url()?).await?;
            db::migrate(&db).await?;
            tracing::info!("database schema is up to date");
        }
        Command::Token(args) => {
            let auth = args.auth.resolve(&args.storage.data_dir)?;
            let signer = TokenSigner::new(&auth.key, &auth.issuer, &auth.audience)?;
            let token = signer.sign(&TokenRequest {
                subject: args.sub,
                name: args.name,
                roles: args.roles,
                facilities: args.facilities,
                ttl: args.ttl,
            })?;
            println!("{token}");
        }
        Command::Seed(args) => {
            telemetry::init(LogFormat::Text);
            let db = db::connect(&args.storage.database_url()?).await?;
            db::migrate(&db).await?;
            if args.demo {
                let seeded = crate::seed::demo(&db).await?;
                println!(
                    "seeded {} facilities (MERCY-MAIN, MERCY-NORTH), {} complaints, {} service-recovery actions, {} interpreter sessions and {} accessibility requests",
                    seeded.facilities,
                    seeded.complaints,
                    seeded.service_recovery_actions,
                    seeded.interpreter_sessions,
                    seeded.accessibility_requests
                );
                let store = args.attachments.resolve(&args.storage.data_dir)?.store;
                let objects = crate::attachments::Objects::open(&store)?;
                if crate::seed::attachments::demo_letter(&db, &objects)
                    .await?
                    .is_some()
                {
                    println!(
                        "attached the original letter to a LETTER complaint ({})",
                        objects.describe
                    );
                }
            }
            if let Some(n) = args.scale {
                let summary = crate::seed::scale::scale(&db, n, args.seed).await?;
                println!("{summary}");
            }
        }
        Command::ExportSchema => print!("{}", graphql::sdl()),
        Command::Backup(args) => return Ok(backup(args).await),
        Command::Verify(args) => return Ok(verify(args).await),
    }
    Ok(ExitCode::SUCCESS)
}

/// `redress backup FILE`: 0 written and checked, 1 refused or failed.
async fn backup(args: BackupArgs) -> ExitCode {
    telemetry::init(LogFormat::Text);
    let url = args.storage.existing_database_url();
    match ops::backup::backup(&url, &args.file).await {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("redress backup: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `redress verify`: 0 whole, 1 problems found, 2 could not check.
async fn verify(args: VerifyArgs) -> ExitCode {
    telemetry::init(LogFormat::Text);
    let checked = async {
        let key_path = args.checkpoint_key.clone().or_else(|| {
            let default = args.storage.data_dir.join("checkpoint-key.pem");
            default.exists().then_some(default)
        });
        let trusted = key_path
            .as_deref()
            .map(crate::checkpoint_key::load_public_key)
            .transpose()?;
        let supplied = match &args.checkpoints {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                ops::verify::parse_checkpoint_file(&text).map_err(anyhow::Error::msg)?
            }
            None => Vec::new(),
        };
        if !supplied.is_empty() && trusted.is_none() {
            anyhow::bail!(
                "--checkpoints needs the trusted key: pass --checkpoint-key (the public or private key file)"
            );
        }
        let url = args.storage.existing_database_url();
        let db = ops::connect_read_only(&url).await?;
        let input = ops::verify::CheckpointInput {
            trusted: trusted.as_ref(),
            supplied: &supplied,
        };
        let report = ops::verify::verify(&db, &input).await?;
        db.close().await.ok();
        anyhow::Ok(report)
    }
    .await;
    match checked {
        Ok(report) => {
            if args.json {
                println!("{:#}", report.to_json());
            } else {
                print!("{}", report.to_text());
            }
            if report.is_whole() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("redress verify: could not check the database: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    telemetry::init(args.log_format);
    let auth = args.auth.resolve(&args.storage.data_dir)?;
    match &auth.source {
        KeySource::ConfiguredSecret => {
            tracing::info!("verifying HS256 tokens with REDRESS_JWT_SECRET")
        }
        KeySource::PublicKeyFile(path) => tracing::info!(
            path = %path.display(),
            algorithm = ?auth.key.algorithm(),
            "verifying tokens with the identity provider's public key"
        ),
        KeySource::JwksFile(path) => tracing::info!(
            path = %path.display(),
            "verifying tokens with the identity provider's keys from a JWKS file"
        ),
        KeySource::JwksUrl(url) => tracing::info!(
            url,
            "verifying tokens with the identity provider's keys from its JWKS URL"
        ),
        KeySource::GeneratedSecret { path, created } => tracing::info!(
            path = %path.display(),
            created,
            "verifying HS256 tokens with the local secret; `redress token` signs with it"
        ),
    }
    let settings = Settings {
        listen: args.listen,
        database_url: args.storage.database_url()?,
        pool: args.pool,
        auth,
        limits: args.limits,
        graphiql: args.graphiql,
        introspection: args.introspection,
        field_suggestions: args.field_suggestions,
        shutdown_timeout_seconds: args.shutdown_timeout_seconds,
        workers: args.workers,
        cors_origins: args.cors_origins,
        checkpoints: args.checkpoints.resolve(&args.storage.data_dir)?,
        rate_limits: args.rate_limits,
        trusted_documents: args.trusted_documents,
        attachments: args.attachments.resolve(&args.storage.data_dir)?,
        mail: crate::correspondence::mail::SmtpSettings::from_env()?,
    };
    let app = startup::Application::build(settings).await?;
    tracing::info!(address = %app.address(), "redress is listening; GraphQL at /graphql");
    app.run_until_stopped().await
}
