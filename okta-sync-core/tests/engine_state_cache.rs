//! A long-lived engine keeps the sync state in memory between runs. These tests check that
//! it plans exactly what a fresh engine over the same store plans (same plan hash), through
//! full → delta → delta, and after another engine wrote the store, and that it reloads when
//! it should: never planning from a stale copy, which could deactivate the wrong people.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use okta_fake::{FakeOkta, FakeOktaHandle, FakeOptions, FakeOrg, OrgSpec, RateLimits, UserStatus};
use okta_sync_core::config::{ConfigFormat, SecretProvider, SyncConfig};
use okta_sync_core::directory::{
    ConnectionCheck, DirectorySnapshot, DirectorySource, ReadObserver, ReadScope, UserLookup,
};
use okta_sync_core::engine::{SyncEngine, SyncMode};
use okta_sync_core::okta::OktaSource;
use okta_sync_core::plan::Plan;
use okta_sync_core::state::{
    Claim, CommitRevisions, SqliteStateStore, StateChanges, StateRevision, StateStore, SyncState,
};
use okta_sync_core::target::AssetTarget;
use okta_sync_core::target::local::LocalTarget;
use okta_sync_core::{Error, Result};
use secrecy::SecretString;
use serde_json::json;

#[derive(Debug)]
struct Token(String);

impl SecretProvider for Token {
    fn secret(&self, _name: &str) -> Option<SecretString> {
        Some(SecretString::from(self.0.clone()))
    }
}

/// Answers a read the engine already made with the same snapshot, so that two engines
/// planning one after the other see the same Okta (whose clock keeps ticking). A read
/// with a different scope goes to Okta: two engines disagreeing about the state ask for
/// different things.
struct Replay {
    okta: OktaSource,
    reads: Mutex<Vec<(ReadScope, DirectorySnapshot)>>,
    fetches: Mutex<Vec<(Vec<String>, Vec<UserLookup>)>>,
}

impl Replay {
    fn forget(&self) {
        self.reads.lock().unwrap().clear();
        self.fetches.lock().unwrap().clear();
    }
}

#[async_trait]
impl DirectorySource for Replay {
    async fn check_connection(&self) -> Result<ConnectionCheck> {
        self.okta.check_connection().await
    }

    async fn read(
        &self,
        scope: &ReadScope,
        observer: &dyn ReadObserver,
    ) -> Result<DirectorySnapshot> {
        let known = self
            .reads
            .lock()
            .unwrap()
            .iter()
            .find(|(s, _)| s == scope)
            .cloned();
        if let Some((_, snapshot)) = known {
            return Ok(snapshot);
        }
        let snapshot = self.okta.read(scope, observer).await?;
        self.reads
            .lock()
            .unwrap()
            .push((scope.clone(), snapshot.clone()));
        Ok(snapshot)
    }

    async fn fetch_users(&self, ids: &[String]) -> Result<Vec<UserLookup>> {
        let known = self
            .fetches
            .lock()
            .unwrap()
            .iter()
            .find(|(i, _)| i == ids)
            .cloned();
        if let Some((_, found)) = known {
            return Ok(found);
        }
        let found = self.okta.fetch_users(ids).await?;
        self.fetches
            .lock()
            .unwrap()
            .push((ids.to_vec(), found.clone()));
        Ok(found)
    }
}

/// A SQLite store that counts full loads and can fail a commit after writing it (the
/// worst kind of doubt: the store moved but the engine was told it did not).
struct Watched {
    inner: SqliteStateStore,
    loads: AtomicUsize,
    fail_next_commit: AtomicBool,
}

impl Watched {
    fn open(path: &std::path::Path) -> Arc<Self> {
        Arc::new(Watched {
            inner: SqliteStateStore::open(path).unwrap(),
            loads: AtomicUsize::new(0),
            fail_next_commit: AtomicBool::new(false),
        })
    }

    fn loads(&self) -> usize {
        self.loads.load(Ordering::SeqCst)
    }
}

impl StateStore for Watched {
    fn load(&self) -> Result<SyncState> {
        self.load_with_revision().map(|(s, _)| s)
    }

    fn commit(&self, changes: &StateChanges) -> Result<()> {
        self.commit_with_revision(changes).map(|_| ())
    }

    fn revision(&self) -> Result<Option<StateRevision>> {
        self.inner.revision()
    }

    fn load_with_revision(&self) -> Result<(SyncState, Option<StateRevision>)> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        self.inner.load_with_revision()
    }

    fn commit_with_revision(&self, changes: &StateChanges) -> Result<Option<CommitRevisions>> {
        let step = self.inner.commit_with_revision(changes)?;
        if self.fail_next_commit.swap(false, Ordering::SeqCst) {
            return Err(Error::state("commit", "injected failure after the write"));
        }
        Ok(step)
    }

    fn store_id(&self) -> Result<Option<String>> {
        self.inner.store_id()
    }

    fn claim(&self, expected_commits: u64, holder: &str) -> Result<Claim> {
        self.inner.claim(expected_commits, holder)
    }
}

struct Setup {
    okta: FakeOktaHandle,
    config: SyncConfig,
    source: Arc<Replay>,
    target: Arc<dyn AssetTarget>,
    state_path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Setup {
    async fn new(users: usize) -> Setup {
        let org = FakeOrg::generate(&OrgSpec {
            seed: 23,
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
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
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
      - {{ target: Title, source: profile.title }}
    inactive: {{ field: Status, inactive_value: Inactive, active_value: Active }}
"#,
            url = okta.url(),
            target = dir.path().join("target.sqlite").display(),
        );
        let config = SyncConfig::from_str(&yaml, ConfigFormat::Yaml).unwrap();
        let token = Token(okta.token());
        let source = Arc::new(Replay {
            okta: OktaSource::new(&config.okta, Some(&token)).unwrap(),
            reads: Mutex::default(),
            fetches: Mutex::default(),
        });
        let target: Arc<dyn AssetTarget> =
            Arc::new(LocalTarget::open(dir.path().join("target.sqlite")).unwrap());
        Setup {
            okta,
            config,
            source,
            target,
            state_path: dir.path().join("state.sqlite"),
            _dir: dir,
        }
    }

    fn engine(&self, store: Arc<dyn StateStore>) -> SyncEngine {
        SyncEngine::new(
            self.config.clone(),
            self.source.clone(),
            self.target.clone(),
            store,
            None,
        )
        .unwrap()
    }

    /// An engine that has never run, with its own connection to the state file.
    fn fresh(&self) -> SyncEngine {
        self.engine(Arc::new(SqliteStateStore::open(&self.state_path).unwrap()))
    }

    /// Plans with `kept` and with a fresh engine on the same Okta reads; they must agree.
    async fn plan_both(&self, kept: &SyncEngine, what: &str) -> Plan {
        self.source.forget();
        let plan = kept.plan(SyncMode::Auto).await.unwrap();
        let fresh = self.fresh().plan(SyncMode::Auto).await.unwrap();
        assert_eq!(
            plan.hash,
            fresh.hash,
            "{what}: the long-lived engine planned\n{}\na fresh engine planned\n{}",
            plan.summary(),
            fresh.summary()
        );
        plan
    }

    /// Moves the clock past the last run, so that what changes next is a delta.
    fn later(&self) {
        self.okta.advance(Duration::from_secs(600));
    }

    fn active_users(&self) -> Vec<String> {
        self.okta
            .with_org(|org| org.users_with_status(UserStatus::Active))
    }
}

fn destructive_for(plan: &Plan, okta_id: &str) -> bool {
    plan.actions
        .iter()
        .any(|a| a.okta_id == okta_id && a.is_destructive())
}

fn email_of(okta: &FakeOktaHandle, id: &str) -> serde_json::Value {
    okta.with_org(|org| org.profile_value(org.user(id).unwrap(), "email"))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_lived_engine_plans_what_a_fresh_engine_plans() {
    let s = Setup::new(400).await;
    let store = Watched::open(&s.state_path);
    let engine = s.engine(store.clone());

    let full = s.plan_both(&engine, "full import").await;
    assert!(full.first_import);
    engine.apply(&full, None).await.unwrap();

    // Delta 1: new emails (identities move in the index), a deactivation, a new user.
    s.later();
    let active = s.active_users();
    let first_email = email_of(&s.okta, &active[0]);
    for (i, id) in active.iter().take(3).enumerate() {
        s.okta
            .update_profile(id, json!({ "email": format!("moved{i}@example.com") }))
            .unwrap();
    }
    s.okta.deactivate(&active[3]).unwrap();
    s.okta
        .create_user(
            json!({ "login": "new.person@example.com", "email": "new.person@example.com",
                    "firstName": "New", "lastName": "Person" }),
            true,
        )
        .unwrap();
    s.later();
    let delta = s.plan_both(&engine, "delta 1").await;
    assert!(!delta.first_import);
    assert!(destructive_for(&delta, &active[3]), "{}", delta.summary());
    engine.apply(&delta, None).await.unwrap();

    // Delta 2: the deactivated user is deleted, another changes title, one takes the
    // email the first user gave up, and one takes an email someone holds now (a conflict).
    s.later();
    s.okta.delete_user(&active[3]).unwrap();
    s.okta
        .update_profile(&active[4], json!({ "title": "Changed" }))
        .unwrap();
    s.okta
        .update_profile(&active[5], json!({ "email": first_email }))
        .unwrap();
    assert_eq!(email_of(&s.okta, &active[1]), json!("moved1@example.com"));
    s.okta
        .update_profile(&active[6], json!({ "email": "moved1@example.com" }))
        .unwrap();
    s.later();
    let delta = s.plan_both(&engine, "delta 2").await;
    assert!(!delta.actions.is_empty(), "{}", delta.summary());
    engine.apply(&delta, None).await.unwrap();

    // Three runs, one load: the copy was kept and brought forward over each commit.
    assert_eq!(store.loads(), 1, "the long-lived engine reloaded its state");

    // Nothing changed: both plan no write (the conflict is reported again).
    s.later();
    let quiet = s.plan_both(&engine, "quiet delta").await;
    assert!(
        quiet.actions.iter().all(|a| !a.kind.writes()),
        "{}",
        quiet.summary()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_by_another_engine_is_seen_by_the_long_lived_one() {
    let s = Setup::new(300).await;
    let store = Watched::open(&s.state_path);
    let engine = s.engine(store.clone());
    let full = s.plan_both(&engine, "full import").await;
    engine.apply(&full, None).await.unwrap();
    assert_eq!(store.loads(), 1);

    // Another process (its own connection to the file) deactivates someone. Had the
    // long-lived engine planned from its copy, it would still see an active link and plan
    // the deactivation again.
    s.later();
    let victim = s.active_users()[0].clone();
    s.okta.deactivate(&victim).unwrap();
    s.later();
    s.source.forget();
    let other = s.fresh();
    let theirs = other.plan(SyncMode::Auto).await.unwrap();
    assert!(destructive_for(&theirs, &victim), "{}", theirs.summary());
    other.apply(&theirs, None).await.unwrap();

    s.later();
    let after = s.plan_both(&engine, "after another process wrote").await;
    assert!(
        !after.actions.iter().any(|a| a.okta_id == victim),
        "{}",
        after.summary()
    );
    assert_eq!(
        store.loads(),
        2,
        "the write by another process was not noticed"
    );
    engine.apply(&after, None).await.unwrap();

    // Another engine sharing the very same store object (one connection) writes: the
    // store's own commit counter tells.
    s.later();
    let second = s.active_users()[0].clone();
    s.okta.deactivate(&second).unwrap();
    s.later();
    s.source.forget();
    let sibling = s.engine(store.clone());
    let theirs = sibling.plan(SyncMode::Auto).await.unwrap();
    sibling.apply(&theirs, None).await.unwrap();
    let loads = store.loads();
    s.later();
    let after = s.plan_both(&engine, "after a sibling engine wrote").await;
    assert!(
        !after.actions.iter().any(|a| a.okta_id == second),
        "{}",
        after.summary()
    );
    assert_eq!(
        store.loads(),
        loads + 1,
        "the sibling's commit was not noticed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_commit_makes_the_next_run_reload() {
    let s = Setup::new(300).await;
    let store = Watched::open(&s.state_path);
    let engine = s.engine(store.clone());
    let full = s.plan_both(&engine, "full import").await;
    engine.apply(&full, None).await.unwrap();

    s.later();
    let victim = s.active_users()[0].clone();
    s.okta.deactivate(&victim).unwrap();
    s.later();
    let delta = s.plan_both(&engine, "delta").await;
    store.fail_next_commit.store(true, Ordering::SeqCst);
    engine.apply(&delta, None).await.unwrap_err();

    // The store did take the commit; the engine, in doubt, must not trust its copy.
    let loads = store.loads();
    s.later();
    let after = s.plan_both(&engine, "after a failed commit").await;
    assert!(
        !after.actions.iter().any(|a| a.okta_id == victim),
        "{}",
        after.summary()
    );
    assert_eq!(store.loads(), loads + 1);
}
