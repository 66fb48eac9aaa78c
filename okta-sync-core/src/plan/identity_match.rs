//! Identity matching: which Okta users share an identifier (a conflict), and which target
//! entries could be a given user's (to adopt instead of creating a duplicate).
//!
//! The link in the sync state is by Okta id, so a person whose email changes keeps their
//! record. Matching by identifier only happens for users without a link, and only against
//! entries no other user is linked to or stamped with.

use rustc_hash::{FxHashMap, FxHashSet};

use super::context::{MappingShared, Subject};
use super::index::value_text;
use super::lookup::{Few, StateLookup};
use crate::target::{TargetLogin, TargetRecord};

/// Who holds each unique identifier now: the users read in this run (with their current
/// identifier), plus the users the state remembers that this run did not read.
#[derive(Debug)]
pub(crate) struct IdentityHolders<'a> {
    read: FxHashMap<&'a str, Few<&'a str>>,
    remembered: Remembered<'a>,
}

/// The users this run did not read, by the identifier they had at the last run.
#[derive(Debug)]
pub(crate) enum Remembered<'a> {
    /// A full reconcile: the state's users absent from the listing (those already known
    /// to be gone excluded), gathered in one pass.
    Absent(FxHashMap<&'a str, Few<&'a str>>),
    /// A delta: everyone the state knows, minus the users read now and those gone.
    State {
        lookup: &'a StateLookup<'a>,
        read: FxHashSet<&'a str>,
        gone: &'a FxHashSet<&'a str>,
    },
}

impl<'a> IdentityHolders<'a> {
    /// `read` gives each user read in this run with their identifier now.
    pub(crate) fn new(
        read: impl Iterator<Item = (&'a str, Option<&'a str>)>,
        remembered: Remembered<'a>,
    ) -> Self {
        let mut by_identity = FxHashMap::default();
        for (id, identity) in read {
            if let Some(identity) = identity {
                super::lookup::insert_few(&mut by_identity, identity, id);
            }
        }
        IdentityHolders {
            read: by_identity,
            remembered,
        }
    }

    /// Every Okta user (sorted) holding `identity`, when there are several.
    pub(crate) fn duplicates(&self, identity: &str) -> Option<Vec<String>> {
        let read = self.read.get(identity).map_or(&[][..], Few::as_slice);
        let mut holders: Vec<&str> = match &self.remembered {
            Remembered::Absent(absent) => {
                let more = absent.get(identity).map_or(&[][..], Few::as_slice);
                // Nearly everyone holds their identifier alone: decide without allocating.
                if read.len() + more.len() < 2 {
                    return None;
                }
                read.iter().chain(more).copied().collect()
            }
            Remembered::State {
                lookup,
                read: seen,
                gone,
            } => {
                let more = lookup.holders(identity);
                let more = more
                    .into_iter()
                    // A user read in this run is represented by their identifier now.
                    .filter(|id| !seen.contains(id) && !gone.contains(id));
                read.iter().copied().chain(more).collect()
            }
        };
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
        let stamped_other = stamp.is_some_and(|v| v != s.id);
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
