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
pub(crate) use apply::{admit, apply_admitted};
pub use hash::{canonical_json, fingerprint, mapping_seed, plan_hash};
pub use index::StateIndex;
pub use report::{Failure, KindCounts, Report, WriteStats};
pub use types::{
    Action, ActionKind, BrakeAssessment, BrakeLimits, Cause, Conflict, FieldChange, HeldBack,
    PLAN_FORMAT, Plan, PlanBasis, PlanMode, Warning, WarningCode,
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
    /// The org and state revision the engine plans on, recorded in the plan (and the org
    /// in the state, while it has none). `None` offline.
    pub basis: Option<&'a PlanBasis>,
}

impl<'a> PlanInput<'a> {
    /// The required inputs; `not_found`, `users_filtered`, `index` and `basis` start empty.
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
            basis: None,
        }
    }
}

/// Builds the plan for `input`. Pure: no I/O, and the same input gives a byte-identical
/// plan. Fails only on an invalid configuration (a field map that does not compile).
///
/// Known shortcoming: a full plan needs the whole directory decoded in memory (about
/// 5 KiB per user with its profile) and holds every action it plans, so 1M users peak
/// near 7.4 GiB and take about 8 s (docs/performance.md; the targets are 1 GiB and 2 s).
/// The fix, when orgs of that size are in scope, is to plan page by page as the listing
/// arrives, keeping only identifiers and fingerprints per user, and to stream actions
/// to the caller with the hash computed as they go.
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::config::ConfigFormat;
    use crate::directory::GroupMembers;
    use crate::model::{Group, GroupType};
    use crate::state::{GroupState, Link, Origin};

    fn link() -> Link {
        Link {
            target_id: "t".into(),
            origin: Origin::Created,
            active: true,
            role: None,
            fingerprint: 0,
        }
    }

    fn group(members: &[&str]) -> GroupMembers {
        GroupMembers {
            group: Group {
                id: "00g1".into(),
                group_type: GroupType::OktaGroup,
                name: "Staff".into(),
                description: None,
                last_updated: None,
                last_membership_updated: None,
            },
            member_ids: members.iter().map(|m| m.to_string()).collect(),
            complete: true,
        }
    }

    #[test]
    fn a_delta_fetches_linked_leavers_and_pending_retries() {
        let mut state = SyncState::default();
        state.retry.insert("u9".into());
        state.groups.insert(
            "Staff".into(),
            GroupState {
                members: ["u1", "u2", "u3"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<BTreeSet<_>>(),
                ..GroupState::default()
            },
        );
        let links = state.links.entry("logins".into()).or_default();
        links.insert("u1".into(), link());
        links.insert("u2".into(), link());
        // u1 and u3 left Staff; u3 has no link, so their scope cannot matter.
        let directory = DirectorySnapshot {
            groups: [("Staff".to_string(), group(&["u2", "u4"]))].into(),
            ..DirectorySnapshot::default()
        };
        assert_eq!(ids_to_fetch(&directory, &state), ["u1", "u9"]);

        // An incompletely listed group tells nothing about who left.
        let mut partial = directory.clone();
        partial.groups.get_mut("Staff").unwrap().complete = false;
        assert_eq!(ids_to_fetch(&partial, &state), ["u9"]);
    }

    #[test]
    fn a_full_reconcile_fetches_linked_users_it_did_not_list() {
        let mut state = SyncState::default();
        let links = state.links.entry("people".into()).or_default();
        links.insert("u1".into(), link());
        links.insert("u2".into(), link());
        let mut user =
            crate::model::decode_user(br#"{"id":"u1","status":"ACTIVE","profile":{}}"#, "u")
                .unwrap();
        user.id = "u1".into();
        let directory = DirectorySnapshot {
            full: true,
            users: vec![user],
            ..DirectorySnapshot::default()
        };
        assert_eq!(ids_to_fetch(&directory, &state), ["u2"]);
    }

    #[test]
    fn lookups_cover_identifiers_and_stamps() {
        let config = SyncConfig::from_str(
            r#"
okta: { org_url: "https://example.okta.com", token: { env: T } }
target: { kind: local, path: x.db }
unique_identifier: email
mappings:
  - kind: record
    name: people
    collection: People
    fields: [ { target: Email, source: profile.email } ]
  - kind: login
    name: logins
    groups: [ { group: Staff, role: Collaborator } ]
    fields: [ { target: Email, source: profile.email } ]
"#,
            ConfigFormat::Yaml,
        )
        .unwrap();
        let user = crate::model::decode_user(
            br#"{"id":"00u1","status":"ACTIVE","profile":{"email":" Ada@Example.com"}}"#,
            "u",
        )
        .unwrap();
        let directory = DirectorySnapshot {
            users: vec![user],
            ..DirectorySnapshot::default()
        };
        let lookups = target_lookups(&config, &directory);
        let summary: Vec<(&str, &str, Vec<&str>)> = lookups
            .iter()
            .map(|l| {
                (
                    l.mapping.as_str(),
                    l.field.as_str(),
                    l.values.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("people", "Email", vec!["ada@example.com"]),
                ("people", "Okta ID", vec!["00u1"]),
                ("logins", "Email", vec!["ada@example.com"]),
            ]
        );
    }
}
