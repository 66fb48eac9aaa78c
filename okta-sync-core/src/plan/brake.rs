//! The two safety mechanisms: the partial-listing guard (no destructive action rests on a
//! listing that stopped early) and the brake (a plan that would take away too much, or
//! that follows a sudden drop of the in-scope population, needs an approval).

use super::types::{BrakeAssessment, BrakeLimits, WarningCode};
use crate::config::SafetyPolicy;
use crate::directory::DirectorySnapshot;
use crate::error::BrakeCounts;

/// Why the directory read cannot support destructive actions; empty when it can.
pub(crate) fn incomplete_reasons(directory: &DirectorySnapshot) -> Vec<(WarningCode, String)> {
    let mut reasons = Vec::new();
    if !directory.users_complete {
        reasons.push((
            WarningCode::IncompleteListing,
            "the users listing did not reach its last page".to_string(),
        ));
    }
    let mut gaps = directory.gaps.clone();
    gaps.sort();
    for gap in gaps {
        reasons.push((
            WarningCode::IncompleteListing,
            format!("listing {} stopped early: {}", gap.listing, gap.reason),
        ));
    }
    for (reference, members) in &directory.groups {
        if !members.complete {
            reasons.push((
                WarningCode::IncompleteListing,
                format!("the member listing of group {reference} did not reach its last page"),
            ));
        }
    }
    let mut unresolved = directory.unresolved_groups.clone();
    unresolved.sort();
    for group in unresolved {
        reasons.push((
            WarningCode::UnresolvedGroup,
            format!("group {group} no longer resolves in Okta (deleted or renamed); fix the configuration"),
        ));
    }
    reasons
}

/// True when the users listing itself (not the groups or the log) was complete, which is
/// what the watermark and absence-based decisions rest on.
pub(crate) fn users_listing_complete(directory: &DirectorySnapshot) -> bool {
    directory.users_complete && !directory.gaps.iter().any(|g| g.listing == "users")
}

/// The figures the brake decides on.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BrakeInput {
    pub(crate) first_import: bool,
    /// Destructive actions that will be taken (held-back ones excluded).
    pub(crate) destructive: u64,
    /// Managed population the share is measured against.
    pub(crate) managed: u64,
    /// In-scope users now, over the mappings that have a baseline.
    pub(crate) in_scope: u64,
    /// The baseline of the same mappings.
    pub(crate) baseline: u64,
    /// Whether the population comparison is meaningful (complete listing, a baseline).
    pub(crate) compare_population: bool,
}

/// Decides whether the brake trips.
///
/// Destructive actions trip it when they exceed **both** the share of the managed
/// population and the count, so one departure in a small org never needs an approval. A
/// drop of the in-scope population against the last successful run trips it on its own
/// when it exceeds both the allowed drop share and the same count (again so that a small
/// org losing one person is not blocked). The first import is exempt.
pub(crate) fn assess(policy: &SafetyPolicy, input: BrakeInput) -> BrakeAssessment {
    let counts = BrakeCounts {
        destructive: input.destructive,
        managed: input.managed,
        in_scope: input.in_scope,
        baseline: input.baseline,
    };
    let limits = BrakeLimits {
        max_deactivate_share: policy.max_deactivate_share,
        max_deactivate_count: policy.max_deactivate_count,
        max_population_drop_share: policy.max_population_drop_share,
    };
    if input.first_import {
        return BrakeAssessment {
            tripped: false,
            reason: Some("first import: the brake does not apply".to_string()),
            counts,
            limits,
        };
    }
    let mut reasons = Vec::new();
    let share_limit = policy.max_deactivate_share * input.managed as f64;
    if input.destructive > policy.max_deactivate_count && input.destructive as f64 > share_limit {
        reasons.push(format!(
            "{} deactivations or downgrades exceed both {} and {:.0}% of the {} managed entries",
            input.destructive,
            policy.max_deactivate_count,
            policy.max_deactivate_share * 100.0,
            input.managed
        ));
    }
    if input.compare_population && input.baseline > 0 && input.in_scope < input.baseline {
        let dropped = input.baseline - input.in_scope;
        if dropped as f64 > policy.max_population_drop_share * input.baseline as f64
            && dropped > policy.max_deactivate_count
        {
            reasons.push(format!(
                "the in-scope population dropped from {} to {} ({} people, {:.1}%), more than {:.0}% and more than {} people",
                input.baseline,
                input.in_scope,
                dropped,
                dropped as f64 * 100.0 / input.baseline as f64,
                policy.max_population_drop_share * 100.0,
                policy.max_deactivate_count
            ));
        }
    }
    BrakeAssessment {
        tripped: !reasons.is_empty(),
        reason: (!reasons.is_empty()).then(|| reasons.join("; ")),
        counts,
        limits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(destructive: u64, managed: u64) -> BrakeInput {
        BrakeInput {
            destructive,
            managed,
            ..BrakeInput::default()
        }
    }

    #[test]
    fn both_share_and_count_must_be_exceeded() {
        let policy = SafetyPolicy::default(); // 10 % and 25
        // 26 of 1000 is over the count but under the share.
        assert!(!assess(&policy, input(26, 1000)).tripped);
        // 20 of 100 is over the share but not over the count.
        assert!(!assess(&policy, input(20, 100)).tripped);
        // 26 of 100 is over both.
        let verdict = assess(&policy, input(26, 100));
        assert!(verdict.tripped);
        assert!(verdict.reason.unwrap().contains("26 deactivations"));
        // Exactly at the limits is allowed.
        assert!(!assess(&policy, input(25, 100)).tripped);
        assert!(!assess(&policy, input(30, 300)).tripped);
    }

    #[test]
    fn a_population_drop_trips_on_its_own_but_not_on_first_import() {
        let policy = SafetyPolicy::default(); // 20 %
        let drop = |in_scope, first_import| BrakeInput {
            first_import,
            in_scope,
            baseline: 1000,
            compare_population: true,
            ..BrakeInput::default()
        };
        assert!(!assess(&policy, drop(800, false)).tripped);
        assert!(assess(&policy, drop(799, false)).tripped);
        assert!(!assess(&policy, drop(10, true)).tripped);
        // A small org: 10 → 7 is 30 %, but only 3 people.
        let small = BrakeInput {
            in_scope: 7,
            baseline: 10,
            ..drop(0, false)
        };
        assert!(!assess(&policy, small).tripped);
        let unchecked = BrakeInput {
            compare_population: false,
            ..drop(10, false)
        };
        assert!(!assess(&policy, unchecked).tripped);
    }
}
