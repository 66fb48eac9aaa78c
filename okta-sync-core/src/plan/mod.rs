//! The planner: what the directory shows, what the target holds and what the sync state
//! remembers, turned into a reviewable, hashed [`Plan`]; and [`apply`], which executes it.
//!
//! The rules, in short (the admin's version is `docs/deprovisioning.md`):
//!
//! - **Identity.** A user is linked to a target entry by Okta id (the link in the state,
//!   or the Okta id stamped on a record). Users without a link are matched by the unique
//!   identifier, normalised. One match is adopted; several are a conflict; none is a create.
//!   Two Okta users with one identifier are a conflict for both. Nothing is ever duplicated.
//! - **Ownership.** Only entries with a link (created or adopted by this integration) are
//!   updated, deactivated or marked inactive. Nothing is ever deleted. Fields Asset Panda
//!   owns are written on create only.
//! - **Deletion** is concluded only from evidence: a System Log deletion event, or a 404
//!   when fetching the user by id. Absence from a delta means "unchanged"; absence from a
//!   complete full listing follows `deprovisioning.missing_without_event`.
//! - **Guard.** When any listing was incomplete, no destructive action is planned: they are
//!   listed in [`Plan::held_back`] and the users are re-read at the next run.
//! - **Brake.** Too many destructive actions, or a sudden drop of the in-scope population,
//!   trips the brake: [`apply`] refuses the plan unless given an [`Approval`] of its hash.
//!
//! Building a plan is a pure function; the same inputs give a byte-identical plan.

mod apply;
mod brake;
mod builder;
mod candidates;
mod collect;
mod context;
mod deprovision;
mod diff;
mod hash;
mod identity_match;
mod index;
mod login;
mod lookup;
mod record;
mod report;
mod scope;
mod state_update;
mod summary;
mod types;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

pub use apply::{
    ApplyObserver, ApplyOptions, ApplyOutcome, Approval, NoopObserver, WriteResult, apply,
};
pub use hash::{canonical_json, fingerprint, mapping_seed, plan_hash};
pub use index::StateIndex;
pub use report::{Failure, KindCounts, Report, WriteStats};
pub use types::{
    Action, ActionKind, BrakeAssessment, BrakeLimits, Cause, Conflict, FieldChange, HeldBack,
    PLAN_FORMAT, Plan, PlanMode, Warning, WarningCode,
};

use crate::Result;
use crate::config::{Mapping, SyncConfig};
use crate::directory::DirectorySnapshot;
use crate::identity::identity_key;
use crate::state::SyncState;
use crate::target::{Capabilities, TargetHoldings};

/// Everything a plan is built from.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    /// The configuration.
    pub config: &'a SyncConfig,
    /// What the directory showed (full or delta), with users fetched by id added to
    /// `users`.
    pub directory: &'a DirectorySnapshot,
    /// Ids Okta answered 404 (`E0000007`) for when fetched by id: evidence of deletion.
    pub not_found: &'a [String],
    /// True when a full listing was narrowed by a filter pushdown: absence from it proves
    /// nothing, so no user is treated as missing (fetch linked absentees by id instead;
    /// see [`ids_to_fetch`]).
    pub users_filtered: bool,
    /// What the target holds, per mapping name: a full listing for a full plan, the
    /// results of [`target_lookups`] for a delta.
    pub holdings: &'a BTreeMap<String, TargetHoldings>,
    /// What the target can do through its API.
    pub capabilities: &'a Capabilities,
    /// The sync state as of the last successful run.
    pub state: &'a SyncState,
    /// A prebuilt [`StateIndex`] of `state`, so a delta need not scan the whole state.
    /// Checked for staleness and rebuilt if it does not match.
    pub index: Option<&'a StateIndex>,
    /// Okta's clock (the read's `Date`), used only to timestamp evidence and the cursor.
    pub now: DateTime<Utc>,
}

impl<'a> PlanInput<'a> {
    /// The required inputs; `not_found`, `users_filtered` and `index` start empty.
    pub fn new(
        config: &'a SyncConfig,
        directory: &'a DirectorySnapshot,
        holdings: &'a BTreeMap<String, TargetHoldings>,
        capabilities: &'a Capabilities,
        state: &'a SyncState,
        now: DateTime<Utc>,
    ) -> Self {
        PlanInput {
            config,
            directory,
            not_found: &[],
            users_filtered: false,
            holdings,
            capabilities,
            state,
            index: None,
            now,
        }
    }
}

/// Builds the plan for `input`. Pure: no I/O, and the same input gives a byte-identical
/// plan. Fails only on an invalid configuration (a field map that does not compile).
pub fn build_plan(input: &PlanInput<'_>) -> Result<Plan> {
    builder::build(input)
}

/// The Okta users the engine should fetch by id (`DirectorySource::fetch_users`) before
/// planning, and add to the snapshot (found) or to [`PlanInput::not_found`] (404):
///
/// - users whose last writes failed or whose destructive actions were held back;
/// - in a delta, linked users who left a re-listed group (Okta returns no profile for
///   them, and they may have been deleted);
/// - in a full reconcile, linked users absent from the listing (required when the listing
///   was filtered; otherwise it turns "missing" into found-or-deleted evidence).
///
/// Sorted, without duplicates, and without users already in the snapshot.
pub fn ids_to_fetch(directory: &DirectorySnapshot, state: &SyncState) -> Vec<String> {
    let listed: BTreeSet<&str> = directory.users.iter().map(|u| u.id.as_str()).collect();
    let linked = |id: &str| state.links.values().any(|l| l.contains_key(id));
    let mut wanted: BTreeSet<&str> = state.retry.iter().map(String::as_str).collect();
    if directory.full {
        for links in state.links.values() {
            wanted.extend(links.keys().map(String::as_str));
        }
    } else {
        for (reference, members) in &directory.groups {
            let Some(before) = state.groups.get(reference) else {
                continue;
            };
            if !members.complete {
                continue;
            }
            let now: BTreeSet<&str> = members.member_ids.iter().map(String::as_str).collect();
            for id in &before.members {
                if !now.contains(id.as_str()) && linked(id) {
                    wanted.insert(id);
                }
            }
        }
    }
    wanted
        .into_iter()
        .filter(|id| !listed.contains(id))
        .map(str::to_string)
        .collect()
}

/// One `AssetTarget::lookup` call the engine should make for a delta.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetLookup {
    /// Mapping name.
    pub mapping: String,
    /// Target field to search.
    pub field: String,
    /// Values to look for (identifiers normalised, or Okta ids).
    pub values: Vec<String>,
}

/// The target lookups a delta needs so that no one is created twice: for each mapping,
/// the unique identifiers of the users in the snapshot (so an existing record or login is
/// adopted rather than duplicated), and for record mappings their Okta ids on the stamp
/// field (so a record left by an interrupted run is found). The engine merges the results
/// into [`PlanInput::holdings`].
pub fn target_lookups(config: &SyncConfig, directory: &DirectorySnapshot) -> Vec<TargetLookup> {
    let uid = config.unique_identifier;
    let identities: BTreeSet<String> = directory
        .users
        .iter()
        .filter_map(|u| identity_key(uid, u))
        .collect();
    let ids: BTreeSet<String> = directory.users.iter().map(|u| u.id.clone()).collect();
    let mut lookups = Vec::new();
    for mapping in &config.mappings {
        let id_field = context::identifier_field(mapping.fields(), uid);
        if let Some(field) = id_field.clone() {
            if !identities.is_empty() {
                lookups.push(TargetLookup {
                    mapping: mapping.name().to_string(),
                    field,
                    values: identities.iter().cloned().collect(),
                });
            }
        }
        if let Mapping::Record(m) = mapping {
            if !ids.is_empty() && id_field.as_deref() != Some(m.okta_id_field.as_str()) {
                lookups.push(TargetLookup {
                    mapping: m.name.clone(),
                    field: m.okta_id_field.clone(),
                    values: ids.iter().cloned().collect(),
                });
            }
        }
    }
    lookups
}
