//! `okta-fake`: run a fake Okta org until Ctrl-C (or SIGTERM).
//!
//! Prints exactly two lines on stdout, then nothing more:
//! `OKTA_FAKE_URL=<url>` and `OKTA_FAKE_TOKEN=<token>`. A summary of the generated org
//! (group names and ids) goes to stderr.

use std::io::Write;
use std::net::IpAddr;

use clap::Parser;
use okta_fake::{FakeOkta, FakeOptions, FakeOrg, GroupSpec, OrgSpec, RateLimits};

/// A local Okta-compatible server for tests and demos.
#[derive(Debug, Parser)]
#[command(name = "okta-fake", version)]
struct Args {
    /// Number of users to generate.
    #[arg(long, default_value_t = 200)]
    users: usize,
    /// Seed; the same seed gives the same org.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// API token to accept (default: the library's fixed test token).
    #[arg(long)]
    token: Option<String>,
    /// Comma-separated department names (default: eight common ones).
    #[arg(long, value_delimiter = ',')]
    departments: Vec<String>,
    /// Extra custom profile attributes, comma-separated.
    #[arg(long, value_delimiter = ',')]
    extra_attributes: Vec<String>,
    /// An extra group with an exact member count, as NAME=COUNT (repeatable).
    #[arg(long = "group")]
    groups: Vec<String>,
    /// Clock start, RFC 3339, or `now` (default: 2026-06-01T00:00:00Z).
    #[arg(long)]
    start_time: Option<String>,
    /// Effectively disable rate limiting (headers are still sent).
    #[arg(long)]
    no_rate_limits: bool,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let start = match args.start_time.as_deref() {
        None => okta_fake::default_start(),
        Some("now") => chrono::Utc::now(),
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)?.with_timezone(&chrono::Utc),
    };
    let mut groups = Vec::new();
    for g in &args.groups {
        let (name, count) = g
            .rsplit_once('=')
            .ok_or_else(|| format!("--group {g}: expected NAME=COUNT"))?;
        groups.push(GroupSpec {
            name: name.to_string(),
            members: count.parse()?,
        });
    }
    let org = FakeOrg::generate(&OrgSpec {
        seed: args.seed,
        users: args.users,
        departments: args.departments,
        extra_attributes: args.extra_attributes,
        groups,
        now: start,
    });
    let mut options = FakeOptions {
        host: args.host,
        port: args.port,
        start_time: start,
        ..FakeOptions::default()
    };
    if let Some(token) = args.token {
        options.token = token;
    }
    if args.no_rate_limits {
        options.rate_limits = RateLimits::generous();
    }
    let handle = FakeOkta::start(org, options).await?;
    {
        let mut err = std::io::stderr().lock();
        let groups = handle.with_org(|org| {
            org.groups()
                .map(|g| (g.name.clone(), g.id.clone(), org.member_count(&g.id)))
                .collect::<Vec<_>>()
        });
        for (name, id, members) in groups {
            writeln!(err, "okta-fake: group {id} {name:?} ({members} members)")?;
        }
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "OKTA_FAKE_URL={}", handle.url())?;
    writeln!(out, "OKTA_FAKE_TOKEN={}", handle.token())?;
    out.flush()?;
    drop(out);
    shutdown_signal().await;
    drop(handle);
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
