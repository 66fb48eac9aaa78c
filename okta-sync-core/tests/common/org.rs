//! A small Okta org in memory that hands out full and delta snapshots the way a directory
//! source would: a delta holds the users whose `lastUpdated` moved, the members of groups
//! whose membership moved, and the System Log events since the last read.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use okta_sync_core::directory::{DirectorySnapshot, GroupMembers, ReadStats};
use okta_sync_core::model::{
    DirectoryUser, EventKind, Group, GroupType, LifecycleEvent, UserStatus, decode_events,
    decode_users,
};
use serde_json::{Value, json};

/// The fixed start of every test org's clock (Okta server time).
pub fn epoch() -> DateTime<Utc> {
    "2026-05-28T12:00:00Z".parse().unwrap()
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/planner/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The ten synthetic users (all eight statuses).
pub fn fixture_users() -> Vec<DirectoryUser> {
    decode_users(
        &fixture("synthetic-users-list-all-statuses.json"),
        "fixture users",
    )
    .unwrap()
}

/// System Log events from a fixture file (successful, sync-relevant ones only).
pub fn fixture_events(name: &str) -> Vec<LifecycleEvent> {
    decode_events(&fixture(name), name).unwrap().0
}

/// A user shaped like the fixture's first user, with another id, name and department.
/// Used for people the users fixture lacks (Jordan Blake of the log fixtures, generated
/// orgs).
pub fn derived_user(
    id: &str,
    first: &str,
    last: &str,
    department: Option<&str>,
    status: UserStatus,
) -> DirectoryUser {
    let mut user = fixture_users().remove(0);
    user.id = id.to_string();
    user.status = status;
    let email = format!(
        "{}.{}@example.com",
        first.to_lowercase(),
        last.to_lowercase()
    );
    let profile = &mut user.profile;
    profile.insert("firstName".into(), json!(first));
    profile.insert("lastName".into(), json!(last));
    profile.insert("displayName".into(), json!(format!("{first} {last}")));
    profile.insert("login".into(), json!(email));
    profile.insert("email".into(), json!(email));
    match department {
        Some(d) => profile.insert("department".into(), json!(d)),
        None => profile.remove("department"),
    };
    user
}

/// An Okta group with a synthetic id.
pub fn group(name: &str) -> Group {
    let slug: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase();
    Group {
        id: format!("00gsyn{slug:0>14}"),
        group_type: GroupType::OktaGroup,
        name: name.to_string(),
        description: None,
        last_updated: Some(epoch()),
        last_membership_updated: Some(epoch()),
    }
}

/// The org.
#[derive(Debug, Clone)]
pub struct Org {
    pub users: BTreeMap<String, DirectoryUser>,
    pub groups: BTreeMap<String, (Group, BTreeSet<String>)>,
    pub clock: DateTime<Utc>,
    changed_users: BTreeSet<String>,
    changed_groups: BTreeSet<String>,
    events: Vec<LifecycleEvent>,
    next_event: u64,
}

impl Org {
    pub fn new() -> Self {
        Org {
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
            clock: epoch(),
            changed_users: BTreeSet::new(),
            changed_groups: BTreeSet::new(),
            events: Vec::new(),
            next_event: 0,
        }
    }

    /// The fixture's ten users, with `groups` (name → member ids).
    pub fn from_fixture(groups: &[(&str, &[&str])]) -> Self {
        let mut org = Org::new();
        for user in fixture_users() {
            org.users.insert(user.id.clone(), user);
        }
        for (name, members) in groups {
            org.groups.insert(
                name.to_string(),
                (group(name), members.iter().map(|m| m.to_string()).collect()),
            );
        }
        org
    }

    /// Moves Okta's clock on by a minute.
    pub fn tick(&mut self) {
        self.clock += Duration::minutes(1);
    }

    pub fn add_user(&mut self, mut user: DirectoryUser) {
        user.last_updated = Some(self.clock);
        self.changed_users.insert(user.id.clone());
        self.users.insert(user.id.clone(), user);
    }

    /// Edits a user; `lastUpdated` moves as Okta would move it.
    pub fn edit(&mut self, id: &str, change: impl FnOnce(&mut DirectoryUser)) {
        let user = self.users.get_mut(id).expect("no such user");
        change(user);
        user.last_updated = Some(self.clock);
        self.changed_users.insert(id.to_string());
    }

    pub fn set_profile(&mut self, id: &str, key: &str, value: Value) {
        self.edit(id, |u| {
            u.profile.insert(key.to_string(), value);
        });
    }

    pub fn set_status(&mut self, id: &str, status: UserStatus) {
        self.edit(id, |u| u.status = status);
    }

    pub fn ensure_group(&mut self, name: &str) {
        self.groups
            .entry(name.to_string())
            .or_insert_with(|| (group(name), BTreeSet::new()));
    }

    /// Membership changes move the group's `lastMembershipUpdated`, not the user's
    /// `lastUpdated`.
    pub fn add_member(&mut self, name: &str, id: &str) {
        self.ensure_group(name);
        let clock = self.clock;
        let (group, members) = self.groups.get_mut(name).unwrap();
        if members.insert(id.to_string()) {
            group.last_membership_updated = Some(clock);
            self.changed_groups.insert(name.to_string());
        }
    }

    pub fn remove_member(&mut self, name: &str, id: &str) {
        let clock = self.clock;
        if let Some((group, members)) = self.groups.get_mut(name) {
            if members.remove(id) {
                group.last_membership_updated = Some(clock);
                self.changed_groups.insert(name.to_string());
            }
        }
    }

    /// Deletes a user the way Okta does (deactivate first if needed), leaving only System
    /// Log events behind.
    pub fn delete(&mut self, id: &str) {
        let names: Vec<String> = self.groups.keys().cloned().collect();
        for name in names {
            self.remove_member(&name, id);
        }
        let user = self.users.remove(id).expect("no such user");
        self.changed_users.remove(id);
        for kind in [EventKind::DeleteInitiated, EventKind::DeleteCompleted] {
            self.next_event += 1;
            self.events.push(LifecycleEvent {
                uuid: format!("5b1c9999-0000-4000-8000-{:012}", self.next_event),
                published: self.clock,
                kind,
                user_id: id.to_string(),
                user_login: user.profile_str("login").map(str::to_string),
                group_id: None,
                group_name: None,
            });
        }
    }

    /// Adds events read from the System Log (for fixture sequences).
    pub fn push_events(&mut self, events: Vec<LifecycleEvent>) {
        self.events.extend(events);
    }

    fn group_members(&self, name: &str) -> GroupMembers {
        let (group, members) = &self.groups[name];
        GroupMembers {
            group: group.clone(),
            member_ids: members.iter().cloned().collect(),
            complete: true,
        }
    }

    fn log_cursor(&self) -> String {
        format!(
            "https://example.okta.com/api/v1/logs?after={}",
            self.clock.timestamp()
        )
    }

    /// Everyone, every configured group; resets the change tracking.
    pub fn full(&mut self) -> DirectorySnapshot {
        let snapshot = DirectorySnapshot {
            full: true,
            users: self.users.values().cloned().collect(),
            users_complete: true,
            groups: self
                .groups
                .keys()
                .map(|n| (n.clone(), self.group_members(n)))
                .collect(),
            unresolved_groups: Vec::new(),
            events: std::mem::take(&mut self.events),
            log_cursor: Some(self.log_cursor()),
            log_cursor_expired: false,
            server_time: Some(self.clock),
            gaps: Vec::new(),
            stats: ReadStats {
                requests: 3,
                pages: 3,
                ..ReadStats::default()
            },
        };
        self.changed_users.clear();
        self.changed_groups.clear();
        snapshot
    }

    /// What changed since the last snapshot; resets the change tracking.
    pub fn delta(&mut self) -> DirectorySnapshot {
        let mut ids: BTreeSet<String> = std::mem::take(&mut self.changed_users);
        let groups: BTreeMap<String, GroupMembers> = std::mem::take(&mut self.changed_groups)
            .into_iter()
            .map(|n| {
                let members = self.group_members(&n);
                ids.extend(members.member_ids.iter().cloned());
                (n, members)
            })
            .collect();
        DirectorySnapshot {
            full: false,
            users: ids
                .iter()
                .filter_map(|id| self.users.get(id))
                .cloned()
                .collect(),
            users_complete: true,
            groups,
            unresolved_groups: Vec::new(),
            events: std::mem::take(&mut self.events),
            log_cursor: Some(self.log_cursor()),
            log_cursor_expired: false,
            server_time: Some(self.clock),
            gaps: Vec::new(),
            stats: ReadStats {
                requests: 2,
                pages: 2,
                ..ReadStats::default()
            },
        }
    }
}
