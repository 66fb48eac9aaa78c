//! What to ask the directory and the target for, given the configuration and state.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::{Mapping, SyncConfig};
use crate::directory::{ReadRequest, ReadScope};
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
