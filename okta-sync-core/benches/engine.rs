//! The whole engine: a full import of a generated org from the local Okta server into the
//! embedded local target, then a delta after a number of profile changes, with the time
//! of each phase as the engine reports it. The delta runs twice: first as a dry run by a
//! newly built engine (which loads and indexes the whole state, as every run did before
//! engines kept their state), then for real by the long-lived engine that did the import.
//!
//! `cargo bench -p okta-sync-core --bench engine -- [USERS] [CHANGES]` (defaults 100000,
//! 100). Prints one JSON line per run.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use okta_fake::{FakeOkta, FakeOptions, FakeOrg, OrgSpec, RateLimits};
use okta_sync_core::config::{ConfigFormat, SecretProvider, SecretRef, SyncConfig, TargetConfig};
use okta_sync_core::engine::{
    EngineOptions, ProgressEvent, ProgressSink, RunOptions, RunOutcome, SyncEngine, SyncMode,
};
use secrecy::SecretString;
use serde_json::json;

mod support;

#[derive(Debug)]
struct Token(String);

impl SecretProvider for Token {
    fn secret(&self, name: &str) -> Option<SecretString> {
        (name == "bench-okta-token").then(|| SecretString::from(self.0.clone()))
    }
}

/// Sums the engine's phase timings.
#[derive(Default)]
struct Phases(Mutex<BTreeMap<String, u64>>);

impl ProgressSink for Phases {
    fn event(&self, event: &ProgressEvent) {
        if let ProgressEvent::PhaseFinished { phase, elapsed_ms } = event {
            let name = serde_json::to_value(phase)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            *self
                .0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(name)
                .or_default() += elapsed_ms;
        }
    }
}

impl Phases {
    fn take(&self) -> BTreeMap<String, u64> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

fn line(what: &str, users: usize, secs: f64, outcome: &RunOutcome, phases: BTreeMap<String, u64>) {
    println!(
        "{}",
        json!({
            "bench": what, "users": users, "seconds": secs,
            "actions": outcome.plan.actions.len(), "counts": outcome.plan.counts,
            "phases_ms": phases,
        })
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let users: usize = args.first().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let changes: usize = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(100);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let org = FakeOrg::generate(&OrgSpec {
            seed: 5,
            users,
            ..OrgSpec::default()
        });
        let okta = FakeOkta::start(
            org,
            FakeOptions {
                rate_limits: RateLimits::generous(),
                ..FakeOptions::default()
            },
        )
        .await
        .expect("fake starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = SyncConfig::from_str(support::CONFIG, ConfigFormat::Yaml).expect("config");
        config.okta.org_url = okta.url();
        config.okta.token = SecretRef::Provider("bench-okta-token".into());
        config.target = TargetConfig::Local {
            path: dir.path().join("target.sqlite").display().to_string(),
        };
        config.state.path = Some(dir.path().join("state.sqlite").display().to_string());
        let phases = Arc::new(Phases::default());
        let engine = SyncEngine::from_config(
            config,
            EngineOptions {
                secrets: Some(Arc::new(Token(okta.token()))),
                progress: Some(phases.clone()),
                ..EngineOptions::default()
            },
        )
        .await
        .expect("engine");

        let started = Instant::now();
        let full = engine
            .run(RunOptions::default())
            .await
            .expect("full import");
        line(
            "engine_full_import",
            users,
            started.elapsed().as_secs_f64(),
            &full,
            phases.take(),
        );

        okta.advance(Duration::from_secs(3600));
        let ids = okta.with_org(|o| o.user_ids());
        let step = (ids.len() / changes.max(1)).max(1);
        for (i, id) in ids.iter().step_by(step).take(changes).enumerate() {
            okta.update_profile(id, json!({ "title": format!("Changed title {i}") }))
                .expect("profile update");
        }
        okta.advance(Duration::from_secs(60));

        // What every delta cost before the engine kept its state between runs: a newly
        // built engine loads and indexes the whole state first. Dry run, so the delta
        // below plans the same changes.
        let fresh_phases = Arc::new(Phases::default());
        let fresh = SyncEngine::from_config(
            engine.config().clone(),
            EngineOptions {
                secrets: Some(Arc::new(Token(okta.token()))),
                progress: Some(fresh_phases.clone()),
                ..EngineOptions::default()
            },
        )
        .await
        .expect("fresh engine");
        let started = Instant::now();
        let fresh_delta = fresh
            .run(RunOptions {
                mode: SyncMode::Auto,
                dry_run: true,
                ..RunOptions::default()
            })
            .await
            .expect("fresh delta");
        line(
            "engine_delta_fresh_engine_dry_run",
            users,
            started.elapsed().as_secs_f64(),
            &fresh_delta,
            fresh_phases.take(),
        );
        drop(fresh);

        let started = Instant::now();
        let delta = engine
            .run(RunOptions {
                mode: SyncMode::Auto,
                ..RunOptions::default()
            })
            .await
            .expect("delta");
        let mut phases = phases.take();
        phases.insert("changes_made".into(), changes as u64);
        line(
            "engine_delta",
            users,
            started.elapsed().as_secs_f64(),
            &delta,
            phases,
        );
    });
}
