//! Identity matching: which Okta users share an identifier (a conflict), and which target
//! entries could be a given user's (to adopt instead of creating a duplicate).
//!
//! The link in the sync state is by Okta id, so a person whose email changes keeps their
//! record. Matching by identifier only happens for users without a link, and only against
//! entries no other user is linked to or stamped with.

use rustc_hash::{FxHashMap, FxHashSet};

use super::context::{MappingShared, Subject};
use super::index::{StateIndex, value_text};
use crate::target::{TargetLogin, TargetRecord};

/// Who holds each unique identifier now: users read in this run (with their current
/// identifier) overlaid on the sync state's memory of everyone else.
#[derive(Debug)]
pub(crate) struct IdentityHolders<'a> {
    index: &'a StateIndex,
    /// Users read in this run, mapped to their identifier now (or none).
    current: FxHashMap<&'a str, Option<&'a str>>,
    by_identity: FxHashMap<&'a str, Vec<&'a str>>,
    /// Users known to be gone (deleted in Okta).
    gone: &'a FxHashSet<&'a str>,
}

impl<'a> IdentityHolders<'a> {
    pub(crate) fn new(
        index: &'a StateIndex,
        read: impl Iterator<Item = (&'a str, Option<&'a str>)>,
        gone: &'a FxHashSet<&'a str>,
    ) -> Self {
        let mut current = FxHashMap::default();
        let mut by_identity: FxHashMap<&str, Vec<&str>> = FxHashMap::default();
        for (id, identity) in read {
            current.insert(id, identity);
            if let Some(identity) = identity {
                by_identity.entry(identity).or_default().push(id);
            }
        }
        IdentityHolders {
            index,
            current,
            by_identity,
            gone,
        }
    }

    /// Every Okta user (sorted) holding `identity`, when there are several.
    pub(crate) fn duplicates(&self, identity: &str) -> Option<Vec<String>> {
        let mut holders: Vec<&str> = self.by_identity.get(identity).cloned().unwrap_or_default();
        for id in self.index.holders(identity) {
            let id = id.as_str();
            // A user read in this run is represented by its current identifier.
            if !self.current.contains_key(id) && !self.gone.contains(id) {
                holders.push(id);
            }
        }
        holders.sort_unstable();
        holders.dedup();
        (holders.len() > 1).then(|| holders.into_iter().map(str::to_string).collect())
    }
}

/// Records that could be the subject's: stamped with their Okta id, or holding their
/// identifier, and neither linked to nor stamped with someone else. Sorted by id.
pub(crate) fn record_candidates<'t>(
    shared: &MappingShared<'t>,
    s: &Subject<'_>,
    stamp_field: &str,
    skip: Option<&str>,
) -> Vec<&'t TargetRecord> {
    let mut found: Vec<&TargetRecord> = shared.target.records_stamped(s.id).to_vec();
    if let Some(identity) = s.identity {
        found.extend_from_slice(shared.target.records_with_identity(identity));
    }
    found.retain(|r| {
        let stamp = r.fields.get(stamp_field).and_then(value_text);
        let stamped_other = stamp.is_some_and(|v| v.trim() != s.id);
        Some(r.id.as_str()) != skip && !stamped_other && !shared.owned_by_other(&r.id, s.id)
    });
    found.sort_by(|a, b| a.id.cmp(&b.id));
    found.dedup_by(|a, b| a.id == b.id);
    found
}

/// Logins that could be the subject's: holding their identifier (or email), and not
/// linked to someone else. Sorted by id.
pub(crate) fn login_candidates<'t>(
    shared: &MappingShared<'t>,
    s: &Subject<'_>,
    skip: Option<&str>,
) -> Vec<&'t TargetLogin> {
    let Some(identity) = s.identity else {
        return Vec::new();
    };
    let mut found: Vec<&TargetLogin> = shared.target.logins_with_identity(identity).to_vec();
    found.retain(|l| Some(l.id.as_str()) != skip && !shared.owned_by_other(&l.id, s.id));
    found.sort_by(|a, b| a.id.cmp(&b.id));
    found.dedup_by(|a, b| a.id == b.id);
    found
}
