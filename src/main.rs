//! The `redress` binary: see `redress --help`.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    redress_api::cli::run().await
}
