//! Sync state: what okta-sync remembers between runs.
//!
//! The state advances only after a successful apply ([`StateStore::commit`] is the last step
//! of a run), so a crash at any point leaves the previous state intact and the next run
//! correct. Commits are incremental ([`StateChanges`]) so that a delta touching 100 users of
//! a million writes about 100 rows, not a million.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::model::UserStatus;

/// Where a managed target entry came from. Entries without a link are never touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// This integration created it.
    Created,
    /// It existed (CSV import, another integration) and this integration adopted it.
    Adopted,
}

/// The link between an Okta user and what a mapping manages for them in the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// The target's record or login id.
    pub target_id: String,
    /// Created or adopted.
    pub origin: Origin,
    /// Whether the record or login is currently active in the target, as far as this
    /// integration knows.
    pub active: bool,
    /// Role of a login, as last written.
    #[serde(default)]
    pub role: Option<String>,
    /// Fingerprint of the mapped values last written, to skip unchanged users cheaply.
    /// Serialized as 16 hex digits: JSON numbers above 2^53 lose precision in JavaScript.
    #[serde(with = "fingerprint_hex")]
    pub fingerprint: u64,
}

/// Writes a fingerprint as hex text; reads hex text or a plain number.
mod fingerprint_hex {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub fn serialize<S: Serializer>(fp: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{fp:016x}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Text {
            Hex(String),
            Number(u64),
        }
        match Text::deserialize(d)? {
            Text::Number(n) => Ok(n),
            Text::Hex(h) => u64::from_str_radix(&h, 16)
                .map_err(|e| D::Error::custom(format!("fingerprint {h:?} is not hex: {e}"))),
        }
    }
}

/// What is remembered of one Okta user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserState {
    /// Status at the last successful run.
    pub status: UserStatus,
    /// Normalised unique identifier at the last successful run.
    pub identity: Option<String>,
    /// `lastUpdated` at the last successful run.
    #[serde(default, with = "crate::model::time::optional")]
    pub last_updated: Option<DateTime<Utc>>,
    /// `profile.department` at the last run, so a delta can re-evaluate department filters
    /// for users whose profile it did not re-read.
    #[serde(default)]
    pub department: Option<String>,
}

/// A configured group as last seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct GroupState {
    /// Okta group id.
    pub id: String,
    /// Group name.
    pub name: String,
    /// `lastMembershipUpdated` at the last run.
    #[serde(default, with = "crate::model::time::optional")]
    pub last_membership_updated: Option<DateTime<Utc>>,
    /// Member ids.
    pub members: BTreeSet<String>,
}

/// Everything remembered between runs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SyncState {
    /// Delta watermark: Okta's server time (or the largest `lastUpdated` seen) at the start
    /// of the last successful read. Never the local clock.
    #[serde(default, with = "crate::model::time::optional")]
    pub watermark: Option<DateTime<Utc>>,
    /// System Log polling cursor (the last `next` URL).
    #[serde(default)]
    pub log_cursor: Option<String>,
    /// When the cursor was stored (Okta time), to tell when it ages past retention.
    #[serde(default, with = "crate::model::time::optional")]
    pub log_cursor_at: Option<DateTime<Utc>>,
    /// Okta time of the last successful full reconcile.
    #[serde(default, with = "crate::model::time::optional")]
    pub last_full_sync: Option<DateTime<Utc>>,
    /// Configured groups by the configured reference (name or id).
    #[serde(default)]
    pub groups: BTreeMap<String, GroupState>,
    /// Known Okta users by id.
    #[serde(default)]
    pub users: FxHashMap<String, UserState>,
    /// Links per mapping name, then per Okta user id.
    #[serde(default)]
    pub links: BTreeMap<String, FxHashMap<String, Link>>,
    /// In-scope population per mapping at the last successful run (the brake's baseline).
    #[serde(default)]
    pub baseline: BTreeMap<String, u64>,
    /// Okta users to re-read by id at the next run although Okta shows no change for them:
    /// a write for them failed, or a destructive action was held back. Without this, a
    /// delta (which only sees users Okta changed) would forget them once the watermark moved.
    #[serde(default)]
    pub retry: BTreeSet<String>,
    /// The Okta org this state describes (its URL's origin), recorded by the first commit.
    /// Everything above is about that org's people: read against another org, every
    /// remembered user would look deleted. The engine refuses to plan when they differ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
}

impl SyncState {
    /// True before the first successful run.
    pub fn is_first_run(&self) -> bool {
        self.last_full_sync.is_none()
    }

    /// Applies committed changes in memory (what a store does durably).
    pub fn apply(&mut self, changes: &StateChanges) {
        if let Some(org) = &changes.org {
            self.org = Some(org.clone());
        }
        if let Some(w) = changes.watermark {
            self.watermark = Some(w);
        }
        if let Some(c) = &changes.log_cursor {
            self.log_cursor = Some(c.clone());
            self.log_cursor_at = changes.log_cursor_at.or(self.log_cursor_at);
        }
        if let Some(t) = changes.last_full_sync {
            self.last_full_sync = Some(t);
        }
        for (name, group) in &changes.groups {
            self.groups.insert(name.clone(), group.clone());
        }
        for name in &changes.removed_groups {
            self.groups.remove(name);
        }
        for (id, user) in &changes.users {
            self.users.insert(id.clone(), user.clone());
        }
        for id in &changes.removed_users {
            self.users.remove(id);
        }
        for ((mapping, user), link) in &changes.links {
            let links = self.links.entry(mapping.clone()).or_default();
            match link {
                Some(link) => {
                    links.insert(user.clone(), link.clone());
                }
                None => {
                    links.remove(user);
                    // Keep the state equal to what a store loads back: no empty mappings.
                    if links.is_empty() {
                        self.links.remove(mapping);
                    }
                }
            }
        }
        for (mapping, count) in &changes.baseline {
            self.baseline.insert(mapping.clone(), *count);
        }
        for (id, pending) in &changes.retry {
            if *pending {
                self.retry.insert(id.clone());
            } else {
                self.retry.remove(id);
            }
        }
    }
}

/// An incremental update of [`SyncState`], produced by planning and completed by apply
/// (which fills in target ids of created entries).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StateChanges {
    /// New watermark.
    #[serde(default, with = "crate::model::time::optional")]
    pub watermark: Option<DateTime<Utc>>,
    /// New System Log cursor.
    #[serde(default)]
    pub log_cursor: Option<String>,
    /// Okta time the cursor was taken.
    #[serde(default, with = "crate::model::time::optional")]
    pub log_cursor_at: Option<DateTime<Utc>>,
    /// Set when this run was a successful full reconcile.
    #[serde(default, with = "crate::model::time::optional")]
    pub last_full_sync: Option<DateTime<Utc>>,
    /// Groups to store (replacing what was stored under the same reference).
    #[serde(default)]
    pub groups: BTreeMap<String, GroupState>,
    /// Group references no longer configured.
    #[serde(default)]
    pub removed_groups: Vec<String>,
    /// Users to store.
    #[serde(default)]
    pub users: BTreeMap<String, UserState>,
    /// Users Okta no longer has.
    #[serde(default)]
    pub removed_users: Vec<String>,
    /// Links to store (`Some`) or drop (`None`), by (mapping, Okta id).
    #[serde(default, with = "link_changes")]
    pub links: BTreeMap<(String, String), Option<Link>>,
    /// New baselines per mapping.
    #[serde(default)]
    pub baseline: BTreeMap<String, u64>,
    /// Users to add to (`true`) or remove from (`false`) [`SyncState::retry`].
    #[serde(default)]
    pub retry: BTreeMap<String, bool>,
    /// The org to record as [`SyncState::org`]; set only while the state has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
}

/// Serializes the tuple-keyed link map as a list, since JSON keys must be strings.
mod link_changes {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Link;

    type LinkChanges = BTreeMap<(String, String), Option<Link>>;

    #[derive(Serialize, Deserialize)]
    struct Entry {
        mapping: String,
        okta_id: String,
        link: Option<Link>,
    }

    pub fn serialize<S: Serializer>(
        map: &BTreeMap<(String, String), Option<Link>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.iter().map(|((mapping, okta_id), link)| Entry {
            mapping: mapping.clone(),
            okta_id: okta_id.clone(),
            link: link.clone(),
        }))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<LinkChanges, D::Error> {
        Ok(Vec::<Entry>::deserialize(d)?
            .into_iter()
            .map(|e| ((e.mapping, e.okta_id), e.link))
            .collect())
    }
}

mod memory;
mod sqlite;

pub use memory::MemoryStateStore;
pub use sqlite::SqliteStateStore;

/// How a claim records its holder: the plan's hash and when the claim was taken (this
/// machine's clock, for the person reading it).
fn claim_marker(holder: &str) -> String {
    format!("{holder} since {}", chrono::Utc::now().to_rfc3339())
}

/// A new random store id: 128 bits in hex, enough that two stores never share one.
fn new_store_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// One version of a store's content. Two revisions read from the same store object are
/// equal only if nothing was committed to it in between, by this process or another; that
/// is what lets an engine keep the state in memory between runs without ever planning from
/// a stale copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StateRevision {
    /// Commits counted by the store itself (in the SQLite file, so every okta-sync process
    /// writing it counts).
    pub commits: u64,
    /// A second witness of change for writers that do not count (SQLite's
    /// `data_version`: an older okta-sync, a hand edit); 0 where the store has none.
    pub external: u64,
}

/// The revisions a commit moved the store between. `before` is read inside the commit's
/// own transaction, so when it equals a cached revision the cache plus the committed
/// changes is exactly what the store now holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitRevisions {
    /// The store's revision just before the changes were written.
    pub before: StateRevision,
    /// The store's revision with them.
    pub after: StateRevision,
}

/// Durable storage of [`SyncState`].
///
/// The revision methods are optional: a store that cannot tell when it changed keeps the
/// defaults (`None`), and the engine then reloads the whole state on every run.
pub trait StateStore: Send + Sync {
    /// Loads the whole state (empty before the first run).
    fn load(&self) -> Result<SyncState>;

    /// Applies `changes` atomically: either all of them are stored or none.
    fn commit(&self, changes: &StateChanges) -> Result<()>;

    /// The current revision, cheaply; `None` when this store cannot tell.
    fn revision(&self) -> Result<Option<StateRevision>> {
        Ok(None)
    }

    /// [`load`](Self::load), with the revision of exactly the content loaded.
    fn load_with_revision(&self) -> Result<(SyncState, Option<StateRevision>)> {
        Ok((self.load()?, None))
    }

    /// [`commit`](Self::commit), with the revisions it moved the store between.
    fn commit_with_revision(&self, changes: &StateChanges) -> Result<Option<CommitRevisions>> {
        self.commit(changes)?;
        Ok(None)
    }

    /// A random id given to this store when it was created, so that a plan built on one
    /// store is not applied to another that happens to be at the same commit count.
    /// `None` when the store has none.
    fn store_id(&self) -> Result<Option<String>> {
        Ok(None)
    }

    /// Atomically: if the store is at `expected_commits` and no other apply holds a claim,
    /// steps its revision by one without changing the state and records `holder` (the
    /// plan's hash) as applying until the next commit clears it. An apply claims the
    /// revision its plan was built on before writing anything, so of two applies of one
    /// plan, of two plans built on the same state, or of a plan built while another apply
    /// was still writing, only one writes.
    ///
    /// The default cannot claim; it still refuses a revision that has moved, as far as
    /// [`revision`](Self::revision) can tell (not atomically).
    fn claim(&self, expected_commits: u64, holder: &str) -> Result<Claim> {
        let _ = holder;
        Ok(match self.revision()? {
            Some(now) if now.commits != expected_commits => Claim::Moved {
                commits: now.commits,
            },
            _ => Claim::Unsupported,
        })
    }
}

/// What [`StateStore::claim`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The store was at the expected revision and has been stepped past it.
    Claimed(CommitRevisions),
    /// The store has moved on; `commits` is where it is now.
    Moved {
        /// The store's commit count.
        commits: u64,
    },
    /// Another apply claimed the store and has not committed (it is writing now, or it
    /// stopped before its commit).
    Busy {
        /// Who holds the claim and since when, as recorded.
        holder: String,
    },
    /// This store cannot claim (and, as far as it can tell, has not moved).
    Unsupported,
}
