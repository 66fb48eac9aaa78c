//! `okta-sync`: run a sync from a shell or cron with a configuration file.
//!
//! ```text
//! okta-sync check  --config sync.yaml
//! okta-sync plan   --config sync.yaml [--mode auto|full|delta] [--out plan.json]
//! okta-sync apply  --config sync.yaml [--mode ...] [--dry-run]
//! okta-sync apply  --config sync.yaml --plan plan.json --approve <plan hash>
//! ```
//!
//! When a plan trips a safety brake, `apply` saves it to a file, prints it, and exits with
//! code 2; after review, apply exactly that saved plan with `--plan <file> --approve <hash>`
//! (a new run would read Okta again and build a plan with another hash).
//!
//! Exit codes: 0 success, 1 error, 2 safety brake tripped, 3 some writes failed, 4 applied
//! but the Okta read was incomplete (a listing stopped early or a configured group no
//! longer resolves), so de-provisioning was held back: a scheduler must not read that as
//! success, since people who left keep their access until a complete run.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use okta_sync_core::Error;
use okta_sync_core::config::SyncConfig;
use okta_sync_core::engine::{EngineOptions, RunOptions, SyncEngine, SyncMode};
use okta_sync_core::plan::{Approval, Plan, WarningCode};

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
        /// Apply this saved plan (from `plan --out` or a tripped brake) instead of planning.
        #[arg(long, conflicts_with_all = ["mode", "dry_run"])]
        plan: Option<PathBuf>,
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
            ExitCode::from(1)
        }
    }
}

/// 0 when the plan rests on a complete Okta read; 4 (with a line on stderr) when a listing
/// stopped early or a group did not resolve, so destructive actions were held back.
fn read_was_complete(plan: &Plan) -> ExitCode {
    let incomplete = plan.warnings.iter().any(|w| {
        matches!(
            w.code,
            WarningCode::IncompleteListing | WarningCode::UnresolvedGroup
        )
    });
    if incomplete || !plan.held_back.is_empty() {
        eprintln!(
            "incomplete: the Okta read was incomplete, so {} de-provisioning action(s) were held \
             back; see the warnings above (exit code 4)",
            plan.held_back.len()
        );
        ExitCode::from(4)
    } else {
        ExitCode::SUCCESS
    }
}

async fn engine(config: &PathBuf) -> Result<SyncEngine, Error> {
    let config = SyncConfig::from_path(config)?;
    SyncEngine::from_config(config, EngineOptions::default()).await
}

/// Prints to stdout; a closed pipe (`okta-sync plan | head`) ends the output quietly
/// instead of panicking.
fn say(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{text}").is_err() {
        std::process::exit(0);
    }
}

fn write_plan(plan: &Plan, path: &Path) -> Result<(), Error> {
    let json = serde_json::to_string_pretty(plan).unwrap_or_default();
    std::fs::write(path, json).map_err(|e| Error::State {
        operation: format!("writing the plan to {}", path.display()),
        message: e.to_string(),
    })
}

fn read_plan(path: &Path) -> Result<Plan, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::State {
        operation: format!("reading the plan {}", path.display()),
        message: e.to_string(),
    })?;
    let de = &mut serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(de)
        .map_err(|e| Error::decode(format!("plan file {}", path.display()), e))
}

async fn run(command: Command) -> Result<ExitCode, Error> {
    match command {
        Command::Check { config } => {
            let report = engine(&config).await?.check_connections().await?;
            say(&serde_json::to_string_pretty(&report).unwrap_or_default());
            Ok(if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Plan { config, mode, out } => {
            let plan = engine(&config).await?.plan(mode.into()).await?;
            say(&plan.summary());
            if let Some(out) = out {
                write_plan(&plan, &out)?;
                say(&format!("plan written to {}", out.display()));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Apply {
            config,
            mode,
            plan,
            approve,
            dry_run,
        } => {
            let config_path = config;
            let engine = engine(&config_path).await?;
            let approval = approve.map(|plan_hash| Approval { plan_hash });
            if dry_run {
                let outcome = engine
                    .run(RunOptions {
                        mode: mode.into(),
                        dry_run,
                        approval,
                    })
                    .await?;
                say(&outcome.plan.summary());
                say(&outcome.report.summary());
                return Ok(read_was_complete(&outcome.plan));
            }
            let plan = match plan {
                Some(path) => read_plan(&path)?,
                None => engine.plan(mode.into()).await?,
            };
            say(&plan.summary());
            match engine.apply(&plan, approval).await {
                Ok(report) => {
                    say(&report.summary());
                    Ok(if report.failures.is_empty() {
                        read_was_complete(&plan)
                    } else {
                        ExitCode::from(3)
                    })
                }
                Err(Error::BrakeTripped {
                    plan_hash, reason, ..
                }) => {
                    let short = plan_hash.trim_start_matches("sha256:");
                    let saved = PathBuf::from(format!(
                        "okta-sync-plan-{}.json",
                        &short[..12.min(short.len())]
                    ));
                    write_plan(&plan, &saved)?;
                    eprintln!("safety brake tripped: {reason}; nothing was written.");
                    eprintln!(
                        "the plan above was saved to {}. After reviewing it, apply exactly that plan:",
                        saved.display()
                    );
                    eprintln!(
                        "  okta-sync apply --config {} --plan {} --approve {plan_hash}",
                        config_path.display(),
                        saved.display()
                    );
                    Ok(ExitCode::from(2))
                }
                Err(other) => Err(other),
            }
        }
    }
}
