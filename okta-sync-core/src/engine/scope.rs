//! What to ask the directory and the target for, given the configuration and state.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::{Mapping, SyncConfig, UniqueIdentifier};
use crate::directory::{DirectorySnapshot, ReadRequest, ReadScope};
use crate::identity::identity_key;
use crate::state::SyncState;

/// Every group reference (name or id) any mapping uses, sorted and deduplicated.
pub(crate) fn configured_groups(config: &SyncConfig) -> Vec<String> {
    let mut groups = BTreeSet::new();
    for mapping in &config.mappings {
        match mapping {
            Mapping::Login(m) => groups.extend(m.groups.iter().map(|g| g.group.clone())),
            Mapping::Record(m) => groups.extend(m.filters.groups.iter().cloned()),
        }
    }
    groups.into_iter().collect()
}

/// Builds the read scope for a full or delta read.
pub(crate) fn read_scope(config: &SyncConfig, state: &SyncState, full: bool) -> ReadScope {
    let request = match (full, state.watermark) {
        (false, Some(watermark)) => ReadRequest::Delta {
            since: watermark - chrono::Duration::seconds(i64::from(config.okta.overlap_seconds)),
        },
        _ => ReadRequest::Full,
    };
    let known_group_ids: BTreeMap<String, String> = state
        .groups
        .iter()
        .map(|(reference, group)| (reference.clone(), group.id.clone()))
        .collect();
    ReadScope {
        request,
        groups: configured_groups(config),
        known_group_ids,
        log_cursor: state.log_cursor.clone(),
        log_since: None,
        // A pushdown would shrink the user listing, but login mappings need every member
        // of their groups and a full reconcile needs everyone to see who left; until a
        // configuration with a single record mapping shows the saving matters, listings
        // stay unfiltered and all scoping happens locally.
        pushdown: None,
    }
}

/// Members the state remembers in a group whose fresh member listing no longer has them:
/// their own record did not change, so a delta read did not return them, but their scope
/// may have. Returns ids not already present in the snapshot, sorted.
pub(crate) fn removed_members(state: &SyncState, snapshot: &DirectorySnapshot) -> Vec<String> {
    let present: BTreeSet<&str> = snapshot.users.iter().map(|u| u.id.as_str()).collect();
    let mut removed = BTreeSet::new();
    for (reference, listed) in &snapshot.groups {
        let Some(previous) = state.groups.get(reference) else {
            continue;
        };
        let now: BTreeSet<&str> = listed.member_ids.iter().map(String::as_str).collect();
        for id in &previous.members {
            if !now.contains(id.as_str()) && !present.contains(id.as_str()) {
                removed.insert(id.clone());
            }
        }
    }
    removed.into_iter().collect()
}

/// The target field that holds the unique identifier for a mapping, if any.
pub(crate) fn identifier_field(config: &SyncConfig, mapping: &Mapping) -> Option<String> {
    let wanted = match config.unique_identifier {
        UniqueIdentifier::Email => "profile.email",
        UniqueIdentifier::OktaId => "id",
    };
    if let (UniqueIdentifier::OktaId, Mapping::Record(m)) = (config.unique_identifier, mapping) {
        return Some(m.okta_id_field.clone());
    }
    mapping
        .fields()
        .iter()
        .find(|f| f.source.trim() == wanted)
        .map(|f| f.target.clone())
}

/// Normalised identifiers of the users in a snapshot plus those remembered for them, for a
/// targeted lookup in a delta.
pub(crate) fn lookup_values(
    config: &SyncConfig,
    state: &SyncState,
    snapshot: &DirectorySnapshot,
) -> Vec<String> {
    let mut values = BTreeSet::new();
    for user in &snapshot.users {
        if let Some(key) = identity_key(config.unique_identifier, user) {
            values.insert(key);
        }
        if let Some(previous) = state.users.get(&user.id).and_then(|u| u.identity.clone()) {
            values.insert(previous);
        }
    }
    values.into_iter().collect()
}
