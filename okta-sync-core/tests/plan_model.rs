//! Model-based property test of delta syncs.
//!
//! Random sequences of directory changes (creates, profile edits, status changes along
//! Okta's lifecycle, deletions, group adds and removes), each followed by a delta sync.
//! After every step:
//!
//! - what the target holds (active records and logins) equals what a fresh full import of
//!   the same directory produces, and both equal what the model says should be there,
//!   worked out here from the directory alone;
//! - no step deactivated a login or marked a record inactive for a user who is active and
//!   in scope, nothing was created twice, and no write failed;
//! - the incrementally maintained state index equals one rebuilt from the state.

mod common;

use std::collections::BTreeSet;

use common::org::derived_user;
use common::{Harness, MemoryTarget, Org, config};
use okta_sync_core::model::UserStatus;
use okta_sync_core::plan::{ActionKind, Plan, StateIndex};
use okta_sync_core::state::SqliteStateStore;
use proptest::prelude::*;
use serde_json::{Value, json};

const MODEL_CONFIG: &str = r#"
okta:
  org_url: https://example.okta.com
  token: { env: OKTA_API_TOKEN }
target:
  kind: local
  path: /tmp/unused.db
unique_identifier: email
mappings:
  - kind: record
    name: people
    collection: People
    filters:
      department: [Engineering, Sales]
    fields:
      - { target: Email, source: profile.email, required: true }
      - { target: Name, source: profile.firstName }
      - { target: Department, source: profile.department }
    okta_id_field: Okta ID
    inactive: { field: Status, inactive_value: Inactive, active_value: Active }
  - kind: login
    name: logins
    groups:
      - { group: Admins, role: Administrator }
      - { group: Staff, role: Collaborator }
    fields:
      - { target: Email, source: profile.email, required: true }
      - { target: First Name, source: profile.firstName }
"#;

const DEPARTMENTS: [Option<&str>; 4] = [Some("Engineering"), Some("Sales"), Some("Finance"), None];
const NAMES: [&str; 3] = ["Ada", "Grace", "Alan"];
const GROUPS: [&str; 2] = ["Admins", "Staff"];

/// One change to the directory. User indexes pick among the users that exist.
#[derive(Debug, Clone)]
enum Op {
    Create {
        department: usize,
        staged: bool,
    },
    Rename {
        user: usize,
        name: usize,
    },
    ChangeEmail {
        user: usize,
    },
    MoveDepartment {
        user: usize,
        department: usize,
    },
    Status {
        user: usize,
        to: usize,
    },
    Delete {
        user: usize,
    },
    Join {
        user: usize,
        group: usize,
    },
    Leave {
        user: usize,
        group: usize,
    },
    /// The weekly full reconcile instead of a delta.
    Reconcile,
    /// An admin edits a managed record and a login by hand; a full reconcile follows.
    Tamper {
        user: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (0..DEPARTMENTS.len(), any::<bool>())
            .prop_map(|(department, staged)| Op::Create { department, staged }),
        1 => (any::<usize>(), 0..NAMES.len()).prop_map(|(user, name)| Op::Rename { user, name }),
        1 => any::<usize>().prop_map(|user| Op::ChangeEmail { user }),
        2 => (any::<usize>(), 0..DEPARTMENTS.len())
            .prop_map(|(user, department)| Op::MoveDepartment { user, department }),
        3 => (any::<usize>(), 0..UserStatus::KNOWN.len()).prop_map(|(user, to)| Op::Status { user, to }),
        1 => any::<usize>().prop_map(|user| Op::Delete { user }),
        2 => (any::<usize>(), 0..GROUPS.len()).prop_map(|(user, group)| Op::Join { user, group }),
        2 => (any::<usize>(), 0..GROUPS.len()).prop_map(|(user, group)| Op::Leave { user, group }),
        1 => Just(Op::Reconcile),
        1 => any::<usize>().prop_map(|user| Op::Tamper { user }),
    ]
}

/// Okta's lifecycle: which status changes an admin (or Okta) can make.
fn allowed(from: &UserStatus, to: &UserStatus) -> bool {
    use UserStatus::*;
    match from {
        Staged => matches!(to, Provisioned | Active | Deprovisioned),
        Provisioned => matches!(to, Active | Deprovisioned),
        Active | Recovery | PasswordExpired | LockedOut => {
            matches!(
                to,
                Active | Recovery | PasswordExpired | LockedOut | Suspended | Deprovisioned
            )
        }
        Suspended => matches!(to, Active | Deprovisioned),
        Deprovisioned => matches!(to, Provisioned | Active),
        Other(_) => false,
    }
}

struct Model {
    org: Org,
    next: u32,
}

impl Model {
    fn pick(&self, index: usize) -> Option<String> {
        let ids: Vec<&String> = self.org.users.keys().collect();
        (!ids.is_empty()).then(|| ids[index % ids.len()].clone())
    }

    fn email(&mut self) -> String {
        self.next += 1;
        format!("person{}@example.com", self.next)
    }

    fn create(&mut self, department: Option<&str>, status: UserStatus) {
        self.next += 1;
        let id = format!("00usynmodel{:09}", self.next);
        let email = self.email();
        let mut user = derived_user(&id, "Ada", "Model", department, status);
        user.profile.insert("email".into(), json!(email));
        user.profile.insert("login".into(), json!(email));
        self.org.add_user(user);
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Create { department, staged } => {
                let status = if staged {
                    UserStatus::Staged
                } else {
                    UserStatus::Active
                };
                self.create(DEPARTMENTS[department], status);
            }
            Op::Rename { user, name } => {
                if let Some(id) = self.pick(user) {
                    self.org.set_profile(&id, "firstName", json!(NAMES[name]));
                }
            }
            Op::ChangeEmail { user } => {
                if let Some(id) = self.pick(user) {
                    let email = self.email();
                    self.org.set_profile(&id, "email", json!(email));
                }
            }
            Op::MoveDepartment { user, department } => {
                if let Some(id) = self.pick(user) {
                    let value = DEPARTMENTS[department].map_or(Value::Null, |d| json!(d));
                    self.org.set_profile(&id, "department", value);
                }
            }
            Op::Status { user, to } => {
                if let Some(id) = self.pick(user) {
                    let to = UserStatus::KNOWN[to].clone();
                    if allowed(&self.org.users[&id].status, &to) {
                        self.org.set_status(&id, to);
                    }
                }
            }
            Op::Delete { user } => {
                if let Some(id) = self.pick(user) {
                    self.org.delete(&id);
                }
            }
            Op::Join { user, group } => {
                if let Some(id) = self.pick(user) {
                    self.org.add_member(GROUPS[group], &id);
                }
            }
            Op::Leave { user, group } => {
                if let Some(id) = self.pick(user) {
                    self.org.remove_member(GROUPS[group], &id);
                }
            }
            // These change the target, not the directory (see `run`).
            Op::Reconcile | Op::Tamper { .. } => {}
        }
    }

    fn department(&self, id: &str) -> Option<&str> {
        self.org.users[id].profile_str("department")
    }

    /// In scope of `people`, worked out from the directory alone.
    fn record_in_scope(&self, id: &str) -> bool {
        self.org.users.get(id).is_some_and(|u| {
            u.status != UserStatus::Deprovisioned
                && matches!(self.department(id), Some("Engineering" | "Sales"))
        })
    }

    fn member(&self, group: &str, id: &str) -> bool {
        self.org
            .groups
            .get(group)
            .is_some_and(|(_, m)| m.contains(id))
    }

    /// The role `logins` should give, worked out from the directory alone.
    fn login_role(&self, id: &str) -> Option<&'static str> {
        use UserStatus::*;
        let user = self.org.users.get(id)?;
        if !matches!(
            user.status,
            Active | Provisioned | Recovery | PasswordExpired | LockedOut
        ) {
            return None;
        }
        if self.member("Admins", id) {
            Some("Administrator")
        } else if self.member("Staff", id) {
            Some("Collaborator")
        } else {
            None
        }
    }

    fn expected(&self) -> Projection {
        let mut records = BTreeSet::new();
        let mut logins = BTreeSet::new();
        for (id, user) in &self.org.users {
            let text = |k: &str| user.profile_str(k).unwrap_or_default().to_string();
            if self.record_in_scope(id) {
                records.insert(vec![
                    id.clone(),
                    text("email"),
                    text("firstName"),
                    text("department"),
                ]);
            }
            if let Some(role) = self.login_role(id) {
                logins.insert(vec![text("email"), text("firstName"), role.to_string()]);
            }
        }
        Projection { records, logins }
    }
}

/// What the target holds that is active, without target ids (which differ between runs).
#[derive(Debug, PartialEq, Eq)]
struct Projection {
    records: BTreeSet<Vec<String>>,
    logins: BTreeSet<Vec<String>>,
}

fn projection(target: &MemoryTarget) -> Projection {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_string();
    let records = target
        .records("People")
        .values()
        .filter(|f| f.get("Status") == Some(&json!("Active")))
        .map(|f| {
            vec![
                text(f.get("Okta ID")),
                text(f.get("Email")),
                text(f.get("Name")),
                text(f.get("Department")),
            ]
        })
        .collect();
    let logins = target
        .logins()
        .values()
        .filter(|l| l.active)
        .map(|l| {
            vec![
                text(l.fields.get("Email")),
                text(l.fields.get("First Name")),
                l.role.clone().unwrap_or_default(),
            ]
        })
        .collect();
    Projection { records, logins }
}

/// Nothing destructive touched someone who is active and in scope.
fn check_safety(model: &Model, plan: &Plan) -> Result<(), TestCaseError> {
    for action in &plan.actions {
        let intended = match &action.kind {
            ActionKind::Manual { intended, .. } => intended.as_ref(),
            kind => kind,
        };
        match intended {
            ActionKind::DeactivateLogin { .. } => prop_assert!(
                model.login_role(&action.okta_id).is_none(),
                "deactivated the login of {} who is active and in a mapped group",
                action.okta_id
            ),
            ActionKind::MarkRecordInactive { .. } => prop_assert!(
                !model.record_in_scope(&action.okta_id),
                "marked the record of {} inactive, who is active and in scope",
                action.okta_id
            ),
            _ => {}
        }
    }
    Ok(())
}

fn check_no_duplicates(target: &MemoryTarget) -> Result<(), TestCaseError> {
    let mut stamps = BTreeSet::new();
    for fields in target.records("People").values() {
        let stamp = fields
            .get("Okta ID")
            .and_then(Value::as_str)
            .unwrap_or_default();
        prop_assert!(stamps.insert(stamp.to_string()), "two records for {stamp}");
    }
    let mut emails = BTreeSet::new();
    for login in target.logins().values() {
        prop_assert!(
            emails.insert(login.email.clone()),
            "two logins for {}",
            login.email
        );
    }
    Ok(())
}

async fn run(
    initial: Vec<(usize, bool)>,
    ops: Vec<Op>,
    fetch_by_id: bool,
    sqlite: bool,
    pass_index: bool,
) -> Result<(), TestCaseError> {
    let mut model = Model {
        org: Org::new(),
        next: 0,
    };
    for group in GROUPS {
        model.org.ensure_group(group);
    }
    for (department, staged) in initial {
        model.apply(&Op::Create { department, staged });
    }
    let mut sync = Harness::new(config(MODEL_CONFIG), MemoryTarget::full());
    // With fetching off, users who only left a group are planned from what the state
    // remembers of them; with it on, the engine re-reads them by id.
    sync.fetch_by_id = fetch_by_id;
    sync.pass_index = pass_index;
    if sqlite {
        sync.store = Box::new(SqliteStateStore::open_in_memory().unwrap());
    }
    let snapshot = model.org.full();
    sync.sync(&model.org, snapshot, true).await;

    for (step, op) in ops.iter().enumerate() {
        model.org.tick();
        model.apply(op);
        let mut full = matches!(op, Op::Reconcile);
        if let Op::Tamper { user } = *op {
            if let Some(id) = model.pick(user) {
                let email = model.org.users[&id]
                    .profile_str("email")
                    .unwrap_or_default()
                    .to_string();
                sync.target
                    .tamper_record("People", &id, "Name", json!("Tampered"));
                sync.target
                    .tamper_login(&email, "First Name", json!("Tampered"));
            }
            full = true;
        }
        let snapshot = if full {
            model.org.full()
        } else {
            model.org.delta()
        };
        let plan = sync.plan(&model.org, snapshot).await;
        check_safety(&model, &plan)?;
        let outcome = sync
            .apply(&plan, true)
            .await
            .map_err(|e| TestCaseError::fail(format!("step {step} ({op:?}): {e}")))?;
        prop_assert!(
            outcome.report.failures.is_empty(),
            "step {step} ({op:?}): {:#?}",
            outcome.report.failures
        );
        check_no_duplicates(&sync.target)?;
        prop_assert_eq!(
            &sync.index,
            &StateIndex::new(&sync.state()),
            "index drifted at step {}",
            step
        );

        let expected = model.expected();
        let delta = projection(&sync.target);
        prop_assert_eq!(
            &delta,
            &expected,
            "delta syncs diverged at step {} ({:?})",
            step,
            op
        );

        let mut fresh = Harness::new(config(MODEL_CONFIG), MemoryTarget::full());
        let mut org = model.org.clone();
        let full = org.full();
        fresh.sync(&org, full, true).await;
        prop_assert_eq!(
            &projection(&fresh.target),
            &expected,
            "fresh import differs at step {}",
            step
        );
    }
    // A final full reconcile of the delta-synced target changes nothing.
    model.org.tick();
    let snapshot = model.org.full();
    let plan = sync.plan(&model.org, snapshot).await;
    prop_assert!(
        plan.actions.iter().all(|a| !a.kind.writes()),
        "a full reconcile after deltas still wants to write: {:#?}",
        plan.actions
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn delta_syncs_converge_to_a_fresh_full_import(
        initial in prop::collection::vec((0..DEPARTMENTS.len(), any::<bool>()), 0..6),
        ops in prop::collection::vec(op(), 1..16),
        fetch_by_id in any::<bool>(),
        sqlite in any::<bool>(),
        pass_index in any::<bool>(),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        runtime.block_on(run(initial, ops, fetch_by_id, sqlite, pass_index))?;
    }
}
