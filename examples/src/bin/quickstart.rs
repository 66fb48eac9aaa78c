//! The quickstart. With no arguments it starts a local Okta org and walks through a full
//! import, admin changes and a delta sync into the embedded local target.
//!
//! With `OKTA_ORG_URL` and `OKTA_API_TOKEN` set, it plans a sync of that real org into the
//! local target in dry-run mode (nothing written, no state saved); pass `--apply` to write.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use okta_sync_core::config::{SyncConfig, TargetConfig};
use okta_sync_core::engine::{EngineOptions, RunOptions, SyncEngine};
use okta_sync_examples::quickstart;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("OKTA_SYNC_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default();
    let apply = std::env::args().any(|a| a == "--apply");
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match (
        std::env::var("OKTA_ORG_URL"),
        std::env::var("OKTA_API_TOKEN"),
    ) {
        (Ok(url), Ok(_)) => runtime.block_on(real_org(&root, url, !apply)),
        _ => runtime
            .block_on(quickstart::run_local(
                &root,
                &root.join("examples/out"),
                300,
            ))
            .map(|_| ()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Plans (and with `--apply`, applies) a sync of a real Okta org into the local target.
async fn real_org(root: &std::path::Path, url: String, dry_run: bool) -> anyhow::Result<()> {
    let mut config = SyncConfig::from_path(root.join(quickstart::CONFIG))?;
    config.okta.org_url = url;
    let out = root.join("examples/out/real-org");
    std::fs::create_dir_all(&out)?;
    config.target = TargetConfig::Local {
        path: out.join("target.sqlite").display().to_string(),
    };
    config.state.path = Some(out.join("state.sqlite").display().to_string());
    let engine = SyncEngine::from_config(config, EngineOptions::default()).await?;
    let check = engine.check_connections().await?;
    println!("{}", serde_json::to_string_pretty(&check)?);
    let outcome = engine
        .run(RunOptions {
            dry_run,
            ..RunOptions::default()
        })
        .await?;
    println!("{}", outcome.report.summary());
    if dry_run {
        println!(
            "dry run: nothing was written; pass --apply to write into {}",
            out.display()
        );
    }
    Ok(())
}
