//! Applying plans: batching, bounded concurrency, retries, partial failure, crash
//! recovery without duplicates, dry runs, tampering, and the report.

mod common;

use std::sync::Mutex;
use std::time::Duration;

use common::ids::*;
use common::org::derived_user;
use common::{Fault, Harness, MemoryTarget, Org, SCENARIO_CONFIG, config, scenario_org};
use okta_sync_core::model::UserStatus;
use okta_sync_core::plan::{
    Action, ApplyObserver, ApplyOptions, NoopObserver, Plan, WriteResult, apply,
};
use okta_sync_core::target::TargetWrite;
use serde_json::{Value, json};

/// An org of `n` engineers derived from the fixture's first user, with unique emails.
fn engineers(n: usize) -> Org {
    let mut org = Org::new();
    for i in 0..n {
        org.add_user(derived_user(
            &format!("00usynapply{i:09}"),
            "Engineer",
            &format!("N{i:03}"),
            Some("Engineering"),
            UserStatus::Active,
        ));
    }
    org
}

fn email(i: usize) -> String {
    format!("engineer.n{i:03}@example.com")
}

fn stamps(target: &MemoryTarget) -> Vec<String> {
    let mut stamps: Vec<String> = target
        .records("Employees")
        .values()
        .map(|f| f["Okta ID"].as_str().unwrap().to_string())
        .collect();
    stamps.sort();
    stamps
}

#[tokio::test]
async fn writes_go_in_batches_of_the_target_limit_creates_first() {
    let mut org = engineers(12);
    let mut h = Harness::new(config(SCENARIO_CONFIG), MemoryTarget::full());
    let snapshot = org.full();
    h.sync(&org, snapshot, false).await;
    assert_eq!(h.target.batches(), vec![5, 5, 2]);

    // One update, one deactivation, one create: three kinds, three batches, in order.
    org.tick();
    org.set_profile("00usynapply000000000", "title", json!("Lead"));
    org.set_status("00usynapply000000001", UserStatus::Deprovisioned);
    org.add_user(derived_user(
        "00usynapply000000099",
        "New",
        "Hire",
        Some("Engineering"),
        UserStatus::Active,
    ));
    let snapshot = org.delta();
    h.sync(&org, snapshot, false).await;
    let log = h.target.log();
    let kinds: Vec<&str> = log[12..].iter().map(TargetWrite::kind).collect();
    assert_eq!(kinds, ["create_record", "update_record", "update_record"]);
    assert_eq!(h.target.batches()[3..], [1, 2]);
}

#[tokio::test]
async fn concurrency_is_bounded() {
    let org = engineers(20);
    let mut target = MemoryTarget::full();
    target.latency = Duration::from_millis(20);
    let mut h = Harness::new(config(SCENARIO_CONFIG), target);
    h.options.concurrency = 2;
    let plan = h.plan(&org, org.clone().full()).await;
    h.apply(&plan, false).await.unwrap();
    // Four batches of five, never more than two in flight (and two did overlap).
    assert_eq!(h.target.batches(), vec![5, 5, 5, 5]);
    assert_eq!(h.target.max_in_flight(), 2);
}

#[tokio::test]
async fn transient_failures_are_retried() {
    let org = engineers(6);
    let h = Harness::new(config(SCENARIO_CONFIG), MemoryTarget::full());
    h.target.fail(
        &email(2),
        Fault {
            times: 2,
            retryable: true,
        },
    );
    let plan = h.plan(&org, org.clone().full()).await;
    let outcome = apply(&plan, &h.target, &h.options, &NoopObserver)
        .await
        .unwrap();
    assert!(outcome.report.failures.is_empty());
    assert_eq!(outcome.report.writes.retries, 2);
    assert_eq!(outcome.report.counts["create_record"].done, 6);
    assert_eq!(h.target.records("Employees").len(), 6);
}

#[tokio::test]
async fn one_failure_does_not_stop_the_others_and_is_retried_next_run() {
    let mut org = engineers(6);
    let mut h = Harness::new(config(SCENARIO_CONFIG), MemoryTarget::full());
    h.target.fail(
        &email(2),
        Fault {
            times: 1,
            retryable: false,
        },
    );
    h.target.fail(
        &email(4),
        Fault {
            times: u32::MAX,
            retryable: true,
        },
    );
    let snapshot = org.full();
    let (_, outcome) = h.sync(&org, snapshot, false).await;
    let report = &outcome.report;
    assert_eq!(report.counts["create_record"].done, 4);
    assert_eq!(report.counts["create_record"].failed, 2);
    let failed: Vec<(&str, u32)> = report
        .failures
        .iter()
        .map(|f| (f.okta_id.as_str(), f.attempts))
        .collect();
    // Non-retryable: one attempt. Retryable forever: 1 + max_retries (3) attempts.
    assert_eq!(
        failed,
        vec![("00usynapply000000002", 1), ("00usynapply000000004", 4)]
    );
    // No link for what failed; both are re-read next run.
    let state = h.state();
    assert!(!state.links["engineering"].contains_key("00usynapply000000002"));
    assert!(state.retry.contains("00usynapply000000002"));
    assert!(state.retry.contains("00usynapply000000004"));
    assert_eq!(state.links["engineering"].len(), 4);

    // Next run, a delta in which Okta shows no change: the retries happen anyway.
    h.target.fail(
        &email(4),
        Fault {
            times: 0,
            retryable: true,
        },
    );
    org.tick();
    let snapshot = org.delta();
    assert!(snapshot.users.is_empty());
    let (plan, outcome) = h.sync(&org, snapshot, false).await;
    assert_eq!(plan.counts["create_record"], 2);
    assert!(outcome.report.failures.is_empty());
    assert_eq!(stamps(&h.target).len(), 6);
    assert!(h.state().retry.is_empty());
}

#[tokio::test]
async fn a_whole_batch_error_retries_updates_but_never_creates() {
    let mut org = engineers(3);
    let mut h = Harness::new(config(SCENARIO_CONFIG), MemoryTarget::full());
    let snapshot = org.full();
    h.sync(&org, snapshot, false).await;

    org.tick();
    org.set_profile("00usynapply000000000", "title", json!("Lead"));
    h.target.fail_batches(1);
    let snapshot = org.delta();
    let (_, outcome) = h.sync(&org, snapshot, false).await;
    assert!(outcome.report.failures.is_empty());
    assert_eq!(outcome.report.writes.retries, 1);

    // A create whose batch errors may or may not have happened: it is not retried.
    org.tick();
    org.add_user(derived_user(
        "00usynapply000000099",
        "New",
        "Hire",
        Some("Engineering"),
        UserStatus::Active,
    ));
    h.target.fail_batches(1);
    let snapshot = org.delta();
    let (_, outcome) = h.sync(&org, snapshot, false).await;
    assert_eq!(outcome.report.failures.len(), 1);
    assert_eq!(outcome.report.failures[0].attempts, 1);
    assert!(
        outcome.report.failures[0]
            .reason
            .contains("connection reset")
    );
    assert_eq!(outcome.report.writes.retries, 0);
}

/// The crash scenario: the target took some writes, then the process died before the
/// state was committed. Re-planning from the old state must not duplicate anything.
#[tokio::test]
async fn a_crash_halfway_then_a_rerun_creates_no_duplicates() {
    let mut org = scenario_org();
    for i in 0..9 {
        org.add_user(derived_user(
            &format!("00usynapply{i:09}"),
            "Engineer",
            &format!("N{i:03}"),
            Some("Engineering"),
            UserStatus::Active,
        ));
    }
    let h = Harness::new(config(SCENARIO_CONFIG), MemoryTarget::full());
    let plan = h.plan(&org, org.clone().full()).await;
    // 12 records (3 fixture engineers + 9) and 3 logins.
    assert_eq!(plan.counts["create_record"], 12);
    assert_eq!(plan.counts["create_login"], 3);

    // 7 records get written, then the connection dies; nothing is committed.
    h.target.crash_after(7);
    let outcome = apply(&plan, &h.target, &h.options, &NoopObserver)
        .await
        .unwrap();
    assert_eq!(outcome.report.counts["create_record"].done, 5);
    assert_eq!(h.target.records("Employees").len(), 7);
    // (the process dies here: `outcome.state_changes` is never committed)
    assert!(h.state().is_first_run());

    // The next run starts from the old (empty) state and finds what was written by the
    // Okta id stamp: those are adopted, the rest created.
    h.target.recover();
    let again = h.plan(&org, org.clone().full()).await;
    assert_eq!(again.counts["adopt_record"], 7);
    assert_eq!(again.counts["create_record"], 5);
    assert!(
        again
            .actions
            .iter()
            .filter(|a| a.kind.name() == "adopt_record")
            .all(|a| a.reason.contains("already carries this Okta id"))
    );
    let outcome = apply(&again, &h.target, &h.options, &NoopObserver)
        .await
        .unwrap();
    assert!(outcome.report.failures.is_empty());
    h.store.commit(&outcome.state_changes).unwrap();
    let mut expected: Vec<String> = org
        .users
        .values()
        .filter(|u| {
            u.profile_str("department")
                .is_some_and(|d| d.eq_ignore_ascii_case("engineering"))
                && u.status != UserStatus::Deprovisioned
        })
        .map(|u| u.id.clone())
        .collect();
    expected.sort();
    assert_eq!(stamps(&h.target), expected);
    assert_eq!(h.target.logins().len(), 3);
}

#[tokio::test]
async fn lost_responses_then_a_rerun_adopts_instead_of_recreating() {
    let org = scenario_org();
    let h = Harness::new(config(SCENARIO_CONFIG), MemoryTarget::full());
    let plan = h.plan(&org, org.clone().full()).await;
    // Every write happens, but every response is lost.
    h.target.lose_responses();
    let outcome = apply(&plan, &h.target, &h.options, &NoopObserver)
        .await
        .unwrap();
    assert_eq!(outcome.report.failures.len(), 6);
    assert!(outcome.state_changes.links.is_empty());
    h.store.commit(&outcome.state_changes).unwrap();
    // Dana, Priya, Lee, Jamie and Morgan are re-read next time.
    assert_eq!(h.state().retry.len(), 5);

    h.target.recover();
    let again = h.plan(&org, org.clone().full()).await;
    assert_eq!(again.counts.get("create_record"), None);
    assert_eq!(again.counts.get("create_login"), None);
    assert_eq!(again.counts["adopt_record"], 3);
    assert_eq!(again.counts["adopt_login"], 3);
    apply(&again, &h.target, &h.options, &NoopObserver)
        .await
        .unwrap();
    assert_eq!(h.target.records("Employees").len(), 3);
    assert_eq!(h.target.logins().len(), 3);
}

#[tokio::test]
async fn a_dry_run_writes_nothing_and_changes_no_state() {
    let org = scenario_org();
    let h = Harness::new(config(SCENARIO_CONFIG), MemoryTarget::full());
    let plan = h.plan(&org, org.clone().full()).await;
    let options = ApplyOptions {
        dry_run: true,
        ..h.options.clone()
    };
    let outcome = apply(&plan, &h.target, &options, &NoopObserver)
        .await
        .unwrap();
    assert!(h.target.log().is_empty());
    assert!(h.target.batches().is_empty());
    assert_eq!(outcome.state_changes, Default::default());
    assert!(outcome.report.dry_run);
    assert_eq!(outcome.report.counts["create_record"].planned, 3);
    assert_eq!(outcome.report.counts["create_record"].done, 0);
    assert!(
        outcome
            .report
            .summary()
            .contains("would do: create_login 3, create_record 3")
    );
}

#[tokio::test]
async fn a_dry_run_of_a_tripped_plan_is_allowed() {
    let mut org = engineers(40);
    let mut h = Harness::new(config(SCENARIO_CONFIG), MemoryTarget::full());
    let snapshot = org.full();
    h.sync(&org, snapshot, false).await;
    org.tick();
    for i in 0..30 {
        org.set_status(&format!("00usynapply{i:09}"), UserStatus::Deprovisioned);
    }
    let plan = h.plan(&org, org.clone().delta()).await;
    assert!(plan.brake.tripped);
    let options = ApplyOptions {
        dry_run: true,
        ..h.options.clone()
    };
    let outcome = apply(&plan, &h.target, &options, &NoopObserver)
        .await
        .unwrap();
    assert!(outcome.report.brake.tripped);
    assert!(outcome.report.summary().contains("brake: 30 deactivations"));
    assert_eq!(h.target.log().len(), 40);
}

#[tokio::test]
async fn an_edited_plan_is_refused() {
    let org = scenario_org();
    let h = Harness::new(config(SCENARIO_CONFIG), MemoryTarget::full());
    let plan = h.plan(&org, org.clone().full()).await;

    let mut edited: Value = serde_json::to_value(&plan).unwrap();
    edited["actions"][0]["role"] = json!("Organization Admin");
    let edited: Plan = serde_json::from_value(edited).unwrap();
    let err = apply(&edited, &h.target, &h.options, &NoopObserver)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "DECODE");
    assert!(
        err.to_string().contains("changed after it was built"),
        "{err}"
    );

    // A field the hash does not cover cannot be slipped in either.
    let mut added: Value = serde_json::to_value(&plan).unwrap();
    added["brake_override"] = json!(true);
    let err = serde_json::from_value::<Plan>(added).unwrap_err();
    assert!(
        err.to_string().contains("unknown field `brake_override`"),
        "{err}"
    );

    let mut other = plan.clone();
    other.format = "okta-sync.plan.v0".into();
    let err = apply(&other, &h.target, &h.options, &NoopObserver)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("okta-sync.plan.v1"), "{err}");
    assert!(h.target.log().is_empty());
}

#[derive(Default)]
struct Recorder {
    results: Mutex<Vec<(String, String, WriteResult)>>,
    batches: Mutex<Vec<(String, usize)>>,
}

impl ApplyObserver for Recorder {
    fn batch(&self, kind: &str, size: usize) {
        self.batches.lock().unwrap().push((kind.to_string(), size));
    }

    fn result(&self, action: &Action, result: &WriteResult) {
        self.results.lock().unwrap().push((
            action.okta_id.clone(),
            action.kind.name().to_string(),
            result.clone(),
        ));
    }
}

#[tokio::test]
async fn the_observer_sees_every_batch_and_result() {
    let org = scenario_org();
    let h = Harness::new(config(SCENARIO_CONFIG), MemoryTarget::full());
    let plan = h.plan(&org, org.clone().full()).await;
    let recorder = Recorder::default();
    apply(&plan, &h.target, &h.options, &recorder)
        .await
        .unwrap();
    assert_eq!(
        *recorder.batches.lock().unwrap(),
        vec![
            ("create_record".to_string(), 3),
            ("create_login".to_string(), 3)
        ]
    );
    let results = recorder.results.lock().unwrap();
    assert_eq!(results.len(), 6);
    assert!(
        results
            .iter()
            .all(|(_, _, r)| matches!(r, WriteResult::Done { .. }))
    );
}

#[tokio::test]
async fn report_as_json_and_summary() {
    let mut org = scenario_org();
    let mut h = Harness::new(config(SCENARIO_CONFIG), MemoryTarget::invite_only());
    let snapshot = org.full();
    h.sync(&org, snapshot, false).await;
    org.tick();

    // A mix: an update, a record failure, a manual deactivation, a held-back nothing.
    org.set_profile(PRIYA, "title", json!("Senior Software Engineer"));
    org.set_profile(LEE, "title", json!("QA Lead"));
    org.set_status(DANA, UserStatus::Deprovisioned);
    let lee_record = h.state().links["engineering"][LEE].target_id.clone();
    h.target.fail(
        &lee_record,
        Fault {
            times: u32::MAX,
            retryable: false,
        },
    );
    let mut options = h.options.clone();
    options.read_stats.requests = 7;
    options.read_stats.pages = 4;
    options.read_stats.throttle_waits = 1;
    options.read_stats.throttle_wait_ms = 1500;
    h.options = options;
    let snapshot = org.delta();
    let (_, outcome) = h.sync(&org, snapshot, false).await;
    let mut report = outcome.report;
    report.duration_ms = 1234;
    insta::assert_json_snapshot!("report", report);
    insta::assert_snapshot!("report_summary", report.summary());
    assert_eq!(
        serde_json::from_str::<okta_sync_core::plan::Report>(&report.to_json()).unwrap(),
        report
    );
}
