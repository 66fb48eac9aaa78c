//! `okta-sync`: run a sync from a shell or cron with a configuration file.
//!
//! ```text
//! okta-sync check  --config sync.yaml
//! okta-sync plan   --config sync.yaml [--mode auto|full|delta] [--out plan.json]
//! okta-sync apply  --config sync.yaml [--mode ...] [--approve <plan hash>] [--dry-run]
//! ```
//!
//! Exit codes: 0 success, 1 error, 2 safety brake tripped (re-run with `--approve <hash>`
//! after reviewing the plan), 3 some writes failed.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use okta_sync_core::Error;
use okta_sync_core::config::SyncConfig;
use okta_sync_core::engine::{EngineOptions, RunOptions, SyncEngine, SyncMode};
use okta_sync_core::plan::Approval;

#[derive(Parser)]
#[command(
    name = "okta-sync",
    about = "Sync people from Okta into Asset Panda",
    version
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Test both connections ("Test and save connection").
    Check {
        /// Configuration file (YAML, TOML or JSON).
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Build a plan and print it; writes nothing.
    Plan {
        /// Configuration file (YAML, TOML or JSON).
        #[arg(long, short)]
        config: PathBuf,
        /// Full, delta or auto.
        #[arg(long, value_enum, default_value = "auto")]
        mode: Mode,
        /// Also write the whole plan as JSON to this file.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Plan and apply.
    Apply {
        /// Configuration file (YAML, TOML or JSON).
        #[arg(long, short)]
        config: PathBuf,
        /// Full, delta or auto.
        #[arg(long, value_enum, default_value = "auto")]
        mode: Mode,
        /// Approve a plan whose safety brake tripped, by its hash.
        #[arg(long)]
        approve: Option<String>,
        /// Same path, no writes, no state change.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    Auto,
    Full,
    Delta,
}

impl From<Mode> for SyncMode {
    fn from(mode: Mode) -> Self {
        match mode {
            Mode::Auto => SyncMode::Auto,
            Mode::Full => SyncMode::Full,
            Mode::Delta => SyncMode::Delta,
        }
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("OKTA_SYNC_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error [{}]: {err}", err.code());
            if let Error::BrakeTripped { plan_hash, .. } = &err {
                eprintln!("review the plan, then run again with --approve {plan_hash}");
                return ExitCode::from(2);
            }
            ExitCode::from(1)
        }
    }
}

async fn engine(config: &PathBuf) -> Result<SyncEngine, Error> {
    let config = SyncConfig::from_path(config)?;
    SyncEngine::from_config(config, EngineOptions::default()).await
}

async fn run(command: Command) -> Result<ExitCode, Error> {
    match command {
        Command::Check { config } => {
            let report = engine(&config).await?.check_connections().await?;
            println!(
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
            Ok(if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Plan { config, mode, out } => {
            let plan = engine(&config).await?.plan(mode.into()).await?;
            println!("{}", plan.summary());
            if let Some(out) = out {
                let json = serde_json::to_string_pretty(&plan).unwrap_or_default();
                std::fs::write(&out, json).map_err(|e| Error::State {
                    operation: format!("writing the plan to {}", out.display()),
                    message: e.to_string(),
                })?;
                println!("plan written to {}", out.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Apply {
            config,
            mode,
            approve,
            dry_run,
        } => {
            let outcome = engine(&config)
                .await?
                .run(RunOptions {
                    mode: mode.into(),
                    dry_run,
                    approval: approve.map(|plan_hash| Approval { plan_hash }),
                })
                .await?;
            println!("{}", outcome.plan.summary());
            println!("{}", outcome.report.summary());
            Ok(if outcome.report.failures.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(3)
            })
        }
    }
}
