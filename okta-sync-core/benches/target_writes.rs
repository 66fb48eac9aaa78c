//! Requests per applied change for the Asset Panda Pro target, against the stateful
//! stand-in the HTTP tests use: 100 creates, then 100 updates of two fields each, handed
//! to the target in batches of its declared limit as `apply` does; then 99 more creates
//! with the stand-in answering the new ids, to show what finding created records costs.
//!
//! `cargo bench -p okta-sync-core --bench target_writes`. Prints one JSON line.

#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "../tests/assetpanda_mock/mod.rs"]
mod assetpanda_mock;

use std::time::Instant;

use assetpanda_mock::FakeAssetPanda;
use okta_sync_core::target::{AssetTarget, Fields, TargetWrite, WriteOutcome};
use serde_json::json;

const CHANGES: usize = 100;

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let fake = FakeAssetPanda::start().await;
        let target = fake.target();
        let batch = target.capabilities().batch_limit;
        let creates: Vec<TargetWrite> = (0..CHANGES)
            .map(|n| TargetWrite::CreateRecord {
                collection: "People".into(),
                fields: Fields::from([
                    ("Email".to_string(), json!(format!("p{n}@example.com"))),
                    ("Department".to_string(), json!("Engineering")),
                ]),
            })
            .collect();
        // Discovery happens on the first write; keep it out of the counts.
        let warm = target.write(&creates[..1]).await.expect("first create");
        fake.clear_log();
        let started = Instant::now();
        let mut ids = Vec::new();
        for chunk in creates[1..].chunks(batch) {
            for outcome in target.write(chunk).await.expect("creates") {
                match outcome {
                    WriteOutcome::Done { id } => ids.push(id),
                    other => panic!("create failed: {other:?}"),
                }
            }
        }
        let create_secs = started.elapsed().as_secs_f64();
        let create_log = fake.log();
        if let Some(WriteOutcome::Done { id }) = warm.into_iter().next() {
            ids.insert(0, id);
        }

        fake.clear_log();
        let updates: Vec<TargetWrite> = ids
            .iter()
            .enumerate()
            .map(|(n, id)| TargetWrite::UpdateRecord {
                collection: "People".into(),
                record_id: id.clone(),
                fields: Fields::from([
                    ("Email".to_string(), json!(format!("moved{n}@example.com"))),
                    ("Department".to_string(), json!("Sales")),
                ]),
            })
            .collect();
        let started = Instant::now();
        for chunk in updates.chunks(batch) {
            let out = target.write(chunk).await.expect("updates");
            assert!(out.iter().all(|o| matches!(o, WriteOutcome::Done { .. })));
        }
        let update_secs = started.elapsed().as_secs_f64();
        let update_log = fake.log();
        let count = |log: &[assetpanda_mock::Recorded], method: &str| {
            log.iter().filter(|r| r.method == method).count()
        };
        let by_path = |log: &[assetpanda_mock::Recorded]| {
            let mut paths = std::collections::BTreeMap::<String, usize>::new();
            for r in log {
                *paths.entry(format!("{} {}", r.method, r.path)).or_default() += 1;
            }
            paths
        };

        // The same creates when the create answer carries the new ids (the observed Pro
        // answer does not, so each created record is then found by a search).
        fake.state().create_returns_ids = true;
        let more: Vec<TargetWrite> = (CHANGES..2 * CHANGES - 1)
            .map(|n| TargetWrite::CreateRecord {
                collection: "People".into(),
                fields: Fields::from([
                    ("Email".to_string(), json!(format!("p{n}@example.com"))),
                    ("Department".to_string(), json!("Engineering")),
                ]),
            })
            .collect();
        fake.clear_log();
        for chunk in more.chunks(batch) {
            let out = target.write(chunk).await.expect("creates with ids");
            assert!(
                out.iter()
                    .all(|o| matches!(o, WriteOutcome::Done { id } if !id.is_empty()))
            );
        }
        let with_ids_log = fake.log();
        println!(
            "{}",
            json!({
                "bench": "assetpanda_writes", "batch_limit": batch,
                "creates": CHANGES - 1, "create_requests": create_log.len(),
                "create_posts": count(&create_log, "POST"),
                "requests_per_create": create_log.len() as f64 / (CHANGES - 1) as f64,
                "create_requests_by_path": by_path(&create_log),
                "requests_per_create_if_ids_returned":
                    with_ids_log.len() as f64 / more.len() as f64,
                "updates": updates.len(), "update_requests": update_log.len(),
                "update_puts": count(&update_log, "PUT"),
                "requests_per_update": update_log.len() as f64 / updates.len() as f64,
                "create_seconds": create_secs, "update_seconds": update_secs,
            })
        );
    });
}
