//! What an apply did, for the admin: as JSON and as a short summary.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::apply::WriteResult;
use super::types::{Action, ActionKind, BrakeAssessment, HeldBack, Plan, PlanMode, Warning};
use crate::directory::ReadStats;

/// Planned, done and failed actions of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct KindCounts {
    /// In the plan.
    pub planned: u64,
    /// Carried out (0 in a dry run).
    pub done: u64,
    /// Attempted and failed.
    pub failed: u64,
}

/// One action that failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// Mapping name.
    pub mapping: String,
    /// Okta user id.
    pub okta_id: String,
    /// Action kind.
    pub kind: String,
    /// Why, as the target said.
    pub reason: String,
    /// Attempts made.
    pub attempts: u32,
}

/// Requests made to the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WriteStats {
    /// Write requests (batches) sent, retries included.
    pub batches: u64,
    /// Writes attempted.
    pub writes: u64,
    /// Writes sent again after a transient failure.
    pub retries: u64,
}

/// The outcome of applying a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The applied plan's hash.
    pub plan_hash: String,
    /// Full or delta.
    pub mode: PlanMode,
    /// True when nothing was written.
    pub dry_run: bool,
    /// True when a tripped brake was overridden by an approval of this plan.
    pub approved: bool,
    /// Per action kind.
    pub counts: BTreeMap<String, KindCounts>,
    /// Per mapping, in-scope users needing no change.
    pub unchanged: BTreeMap<String, u64>,
    /// Every failed action, with its reason.
    pub failures: Vec<Failure>,
    /// What an admin must do by hand.
    pub manual: Vec<Action>,
    /// What an admin must resolve before those users are synced.
    pub conflicts: Vec<Action>,
    /// Destructive actions withheld because the directory read was incomplete.
    pub held_back: Vec<HeldBack>,
    /// Notes from planning.
    pub warnings: Vec<Warning>,
    /// The brake's verdict.
    pub brake: BrakeAssessment,
    /// Okta requests, pages and throttling during the read.
    pub read: ReadStats,
    /// Target requests during apply.
    pub writes: WriteStats,
    /// Wall time of the apply, in milliseconds.
    pub duration_ms: u64,
}

impl Report {
    pub(crate) fn new(
        plan: &Plan,
        results: &BTreeMap<usize, WriteResult>,
        dry_run: bool,
        approved: bool,
        read: ReadStats,
        writes: WriteStats,
        duration: Duration,
    ) -> Self {
        let failed_keys: BTreeSet<(&str, &str)> = results
            .iter()
            .filter(|(_, r)| matches!(r, WriteResult::Failed { .. }))
            .map(|(at, _)| {
                let a = &plan.actions[*at];
                (a.mapping.as_str(), a.okta_id.as_str())
            })
            .collect();
        let mut counts: BTreeMap<String, KindCounts> = BTreeMap::new();
        let mut failures = Vec::new();
        for (at, action) in plan.actions.iter().enumerate() {
            let entry = counts.entry(action.kind.name().to_string()).or_default();
            entry.planned += 1;
            match results.get(&at) {
                Some(WriteResult::Done { .. }) => entry.done += 1,
                Some(WriteResult::Failed { reason, attempts }) => {
                    entry.failed += 1;
                    failures.push(Failure {
                        mapping: action.mapping.clone(),
                        okta_id: action.okta_id.clone(),
                        kind: action.kind.name().to_string(),
                        reason: reason.clone(),
                        attempts: *attempts,
                    });
                }
                Some(WriteResult::DryRun) => {}
                None => {
                    // Adopting a login writes nothing by itself: it is done when the
                    // user's other writes in that mapping went through.
                    let key = (action.mapping.as_str(), action.okta_id.as_str());
                    if matches!(action.kind, ActionKind::AdoptLogin { .. })
                        && !dry_run
                        && !failed_keys.contains(&key)
                    {
                        entry.done += 1;
                    }
                }
            }
        }
        Report {
            plan_hash: plan.hash.clone(),
            mode: plan.mode,
            dry_run,
            approved,
            counts,
            unchanged: plan.unchanged.clone(),
            failures,
            manual: plan.manual_actions().cloned().collect(),
            conflicts: plan.conflicts().cloned().collect(),
            held_back: plan.held_back.clone(),
            warnings: plan.warnings.clone(),
            brake: plan.brake.clone(),
            read,
            writes,
            duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        // A report holds only strings, numbers and maps with string keys.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// A few lines for a log or a terminal: what was done, what failed, what needs a
    /// person.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let mode = match self.mode {
            PlanMode::Full => "full",
            PlanMode::Delta => "delta",
        };
        let short_hash = self.plan_hash.get(..19).unwrap_or(&self.plan_hash);
        let _ = write!(out, "{mode} sync, plan {short_hash}");
        if self.dry_run {
            out.push_str(" (dry run: nothing written)");
        }
        if self.approved {
            out.push_str(" (brake overridden by approval)");
        }
        out.push('\n');

        let listed = |pick: &dyn Fn(&KindCounts) -> u64| {
            self.counts
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "conflict" | "manual"))
                .map(|(k, c)| (k, pick(c)))
                .filter(|(_, n)| *n > 0)
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (label, line) = if self.dry_run {
            ("would do", listed(&|c| c.planned))
        } else {
            ("done", listed(&|c| c.done))
        };
        let _ = writeln!(
            out,
            "  {label}: {}",
            if line.is_empty() { "nothing" } else { &line }
        );
        if !self.failures.is_empty() {
            let _ = writeln!(out, "  failed: {}", self.failures.len());
            for f in self.failures.iter().take(5) {
                let _ = writeln!(
                    out,
                    "    {} {} ({}): {}",
                    f.kind, f.okta_id, f.mapping, f.reason
                );
            }
            if self.failures.len() > 5 {
                let _ = writeln!(out, "    ... and {} more", self.failures.len() - 5);
            }
        }
        let unchanged: u64 = self.unchanged.values().sum();
        // A delta only looks at the users Okta reported as changed, so its "unchanged" is a
        // count among those, not of the whole population.
        let among = match self.mode {
            PlanMode::Full => "",
            PlanMode::Delta => " (among the users this delta read)",
        };
        let _ = writeln!(out, "  unchanged{among}: {unchanged}");
        if !self.manual.is_empty() {
            let _ = writeln!(out, "  manual actions for an admin: {}", self.manual.len());
            for action in self.manual.iter().take(5) {
                let what = match &action.kind {
                    ActionKind::Manual { intended, .. } => intended.name(),
                    other => other.name(),
                };
                let _ = writeln!(
                    out,
                    "    {what} {} ({}): {}",
                    action.okta_id, action.mapping, action.reason
                );
            }
            if self.manual.len() > 5 {
                let _ = writeln!(out, "    ... and {} more", self.manual.len() - 5);
            }
        }
        if !self.conflicts.is_empty() {
            let _ = writeln!(out, "  conflicts to resolve: {}", self.conflicts.len());
        }
        if !self.held_back.is_empty() {
            let _ = writeln!(
                out,
                "  held back (directory read incomplete): {}",
                self.held_back.len()
            );
        }
        if !self.warnings.is_empty() {
            let _ = writeln!(out, "  warnings: {}", self.warnings.len());
        }
        if self.brake.tripped {
            let _ = writeln!(
                out,
                "  brake: {}",
                self.brake.reason.as_deref().unwrap_or("tripped")
            );
        }
        let _ = write!(
            out,
            "  Okta: {} requests, {} pages, {} throttle waits ({} ms); target: {} requests, {} retries; {:.1} s",
            self.read.requests,
            self.read.pages,
            self.read.throttle_waits,
            self.read.throttle_wait_ms,
            self.writes.batches,
            self.writes.retries,
            self.duration_ms as f64 / 1000.0
        );
        out
    }
}
