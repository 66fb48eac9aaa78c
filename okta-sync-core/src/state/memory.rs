//! An in-memory [`StateStore`], for tests, dry runs and embedders that keep state elsewhere.

use std::sync::{Mutex, MutexGuard};

use super::{Claim, CommitRevisions, StateChanges, StateRevision, StateStore, SyncState};
use crate::{Error, Result};

/// Keeps the [`SyncState`] in memory; nothing survives the process.
#[derive(Debug)]
pub struct MemoryStateStore {
    inner: Mutex<Inner>,
    id: String,
}

impl Default for MemoryStateStore {
    fn default() -> Self {
        Self::with_state(SyncState::default())
    }
}

/// The state and its commit count under one lock, so a revision always names the content
/// it was read with.
#[derive(Debug, Default)]
struct Inner {
    state: SyncState,
    commits: u64,
    /// The claim of an apply that has not committed yet.
    applying: Option<String>,
}

impl Inner {
    fn revision(&self) -> StateRevision {
        StateRevision {
            commits: self.commits,
            external: 0,
        }
    }
}

impl MemoryStateStore {
    /// An empty store (the state before the first run).
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that starts from `state`.
    pub fn with_state(state: SyncState) -> Self {
        MemoryStateStore {
            inner: Mutex::new(Inner {
                state,
                commits: 0,
                applying: None,
            }),
            id: super::new_store_id(),
        }
    }

    /// How many commits succeeded, so tests can check that a dry run committed nothing.
    pub fn commits(&self) -> u64 {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).commits
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>> {
        // A panic while holding the lock may have left a half-applied state: refuse to use it.
        self.inner
            .lock()
            .map_err(|_| Error::state("lock", "a previous commit panicked; state is unusable"))
    }
}

impl StateStore for MemoryStateStore {
    fn load(&self) -> Result<SyncState> {
        Ok(self.lock()?.state.clone())
    }

    fn commit(&self, changes: &StateChanges) -> Result<()> {
        self.commit_with_revision(changes).map(|_| ())
    }

    fn revision(&self) -> Result<Option<StateRevision>> {
        Ok(Some(self.lock()?.revision()))
    }

    fn load_with_revision(&self) -> Result<(SyncState, Option<StateRevision>)> {
        let inner = self.lock()?;
        Ok((inner.state.clone(), Some(inner.revision())))
    }

    fn commit_with_revision(&self, changes: &StateChanges) -> Result<Option<CommitRevisions>> {
        let mut inner = self.lock()?;
        let before = inner.revision();
        // `SyncState::apply` cannot fail, so applying in place is all or nothing.
        inner.state.apply(changes);
        inner.commits += 1;
        inner.applying = None;
        Ok(Some(CommitRevisions {
            before,
            after: inner.revision(),
        }))
    }

    fn store_id(&self) -> Result<Option<String>> {
        Ok(Some(self.id.clone()))
    }

    fn claim(&self, expected_commits: u64, holder: &str) -> Result<Claim> {
        let mut inner = self.lock()?;
        if let Some(holder) = &inner.applying {
            return Ok(Claim::Busy {
                holder: holder.clone(),
            });
        }
        if inner.commits != expected_commits {
            return Ok(Claim::Moved {
                commits: inner.commits,
            });
        }
        let before = inner.revision();
        inner.commits += 1;
        inner.applying = Some(super::claim_marker(holder));
        Ok(Claim::Claimed(CommitRevisions {
            before,
            after: inner.revision(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_is_visible_to_the_next_load() {
        let store = MemoryStateStore::new();
        assert!(store.load().unwrap().is_first_run());
        let changes = StateChanges {
            log_cursor: Some("https://example.okta.com/api/v1/logs?after=1".into()),
            ..StateChanges::default()
        };
        store.commit(&changes).unwrap();
        assert_eq!(
            store.load().unwrap().log_cursor.as_deref(),
            Some("https://example.okta.com/api/v1/logs?after=1")
        );
        assert_eq!(store.commits(), 1);
    }

    #[test]
    fn every_commit_moves_the_revision_by_one() {
        let store = MemoryStateStore::new();
        let (_, loaded_at) = store.load_with_revision().unwrap();
        let step = store
            .commit_with_revision(&StateChanges::default())
            .unwrap()
            .unwrap();
        assert_eq!(Some(step.before), loaded_at);
        assert_eq!(step.after.commits, step.before.commits + 1);
        assert_eq!(store.revision().unwrap(), Some(step.after));
    }
}
