//! An in-memory [`StateStore`], for tests, dry runs and embedders that keep state elsewhere.

use std::sync::{Mutex, MutexGuard};

use super::{StateChanges, StateStore, SyncState};
use crate::{Error, Result};

/// Keeps the [`SyncState`] in memory; nothing survives the process.
#[derive(Debug, Default)]
pub struct MemoryStateStore {
    state: Mutex<SyncState>,
    commits: Mutex<u64>,
}

impl MemoryStateStore {
    /// An empty store (the state before the first run).
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that starts from `state`.
    pub fn with_state(state: SyncState) -> Self {
        MemoryStateStore {
            state: Mutex::new(state),
            commits: Mutex::new(0),
        }
    }

    /// How many commits succeeded, so tests can check that a dry run committed nothing.
    pub fn commits(&self) -> u64 {
        *self.commits.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lock(&self) -> Result<MutexGuard<'_, SyncState>> {
        // A panic while holding the lock may have left a half-applied state: refuse to use it.
        self.state
            .lock()
            .map_err(|_| Error::state("lock", "a previous commit panicked; state is unusable"))
    }
}

impl StateStore for MemoryStateStore {
    fn load(&self) -> Result<SyncState> {
        Ok(self.lock()?.clone())
    }

    fn commit(&self, changes: &StateChanges) -> Result<()> {
        // `SyncState::apply` cannot fail, so applying in place is all or nothing.
        self.lock()?.apply(changes);
        *self.commits.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        Ok(())
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
}
