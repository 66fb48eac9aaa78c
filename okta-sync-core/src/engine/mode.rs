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

/// Known shortcoming: a changed configuration (mappings, filters, groups) does not force a
/// full reconcile, because the state keeps no fingerprint of the configuration it was built
/// with; a delta then only re-evaluates people who changed in Okta. Storing that fingerprint
/// with the watermark and comparing it here is the fix, due as soon as configurations are
/// edited from Asset Panda's screen rather than by an admin who can run `--mode full`.
///
/// Decides what can be decided before reading: a first run, an explicit full request, or
/// a state without a System Log cursor is a full reconcile; anything else starts as a
/// delta and is re-examined against Okta's clock by [`after_delta_read`].
pub(crate) fn before_read(requested: SyncMode, state: &SyncState) -> ModeDecision {
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
    if state.log_cursor.is_none() {
        return full(
            "no System Log cursor is stored: full reconcile; deletions since the last run \
             cannot be seen",
            true,
        );
    }
    ModeDecision {
        full: false,
        reason: "delta since the last successful run".to_string(),
        deletions_maybe_missed: false,
    }
}

/// After a delta read, with Okta's clock (`okta_now`, from the read's `Date` header) in
/// hand: a cursor older than Okta's 90-day retention or rejected by Okta means deletions
/// were lost, and `auto` runs a periodic full reconcile every `reconcile_every_days`.
/// Returns the decision to switch to a full reconcile, or `None` to keep the delta.
/// Both comparisons use Okta's clock on both sides, never the local one.
pub(crate) fn after_delta_read(
    requested: SyncMode,
    state: &SyncState,
    reconcile_every_days: u32,
    okta_now: DateTime<Utc>,
    cursor_rejected: bool,
) -> Option<ModeDecision> {
    let cursor_age = state.log_cursor_at.map(|at| okta_now - at);
    if cursor_rejected || cursor_age.is_some_and(|a| a > Duration::days(LOG_RETENTION_DAYS)) {
        return Some(ModeDecision {
            full: true,
            reason: "the System Log cursor is older than Okta's 90-day retention or was \
                     rejected: full reconcile; deletions in that gap cannot be seen"
                .to_string(),
            deletions_maybe_missed: true,
        });
    }
    let reconcile_due = state
        .last_full_sync
        .is_some_and(|at| okta_now - at > Duration::days(i64::from(reconcile_every_days)));
    (requested == SyncMode::Auto && reconcile_due).then(|| ModeDecision {
        full: true,
        reason: format!("periodic full reconcile (every {reconcile_every_days} days)"),
        deletions_maybe_missed: false,
    })
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
        let d = before_read(SyncMode::Delta, &SyncState::default());
        assert!(d.full);
        assert!(!d.deletions_maybe_missed);
    }

    #[test]
    fn recent_state_gives_delta() {
        let state = synced_state();
        assert!(!before_read(SyncMode::Auto, &state).full);
        assert_eq!(
            after_delta_read(SyncMode::Auto, &state, 7, ts("2026-06-02T00:00:00Z"), false),
            None
        );
    }

    #[test]
    fn auto_reconciles_after_the_configured_days_but_delta_does_not() {
        let now = ts("2026-06-07T00:00:01Z"); // 8 days after the last full sync
        let state = synced_state();
        assert!(after_delta_read(SyncMode::Auto, &state, 7, now, false).is_some());
        assert_eq!(
            after_delta_read(SyncMode::Delta, &state, 7, now, false),
            None
        );
    }

    #[test]
    fn a_cursor_past_retention_forces_full_and_warns() {
        let now = ts("2026-09-01T00:00:00Z"); // 92 days after the cursor was stored
        let d = after_delta_read(SyncMode::Delta, &synced_state(), 365, now, false).unwrap();
        assert!(d.full);
        assert!(d.deletions_maybe_missed);
        let day_89 = ts("2026-08-29T00:00:00Z");
        assert_eq!(
            after_delta_read(SyncMode::Delta, &synced_state(), 365, day_89, false),
            None
        );
    }

    #[test]
    fn a_rejected_cursor_forces_full_and_warns() {
        let d = after_delta_read(
            SyncMode::Delta,
            &synced_state(),
            7,
            ts("2026-06-02T00:00:00Z"),
            true,
        )
        .unwrap();
        assert!(d.deletions_maybe_missed);
    }

    #[test]
    fn a_missing_cursor_is_full_and_warns() {
        let mut state = synced_state();
        state.log_cursor = None;
        let d = before_read(SyncMode::Delta, &state);
        assert!(d.full && d.deletions_maybe_missed);
    }
}
