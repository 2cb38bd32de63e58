//! The `redress` binary: see `redress --help`.

#[tokio::main]
async fn main() -> anyhow::Result<std::process::ExitCode> {
    redress_api::cli::run().await
}
