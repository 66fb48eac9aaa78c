//! Choosing between a full reconcile and a delta sync.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::state::SyncState;

/// What the caller asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncMode {
    /// Full on the first run, when the System Log cursor is too old, and every
    /// `reconcile_every_days`; delta otherwise.
    #[default]
    Auto,
    /// Read every user and reconcile everything.
    Full,
    /// Read only what changed since the watermark. Falls back to full when there is no
    /// usable watermark.
    Delta,
}

/// Okta keeps System Log events this long; a cursor older than this has lost deletions.
pub const LOG_RETENTION_DAYS: i64 = 90;

/// The engine's decision, with the reason shown in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ModeDecision {
    /// True for a full reconcile.
    pub full: bool,
    /// Why.
    pub reason: String,
    /// True when deletions may have been missed (the System Log can no longer show them).
    pub deletions_maybe_missed: bool,
}

/// Decides the read mode before reading. `now` is only used to judge the age of stored
/// Okta timestamps (both sides of the comparison are then wall-clock estimates); the
/// watermark itself always comes from Okta.
pub(crate) fn decide(
    requested: SyncMode,
    state: &SyncState,
    reconcile_every_days: u32,
    now: DateTime<Utc>,
) -> ModeDecision {
    let full = |reason: &str, missed: bool| ModeDecision {
        full: true,
        reason: reason.to_string(),
        deletions_maybe_missed: missed,
    };
    if state.is_first_run() || state.watermark.is_none() {
        return full("first run: full import", false);
    }
    if requested == SyncMode::Full {
        return full("full reconcile requested", false);
    }
    let cursor_age = state.log_cursor_at.map(|at| now - at);
    if state.log_cursor.is_none() || cursor_age.is_some_and(|a| a > Duration::days(LOG_RETENTION_DAYS))
    {
        return full(
            "the System Log cursor is missing or older than Okta's 90-day retention: \
             full reconcile; deletions in Okta during that gap cannot be seen",
            true,
        );
    }
    if requested == SyncMode::Auto
        && state
            .last_full_sync
            .is_some_and(|at| now - at > Duration::days(i64::from(reconcile_every_days)))
    {
        return full("periodic full reconcile", false);
    }
    ModeDecision {
        full: false,
        reason: "delta since the last successful run".to_string(),
        deletions_maybe_missed: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn synced_state() -> SyncState {
        SyncState {
            watermark: Some(ts("2026-06-01T00:00:00Z")),
            log_cursor: Some("https://x.okta.com/api/v1/logs?after=abc".into()),
            log_cursor_at: Some(ts("2026-06-01T00:00:00Z")),
            last_full_sync: Some(ts("2026-05-30T00:00:00Z")),
            ..SyncState::default()
        }
    }

    #[test]
    fn first_run_is_full_whatever_was_asked() {
        let d = decide(SyncMode::Delta, &SyncState::default(), 7, ts("2026-06-02T00:00:00Z"));
        assert!(d.full);
        assert!(!d.deletions_maybe_missed);
    }

    #[test]
    fn recent_state_gives_delta() {
        let d = decide(SyncMode::Auto, &synced_state(), 7, ts("2026-06-02T00:00:00Z"));
        assert!(!d.full, "{}", d.reason);
    }

    #[test]
    fn auto_reconciles_after_the_configured_days_but_delta_does_not() {
        let now = ts("2026-06-07T00:00:01Z"); // 8 days after the last full sync
        assert!(decide(SyncMode::Auto, &synced_state(), 7, now).full);
        assert!(!decide(SyncMode::Delta, &synced_state(), 7, now).full);
    }

    #[test]
    fn a_cursor_past_retention_forces_full_and_warns() {
        let now = ts("2026-09-01T00:00:00Z"); // 92 days after the cursor was stored
        let d = decide(SyncMode::Delta, &synced_state(), 365, now);
        assert!(d.full);
        assert!(d.deletions_maybe_missed);
    }
}
