//! Which users a plan looks at.
//!
//! A full plan looks at everyone Okta listed, everyone with deletion evidence, and (when the
//! listing is complete and unfiltered) everyone the state remembers who is no longer listed.
//! A delta looks only at what changed: the users Okta returned, users with deletion
//! evidence, and members who joined or left a group whose membership was re-listed. Its
//! cost grows with the number of changes, never with the size of the org.

use std::borrow::Cow;

use rustc_hash::{FxHashMap, FxHashSet};

use super::deprovision::{Presence, dedupe_users};
use super::lookup::normalized;
use super::scope::remembered_user;
use super::types::{Cause, Warning, WarningCode};
use crate::config::UniqueIdentifier;
use crate::directory::DirectorySnapshot;
use crate::model::{DirectoryUser, UserStatus};
use crate::state::SyncState;

/// A user the plan looks at.
#[derive(Debug)]
pub(crate) struct Candidate<'a> {
    pub(crate) id: &'a str,
    pub(crate) presence: Presence<'a>,
    /// Normalised identifier now (read or remembered); `None` when gone or unknown.
    pub(crate) identity: Option<Cow<'a, str>>,
    /// Re-read at the next run regardless of what this plan does.
    pub(crate) retry: bool,
}

/// The users a plan looks at, plus the state users a full reconcile found to be gone
/// without a trace (no links, nothing to do but forget them).
#[derive(Debug, Default)]
pub(crate) struct Candidates<'a> {
    pub(crate) list: Vec<Candidate<'a>>,
    /// Users read in this run, by id. Only membership is meaningful: the positions are
    /// those of the listing before `list` was put in id order.
    pub(crate) listed: FxHashMap<&'a str, usize>,
    pub(crate) forgotten: Vec<&'a str>,
    pub(crate) warnings: Vec<Warning>,
}

/// The normalised unique identifier of `user`, borrowed when it is already normal.
/// Equal to [`crate::identity::identity_key`].
pub(crate) fn identity_of(uid: UniqueIdentifier, user: &DirectoryUser) -> Option<Cow<'_, str>> {
    match uid {
        UniqueIdentifier::OktaId => Some(Cow::Borrowed(user.id.as_str())),
        UniqueIdentifier::Email => {
            let key = normalized(uid, user.email()?);
            (!key.is_empty()).then_some(key)
        }
    }
}

/// Collects the candidates of a plan.
pub(crate) fn collect<'a>(
    directory: &'a DirectorySnapshot,
    state: &'a SyncState,
    evidence: &FxHashMap<&'a str, Cause>,
    uid: UniqueIdentifier,
    absence_is_meaningful: bool,
) -> Candidates<'a> {
    let mut out = Candidates::default();
    let (mut listed, listed_at) = dedupe_users(&directory.users);
    // In id order, so that actions, link changes and remembered users come out already in
    // the order the plan keeps them in, and sorting them at the end is a linear check.
    listed.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    for user in listed {
        let mut retry = false;
        let presence = match evidence.get(user.id.as_str()) {
            Some(cause) if user.status == UserStatus::Deprovisioned => {
                Presence::Deleted(cause.clone())
            }
            Some(cause) => {
                // Deletion is terminal, but this listing shows an active user: trust the
                // listing for now (never deactivate someone Okta shows active) and look
                // again at the next run.
                retry = true;
                out.warnings.push(Warning {
                    code: WarningCode::ContradictoryEvidence,
                    mapping: None,
                    okta_id: Some(user.id.clone()),
                    message: format!(
                        "{}, yet the listing shows the user as {}; nothing is deactivated until a later read agrees",
                        cause.describe(),
                        user.status
                    ),
                });
                Presence::Listed(user)
            }
            None => Presence::Listed(user),
        };
        let identity = match presence {
            Presence::Listed(u) => identity_of(uid, u),
            _ => None,
        };
        out.list.push(Candidate {
            id: user.id.as_str(),
            presence,
            identity,
            retry,
        });
    }

    let mut gone: Vec<(&str, &Cause)> = evidence
        .iter()
        .filter(|(id, _)| !listed_at.contains_key(*id))
        .map(|(id, cause)| (*id, cause))
        .collect();
    gone.sort_by_key(|(id, _)| *id);
    for (id, cause) in gone {
        out.list.push(Candidate {
            id,
            presence: Presence::Deleted(cause.clone()),
            identity: remembered_identity(state, id),
            retry: false,
        });
    }

    let seen = |id: &str| listed_at.contains_key(id) || evidence.contains_key(id);
    if directory.full {
        if absence_is_meaningful {
            collect_absent(state, &seen, &mut out);
        }
    } else {
        collect_membership_changes(directory, state, &seen, &mut out);
    }
    out.listed = listed_at;
    out
}

/// The identifier the state remembers for a user Okta no longer shows, so that the admin
/// reviewing a deactivation sees who it is (an email) rather than only an Okta id. It is
/// shown, never matched on: the planner checks duplicates only for users Okta listed.
fn remembered_identity<'a>(state: &'a SyncState, id: &str) -> Option<Cow<'a, str>> {
    state
        .users
        .get(id)
        .and_then(|u| u.identity.as_deref())
        .map(Cow::Borrowed)
}

/// Full reconcile: users the state knows who are neither listed nor known deleted.
fn collect_absent<'a>(state: &'a SyncState, seen: &dyn Fn(&str) -> bool, out: &mut Candidates<'a>) {
    let linked = |id: &str| state.links.values().any(|l| l.contains_key(id));
    let mut absent: FxHashSet<&'a str> = FxHashSet::default();
    for id in state.users.keys() {
        if !seen(id) {
            absent.insert(id.as_str());
        }
    }
    for links in state.links.values() {
        for id in links.keys() {
            if !seen(id) {
                absent.insert(id.as_str());
            }
        }
    }
    let mut absent: Vec<&str> = absent.into_iter().collect();
    absent.sort_unstable();
    for id in absent {
        if linked(id) {
            out.list.push(Candidate {
                id,
                presence: Presence::Missing,
                identity: remembered_identity(state, id),
                retry: false,
            });
        } else {
            out.forgotten.push(id);
        }
    }
}

/// Delta: members who joined or left a completely re-listed group but whose profile Okta
/// did not return. They are planned from what the state remembers (status, department).
fn collect_membership_changes<'a>(
    directory: &'a DirectorySnapshot,
    state: &'a SyncState,
    seen: &dyn Fn(&str) -> bool,
    out: &mut Candidates<'a>,
) {
    let mut changed: FxHashSet<&'a str> = FxHashSet::default();
    for (reference, members) in &directory.groups {
        if !members.complete {
            continue;
        }
        let now: FxHashSet<&str> = members.member_ids.iter().map(String::as_str).collect();
        let before = state.groups.get(reference);
        if let Some(before) = before {
            for id in &before.members {
                if !now.contains(id.as_str()) && !seen(id) {
                    changed.insert(id.as_str());
                }
            }
        }
        for id in &members.member_ids {
            let new_member = before.is_none_or(|b| !b.members.contains(id));
            if new_member && !seen(id) {
                changed.insert(id.as_str());
            }
        }
    }
    let mut changed: Vec<&str> = changed.into_iter().collect();
    changed.sort_unstable();
    for id in changed {
        // Someone the state never saw has no links and nothing to remember them by; a new
        // member is normally returned with a profile by the source anyway.
        let Some(stored) = state.users.get(id) else {
            continue;
        };
        out.list.push(Candidate {
            id,
            presence: Presence::Remembered(Box::new(remembered_user(id, stored))),
            identity: stored.identity.as_deref().map(Cow::Borrowed),
            retry: false,
        });
    }
}
