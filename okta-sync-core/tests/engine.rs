//! The engine end to end against the local Okta server and the local target: dry run,
//! the partial-listing guard, and the safety brake with its approval.

use std::sync::Arc;

use okta_fake::{
    FakeOkta, FakeOktaHandle, FakeOptions, FakeOrg, Fault, FaultKind, OrgSpec, UserStatus,
};
use okta_sync_core::Error;
use okta_sync_core::config::{SecretProvider, SyncConfig};
use okta_sync_core::engine::{EngineOptions, RunOptions, SyncEngine, SyncMode};
use okta_sync_core::plan::{Approval, PlanMode};
use okta_sync_core::state::{Claim, MemoryStateStore, StateStore};
use secrecy::SecretString;

#[derive(Debug)]
struct Token(String);

impl SecretProvider for Token {
    fn secret(&self, _name: &str) -> Option<SecretString> {
        Some(SecretString::from(self.0.clone()))
    }
}

struct Setup {
    okta: FakeOktaHandle,
    engine: SyncEngine,
    state: Arc<MemoryStateStore>,
    _dir: tempfile::TempDir,
}

async fn setup(users: usize) -> Setup {
    let okta = fake_org(11, users).await;
    let dir = tempfile::tempdir().unwrap();
    let state = Arc::new(MemoryStateStore::new());
    let engine = engine_for(&okta, &dir, state.clone()).await;
    Setup {
        okta,
        engine,
        state,
        _dir: dir,
    }
}

async fn fake_org(seed: u64, users: usize) -> FakeOktaHandle {
    let org = FakeOrg::generate(&OrgSpec {
        seed,
        users,
        ..OrgSpec::default()
    });
    FakeOkta::start(org, FakeOptions::default()).await.unwrap()
}

/// An engine reading `okta`, writing a local target in `dir`, keeping its state in `state`.
async fn engine_for(
    okta: &FakeOktaHandle,
    dir: &tempfile::TempDir,
    state: Arc<MemoryStateStore>,
) -> SyncEngine {
    let yaml = format!(
        r#"
okta: {{ org_url: "{url}", token: {{ provider: okta }} }}
target: {{ kind: local, path: "{target}" }}
unique_identifier: email
mappings:
  - kind: login
    name: logins
    groups: [{{ group: Okta Administrators, role: Administrator }}]
    fields: [{{ target: Email, source: profile.email, required: true }}]
  - kind: record
    name: employees
    collection: Employees
    filters: {{ status: [ACTIVE, PROVISIONED, RECOVERY, PASSWORD_EXPIRED, LOCKED_OUT] }}
    fields:
      - {{ target: Email, source: profile.email, required: true }}
      - {{ target: Department, source: profile.department }}
    inactive: {{ field: Status, inactive_value: Inactive, active_value: Active }}
"#,
        url = okta.url(),
        target = dir.path().join("target.sqlite").display(),
    );
    let config = SyncConfig::from_str(&yaml, okta_sync_core::config::ConfigFormat::Yaml).unwrap();
    SyncEngine::from_config(
        config,
        EngineOptions {
            secrets: Some(Arc::new(Token(okta.token()))),
            state: Some(state),
            ..EngineOptions::default()
        },
    )
    .await
    .unwrap()
}

/// Ten minutes on, `n` active users deactivated in Okta, then a minute on: what a delta
/// then plans deactivates them.
fn deactivate_some(s: &Setup, n: usize) {
    s.okta.advance(std::time::Duration::from_secs(600));
    let active = s
        .okta
        .with_org(|org| org.users_with_status(UserStatus::Active));
    assert!(
        active.len() >= n,
        "the generated org has too few active users"
    );
    for id in active.iter().take(n) {
        s.okta.deactivate(id).unwrap();
    }
    s.okta.advance(std::time::Duration::from_secs(60));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_writes_nothing_and_leaves_the_state_alone() {
    let s = setup(300).await;
    let dry = s
        .engine
        .run(RunOptions {
            dry_run: true,
            ..RunOptions::default()
        })
        .await
        .unwrap();
    assert!(dry.report.dry_run);
    assert!(dry.plan.first_import);
    assert!(
        s.state.load().unwrap().is_first_run(),
        "a dry run moved the state"
    );

    // The real run plans the same import, then a delta with no change in Okta is empty.
    let real = s.engine.run(RunOptions::default()).await.unwrap();
    assert_eq!(real.plan.counts, dry.plan.counts);
    assert!(real.report.failures.is_empty());
    assert!(!s.state.load().unwrap().is_first_run());
    s.okta.advance(std::time::Duration::from_secs(600));
    let quiet = s.engine.run(RunOptions::default()).await.unwrap();
    assert_eq!(quiet.plan.mode, PlanMode::Delta);
    assert!(quiet.plan.actions.is_empty(), "{}", quiet.plan.summary());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incomplete_listing_holds_back_every_deactivation() {
    let s = setup(700).await;
    s.engine.run(RunOptions::default()).await.unwrap();
    let admins = s.okta.group_id("Okta Administrators").unwrap();
    let admin = s.okta.with_org(|org| {
        org.member_ids(&admins)
            .into_iter()
            .find(|id| org.user(id).is_some_and(|u| u.status == UserStatus::Active))
            .unwrap()
    });
    s.okta.advance(std::time::Duration::from_secs(600));
    s.okta.deactivate(&admin).unwrap();

    // Page 2 of the full listing arrives cut off: the listing is incomplete.
    s.okta
        .inject(Fault::on_page("/api/v1/users", 2, FaultKind::TruncatedBody));
    let plan = s.engine.plan(SyncMode::Full).await.unwrap();
    assert!(
        plan.actions.iter().all(|a| !a.is_destructive()),
        "{}",
        plan.summary()
    );
    assert!(
        plan.held_back.iter().any(|h| h.action.okta_id == admin),
        "{}",
        plan.summary()
    );

    // With a complete listing the same deactivation goes through.
    s.okta.clear_faults();
    let plan = s.engine.plan(SyncMode::Full).await.unwrap();
    assert!(plan.held_back.is_empty(), "{}", plan.summary());
    assert!(
        plan.actions
            .iter()
            .any(|a| a.okta_id == admin && a.kind.name() == "deactivate_login"),
        "{}",
        plan.summary()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mass_deactivation_trips_the_brake_until_approved() {
    let s = setup(400).await;
    s.engine.run(RunOptions::default()).await.unwrap();
    s.okta.advance(std::time::Duration::from_secs(600));
    let active = s
        .okta
        .with_org(|org| org.users_with_status(UserStatus::Active));
    assert!(
        active.len() > 120,
        "the generated org has too few active users"
    );
    for id in active.iter().take(120) {
        s.okta.deactivate(id).unwrap();
    }
    s.okta.advance(std::time::Duration::from_secs(60));

    let plan = s.engine.plan(SyncMode::Auto).await.unwrap();
    assert!(plan.brake.tripped, "{}", plan.summary());
    let before = s.state.load().unwrap();
    let refused = s.engine.apply(&plan, None).await.unwrap_err();
    assert!(
        matches!(refused, Error::BrakeTripped { ref plan_hash, .. } if *plan_hash == plan.hash)
    );
    let stale = Approval {
        plan_hash: "sha256:0000".into(),
    };
    assert!(matches!(
        s.engine.apply(&plan, Some(stale)).await.unwrap_err(),
        Error::ApprovalMismatch { .. }
    ));
    assert_eq!(
        s.state.load().unwrap(),
        before,
        "a refused apply moved the state"
    );

    let report = s
        .engine
        .apply(
            &plan,
            Some(Approval {
                plan_hash: plan.hash.clone(),
            }),
        )
        .await
        .unwrap();
    assert!(report.approved);
    assert!(report.failures.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_recorded_for_another_org_is_refused() {
    let s = setup(120).await;
    s.engine.run(RunOptions::default()).await.unwrap();
    let recorded = s.state.load().unwrap();
    // The fake's URL is an origin already (http://127.0.0.1:PORT, no path).
    let first_org = s.okta.url().trim_end_matches('/').to_string();
    assert_eq!(recorded.org.as_deref(), Some(first_org.as_str()));

    // The same state store, pointed at another org: every remembered user would be
    // missing there. The engine refuses before reading or writing anything.
    let other = fake_org(12, 120).await;
    let dir = tempfile::tempdir().unwrap();
    let moved = engine_for(&other, &dir, s.state.clone()).await;
    let commits = s.state.commits();
    let refused = moved.plan(SyncMode::Auto).await.unwrap_err();
    assert_eq!(refused.code(), "CONFIG_INVALID", "{refused}");
    let text = refused.to_string();
    assert!(text.contains(&first_org), "{text}");
    assert!(text.contains(other.url().trim_end_matches('/')), "{text}");
    assert!(moved.run(RunOptions::default()).await.is_err());
    assert_eq!(s.state.commits(), commits, "a refused run committed");
    assert_eq!(s.state.load().unwrap(), recorded);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_applies_once_and_only_to_the_state_it_was_built_on() {
    let s = setup(300).await;
    s.engine.run(RunOptions::default()).await.unwrap();
    s.okta.advance(std::time::Duration::from_secs(600));
    let admins = s.okta.group_id("Okta Administrators").unwrap();
    let admin = s.okta.with_org(|org| {
        org.member_ids(&admins)
            .into_iter()
            .find(|id| org.user(id).is_some_and(|u| u.status == UserStatus::Active))
            .unwrap()
    });
    s.okta.deactivate(&admin).unwrap();
    s.okta.advance(std::time::Duration::from_secs(60));

    // Two plans on the same state, e.g. one saved for approval and a later one.
    let first = s.engine.plan(SyncMode::Auto).await.unwrap();
    let second = s.engine.plan(SyncMode::Auto).await.unwrap();
    assert!(
        first.counts.get("deactivate_login") == Some(&1),
        "{}",
        first.summary()
    );
    s.engine.apply(&first, None).await.unwrap();

    // Applied again, or the other plan applied after it: both were built before that
    // commit, so they are refused and nothing moves.
    let commits = s.state.commits();
    for stale in [&first, &second] {
        let refused = s.engine.apply(stale, None).await.unwrap_err();
        assert!(
            matches!(&refused, Error::Decode { path, .. } if path == "basis.state_commits"),
            "{refused}"
        );
    }
    assert_eq!(s.state.commits(), commits, "a refused plan committed");

    // A plan built now applies.
    let fresh = s.engine.plan(SyncMode::Auto).await.unwrap();
    s.engine.apply(&fresh, None).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_is_not_applied_to_another_store_at_the_same_commit() {
    // Two configurations on one org, each with its own state store and target, both after
    // their first import: their stores are at the same commit count.
    let s = setup(200).await;
    let other_dir = tempfile::tempdir().unwrap();
    let other_state = Arc::new(MemoryStateStore::new());
    let other = engine_for(&s.okta, &other_dir, other_state.clone()).await;
    s.engine.run(RunOptions::default()).await.unwrap();
    other.run(RunOptions::default()).await.unwrap();
    assert_eq!(s.state.commits(), other_state.commits());

    deactivate_some(&s, 1);
    let plan = s.engine.plan(SyncMode::Auto).await.unwrap();
    assert!(!plan.actions.is_empty(), "{}", plan.summary());

    let commits = other_state.commits();
    let refused = other.apply(&plan, None).await.unwrap_err();
    assert!(
        matches!(&refused, Error::Decode { path, .. } if path == "basis.state_id"),
        "{refused}"
    );
    assert_eq!(other_state.commits(), commits, "the other store moved");
    s.engine.apply(&plan, None).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_concurrent_applies_of_one_plan_only_one_writes() {
    let s = setup(200).await;
    s.engine.run(RunOptions::default()).await.unwrap();
    deactivate_some(&s, 3);
    let plan = s.engine.plan(SyncMode::Auto).await.unwrap();
    assert!(!plan.actions.is_empty(), "{}", plan.summary());

    let commits = s.state.commits();
    let (a, b) = tokio::join!(s.engine.apply(&plan, None), s.engine.apply(&plan, None));
    let (done, refused) = match (a, b) {
        (Ok(done), Err(refused)) | (Err(refused), Ok(done)) => (done, refused),
        (a, b) => panic!("expected exactly one apply to go through: {a:?} / {b:?}"),
    };
    assert!(done.failures.is_empty());
    // Refused either at its claim while the other apply held it, or as stale after.
    assert!(
        matches!(&refused, Error::Decode { path, .. } if path == "basis.state_commits")
            || refused.code() == "STATE",
        "{refused}"
    );
    // The claim and the commit of the one apply that wrote.
    assert_eq!(s.state.commits(), commits + 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_built_while_another_apply_is_writing_does_not_write() {
    let s = setup(200).await;
    s.engine.run(RunOptions::default()).await.unwrap();
    deactivate_some(&s, 1);

    // Another apply has claimed the state and is still writing (or stopped before its
    // commit): the state's content is unchanged, its revision is one further.
    let commits = s.state.commits();
    assert!(matches!(
        s.state.claim(commits, "sha256:other").unwrap(),
        Claim::Claimed(_)
    ));
    let during = s.engine.plan(SyncMode::Auto).await.unwrap();
    assert!(!during.actions.is_empty(), "{}", during.summary());
    let refused = s.engine.apply(&during, None).await.unwrap_err();
    assert_eq!(refused.code(), "STATE", "{refused}");
    assert!(
        refused.to_string().contains("sha256:other since "),
        "{refused}"
    );
    assert_eq!(
        s.state.commits(),
        commits + 1,
        "a refused apply moved the state"
    );

    // The other apply commits; the plan built during it is now stale, a new one applies.
    s.state
        .commit(&okta_sync_core::state::StateChanges::default())
        .unwrap();
    let stale = s.engine.apply(&during, None).await.unwrap_err();
    assert!(
        matches!(&stale, Error::Decode { path, .. } if path == "basis.state_commits"),
        "{stale}"
    );
    let fresh = s.engine.plan(SyncMode::Auto).await.unwrap();
    s.engine.apply(&fresh, None).await.unwrap();
}
