//! Inputs shared by the planning benchmarks: a generated org turned into the planner's
//! inputs, the state a full import leaves behind, and a delta of changed users.
//!
//! The org comes from `okta-fake`'s generator, so every size is reproducible from a seed,
//! and users go through the same decoding as users read from Okta.

#![allow(dead_code)] // each bench binary uses part of this module

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use okta_fake::{FakeOrg, OrgSpec};
use okta_sync_core::config::{ConfigFormat, SyncConfig};
use okta_sync_core::directory::{DirectorySnapshot, GroupMembers};
use okta_sync_core::model::{DirectoryUser, Group, GroupType, decode_users};
use okta_sync_core::plan::{ActionKind, Plan, PlanInput, build_plan};
use okta_sync_core::state::SyncState;
use okta_sync_core::target::{Capabilities, TargetHoldings, TargetLogin, TargetRecord};
use serde_json::Value;

/// Two record mappings (one filtered by department and status, one of every active
/// person) and one login mapping driven by two groups.
pub const CONFIG: &str = r#"
okta:
  org_url: https://example.okta.com
  token: { env: OKTA_API_TOKEN }
target:
  kind: local
  path: /tmp/okta-sync-bench-unused.sqlite
unique_identifier: email
mappings:
  - kind: login
    name: logins
    groups:
      - { group: Okta Administrators, role: Administrator }
      - { group: Asset Managers, role: Asset Manager }
    fields:
      - { target: Email, source: profile.email, transforms: [trim, lower], required: true }
      - { target: First Name, source: profile.firstName }
      - { target: Last Name, source: profile.lastName }
  - kind: record
    name: employees
    collection: Employees
    filters:
      department: [Engineering, Sales]
      status: [ACTIVE, PROVISIONED, RECOVERY, PASSWORD_EXPIRED, LOCKED_OUT, SUSPENDED]
    fields:
      - { target: Email, source: profile.email, transforms: [trim, lower], required: true }
      - { target: Name, source: "{profile.firstName} {profile.lastName}" }
      - { target: Department, source: profile.department }
      - { target: Title, source: profile.title, transforms: [{ default: "-" }] }
      - { target: Employee Number, source: profile.employeeNumber }
      - { target: Hire Date, source: profile.hireDate, transforms: [{ date_format: "%d %b %Y" }] }
    okta_id_field: Okta ID
    inactive: { field: Status, inactive_value: Inactive, active_value: Active }
  - kind: record
    name: people
    collection: People
    filters:
      status: [ACTIVE]
    fields:
      - { target: Email, source: profile.email, transforms: [trim, lower], required: true }
      - { target: Name, source: "{profile.firstName} {profile.lastName}" }
      - { target: Cost Center, source: profile.costCenter }
      - { target: City, source: profile.city }
    okta_id_field: Okta ID
    inactive: { field: Status, inactive_value: Inactive, active_value: Active }
deprovisioning:
  missing_without_event: report
"#;

/// The groups the login mapping names.
pub const LOGIN_GROUPS: [&str; 2] = ["Okta Administrators", "Asset Managers"];

/// The benchmark configuration.
pub fn config() -> SyncConfig {
    SyncConfig::from_str(CONFIG, ConfigFormat::Yaml).expect("bench configuration is valid")
}

/// A generated org and its planner inputs.
pub struct Org {
    /// The org's clock at generation.
    pub now: DateTime<Utc>,
    /// A full listing of every user and the login mapping's groups.
    pub snapshot: DirectorySnapshot,
}

/// Generates an org of `users` people and decodes its users as the Okta source would.
pub fn org(users: usize, seed: u64) -> Org {
    let fake = FakeOrg::generate(&OrgSpec {
        seed,
        users,
        ..OrgSpec::default()
    });
    let now = okta_fake::default_start();
    let base = "http://127.0.0.1:1";
    let ids = fake.user_ids();
    let mut decoded = Vec::with_capacity(ids.len());
    // Pages of 200 as Okta sends them, decoded with the source's decoder.
    for page in ids.chunks(200) {
        let json: Vec<Value> = page
            .iter()
            .filter_map(|id| fake.user(id))
            .map(|u| fake.user_json(u, base))
            .collect();
        let bytes = serde_json::to_vec(&json).expect("users serialize");
        decoded.extend(decode_users(&bytes, "users page").expect("generated users decode"));
    }
    let mut groups = BTreeMap::new();
    for name in LOGIN_GROUPS {
        let Some(gid) = fake.group_id(name) else {
            continue;
        };
        let g = fake.group(&gid).expect("group exists");
        groups.insert(
            name.to_string(),
            GroupMembers {
                group: Group {
                    id: g.id.clone(),
                    group_type: GroupType::OktaGroup,
                    name: g.name.clone(),
                    description: g.description.clone(),
                    last_updated: Some(g.last_updated),
                    last_membership_updated: Some(g.last_membership_updated),
                },
                member_ids: fake.member_ids(&gid),
                complete: true,
            },
        );
    }
    let snapshot = DirectorySnapshot {
        full: true,
        users: decoded,
        users_complete: true,
        groups,
        server_time: Some(now),
        ..DirectorySnapshot::default()
    };
    Org { now, snapshot }
}

/// Holdings of an empty target that was listed (a first import).
pub fn empty_holdings(config: &SyncConfig) -> BTreeMap<String, TargetHoldings> {
    config
        .mappings
        .iter()
        .map(|m| {
            (
                m.name().to_string(),
                TargetHoldings {
                    listed: true,
                    ..TargetHoldings::default()
                },
            )
        })
        .collect()
}

/// Capabilities of a target that can do everything, batches of 100.
pub fn capabilities() -> Capabilities {
    Capabilities::all(100)
}

/// Plans a first import of `snapshot`.
pub fn full_plan(config: &SyncConfig, snapshot: &DirectorySnapshot, now: DateTime<Utc>) -> Plan {
    let holdings = empty_holdings(config);
    let capabilities = capabilities();
    let state = SyncState::default();
    let input = PlanInput::new(config, snapshot, &holdings, &capabilities, &state, now);
    build_plan(&input).expect("plan builds")
}

/// The id the target gives a created entry in these benchmarks.
pub fn target_id(mapping: &str, okta_id: &str) -> String {
    format!("{mapping}-{okta_id}")
}

/// The state a successful apply of `plan` leaves: its state changes with the created
/// entries' ids filled in, as `apply` does with the ids the target returns.
pub fn state_after(plan: &Plan) -> SyncState {
    let mut changes = plan.state_changes.clone();
    for ((mapping, okta_id), link) in &mut changes.links {
        if let Some(link) = link {
            if link.target_id.is_empty() {
                link.target_id = target_id(mapping, okta_id);
            }
        }
    }
    let mut state = SyncState::default();
    state.apply(&changes);
    state
}

/// A delta: `changes` users spread over the org, each with a new title and city and a
/// later `lastUpdated`, plus what the target lookups return for them (the entries the
/// full import created, with the values it wrote).
pub struct Delta {
    /// The delta snapshot.
    pub snapshot: DirectorySnapshot,
    /// The target lookups' results.
    pub holdings: BTreeMap<String, TargetHoldings>,
    /// Okta's time for the delta.
    pub now: DateTime<Utc>,
}

/// Builds a delta of `changes` changed users of `org`, given the full import's `plan`.
pub fn delta(org: &Org, plan: &Plan, changes: usize) -> Delta {
    let users = &org.snapshot.users;
    let step = (users.len() / changes.max(1)).max(1);
    let now = org.now + TimeDelta::hours(1);
    let changed: Vec<DirectoryUser> = users
        .iter()
        .step_by(step)
        .take(changes)
        .enumerate()
        .map(|(i, u)| {
            let mut u = u.clone();
            u.profile
                .insert("title".into(), Value::String(format!("Changed title {i}")));
            u.profile
                .insert("city".into(), Value::String("Lisbon".to_string()));
            u.last_updated = Some(now - TimeDelta::minutes(5));
            u
        })
        .collect();
    let wanted: rustc_hash::FxHashSet<&str> = changed.iter().map(|u| u.id.as_str()).collect();
    let mut holdings: BTreeMap<String, TargetHoldings> = BTreeMap::new();
    for action in &plan.actions {
        if !wanted.contains(action.okta_id.as_str()) {
            continue;
        }
        let held = holdings.entry(action.mapping.clone()).or_default();
        let id = target_id(&action.mapping, &action.okta_id);
        match &action.kind {
            ActionKind::CreateRecord { fields, .. } => held.records.push(TargetRecord {
                id,
                fields: fields.clone(),
            }),
            ActionKind::CreateLogin {
                email,
                role,
                fields,
                ..
            } => held.logins.push(TargetLogin {
                id,
                email: email.clone(),
                role: Some(role.clone()),
                active: true,
                fields: fields.clone(),
            }),
            _ => {}
        }
    }
    let snapshot = DirectorySnapshot {
        full: false,
        users: changed,
        users_complete: true,
        server_time: Some(now),
        ..DirectorySnapshot::default()
    };
    Delta {
        snapshot,
        holdings,
        now,
    }
}
