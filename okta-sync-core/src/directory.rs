//! The directory side: what a source of people (Okta) must provide to the planner.
//!
//! A source reads either a **full** listing (every user of every status) or the **changes**
//! since a watermark, plus the members of the groups the mappings name and the System Log
//! events since a cursor. It reports for each listing whether it was complete; the planner
//! refuses destructive actions that rest on an incomplete one.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::filter::Pushdown;
use crate::model::{DirectoryUser, Group, LifecycleEvent};

/// Full or delta, as requested by the engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReadRequest {
    /// Every user of every status.
    Full,
    /// Users changed since `since` (already reduced by the overlap window), groups whose
    /// membership changed since then, and System Log events after `log_cursor`.
    Delta {
        /// Lower bound for `lastUpdated` and `lastMembershipUpdated`.
        #[serde(with = "crate::model::time::required")]
        since: DateTime<Utc>,
    },
}

/// What the engine asks a source for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadScope {
    /// Full or delta.
    pub request: ReadRequest,
    /// Every group any mapping names (by name or id).
    pub groups: Vec<String>,
    /// Group ids already known from state, so a renamed group still resolves.
    pub known_group_ids: BTreeMap<String, String>,
    /// The stored System Log cursor (an opaque `next` URL), if any.
    pub log_cursor: Option<String>,
    /// Where the log should start when there is no cursor (the first run's start time).
    pub log_since: Option<DateTime<Utc>>,
    /// Filter pushdown, if every mapping agrees on one (saves requests, never changes scope).
    pub pushdown: Option<Pushdown>,
}

/// Why a listing is not complete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
pub struct Gap {
    /// Which listing: `users`, `group:<name>`, `log`.
    pub listing: String,
    /// What happened.
    pub reason: String,
}

/// The members of one group, as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupMembers {
    /// The group.
    pub group: Group,
    /// Member user ids, sorted.
    pub member_ids: Vec<String>,
    /// True only when the member listing reached its last page.
    pub complete: bool,
}

/// Everything the directory showed in one read.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DirectorySnapshot {
    /// True for a full listing, false for a delta.
    pub full: bool,
    /// Users: all of them (full) or the changed ones plus members of changed groups (delta).
    pub users: Vec<DirectoryUser>,
    /// True only when the users listing reached its last page.
    pub users_complete: bool,
    /// Groups named in the configuration, keyed by the configured name or id. For a delta,
    /// only the groups whose membership changed are present.
    pub groups: BTreeMap<String, GroupMembers>,
    /// Configured groups that did not resolve (deleted or renamed in Okta).
    pub unresolved_groups: Vec<String>,
    /// Successful lifecycle and membership events since the cursor, in the order read.
    pub events: Vec<LifecycleEvent>,
    /// The new System Log cursor to store after a successful apply.
    pub log_cursor: Option<String>,
    /// True when the stored cursor could not be used (older than Okta's 90-day retention or
    /// rejected): deletions in that gap cannot be seen.
    pub log_cursor_expired: bool,
    /// Okta's clock at the start of the read (from the `Date` header), for the watermark.
    #[serde(default, with = "crate::model::time::optional")]
    pub server_time: Option<DateTime<Utc>>,
    /// Every listing that stopped early, and why.
    pub gaps: Vec<Gap>,
    /// Requests and pages used, for the report.
    pub stats: ReadStats,
}

impl DirectorySnapshot {
    /// True when every listing the plan may rely on for destructive actions was complete.
    pub fn is_complete(&self) -> bool {
        self.users_complete
            && self.gaps.is_empty()
            && self.unresolved_groups.is_empty()
            && self.groups.values().all(|g| g.complete)
    }
}

/// Counters a source keeps while reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReadStats {
    /// HTTP requests made, retries included.
    pub requests: u64,
    /// Pages received.
    pub pages: u64,
    /// Response bytes decoded.
    pub bytes: u64,
    /// Times the source waited for a rate-limit window.
    pub throttle_waits: u64,
    /// Total time spent waiting for rate limits, in milliseconds.
    pub throttle_wait_ms: u64,
}

/// Whether each kind of read works, for "Test and save connection".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ConnectionCheck {
    /// The URL and credentials were accepted.
    pub ok: bool,
    /// Users can be listed.
    pub users: bool,
    /// Groups can be listed.
    pub groups: bool,
    /// The System Log can be read (needed to see deletions).
    pub system_log: bool,
    /// Human-readable findings, one per problem or note.
    pub messages: Vec<String>,
}

/// Progress notifications a source emits while reading.
pub trait ReadObserver: Send + Sync {
    /// A page of `listing` arrived with `items` entries.
    fn page(&self, listing: &str, items: usize);
    /// The source waits `wait_ms` for a rate-limit window.
    fn throttled(&self, wait_ms: u64);
}

/// A source of people. Implemented by `OktaSource`; tests may use in-memory sources.
#[async_trait]
pub trait DirectorySource: Send + Sync {
    /// Checks the URL and credentials, and which reads are permitted.
    async fn check_connection(&self) -> Result<ConnectionCheck>;

    /// Reads what `scope` asks for. A listing that fails part-way is reported in
    /// [`DirectorySnapshot::gaps`] (with what was read so far) rather than as an error, so
    /// that creates and updates can proceed while destructive actions are held back;
    /// errors are for failures that leave nothing usable (bad credentials at the start).
    async fn read(
        &self,
        scope: &ReadScope,
        observer: &dyn ReadObserver,
    ) -> Result<DirectorySnapshot>;

    /// Fetches single users by id, for people whose scope may have changed without their
    /// own record changing (removed from a group). A user Okta no longer has
    /// (404 `E0000007`) comes back as [`UserLookup::NotFound`].
    async fn fetch_users(&self, ids: &[String]) -> Result<Vec<UserLookup>>;
}

/// The result of fetching one user by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum UserLookup {
    /// Okta has the user.
    Found(Box<DirectoryUser>),
    /// Okta answered 404 for this id: the user was deleted.
    NotFound {
        /// The id asked for.
        id: String,
    },
}
