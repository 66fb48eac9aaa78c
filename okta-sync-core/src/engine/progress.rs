//! Progress of a running sync, for callbacks in the host application.
//!
//! A long sync must show progress, not silence. The engine reports phases, pages fetched,
//! throttle waits and actions applied through a [`ProgressSink`]; the Python and Node
//! packages forward these events to a user callback. The same milestones are `tracing`
//! events, so a subscriber sees them without a callback.

use serde::Serialize;

use crate::directory::ReadObserver;

/// A phase of a sync run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Checking the Okta and target connections.
    CheckConnections,
    /// Loading the saved sync state.
    LoadState,
    /// Reading the directory (Okta).
    ReadDirectory,
    /// Reading what the target holds.
    ReadTarget,
    /// Building the plan.
    Plan,
    /// Applying the plan to the target.
    Apply,
    /// Saving the sync state.
    CommitState,
}

/// One progress notification.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ProgressEvent {
    /// A phase began.
    PhaseStarted {
        /// Which phase.
        phase: Phase,
    },
    /// A phase ended.
    PhaseFinished {
        /// Which phase.
        phase: Phase,
        /// How long it took.
        elapsed_ms: u64,
    },
    /// A page of a directory listing arrived.
    PageFetched {
        /// Which listing (`users`, `group:<name>`, `log`).
        listing: String,
        /// Entries on the page.
        items: usize,
    },
    /// The source waits for a rate-limit window.
    Throttled {
        /// How long, in milliseconds.
        wait_ms: u64,
    },
    /// Writes were applied to the target.
    ActionsApplied {
        /// Writes finished so far (done or failed).
        finished: u64,
        /// Writes in the plan.
        total: u64,
    },
    /// Something the admin should know (also logged as a `tracing` warning).
    Warning {
        /// The warning.
        message: String,
    },
}

/// Receives progress events. Implementations must be cheap and must not block for long.
pub trait ProgressSink: Send + Sync {
    /// Called for each event, from the task doing the work.
    fn event(&self, event: &ProgressEvent);
}

/// A sink that drops everything (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl ProgressSink for NoProgress {
    fn event(&self, _event: &ProgressEvent) {}
}

/// Bridges directory read callbacks to a [`ProgressSink`].
pub(crate) struct ReadProgress<'a>(pub &'a dyn ProgressSink);

impl ReadObserver for ReadProgress<'_> {
    fn page(&self, listing: &str, items: usize) {
        tracing::debug!(listing, items, "page fetched");
        self.0.event(&ProgressEvent::PageFetched {
            listing: listing.to_string(),
            items,
        });
    }

    fn throttled(&self, wait_ms: u64) {
        tracing::info!(wait_ms, "waiting for the Okta rate limit");
        self.0.event(&ProgressEvent::Throttled { wait_ms });
    }
}
