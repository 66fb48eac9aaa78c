//! The README's Rust example, kept here so that it is compiled with the workspace.

#![allow(clippy::print_stdout)]

use okta_sync_core::config::SyncConfig;
use okta_sync_core::engine::{EngineOptions, RunOptions, SyncEngine};

#[tokio::main]
async fn main() -> Result<(), okta_sync_core::Error> {
    let mut config = SyncConfig::from_path("examples/quickstart.yaml")?;
    if let Ok(url) = std::env::var("OKTA_ORG_URL") {
        config.okta.org_url = url;
    }
    let engine = SyncEngine::from_config(config, EngineOptions::default()).await?;
    let outcome = engine
        .run(RunOptions {
            dry_run: true,
            ..RunOptions::default()
        })
        .await?;
    println!("{}", outcome.report.summary());
    Ok(())
}
