//! One planning run in a fresh process, for wall time and peak memory (Linux `VmHWM`,
//! reset after the inputs are built, so the figure is what planning itself adds on top of
//! its inputs; the inputs' resident size is printed beside it).
//!
//! ```text
//! cargo bench -p okta-sync-core --bench plan_peak -- full 1000000
//! cargo bench -p okta-sync-core --bench plan_peak -- delta 1000000 100
//! cargo bench -p okta-sync-core --bench plan_peak -- json 100000 out.json
//! ```
//!
//! The timed part runs `BENCH_REPEAT` times (default 3) in the same process and the median
//! is printed beside every run; peak memory is over all runs (each plan is dropped before
//! the next is built).
//!
//! `json` writes the full plan's input as `plan_offline` JSON (for the Python and Node
//! comparisons) and times the Rust `plan_offline` on it, decoding included.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod support;

use std::time::Instant;

use okta_sync_core::engine::{OfflineInput, plan_offline};
use okta_sync_core::plan::{PlanInput, StateIndex, build_plan, plan_hash};
use serde_json::json;
use support::{CONFIG, capabilities, config, delta, empty_holdings, full_plan, org, state_after};

/// A `kB` line of `/proc/self/status`, in MiB.
fn status_mib(key: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// The middle value (the upper middle of an even count).
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// Resets `VmHWM` to the current resident size (Linux 4.0+).
fn reset_peak() {
    if let Err(e) = std::fs::write("/proc/self/clear_refs", "5") {
        eprintln!("cannot reset the peak resident size: {e}");
    }
}

fn main() {
    // `cargo bench` passes `--bench`; keep only our own arguments.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let mode = args.first().map_or("full", String::as_str).to_string();
    let users: usize = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(100_000);
    // Timed runs per process (`BENCH_REPEAT`, default 3); the median is reported.
    let repeat: usize = std::env::var("BENCH_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(3);
    let config = config();
    let org = org(users, 7);

    match mode.as_str() {
        "full" => {
            let input_mib = status_mib("VmRSS:");
            reset_peak();
            let mut times = Vec::new();
            let mut hash_times = Vec::new();
            let mut actions = 0;
            for _ in 0..repeat {
                let started = Instant::now();
                let plan = full_plan(&config, &org.snapshot, org.now);
                times.push(started.elapsed().as_secs_f64());
                // What the content hash alone costs (it serializes the whole plan once).
                let started = Instant::now();
                let rehash = plan_hash(&plan).expect("plan hashes");
                hash_times.push(started.elapsed().as_secs_f64());
                assert_eq!(rehash, plan.hash, "the hash is reproducible");
                actions = plan.actions.len();
            }
            let peak = status_mib("VmHWM:");
            println!(
                "{}",
                json!({
                    "bench": "full_plan", "users": users, "runs": repeat,
                    "seconds": median(&times), "all_seconds": times,
                    "hash_seconds": median(&hash_times),
                    "actions": actions, "input_rss_mib": input_mib,
                    "peak_rss_mib": peak, "planning_extra_mib": peak - input_mib,
                })
            );
        }
        "delta" => {
            let changes: usize = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(100);
            let plan = full_plan(&config, &org.snapshot, org.now);
            let state = state_after(&plan);
            let d = delta(&org, &plan, changes);
            drop(plan);
            let caps = capabilities();
            let started = Instant::now();
            let index = StateIndex::new(&state);
            let index_secs = started.elapsed().as_secs_f64();
            let input_mib = status_mib("VmRSS:");
            reset_peak();
            let mut times = Vec::new();
            let mut actions = 0;
            for _ in 0..repeat {
                let started = Instant::now();
                let mut input =
                    PlanInput::new(&config, &d.snapshot, &d.holdings, &caps, &state, d.now);
                input.index = Some(&index);
                let plan = build_plan(&input).expect("delta plan builds");
                times.push(started.elapsed().as_secs_f64());
                actions = plan.actions.len();
            }
            let peak = status_mib("VmHWM:");
            println!(
                "{}",
                json!({
                    "bench": "delta_plan", "users": users, "changes": changes, "runs": repeat,
                    "seconds": median(&times), "all_seconds": times,
                    "index_build_seconds": index_secs,
                    "actions": actions, "input_rss_mib": input_mib,
                    "peak_rss_mib": peak, "planning_extra_mib": peak - input_mib,
                })
            );
        }
        "json" => {
            let path = args.get(2).expect("json needs an output path");
            let config_value: serde_json::Value =
                serde_yaml_ng::from_str(CONFIG).expect("bench configuration is YAML");
            let input = json!({
                "config": config_value,
                "directory": org.snapshot,
                "holdings": empty_holdings(&config),
            });
            let text = serde_json::to_string(&input).expect("input serializes");
            std::fs::write(path, &text).expect("json written");
            drop(input);
            // Timed like the Python and Node scripts time theirs: `repeat` runs in one
            // process, the median reported, so the first run's page faults count once.
            let mut times = Vec::new();
            let mut decode_times = Vec::new();
            let mut last = None;
            for _ in 0..repeat {
                let started = Instant::now();
                let offline = OfflineInput::from_json(&text).expect("offline input decodes");
                decode_times.push(started.elapsed().as_secs_f64());
                let plan = plan_offline(offline).expect("offline plan builds");
                times.push(started.elapsed().as_secs_f64());
                last = Some((plan.actions.len(), plan.hash));
            }
            let (actions, hash) = last.expect("at least one run");
            println!(
                "{}",
                json!({
                    "bench": "plan_offline", "users": users, "runs": repeat,
                    "seconds": median(&times), "all_seconds": times,
                    "decode_seconds": median(&decode_times), "actions": actions,
                    "json_bytes": text.len(), "hash": hash,
                })
            );
        }
        other => {
            eprintln!("unknown mode {other:?}: full, delta or json");
            std::process::exit(2);
        }
    }
}
