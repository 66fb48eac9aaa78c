//! Who should have what: group memberships as the planner sees them, and each mapping's
//! desired state for one user (active with a role, inactive for a cause, or left alone).

use std::collections::BTreeMap;

use rustc_hash::FxHashSet;
use serde_json::{Map, Value};

use super::types::Cause;
use crate::config::{
    DeprovisioningPolicy, GroupRole, LoginMapping, StatusAction, default_status_policy,
};
use crate::directory::DirectorySnapshot;
use crate::filter::{FilterEvaluator, Memberships};
use crate::model::{DirectoryUser, UserStatus};
use crate::state::{SyncState, UserState};

/// Group membership after this read: a group listed completely replaces what the state
/// remembers; a group listed incompletely can only add members (nobody is dropped on the
/// strength of a listing that stopped early); a group not listed keeps its stored members.
#[derive(Debug)]
pub(crate) struct CurrentMemberships<'a> {
    /// Listed members by group reference; a hash set because every user is checked
    /// against every mapped group (a search in a sorted list cost more than the rest of
    /// scoping at 100k users).
    listed: BTreeMap<&'a str, (FxHashSet<&'a str>, bool)>,
    state: &'a SyncState,
}

impl<'a> CurrentMemberships<'a> {
    pub(crate) fn new(directory: &'a DirectorySnapshot, state: &'a SyncState) -> Self {
        let listed = directory
            .groups
            .iter()
            .map(|(reference, members)| {
                let ids = members.member_ids.iter().map(String::as_str).collect();
                (reference.as_str(), (ids, members.complete))
            })
            .collect();
        CurrentMemberships { listed, state }
    }

    fn stored(&self, user_id: &str, group_ref: &str) -> bool {
        self.state
            .groups
            .get(group_ref)
            .is_some_and(|g| g.members.contains(user_id))
    }
}

impl Memberships for CurrentMemberships<'_> {
    fn is_member(&self, user_id: &str, group_ref: &str) -> bool {
        match self.listed.get(group_ref) {
            Some((ids, complete)) => {
                let listed = ids.contains(user_id);
                listed || (!complete && self.stored(user_id, group_ref))
            }
            None => self.stored(user_id, group_ref),
        }
    }
}

/// Group membership as of the last successful run.
#[derive(Debug)]
pub(crate) struct StoredMemberships<'a>(pub(crate) &'a SyncState);

impl Memberships for StoredMemberships<'_> {
    fn is_member(&self, user_id: &str, group_ref: &str) -> bool {
        self.0
            .groups
            .get(group_ref)
            .is_some_and(|g| g.members.contains(user_id))
    }
}

/// A stand-in user rebuilt from the sync state, carrying only what filters read (status
/// and department), for users whose scope changed without Okta returning their profile.
pub(crate) fn remembered_user(id: &str, stored: &UserState) -> DirectoryUser {
    let mut profile = Map::new();
    if let Some(department) = &stored.department {
        profile.insert("department".into(), Value::String(department.clone()));
    }
    DirectoryUser {
        id: id.to_string(),
        status: stored.status.clone(),
        transitioning_to_status: None,
        created: None,
        activated: None,
        status_changed: None,
        last_login: None,
        last_updated: stored.last_updated,
        password_changed: None,
        user_type: None,
        profile,
        provider: None,
    }
}

/// What a mapping should hold for a user.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Desired<'m> {
    /// An active entry; for logins, with the role of this group.
    Active { grant: Option<&'m GroupRole> },
    /// No active entry; an existing managed one is deactivated for this cause.
    Inactive(Cause),
    /// Leave whatever exists as it is.
    Untouched,
}

impl Desired<'_> {
    pub(crate) fn is_active(&self) -> bool {
        matches!(self, Desired::Active { .. })
    }
}

/// The action a login mapping's status policy gives `status`.
///
/// The mapping's override wins, then the configuration's default table, then the built-in
/// defaults. DEPROVISIONED is always `deactivate`. A status Okta adds in the future and no
/// table names is `skip`: nothing is created and nothing is taken away until an admin
/// decides.
pub(crate) fn status_action(
    mapping: &LoginMapping,
    policy: &DeprovisioningPolicy,
    status: &UserStatus,
) -> StatusAction {
    if *status == UserStatus::Deprovisioned {
        return StatusAction::Deactivate;
    }
    let key = status.as_str();
    mapping
        .status_policy
        .get(key)
        .or_else(|| policy.login_status.get(key))
        .copied()
        .or_else(|| default_status_policy().get(key).copied())
        .unwrap_or(StatusAction::Skip)
}

/// The first of the mapping's groups (in configuration order) the user belongs to.
pub(crate) fn granting_group<'m>(
    mapping: &'m LoginMapping,
    user_id: &str,
    members: &dyn Memberships,
) -> Option<&'m GroupRole> {
    mapping
        .groups
        .iter()
        .find(|g| members.is_member(user_id, &g.group))
}

/// Rank of a role in a login mapping: the position of the first group granting it. Lower
/// is higher. `None` for a role the mapping does not grant.
pub(crate) fn role_rank(mapping: &LoginMapping, role: &str) -> Option<usize> {
    mapping.groups.iter().position(|g| g.role == role)
}

/// Desired state of a login mapping for a user Okta still has.
pub(crate) fn login_desired<'m>(
    mapping: &'m LoginMapping,
    policy: &DeprovisioningPolicy,
    filter: Option<&FilterEvaluator>,
    user: &DirectoryUser,
    members: &dyn Memberships,
) -> Desired<'m> {
    if user.status == UserStatus::Deprovisioned {
        return Desired::Inactive(Cause::DeactivatedInOkta {
            status: user.status.clone(),
        });
    }
    let Some(group) = granting_group(mapping, &user.id, members) else {
        return Desired::Inactive(Cause::LeftMappedGroups);
    };
    if filter.is_some_and(|f| !f.admits(user, members)) {
        return Desired::Inactive(Cause::LeftMappedGroups);
    }
    match status_action(mapping, policy, &user.status) {
        StatusAction::Sync => Desired::Active { grant: Some(group) },
        StatusAction::Skip => Desired::Untouched,
        StatusAction::Deactivate => Desired::Inactive(Cause::StatusPolicy {
            status: user.status.clone(),
        }),
    }
}

/// Desired state of a record mapping for a user Okta still has. `kept` is true when a
/// login mapping with `keep_as_record` sends the user here after they left its groups.
///
/// Leaving the filters gives a `left_scope` cause without its detail: explaining costs
/// text for every out-of-scope user, and only the few with an active record need it
/// ([`left_scope_detail`]).
pub(crate) fn record_desired<'m>(
    filter: &FilterEvaluator,
    user: &DirectoryUser,
    members: &dyn Memberships,
    kept: bool,
) -> Desired<'m> {
    if user.status == UserStatus::Deprovisioned {
        return Desired::Inactive(Cause::DeactivatedInOkta {
            status: user.status.clone(),
        });
    }
    if kept || filter.admits(user, members) {
        return Desired::Active { grant: None };
    }
    Desired::Inactive(Cause::LeftScope {
        detail: String::new(),
    })
}

/// Which filters exclude the user, in words.
pub(crate) fn left_scope_detail(
    filter: &FilterEvaluator,
    user: &DirectoryUser,
    members: &dyn Memberships,
) -> String {
    filter
        .explain(user, members)
        .checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.reason.clone())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Filters, LeaveGroupsAction};

    fn mapping() -> LoginMapping {
        LoginMapping {
            name: "logins".into(),
            groups: vec![
                GroupRole {
                    group: "Admins".into(),
                    role: "Administrator".into(),
                },
                GroupRole {
                    group: "Staff".into(),
                    role: "Collaborator".into(),
                },
            ],
            fields: vec![],
            filters: Filters::default(),
            on_leave_groups: LeaveGroupsAction::Deactivate,
            keep_as_record_in: None,
            status_policy: BTreeMap::new(),
            target_owned_fields: vec![],
        }
    }

    #[test]
    fn documented_status_defaults() {
        let m = mapping();
        let p = DeprovisioningPolicy::default();
        let expect = [
            (UserStatus::Active, StatusAction::Sync),
            (UserStatus::Provisioned, StatusAction::Sync),
            (UserStatus::Recovery, StatusAction::Sync),
            (UserStatus::PasswordExpired, StatusAction::Sync),
            (UserStatus::LockedOut, StatusAction::Sync),
            (UserStatus::Staged, StatusAction::Skip),
            (UserStatus::Suspended, StatusAction::Deactivate),
            (UserStatus::Deprovisioned, StatusAction::Deactivate),
            (UserStatus::Other("ACTIVATING".into()), StatusAction::Skip),
        ];
        for (status, action) in expect {
            assert_eq!(status_action(&m, &p, &status), action, "{status}");
        }
    }

    #[test]
    fn mapping_override_wins_but_never_for_deprovisioned() {
        let mut m = mapping();
        m.status_policy
            .insert("SUSPENDED".into(), StatusAction::Skip);
        m.status_policy
            .insert("DEPROVISIONED".into(), StatusAction::Sync);
        let p = DeprovisioningPolicy::default();
        assert_eq!(
            status_action(&m, &p, &UserStatus::Suspended),
            StatusAction::Skip
        );
        assert_eq!(
            status_action(&m, &p, &UserStatus::Deprovisioned),
            StatusAction::Deactivate
        );
    }

    #[test]
    fn first_listed_group_wins_and_ranks_roles() {
        struct Both;
        impl Memberships for Both {
            fn is_member(&self, _: &str, _: &str) -> bool {
                true
            }
        }
        let m = mapping();
        assert_eq!(
            granting_group(&m, "u1", &Both).unwrap().role,
            "Administrator"
        );
        assert_eq!(role_rank(&m, "Administrator"), Some(0));
        assert_eq!(role_rank(&m, "Collaborator"), Some(1));
        assert_eq!(role_rank(&m, "Auditor"), None);
    }
}
