//! A plan as a person reads it in a terminal: counts, then one line per action.

use std::fmt::Write as _;

use super::types::{Action, ActionKind, Plan, PlanMode};

/// Actions listed one by one before the summary switches to "... and N more".
const LISTED: usize = 40;

impl Plan {
    /// A short, human-readable account of the plan: counts per kind, unchanged users,
    /// then each action with who it concerns and why (at most 40 lines), warnings, held
    /// back actions and the brake's verdict.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let mode = match self.mode {
            PlanMode::Full if self.first_import => "full import (first run)",
            PlanMode::Full => "full reconcile",
            PlanMode::Delta => "delta",
        };
        let short_hash = self.hash.get(..19).unwrap_or(&self.hash);
        let _ = writeln!(out, "plan {short_hash}: {mode}");
        let counts: Vec<String> = self
            .counts
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(kind, n)| format!("{kind} {n}"))
            .collect();
        let _ = writeln!(
            out,
            "  actions: {}",
            if counts.is_empty() {
                "none".to_string()
            } else {
                counts.join(", ")
            }
        );
        let unchanged: Vec<String> = self
            .unchanged
            .iter()
            .map(|(mapping, n)| format!("{mapping} {n}"))
            .collect();
        let in_scope: Vec<String> = self
            .in_scope
            .iter()
            .map(|(mapping, n)| format!("{mapping} {n}"))
            .collect();
        let _ = writeln!(out, "  in scope: {}", in_scope.join(", "));
        // In a delta, "in scope" is the population (baseline plus what changed) while
        // "unchanged" counts only the users this delta read: say so.
        let among = match self.mode {
            PlanMode::Full => "",
            PlanMode::Delta => " among the users this delta read",
        };
        let _ = writeln!(out, "  unchanged{among}: {}", unchanged.join(", "));
        for action in self.actions.iter().take(LISTED) {
            let _ = writeln!(out, "    {}", action_line(action));
        }
        if self.actions.len() > LISTED {
            let _ = writeln!(out, "    ... and {} more", self.actions.len() - LISTED);
        }
        for warning in &self.warnings {
            let _ = writeln!(out, "  warning: {}", warning.message);
        }
        for held in &self.held_back {
            let _ = writeln!(
                out,
                "  held back: {} ({})",
                action_line(&held.action),
                held.reason
            );
        }
        if self.brake.tripped {
            let _ = writeln!(
                out,
                "  SAFETY BRAKE: {} (apply needs an approval of {})",
                self.brake.reason.as_deref().unwrap_or("tripped"),
                self.hash
            );
        }
        out
    }
}

fn action_line(action: &Action) -> String {
    let who = action.identity.as_deref().unwrap_or(&action.okta_id);
    let kind = match &action.kind {
        ActionKind::Manual { intended, .. } => format!("manual {}", intended.name()),
        other => other.name().to_string(),
    };
    format!("{kind} [{}] {who}: {}", action.mapping, action.reason)
}
