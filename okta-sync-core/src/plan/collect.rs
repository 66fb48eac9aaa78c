//! Gathers per-user outcomes into the plan: applies the partial-listing guard, counts
//! unchanged and in-scope users, and records link changes and retries.

use std::collections::BTreeMap;

use super::context::{LinkChange, Outcome, Subject};
use super::types::{Action, HeldBack, Warning, WarningCode};
use crate::config::SyncConfig;
use crate::state::{Link, StateChanges, SyncState};

/// One decided link change: (mapping, Okta id) and the link, or `None` to drop it.
type LinkEntry = ((String, String), Option<Link>);

/// Accumulates outcomes while the plan is built.
#[derive(Debug)]
pub(crate) struct Collector {
    /// Why destructive actions are withheld; empty when the read was complete.
    guard: Option<String>,
    /// Actions by mapping slot, so the final order (mapping name, then user) only needs
    /// each slot sorted by user, not one sort of every action by three keys.
    actions: Vec<Vec<Action>>,
    held_back: Vec<HeldBack>,
    warnings: Vec<Warning>,
    /// Mapping names by slot (the planner's order); counters below are by slot.
    names: Vec<String>,
    unchanged: Vec<u64>,
    in_scope_now: Vec<u64>,
    in_scope_change: Vec<i64>,
    /// Link changes by mapping slot, in the order they were decided (users in id order); a
    /// later one for the same key wins, as an insert would. Turned into a map once, at the
    /// end, from input that is then already sorted.
    links: Vec<Vec<LinkEntry>>,
    retry: BTreeMap<String, bool>,
    user: String,
    user_retry: bool,
    user_was_pending: bool,
}

/// The collected parts of a plan.
#[derive(Debug)]
pub(crate) struct Collected {
    pub(crate) actions: Vec<Action>,
    pub(crate) held_back: Vec<HeldBack>,
    pub(crate) counts: BTreeMap<String, u64>,
    pub(crate) unchanged: BTreeMap<String, u64>,
    pub(crate) in_scope: BTreeMap<String, u64>,
    pub(crate) state_changes: StateChanges,
    pub(crate) retry: BTreeMap<String, bool>,
}

impl Collector {
    pub(crate) fn new(guard: Vec<&str>, names: Vec<String>) -> Self {
        let slots = names.len();
        Collector {
            guard: (!guard.is_empty()).then(|| {
                format!(
                    "held back because the directory read was incomplete: {}",
                    guard.join("; ")
                )
            }),
            actions: vec![Vec::new(); slots],
            held_back: Vec::new(),
            warnings: Vec::new(),
            names,
            unchanged: vec![0; slots],
            in_scope_now: vec![0; slots],
            in_scope_change: vec![0; slots],
            links: vec![Vec::new(); slots],
            retry: BTreeMap::new(),
            user: String::new(),
            user_retry: false,
            user_was_pending: false,
        }
    }

    pub(crate) fn begin_user(&mut self, id: &str, retry: bool, was_pending: bool) {
        self.user.clear();
        self.user.push_str(id);
        self.user_retry = retry;
        self.user_was_pending = was_pending;
    }

    /// Ends a user; `planned` is false when the user was planned without a profile, so
    /// a pending re-read stays pending.
    pub(crate) fn end_user(&mut self, planned: bool) {
        if self.user_retry {
            self.retry.insert(self.user.clone(), true);
        } else if self.user_was_pending && planned {
            self.retry.insert(self.user.clone(), false);
        }
    }

    /// A managed user missing from a complete listing, kept for review.
    pub(crate) fn note_missing(&mut self, slot: usize, id: &str, link: Option<&Link>) {
        if link.is_some_and(|l| l.active) {
            self.warnings.push(Warning {
                code: WarningCode::MissingWithoutEvent,
                mapping: Some(self.names[slot].clone()),
                okta_id: Some(id.to_string()),
                message: "missing from a complete Okta listing and no deletion event explains it; \
                          nothing is changed (deprovisioning.missing_without_event is `report`). \
                          Check whether the user was deleted more than 90 days ago"
                    .to_string(),
            });
        }
    }

    pub(crate) fn record(
        &mut self,
        slot: usize,
        subject: &Subject<'_>,
        now_active: bool,
        was_active: bool,
        outcome: Outcome,
    ) {
        let Outcome {
            actions,
            mut link,
            warnings,
            unchanged,
            retry,
        } = outcome;
        self.user_retry |= retry;
        self.unchanged[slot] += u64::from(unchanged);
        self.in_scope_now[slot] += u64::from(now_active);
        self.in_scope_change[slot] += i64::from(now_active) - i64::from(was_active);
        let mapping = self.names[slot].as_str();
        for (code, message) in warnings {
            self.warnings.push(Warning {
                code,
                mapping: Some(mapping.to_string()),
                okta_id: Some(subject.id.to_string()),
                message,
            });
        }
        let to_action = |(kind, reason): (super::types::ActionKind, String)| Action {
            mapping: mapping.to_string(),
            okta_id: subject.id.to_string(),
            identity: subject.identity.map(str::to_string),
            kind,
            reason,
        };
        let holds = self.guard.is_some() && actions.iter().any(|(k, _)| k.is_destructive());
        let actions: Vec<Action> = actions.into_iter().map(to_action).collect();
        for action in actions {
            match &self.guard {
                Some(reason) if action.is_destructive() => self.held_back.push(HeldBack {
                    action,
                    reason: reason.clone(),
                }),
                _ => self.actions[slot].push(action),
            }
        }
        if holds {
            // The link keeps what was true before; the user is looked at again next run.
            link = LinkChange::Keep;
            self.user_retry = true;
        }
        let change = match link {
            LinkChange::Keep => return,
            LinkChange::Set(l) => Some(l),
            LinkChange::Drop => None,
        };
        let key = (self.names[slot].clone(), subject.id.to_string());
        self.links[slot].push((key, change));
    }

    /// Sorts and totals everything. In a delta, in-scope figures are the baseline plus
    /// the change seen; a mapping without a baseline gets none (and a warning).
    pub(crate) fn finish(
        mut self,
        config: &SyncConfig,
        state: &SyncState,
        full: bool,
        warnings: &mut Vec<Warning>,
    ) -> Collected {
        fn order(a: &Action, b: &Action) -> std::cmp::Ordering {
            (a.mapping.as_str(), a.okta_id.as_str(), a.kind.rank()).cmp(&(
                b.mapping.as_str(),
                b.okta_id.as_str(),
                b.kind.rank(),
            ))
        }
        // Mapping names are unique, so concatenating the slots in name order and sorting
        // each by (user, rank) gives the same order as one stable sort by all three.
        let mut by_name: Vec<usize> = (0..self.names.len()).collect();
        by_name.sort_by(|&a, &b| self.names[a].cmp(&self.names[b]));
        let mut slots: Vec<Vec<Action>> = std::mem::take(&mut self.actions);
        let mut actions = Vec::with_capacity(slots.iter().map(Vec::len).sum());
        for &at in &by_name {
            let mut slot = std::mem::take(&mut slots[at]);
            slot.sort_by(|a, b| {
                (a.okta_id.as_str(), a.kind.rank()).cmp(&(b.okta_id.as_str(), b.kind.rank()))
            });
            actions.append(&mut slot);
        }
        self.held_back.sort_by(|a, b| order(&a.action, &b.action));
        let mut counts = BTreeMap::new();
        for action in &actions {
            *counts.entry(action.kind.name().to_string()).or_insert(0) += 1;
        }
        let mut unchanged = BTreeMap::new();
        let mut in_scope = BTreeMap::new();
        for mapping in &config.mappings {
            let name = mapping.name();
            let Some(slot) = self.names.iter().position(|n| n == name) else {
                continue;
            };
            unchanged.insert(name.to_string(), self.unchanged[slot]);
            if full {
                in_scope.insert(name.to_string(), self.in_scope_now[slot]);
            } else if let Some(baseline) = state.baseline.get(name) {
                let change = self.in_scope_change[slot];
                let now = i64::try_from(*baseline)
                    .unwrap_or(i64::MAX)
                    .saturating_add(change);
                in_scope.insert(name.to_string(), u64::try_from(now).unwrap_or(0));
            } else if !state.is_first_run() {
                warnings.push(Warning {
                    code: WarningCode::NoBaseline,
                    mapping: Some(name.to_string()),
                    okta_id: None,
                    message: "this mapping has no population baseline yet (it is new); \
                              run a full reconcile to set one"
                        .to_string(),
                });
            }
        }
        warnings.append(&mut self.warnings);
        Collected {
            actions,
            held_back: self.held_back,
            counts,
            unchanged,
            in_scope,
            state_changes: StateChanges {
                links: by_name
                    .iter()
                    .flat_map(|&at| std::mem::take(&mut self.links[at]))
                    .collect(),
                ..StateChanges::default()
            },
            retry: self.retry,
        }
    }
}
