//! Planning time: a first import of generated orgs of 10k, 100k and 1M users, and deltas
//! of a few changed users against the state those imports leave.
//!
//! `cargo bench -p okta-sync-core --bench plan`. `BENCH_MAX_USERS=100000` skips the
//! larger orgs (building a 1M-user org and its state takes a while and several GiB).

mod support;

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use okta_sync_core::plan::{PlanInput, StateIndex, build_plan};
use support::{capabilities, config, delta, full_plan, org, state_after};

fn sizes() -> Vec<usize> {
    let max: usize = std::env::var("BENCH_MAX_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    [10_000, 100_000, 1_000_000]
        .into_iter()
        .filter(|n| *n <= max)
        .collect()
}

fn planning(c: &mut Criterion) {
    let config = config();
    let caps = capabilities();
    for users in sizes() {
        let org = org(users, 7);
        let plan = full_plan(&config, &org.snapshot, org.now);

        let mut full = c.benchmark_group("full_plan");
        full.sample_size(10)
            .measurement_time(Duration::from_secs(if users >= 1_000_000 {
                30
            } else {
                10
            }));
        full.bench_function(BenchmarkId::from_parameter(users), |b| {
            b.iter(|| full_plan(&config, &org.snapshot, org.now));
        });
        full.finish();

        let state = state_after(&plan);
        let index = StateIndex::new(&state);
        let change_counts: &[usize] = if users >= 1_000_000 {
            &[10, 100, 1_000]
        } else {
            &[100]
        };
        let mut group = c.benchmark_group(format!("delta_plan_vs_{users}"));
        group.sample_size(20);
        for &changes in change_counts {
            let d = delta(&org, &plan, changes);
            group.bench_function(BenchmarkId::new("changes", changes), |b| {
                b.iter(|| {
                    let mut input =
                        PlanInput::new(&config, &d.snapshot, &d.holdings, &caps, &state, d.now);
                    input.index = Some(&index);
                    build_plan(&input).expect("delta plan builds")
                });
            });
            if changes == 100 {
                // What the engine does today: no prebuilt index, so the planner builds one.
                group.bench_function(BenchmarkId::new("changes_without_index", changes), |b| {
                    b.iter(|| {
                        let input =
                            PlanInput::new(&config, &d.snapshot, &d.holdings, &caps, &state, d.now);
                        build_plan(&input).expect("delta plan builds")
                    });
                });
            }
        }
        group.finish();
    }
}

criterion_group!(benches, planning);
criterion_main!(benches);
