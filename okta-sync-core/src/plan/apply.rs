//! Executing a plan against an [`AssetTarget`].
//!
//! Writes are grouped by kind (creates first, deactivations last, so one user's
//! reactivation precedes their role change), cut into batches of the target's
//! `batch_limit`, and sent with bounded concurrency. Transient failures are retried with
//! exponential backoff; one write's failure never stops the others. The returned state
//! changes hold only what was done: a failed write keeps the user's old link and marks
//! them for a re-read, so the next run tries again, and a create that may have happened
//! (an ambiguous error) is never retried blindly: the next plan finds the record by its
//! Okta id stamp (or the login by email) and adopts it instead of creating a second one.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use backon::{BackoffBuilder, ExponentialBuilder};
use futures::StreamExt;
use serde::{Deserialize, Serialize};

use super::diff::changes_to_fields;
use super::hash::plan_hash;
use super::report::{Report, WriteStats};
use super::types::{Action, ActionKind, PLAN_FORMAT, Plan};
use crate::directory::ReadStats;
use crate::state::StateChanges;
use crate::target::{AssetTarget, Fields, TargetWrite, WriteOutcome};
use crate::{Error, Result};

/// An admin's approval of one exact plan, by its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// The approved plan's [`Plan::hash`].
    pub plan_hash: String,
}

/// How to apply a plan.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Go through every step but write nothing and return no state changes.
    pub dry_run: bool,
    /// Needed when the plan's brake tripped; must name the plan's hash.
    pub approval: Option<Approval>,
    /// Most batches in flight at once. Default 4.
    pub concurrency: usize,
    /// Retries of a transient failure per write. Default 3.
    pub max_retries: u32,
    /// First retry delay, doubled on each retry (with jitter). Default 500 ms.
    pub retry_delay: Duration,
    /// The directory read's counters, copied into the report.
    pub read_stats: ReadStats,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            dry_run: false,
            approval: None,
            concurrency: 4,
            max_retries: 3,
            retry_delay: Duration::from_millis(500),
            read_stats: ReadStats::default(),
        }
    }
}

/// What happened to one action's write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum WriteResult {
    /// Written; `id` is the record or login id.
    Done {
        /// Target id.
        id: String,
    },
    /// Not written.
    Failed {
        /// Why, as the target said.
        reason: String,
        /// Attempts made.
        attempts: u32,
    },
    /// Not written because this is a dry run.
    DryRun,
}

/// Progress notifications during apply. Every method has an empty default.
pub trait ApplyObserver: Send + Sync {
    /// A batch of `size` writes of `kind` is being sent.
    fn batch(&self, _kind: &str, _size: usize) {}
    /// An action's write finished.
    fn result(&self, _action: &Action, _result: &WriteResult) {}
    /// `writes` writes of `kind` are retried after `delay` (attempt `attempt`).
    fn retrying(&self, _kind: &str, _writes: usize, _attempt: u32, _delay: Duration) {}
}

/// An observer that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoopObserver;

impl ApplyObserver for NoopObserver {}

/// The result of applying a plan.
#[derive(Debug, Clone)]
pub struct ApplyOutcome {
    /// What was done, for the admin.
    pub report: Report,
    /// What to commit to the state store (empty for a dry run).
    pub state_changes: StateChanges,
}

/// Write kinds in the order they are applied.
const KIND_ORDER: [&str; 7] = [
    "create_record",
    "update_record",
    "create_login",
    "reactivate_login",
    "change_role",
    "update_login",
    "deactivate_login",
];

/// The target write for an action, or `None` for actions that write nothing.
fn to_write(kind: &ActionKind) -> Option<TargetWrite> {
    let update = |collection: &str, record_id: &str, fields: Fields| TargetWrite::UpdateRecord {
        collection: collection.to_string(),
        record_id: record_id.to_string(),
        fields,
    };
    Some(match kind {
        ActionKind::CreateRecord { collection, fields } => TargetWrite::CreateRecord {
            collection: collection.clone(),
            fields: fields.clone(),
        },
        ActionKind::UpdateRecord {
            collection,
            record_id,
            changes,
        }
        | ActionKind::AdoptRecord {
            collection,
            record_id,
            changes,
            ..
        }
        | ActionKind::ReactivateRecord {
            collection,
            record_id,
            changes,
        } => update(collection, record_id, changes_to_fields(changes)),
        ActionKind::MarkRecordInactive {
            collection,
            record_id,
            field,
            value,
            ..
        } => update(
            collection,
            record_id,
            [(field.clone(), serde_json::Value::String(value.clone()))].into(),
        ),
        ActionKind::CreateLogin {
            email,
            role,
            fields,
        } => TargetWrite::CreateLogin {
            email: email.clone(),
            role: role.clone(),
            fields: fields.clone(),
        },
        ActionKind::ChangeRole { login_id, to, .. } => TargetWrite::ChangeRole {
            login_id: login_id.clone(),
            role: to.clone(),
        },
        ActionKind::UpdateLogin { login_id, changes } => TargetWrite::UpdateLogin {
            login_id: login_id.clone(),
            fields: changes_to_fields(changes),
        },
        ActionKind::DeactivateLogin { login_id, .. } => TargetWrite::DeactivateLogin {
            login_id: login_id.clone(),
        },
        ActionKind::ReactivateLogin { login_id } => TargetWrite::ReactivateLogin {
            login_id: login_id.clone(),
        },
        ActionKind::AdoptLogin { .. } | ActionKind::Conflict { .. } | ActionKind::Manual { .. } => {
            return None;
        }
    })
}

/// An update that changes no field (adopting a record that already carries everything)
/// needs no request; its id is the record's.
fn no_op_id(write: &TargetWrite) -> Option<&str> {
    match write {
        TargetWrite::UpdateRecord {
            record_id, fields, ..
        } if fields.is_empty() => Some(record_id),
        TargetWrite::UpdateLogin { login_id, fields } if fields.is_empty() => Some(login_id),
        _ => None,
    }
}

fn is_create(write: &TargetWrite) -> bool {
    matches!(
        write,
        TargetWrite::CreateRecord { .. } | TargetWrite::CreateLogin { .. }
    )
}

/// Errors that another attempt may cure: transport failures, throttling, 5xx.
fn is_transient(error: &Error) -> bool {
    match error {
        Error::Transport { .. } | Error::RateLimited { .. } => true,
        Error::Target {
            status: Some(status),
            ..
        } => *status == 429 || *status >= 500,
        _ => false,
    }
}

/// Checks that `plan` is intact and may be applied with `options` (approval, brake).
pub(crate) fn admit(plan: &Plan, options: &ApplyOptions) -> Result<()> {
    check_intact(plan)?;
    if let Some(approval) = &options.approval {
        if approval.plan_hash != plan.hash {
            return Err(Error::ApprovalMismatch {
                approved: approval.plan_hash.clone(),
                actual: plan.hash.clone(),
            });
        }
    }
    if plan.brake.tripped && options.approval.is_none() && !options.dry_run {
        return Err(Error::BrakeTripped {
            plan_hash: plan.hash.clone(),
            reason: plan.brake.reason.clone().unwrap_or_default(),
            counts: plan.brake.counts.clone(),
        });
    }
    Ok(())
}

/// Checks that `plan` is of this version's format and unchanged since it was built (its
/// content still hashes to its recorded hash). Runs before anything else reads the plan,
/// so an edited plan is reported as edited, not by whatever field was changed.
fn check_intact(plan: &Plan) -> Result<()> {
    if plan.format != PLAN_FORMAT {
        return Err(Error::Decode {
            what: "plan".into(),
            path: "format".into(),
            message: format!(
                "this okta-sync applies {PLAN_FORMAT} plans, not {:?}",
                plan.format
            ),
        });
    }
    let actual = plan_hash(plan)?;
    if actual != plan.hash {
        return Err(Error::Decode {
            what: "plan".into(),
            path: "hash".into(),
            message: format!(
                "the plan's content hashes to {actual}, not to its recorded {}; it was changed after it was built. Build a new plan",
                plan.hash
            ),
        });
    }
    Ok(())
}

/// Applies `plan` to `target`.
///
/// Refuses a plan whose content no longer matches its hash, a plan whose brake tripped
/// unless `options.approval` names its hash ([`Error::BrakeTripped`]), and any approval
/// naming another plan ([`Error::ApprovalMismatch`]). Write failures do not make this
/// fail: they are in the report, and the returned state changes leave those users to be
/// retried. Commit [`ApplyOutcome::state_changes`] to the state store afterwards.
pub async fn apply(
    plan: &Plan,
    target: &dyn AssetTarget,
    options: &ApplyOptions,
    observer: &dyn ApplyObserver,
) -> Result<ApplyOutcome> {
    admit(plan, options)?;
    apply_admitted(plan, target, options, observer).await
}

/// [`apply`] for a plan that [`admit`] has already let through, so that a caller that
/// admits first (the engine, before it claims the state) does not hash the plan twice.
pub(crate) async fn apply_admitted(
    plan: &Plan,
    target: &dyn AssetTarget,
    options: &ApplyOptions,
    observer: &dyn ApplyObserver,
) -> Result<ApplyOutcome> {
    let started = Instant::now();
    let capabilities = target.capabilities();
    let batch_limit = capabilities.batch_limit.max(1);
    let concurrency = options.concurrency.max(1);

    let mut by_kind: BTreeMap<&str, Vec<(usize, TargetWrite)>> = BTreeMap::new();
    let mut results: BTreeMap<usize, WriteResult> = BTreeMap::new();
    for (at, action) in plan.actions.iter().enumerate() {
        let Some(write) = to_write(&action.kind) else {
            continue;
        };
        if let Some(id) = no_op_id(&write) {
            let result = if options.dry_run {
                WriteResult::DryRun
            } else {
                WriteResult::Done { id: id.to_string() }
            };
            results.insert(at, result);
            continue;
        }
        by_kind.entry(write.kind()).or_default().push((at, write));
    }

    let runner = BatchRunner {
        target,
        options,
        observer,
    };
    let mut stats = WriteStats::default();
    for kind in KIND_ORDER {
        let Some(writes) = by_kind.remove(kind) else {
            continue;
        };
        let batches: Vec<Vec<(usize, TargetWrite)>> =
            writes.chunks(batch_limit).map(<[_]>::to_vec).collect();
        let done: Vec<BatchResult> = futures::stream::iter(batches)
            .map(|batch| runner.run(kind, batch))
            .buffer_unordered(concurrency)
            .collect()
            .await;
        for batch in done {
            stats.batches += batch.requests;
            stats.retries += batch.retries;
            stats.writes += batch.results.len() as u64;
            results.extend(batch.results);
        }
    }
    for (at, result) in &results {
        observer.result(&plan.actions[*at], result);
    }

    let state_changes = if options.dry_run {
        StateChanges::default()
    } else {
        completed_changes(plan, &results)
    };
    let approved = plan.brake.tripped && options.approval.is_some();
    let report = Report::new(
        plan,
        &results,
        options.dry_run,
        approved,
        options.read_stats,
        stats,
        started.elapsed(),
    );
    tracing::info!(
        plan = %plan.hash,
        dry_run = options.dry_run,
        failures = report.failures.len(),
        "plan applied"
    );
    Ok(ApplyOutcome {
        report,
        state_changes,
    })
}

/// The plan's state changes, minus what did not happen: a user with a failed write keeps
/// their old link in that mapping and is re-read at the next run; created entries get the
/// id the target gave them.
fn completed_changes(plan: &Plan, results: &BTreeMap<usize, WriteResult>) -> StateChanges {
    let mut changes = plan.state_changes.clone();
    let mut failed: BTreeSet<(String, String)> = BTreeSet::new();
    for (at, result) in results {
        let action = &plan.actions[*at];
        let key = (action.mapping.clone(), action.okta_id.clone());
        match result {
            WriteResult::Failed { .. } => {
                failed.insert(key);
            }
            WriteResult::Done { id } => {
                if matches!(
                    action.kind,
                    ActionKind::CreateRecord { .. } | ActionKind::CreateLogin { .. }
                ) {
                    if let Some(Some(link)) = changes.links.get_mut(&key) {
                        link.target_id.clone_from(id);
                    }
                }
            }
            WriteResult::DryRun => {}
        }
    }
    for key in failed {
        changes.links.remove(&key);
        changes.retry.insert(key.1, true);
    }
    // A created entry whose id never arrived (cannot happen with a well-behaved target)
    // must not be stored with an empty id.
    changes
        .links
        .retain(|_, link| link.as_ref().is_none_or(|l| !l.target_id.is_empty()));
    changes
}

struct BatchRunner<'a> {
    target: &'a dyn AssetTarget,
    options: &'a ApplyOptions,
    observer: &'a dyn ApplyObserver,
}

struct BatchResult {
    results: Vec<(usize, WriteResult)>,
    requests: u64,
    retries: u64,
}

impl BatchRunner<'_> {
    /// Sends one batch, retrying the writes that failed transiently.
    async fn run(&self, kind: &str, batch: Vec<(usize, TargetWrite)>) -> BatchResult {
        let mut out = BatchResult {
            results: Vec::with_capacity(batch.len()),
            requests: 0,
            retries: 0,
        };
        if self.options.dry_run {
            // Same batching, no request.
            self.observer.batch(kind, batch.len());
            out.results = batch
                .into_iter()
                .map(|(at, _)| (at, WriteResult::DryRun))
                .collect();
            return out;
        }
        let mut delays = ExponentialBuilder::default()
            .with_min_delay(self.options.retry_delay)
            .with_max_delay(self.options.retry_delay.saturating_mul(64))
            .with_max_times(self.options.max_retries as usize)
            .with_jitter()
            .build();
        let mut pending = batch;
        let mut attempt: u32 = 1;
        loop {
            self.observer.batch(kind, pending.len());
            let writes: Vec<TargetWrite> = pending.iter().map(|(_, w)| w.clone()).collect();
            out.requests += 1;
            let mut again: Vec<(usize, TargetWrite, String)> = Vec::new();
            match self.target.write(&writes).await {
                Ok(outcomes) if outcomes.len() == writes.len() => {
                    for ((at, write), outcome) in pending.into_iter().zip(outcomes) {
                        match outcome {
                            WriteOutcome::Done { id } => {
                                out.results.push((at, WriteResult::Done { id }))
                            }
                            WriteOutcome::Failed {
                                reason,
                                retryable: true,
                            } => again.push((at, write, reason)),
                            WriteOutcome::Failed { reason, .. } => out.results.push((
                                at,
                                WriteResult::Failed {
                                    reason,
                                    attempts: attempt,
                                },
                            )),
                        }
                    }
                }
                Ok(outcomes) => {
                    let reason = format!(
                        "target {} returned {} outcomes for {} writes; results unknown",
                        self.target.name(),
                        outcomes.len(),
                        writes.len()
                    );
                    out.results.extend(pending.into_iter().map(|(at, _)| {
                        (
                            at,
                            WriteResult::Failed {
                                reason: reason.clone(),
                                attempts: attempt,
                            },
                        )
                    }));
                }
                Err(error) => {
                    // A whole-batch error leaves creates in doubt: retrying them could
                    // create twice. Only idempotent writes are retried here.
                    let retry = is_transient(&error) && !pending.iter().any(|(_, w)| is_create(w));
                    let reason = error.to_string();
                    for (at, write) in pending {
                        if retry {
                            again.push((at, write, reason.clone()));
                        } else {
                            out.results.push((
                                at,
                                WriteResult::Failed {
                                    reason: reason.clone(),
                                    attempts: attempt,
                                },
                            ));
                        }
                    }
                }
            }
            if again.is_empty() {
                return out;
            }
            match delays.next() {
                Some(delay) => {
                    self.observer
                        .retrying(kind, again.len(), attempt + 1, delay);
                    tracing::debug!(kind, writes = again.len(), ?delay, "retrying writes");
                    tokio::time::sleep(delay).await;
                    out.retries += again.len() as u64;
                    attempt += 1;
                    pending = again.into_iter().map(|(at, w, _)| (at, w)).collect();
                }
                None => {
                    out.results.extend(again.into_iter().map(|(at, _, reason)| {
                        (
                            at,
                            WriteResult::Failed {
                                reason,
                                attempts: attempt,
                            },
                        )
                    }));
                    return out;
                }
            }
        }
    }
}
