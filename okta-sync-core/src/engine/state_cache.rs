//! The sync state kept in memory between runs of a long-lived engine.
//!
//! Loading a million users' state and indexing it costs far more than planning a delta of
//! 100 changes, so an engine keeps the state it planned from, with its [`StateIndex`], and
//! after each commit applies exactly the committed changes to both. The copy is used only
//! while the store's revision is the one the copy was taken at (or moved to by our own
//! commit on top of it): a commit by anyone else, a failed commit, or a store that cannot
//! tell its revision means the next run loads the state afresh. A stale copy would plan
//! from a past that no longer holds, and could deactivate someone; a reload only costs time.

use std::sync::Mutex;

use crate::Result;
use crate::plan::StateIndex;
use crate::state::{CommitRevisions, StateChanges, StateRevision, StateStore, SyncState};

/// The state at one store revision, with its planner index.
#[derive(Debug)]
pub(super) struct LoadedState {
    /// The revision `state` is exactly; `None` when the store cannot tell (never kept).
    revision: Option<StateRevision>,
    pub(super) state: SyncState,
    pub(super) index: StateIndex,
}

impl LoadedState {
    /// The store's commit count for exactly this state; `None` when the store cannot tell.
    pub(super) fn commits(&self) -> Option<u64> {
        self.revision.map(|r| r.commits)
    }
}

/// The one copy an engine keeps. A run checks it out for the duration of planning and
/// checks it back in; a concurrent run finds the slot empty and loads its own.
#[derive(Debug, Default)]
pub(super) struct StateCache {
    slot: Mutex<Option<LoadedState>>,
}

impl StateCache {
    /// The state as the store holds it now: the kept copy when the store is still at its
    /// revision, else a fresh load (and a fresh index). The second value is true when the
    /// copy was reused.
    pub(super) fn check_out(&self, store: &dyn StateStore) -> Result<(LoadedState, bool)> {
        let kept = self.take();
        if let Some(kept) = kept {
            let now = store.revision()?;
            if now.is_some() && kept.revision == now {
                return Ok((kept, true));
            }
            tracing::debug!("sync state changed since it was loaded; reloading");
        }
        let (state, revision) = store.load_with_revision()?;
        let index = StateIndex::new(&state);
        Ok((
            LoadedState {
                revision,
                state,
                index,
            },
            false,
        ))
    }

    /// Keeps `loaded` for the next run, if its revision is known.
    pub(super) fn check_in(&self, loaded: LoadedState) {
        if loaded.revision.is_some() {
            *self.lock() = Some(loaded);
        }
    }

    /// Brings the kept copy forward over a commit of `changes` that moved the store
    /// `step.before` → `step.after`; drops it when the commit did not start from the
    /// copy's revision (someone else committed in between) or the store cannot tell.
    pub(super) fn committed(&self, changes: &StateChanges, step: Option<CommitRevisions>) {
        let mut slot = self.lock();
        let Some(kept) = slot.as_mut() else {
            return;
        };
        match step {
            Some(step) if kept.revision == Some(step.before) => {
                // The index update needs the state as it was before the changes.
                kept.index.apply(&kept.state, changes);
                kept.state.apply(changes);
                kept.revision = Some(step.after);
            }
            _ => *slot = None,
        }
    }

    /// Forgets the kept copy (a commit failed: what the store holds is in doubt).
    pub(super) fn invalidate(&self) {
        *self.lock() = None;
    }

    fn take(&self) -> Option<LoadedState> {
        self.lock().take()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<LoadedState>> {
        // The slot holds either a whole copy or none; a panic elsewhere cannot leave it
        // half-written, but drop it anyway to be sure.
        self.slot.lock().unwrap_or_else(|poisoned| {
            let mut slot = poisoned.into_inner();
            *slot = None;
            slot
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::UserStatus;
    use crate::state::{Link, MemoryStateStore, Origin, UserState};

    fn changes(user: &str, target: &str) -> StateChanges {
        let mut changes = StateChanges::default();
        changes.users.insert(
            user.into(),
            UserState {
                status: UserStatus::Active,
                identity: Some(format!("{user}@example.com")),
                last_updated: None,
                department: None,
            },
        );
        changes.links.insert(
            ("people".into(), user.into()),
            Some(Link {
                target_id: target.into(),
                origin: Origin::Created,
                active: true,
                role: None,
                fingerprint: 1,
            }),
        );
        changes
    }

    fn commit(cache: &StateCache, store: &MemoryStateStore, changes: &StateChanges) {
        let step = store.commit_with_revision(changes).unwrap();
        cache.committed(changes, step);
    }

    #[test]
    fn the_copy_follows_our_own_commits_without_reloading() {
        let store = MemoryStateStore::new();
        let cache = StateCache::default();
        let (loaded, reused) = cache.check_out(&store).unwrap();
        assert!(!reused);
        cache.check_in(loaded);
        commit(&cache, &store, &changes("u1", "r1"));
        commit(&cache, &store, &changes("u2", "r2"));
        let (loaded, reused) = cache.check_out(&store).unwrap();
        assert!(reused);
        assert_eq!(loaded.state, store.load().unwrap());
        assert_eq!(loaded.index, StateIndex::new(&loaded.state));
        assert_eq!(loaded.index.owner("people", "r2"), Some("u2"));
    }

    #[test]
    fn a_commit_by_someone_else_forces_a_reload() {
        let store = MemoryStateStore::new();
        let cache = StateCache::default();
        let (loaded, _) = cache.check_out(&store).unwrap();
        cache.check_in(loaded);
        // Another engine on the same store commits; our copy no longer describes it.
        store.commit(&changes("u1", "r1")).unwrap();
        let (loaded, reused) = cache.check_out(&store).unwrap();
        assert!(!reused);
        assert_eq!(loaded.state, store.load().unwrap());
        cache.check_in(loaded);

        // Someone commits between our load and our commit: our commit lands on top of
        // theirs, so our copy plus our changes is not what the store holds.
        store.commit(&changes("u2", "r2")).unwrap();
        commit(&cache, &store, &changes("u3", "r3"));
        let (loaded, reused) = cache.check_out(&store).unwrap();
        assert!(!reused);
        assert_eq!(loaded.state.users.len(), 3);
    }

    #[test]
    fn a_failed_commit_drops_the_copy() {
        let store = MemoryStateStore::new();
        let cache = StateCache::default();
        let (loaded, _) = cache.check_out(&store).unwrap();
        cache.check_in(loaded);
        cache.invalidate();
        let (_, reused) = cache.check_out(&store).unwrap();
        assert!(!reused);
    }
}
