//! Planner benchmark: a full plan over a large org, and a delta of 100 changes against the
//! state of that org.
//!
//! Targets: a delta of 100 changes against a 1M-user state in ≤ 50 ms, a full plan of 1M
//! users in ≤ 2 s (release build). Run with
//! `cargo bench -p okta-sync-core --bench plan` (`OKTA_SYNC_BENCH_USERS=200000` for a
//! smaller org).
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use okta_sync_core::config::{ConfigFormat, SyncConfig};
use okta_sync_core::directory::{DirectorySnapshot, GroupMembers};
use okta_sync_core::model::{DirectoryUser, Group, GroupType, UserStatus};
use okta_sync_core::plan::{ActionKind, PlanInput, StateIndex, build_plan};
use okta_sync_core::state::SyncState;
use okta_sync_core::target::{Capabilities, TargetHoldings, TargetLogin, TargetRecord};
use serde_json::{Map, json};

const CONFIG: &str = r#"
okta: { org_url: "https://example.okta.com", token: { env: OKTA_API_TOKEN } }
target: { kind: local, path: /tmp/unused.db }
unique_identifier: email
mappings:
  - kind: record
    name: people
    collection: People
    filters: { department: [Engineering, Sales, Support] }
    fields:
      - { target: Name, source: "{profile.firstName} {profile.lastName}" }
      - { target: Email, source: profile.email, transforms: [trim, lower], required: true }
      - { target: Department, source: profile.department }
      - { target: Title, source: profile.title }
    inactive: { field: Status, inactive_value: Inactive, active_value: Active }
  - kind: login
    name: logins
    groups: [ { group: Admins, role: Administrator } ]
    fields:
      - { target: Email, source: profile.email, required: true }
      - { target: First Name, source: profile.firstName }
"#;

const DEPARTMENTS: [&str; 4] = ["Engineering", "Sales", "Support", "Finance"];

fn user(i: usize, at: DateTime<Utc>, title: &str) -> DirectoryUser {
    let mut profile = Map::new();
    profile.insert("firstName".into(), json!(format!("First{i}")));
    profile.insert("lastName".into(), json!(format!("Last{i}")));
    profile.insert("email".into(), json!(format!("user{i}@example.com")));
    profile.insert("login".into(), json!(format!("user{i}@example.com")));
    profile.insert("department".into(), json!(DEPARTMENTS[i % 4]));
    profile.insert("title".into(), json!(title));
    DirectoryUser {
        id: format!("00u{i:017}"),
        status: UserStatus::Active,
        transitioning_to_status: None,
        created: None,
        activated: None,
        status_changed: None,
        last_login: None,
        last_updated: Some(at),
        password_changed: None,
        user_type: None,
        profile,
        provider: None,
    }
}

fn admins(n: usize, at: DateTime<Utc>) -> GroupMembers {
    let mut member_ids: Vec<String> = (0..n).step_by(100).map(|i| format!("00u{i:017}")).collect();
    member_ids.sort();
    GroupMembers {
        group: Group {
            id: "00gadmins".into(),
            group_type: GroupType::OktaGroup,
            name: "Admins".into(),
            description: None,
            last_updated: Some(at),
            last_membership_updated: Some(at),
        },
        member_ids,
        complete: true,
    }
}

/// This process's CPU time (user + system) in milliseconds, from `/proc/self/stat`, so
/// that a busy shared machine does not distort the figures; `None` off Linux.
fn cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks * 10.0) // USER_HZ is 100 on Linux
}

fn timed<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let cpu = cpu_ms();
    let start = Instant::now();
    let out = f();
    let wall = start.elapsed().as_secs_f64() * 1000.0;
    match (cpu, cpu_ms()) {
        (Some(a), Some(b)) => println!("{label}: {wall:.1} ms wall, {:.0} ms CPU", b - a),
        _ => println!("{label}: {wall:.1} ms"),
    }
    out
}

fn main() {
    let n: usize = std::env::var("OKTA_SYNC_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let config = SyncConfig::from_str(CONFIG, ConfigFormat::Yaml).unwrap();
    let capabilities = Capabilities::all(5);
    let t0: DateTime<Utc> = "2026-05-28T12:00:00Z".parse().unwrap();
    println!("org of {n} users");

    let directory = DirectorySnapshot {
        full: true,
        // Most people were last changed long before any sync.
        users: (0..n)
            .map(|i| user(i, t0 - Duration::days(30), "Engineer"))
            .collect(),
        users_complete: true,
        groups: [("Admins".to_string(), admins(n, t0))].into(),
        server_time: Some(t0),
        ..DirectorySnapshot::default()
    };

    // First import: everything is a create.
    let empty_state = SyncState::default();
    let no_holdings: BTreeMap<String, TargetHoldings> = BTreeMap::new();
    let input = PlanInput::new(
        &config,
        &directory,
        &no_holdings,
        &capabilities,
        &empty_state,
        t0,
    );
    let first = timed("full plan, first import", || build_plan(&input).unwrap());

    // Pretend it was applied: give every created entry an id, build the holdings.
    let mut changes = first.state_changes.clone();
    let mut people = TargetHoldings {
        listed: true,
        ..TargetHoldings::default()
    };
    let mut logins = TargetHoldings {
        listed: true,
        ..TargetHoldings::default()
    };
    for (at, action) in first.actions.iter().enumerate() {
        let key = (action.mapping.clone(), action.okta_id.clone());
        let id = format!("t{at}");
        if let Some(Some(link)) = changes.links.get_mut(&key) {
            link.target_id.clone_from(&id);
        }
        match &action.kind {
            ActionKind::CreateRecord { fields, .. } => people.records.push(TargetRecord {
                id,
                fields: fields.clone(),
            }),
            ActionKind::CreateLogin {
                email,
                role,
                fields,
            } => logins.logins.push(TargetLogin {
                id,
                email: email.clone(),
                role: Some(role.clone()),
                active: true,
                fields: fields.clone(),
            }),
            _ => {}
        }
    }
    let mut state = SyncState::default();
    state.apply(&changes);
    drop(first);
    let holdings: BTreeMap<String, TargetHoldings> = [
        ("people".to_string(), people),
        ("logins".to_string(), logins),
    ]
    .into();

    // Steady state: a full reconcile where nothing changed.
    let t1 = t0 + Duration::days(7);
    let input = PlanInput::new(&config, &directory, &holdings, &capabilities, &state, t1);
    let reconcile = timed("full plan, nothing changed", || build_plan(&input).unwrap());
    assert!(
        reconcile.actions.is_empty(),
        "{:?}",
        &reconcile.actions[..3]
    );
    drop(reconcile);
    drop(directory);

    // A delta of 100 changed users against the whole state, with a kept index.
    let index = timed("state index (built once per process)", || {
        StateIndex::new(&state)
    });
    let t2 = t1 + Duration::hours(1);
    let delta = DirectorySnapshot {
        full: false,
        users: (0..100).map(|k| user(k * 9_973 % n, t2, "Lead")).collect(),
        users_complete: true,
        server_time: Some(t2),
        ..DirectorySnapshot::default()
    };
    let changed: BTreeMap<String, TargetHoldings> = holdings
        .iter()
        .map(|(name, h)| {
            let ids: std::collections::BTreeSet<&str> =
                delta.users.iter().map(|u| u.id.as_str()).collect();
            let linked: std::collections::BTreeSet<&str> = state.links[name]
                .iter()
                .filter(|(okta, _)| ids.contains(okta.as_str()))
                .map(|(_, l)| l.target_id.as_str())
                .collect();
            let mut h = h.clone();
            h.records.retain(|r| linked.contains(r.id.as_str()));
            h.logins.retain(|l| linked.contains(l.id.as_str()));
            h.listed = false;
            (name.clone(), h)
        })
        .collect();
    let mut input = PlanInput::new(&config, &delta, &changed, &capabilities, &state, t2);
    input.index = Some(&index);
    let mut best = f64::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        let plan = build_plan(&input).unwrap();
        best = best.min(start.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(plan.counts.get("update_record").copied().unwrap_or(0), 75);
    }
    println!("delta plan, 100 changes: {best:.2} ms (best of 5)");
}
