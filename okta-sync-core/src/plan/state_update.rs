//! The parts of [`StateChanges`] that follow from the read itself: what is remembered of
//! each user and group, the delta watermark, the System Log cursor.
//!
//! The watermark only advances on a complete users listing, and only ever forwards, and it
//! comes from Okta's clock (the read's `Date` header, else the largest `lastUpdated` seen),
//! never from this machine's.

use std::collections::BTreeSet;

use super::PlanInput;
use super::candidates::Candidate;
use super::deprovision::Presence;
use crate::config::{Mapping, MissingAction};
use crate::state::{GroupState, StateChanges, UserState};

/// Adds user, group, watermark, cursor and full-sync changes to `changes`.
pub(crate) fn fill(
    input: &PlanInput<'_>,
    candidates: &[Candidate<'_>],
    forgotten: &[&str],
    users_complete: bool,
    changes: &mut StateChanges,
) {
    let state = input.state;
    let directory = input.directory;
    let mut removed: Vec<String> = forgotten.iter().map(|id| id.to_string()).collect();
    // Gathered first and built in one go: `BTreeMap`'s bulk build from sorted input is
    // far cheaper than a million inserts in listing order.
    let mut users = Vec::new();
    for candidate in candidates {
        match &candidate.presence {
            Presence::Listed(user) => {
                let department = user.profile_str("department");
                let same = state.users.get(candidate.id).is_some_and(|stored| {
                    stored.last_updated == user.last_updated
                        && stored.status == user.status
                        && stored.identity.as_deref() == candidate.identity.as_deref()
                        && stored.department.as_deref() == department
                });
                if same {
                    continue;
                }
                let now = UserState {
                    status: user.status.clone(),
                    identity: candidate.identity.as_deref().map(str::to_string),
                    last_updated: user.last_updated,
                    department: department.map(str::to_string),
                };
                users.push((candidate.id.to_string(), now));
            }
            Presence::Deleted(_) => {
                if state.users.contains_key(candidate.id) {
                    removed.push(candidate.id.to_string());
                }
            }
            Presence::Missing => {
                if input.config.deprovisioning.missing_without_event == MissingAction::Deactivate
                    && state.users.contains_key(candidate.id)
                {
                    removed.push(candidate.id.to_string());
                }
            }
            Presence::Remembered(_) => {}
        }
    }
    if changes.users.is_empty() {
        changes.users = users.into_iter().collect();
    } else {
        changes.users.extend(users);
    }
    removed.sort();
    removed.dedup();
    changes.removed_users = removed;

    let configured = configured_groups(&input.config.mappings);
    for (reference, members) in &directory.groups {
        if !members.complete {
            continue;
        }
        let group = GroupState {
            id: members.group.id.clone(),
            name: members.group.name.clone(),
            last_membership_updated: members.group.last_membership_updated,
            members: members.member_ids.iter().cloned().collect(),
        };
        if state.groups.get(reference) != Some(&group) {
            changes.groups.insert(reference.clone(), group);
        }
    }
    changes.removed_groups = state
        .groups
        .keys()
        .filter(|r| !configured.contains(r.as_str()))
        .cloned()
        .collect();

    if users_complete {
        let seen = directory
            .server_time
            .or_else(|| directory.users.iter().filter_map(|u| u.last_updated).max());
        if let Some(seen) = seen {
            if state.watermark.is_none_or(|w| seen > w) {
                changes.watermark = Some(seen);
            }
        }
    }
    if let Some(cursor) = &directory.log_cursor {
        if state.log_cursor.as_ref() != Some(cursor) {
            changes.log_cursor = Some(cursor.clone());
            changes.log_cursor_at = Some(directory.server_time.unwrap_or(input.now));
        }
    }
    if directory.full && users_complete {
        changes.last_full_sync = Some(directory.server_time.unwrap_or(input.now));
    }
}

/// Every group reference the configuration names (login groups and group filters).
pub(crate) fn configured_groups(mappings: &[Mapping]) -> BTreeSet<&str> {
    let mut groups = BTreeSet::new();
    for mapping in mappings {
        match mapping {
            Mapping::Login(m) => {
                groups.extend(m.groups.iter().map(|g| g.group.as_str()));
                groups.extend(m.filters.groups.iter().map(String::as_str));
            }
            Mapping::Record(m) => groups.extend(m.filters.groups.iter().map(String::as_str)),
        }
    }
    groups
}
