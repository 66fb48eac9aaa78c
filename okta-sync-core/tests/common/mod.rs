//! Shared test support: an in-memory target, an in-memory Okta org, configurations, and a
//! harness that runs plan → apply → commit the way the engine does.
#![allow(dead_code)]

pub mod org;
pub mod target;

use std::collections::BTreeMap;

use okta_sync_core::config::{ConfigFormat, SyncConfig};
use okta_sync_core::directory::DirectorySnapshot;
use okta_sync_core::plan::{
    ApplyOptions, ApplyOutcome, Approval, NoopObserver, Plan, PlanInput, StateIndex, apply,
    build_plan, ids_to_fetch, target_lookups,
};
use okta_sync_core::state::{MemoryStateStore, StateStore, SyncState};
use okta_sync_core::target::{AssetTarget, TargetHoldings};

pub use org::Org;
#[allow(unused_imports)]
pub use target::{Fault, MemoryTarget};

/// Okta ids of the fixture users, by first name.
pub mod ids {
    pub const DANA: &str = "00usyn00000000000001";
    pub const SAM: &str = "00usyn00000000000002";
    pub const PRIYA: &str = "00usyn00000000000003";
    pub const LEE: &str = "00usyn00000000000004";
    pub const ALEX: &str = "00usyn00000000000005";
    pub const JAMIE: &str = "00usyn00000000000006";
    pub const ROBIN: &str = "00usyn00000000000007";
    pub const CASEY: &str = "00usyn00000000000008";
    pub const TAYLOR: &str = "00usyn00000000000009";
    pub const MORGAN: &str = "00usyn00000000000010";
    pub const JORDAN: &str = "00usyn00000000000011";
}

/// The scenario configuration: Engineering people as records (opting in to an inactive
/// marker, with one field Asset Panda owns), and two login groups.
pub const SCENARIO_CONFIG: &str = r#"
okta:
  org_url: https://example.okta.com
  token: { env: OKTA_API_TOKEN }
target:
  kind: local
  path: /tmp/unused.db
unique_identifier: email
mappings:
  - kind: record
    name: engineering
    collection: Employees
    filters:
      department: [Engineering]
    fields:
      - { target: Name, source: "{profile.firstName} {profile.lastName}", required: true }
      - { target: Email, source: profile.email, transforms: [trim, lower], required: true }
      - { target: Department, source: profile.department }
      - { target: Title, source: profile.title }
      - { target: Location, source: profile.city }
    target_owned_fields: [Location]
    okta_id_field: Okta ID
    inactive: { field: Status, inactive_value: Inactive, active_value: Active }
  - kind: login
    name: admins
    groups:
      - { group: Asset Admins, role: Administrator }
      - { group: IT Staff, role: Manager }
    fields:
      - { target: Email, source: profile.email, transforms: [trim, lower], required: true }
      - { target: First Name, source: profile.firstName }
      - { target: Last Name, source: profile.lastName }
"#;

pub fn config(yaml: &str) -> SyncConfig {
    SyncConfig::from_str(yaml, ConfigFormat::Yaml).expect("test configuration is valid")
}

/// The scenario org: the ten fixture users; Dana and Morgan in Asset Admins; Dana, Jamie
/// and Casey in IT Staff (Dana is in both).
pub fn scenario_org() -> Org {
    use ids::*;
    Org::from_fixture(&[
        ("Asset Admins", &[DANA, MORGAN]),
        ("IT Staff", &[DANA, JAMIE, CASEY]),
    ])
}

/// Runs plan → apply → commit like the engine.
pub struct Harness {
    pub config: SyncConfig,
    pub target: MemoryTarget,
    pub store: Box<dyn StateStore>,
    pub index: StateIndex,
    pub options: ApplyOptions,
    /// Fetch by id what the planner asks for (as the engine does); off to see how the
    /// planner copes without.
    pub fetch_by_id: bool,
    /// Hand the kept state index to the planner (as a long-running engine does); off to
    /// let the planner build its lookups itself.
    pub pass_index: bool,
}

impl Harness {
    pub fn new(config: SyncConfig, target: MemoryTarget) -> Self {
        Harness {
            config,
            target,
            store: Box::new(MemoryStateStore::new()),
            index: StateIndex::default(),
            options: ApplyOptions {
                retry_delay: std::time::Duration::from_millis(1),
                ..ApplyOptions::default()
            },
            fetch_by_id: true,
            pass_index: true,
        }
    }

    pub fn state(&self) -> SyncState {
        self.store.load().unwrap()
    }

    /// Adds what the engine fetches by id (found users, 404s) to the snapshot.
    pub fn fetch(
        &self,
        org: &Org,
        mut snapshot: DirectorySnapshot,
    ) -> (DirectorySnapshot, Vec<String>) {
        let state = self.state();
        let mut not_found = Vec::new();
        if !self.fetch_by_id {
            return (snapshot, not_found);
        }
        for id in ids_to_fetch(&snapshot, &state) {
            match org.users.get(&id) {
                Some(user) => snapshot.users.push(user.clone()),
                None => not_found.push(id),
            }
        }
        (snapshot, not_found)
    }

    /// What the target holds: a full listing for a full plan, lookups for a delta.
    pub async fn holdings(&self, snapshot: &DirectorySnapshot) -> BTreeMap<String, TargetHoldings> {
        let mut holdings = BTreeMap::new();
        for mapping in &self.config.mappings {
            let h = if snapshot.full {
                self.target.holdings(mapping).await.unwrap()
            } else {
                TargetHoldings::default()
            };
            holdings.insert(mapping.name().to_string(), h);
        }
        if !snapshot.full {
            for lookup in target_lookups(&self.config, snapshot) {
                let mapping = self
                    .config
                    .mappings
                    .iter()
                    .find(|m| m.name() == lookup.mapping)
                    .unwrap();
                let found = self
                    .target
                    .lookup(mapping, &lookup.field, &lookup.values)
                    .await
                    .unwrap();
                let into = holdings.get_mut(&lookup.mapping).unwrap();
                for r in found.records {
                    if !into.records.iter().any(|x| x.id == r.id) {
                        into.records.push(r);
                    }
                }
                for l in found.logins {
                    if !into.logins.iter().any(|x| x.id == l.id) {
                        into.logins.push(l);
                    }
                }
            }
        }
        holdings
    }

    /// Builds the plan for `snapshot` (after fetching what the planner asks for).
    pub async fn plan(&self, org: &Org, snapshot: DirectorySnapshot) -> Plan {
        let (snapshot, not_found) = self.fetch(org, snapshot);
        let state = self.state();
        let holdings = self.holdings(&snapshot).await;
        let capabilities = self.target.capabilities();
        let mut input = PlanInput::new(
            &self.config,
            &snapshot,
            &holdings,
            &capabilities,
            &state,
            org.clock,
        );
        input.not_found = &not_found;
        if self.pass_index {
            input.index = Some(&self.index);
        }
        let plan = build_plan(&input).unwrap();
        // The same input always gives the same plan.
        assert_eq!(build_plan(&input).unwrap(), plan);
        plan
    }

    /// Applies `plan` and commits, keeping the index current.
    pub async fn apply(
        &mut self,
        plan: &Plan,
        approve: bool,
    ) -> okta_sync_core::Result<ApplyOutcome> {
        let mut options = self.options.clone();
        if approve {
            options.approval = Some(Approval {
                plan_hash: plan.hash.clone(),
            });
        }
        let outcome = apply(plan, &self.target, &options, &NoopObserver).await?;
        let before = self.state();
        self.index.apply(&before, &outcome.state_changes);
        self.store.commit(&outcome.state_changes).unwrap();
        Ok(outcome)
    }

    /// Plan and apply (approving a tripped brake when `approve`).
    pub async fn sync(
        &mut self,
        org: &Org,
        snapshot: DirectorySnapshot,
        approve: bool,
    ) -> (Plan, ApplyOutcome) {
        let plan = self.plan(org, snapshot).await;
        let outcome = self.apply(&plan, approve).await.unwrap();
        (plan, outcome)
    }
}
