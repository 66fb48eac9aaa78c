//! The sync engine: ties a directory source, a target, the configuration and a state store
//! together.
//!
//! A run is: check connections (optional), load state, decide full or delta, read the
//! directory, read what the target holds, build the plan (pure), apply it (refused when a
//! safety brake trips without a matching approval), and commit the new state only after the
//! apply finished. Dry run is the same path with writes switched off and no commit.

mod basis;
mod build;
mod mode;
mod offline;
mod progress;
mod scope;
mod state_cache;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use tracing::{Instrument, info_span, warn};

pub use build::EngineOptions;
pub use mode::{LOG_RETENTION_DAYS, SyncMode};
pub use offline::{OfflineInput, plan_offline};
pub use progress::{NoProgress, Phase, ProgressEvent, ProgressSink};

use crate::Result;
use crate::config::SyncConfig;
use crate::directory::{
    ConnectionCheck, DirectorySnapshot, DirectorySource, ReadStats, UserLookup,
};
use crate::plan::{self, Approval, Plan, PlanInput, Report};
use crate::state::{Claim, StateChanges, StateStore, SyncState};
use crate::target::{AssetTarget, TargetCheck, TargetHoldings};

/// The answer to "Test and save connection", for both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionReport {
    /// True when both sides are usable.
    pub ok: bool,
    /// The Okta side.
    pub okta: ConnectionCheck,
    /// The target side.
    pub target: TargetCheck,
}

/// Options of [`SyncEngine::run`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RunOptions {
    /// Full, delta or auto.
    #[serde(default)]
    pub mode: SyncMode,
    /// Plan and report without writing anything or moving the state.
    #[serde(default)]
    pub dry_run: bool,
    /// Approval for a plan whose safety brake tripped (must name that plan's hash).
    #[serde(default)]
    pub approval: Option<Approval>,
}

/// What a run produced.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunOutcome {
    /// The plan that was applied (or would have been, in a dry run).
    pub plan: Plan,
    /// What happened.
    pub report: Report,
}

/// The sync engine. Cheap to share: every part is behind an `Arc`.
pub struct SyncEngine {
    config: Arc<SyncConfig>,
    source: Arc<dyn DirectorySource>,
    target: Arc<dyn AssetTarget>,
    state: Arc<dyn StateStore>,
    progress: Arc<dyn ProgressSink>,
    /// Read statistics of the last plan, carried into the report of its apply.
    last_read: Mutex<Option<(String, ReadStats)>>,
    /// The state and its planner index as of the store's last known revision, so that a
    /// delta does not reload and re-index the whole org.
    state_cache: state_cache::StateCache,
}

impl std::fmt::Debug for SyncEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncEngine")
            .field("mappings", &self.config.mappings.len())
            .field("target", &self.target.name())
            .finish_non_exhaustive()
    }
}

impl SyncEngine {
    /// Assembles an engine from explicit parts (tests, embedding services).
    pub fn new(
        config: SyncConfig,
        source: Arc<dyn DirectorySource>,
        target: Arc<dyn AssetTarget>,
        state: Arc<dyn StateStore>,
        progress: Option<Arc<dyn ProgressSink>>,
    ) -> Result<Self> {
        config.validate()?;
        Ok(SyncEngine {
            config: Arc::new(config),
            source,
            target,
            state,
            progress: progress.unwrap_or_else(|| Arc::new(NoProgress)),
            last_read: Mutex::new(None),
            state_cache: state_cache::StateCache::default(),
        })
    }

    /// The configuration this engine runs.
    pub fn config(&self) -> &SyncConfig {
        &self.config
    }

    /// Checks both connections, as Asset Panda's "Test and save connection" does.
    pub async fn check_connections(&self) -> Result<ConnectionReport> {
        let started = self.phase_start(Phase::CheckConnections);
        let (okta, target) = futures::join!(
            self.source.check_connection(),
            self.target.check_connection(&self.config)
        );
        let (okta, target) = (okta?, target?);
        self.phase_end(Phase::CheckConnections, started);
        Ok(ConnectionReport {
            ok: okta.ok && target.ok,
            okta,
            target,
        })
    }

    /// Reads both sides and builds a plan, without writing anything.
    pub async fn plan(&self, mode: SyncMode) -> Result<Plan> {
        let span = info_span!("okta_sync.plan", mode = ?mode);
        self.plan_inner(mode).instrument(span).await
    }

    async fn plan_inner(&self, mode: SyncMode) -> Result<Plan> {
        let started = self.phase_start(Phase::LoadState);
        let state_id = self.state.store_id()?;
        let (loaded, reused) = self.state_cache.check_out(self.state.as_ref())?;
        tracing::debug!(reused, "sync state ready");
        self.phase_end(Phase::LoadState, started);
        let org = basis::org_of(&self.config.okta.org_url);
        if let Err(e) = basis::check_state_org(&loaded.state, &org) {
            self.state_cache.check_in(loaded);
            return Err(e);
        }
        let plan_basis = plan::PlanBasis {
            org,
            state_id,
            state_commits: loaded.commits(),
        };
        let planned = self
            .plan_from(mode, &loaded.state, &loaded.index, &plan_basis)
            .await;
        self.state_cache.check_in(loaded);
        planned
    }

    async fn plan_from(
        &self,
        mode: SyncMode,
        state: &SyncState,
        index: &plan::StateIndex,
        plan_basis: &plan::PlanBasis,
    ) -> Result<Plan> {
        let mut decision = mode::before_read(mode, state);
        let mut snapshot = self.read(state, decision.full).await?;
        if !decision.full {
            let okta_now = snapshot.server_time.unwrap_or_else(Utc::now);
            if let Some(full) = mode::after_delta_read(
                mode,
                state,
                self.config.reconcile_every_days,
                okta_now,
                snapshot.log_cursor_expired,
            ) {
                tracing::info!(reason = %full.reason, "switching to a full reconcile");
                decision = full;
                snapshot = self.read(state, true).await?;
            }
        }
        if decision.deletions_maybe_missed {
            self.warn(
                "okta-sync can no longer see deletions that happened in Okta while the System \
                 Log cursor was unusable (Okta keeps 90 days); users deleted then are reported \
                 as missing instead of being deactivated",
            );
        }

        let fetch = plan::ids_to_fetch(&snapshot, state);
        let mut not_found = Vec::new();
        if !fetch.is_empty() {
            for lookup in self.source.fetch_users(&fetch).await? {
                match lookup {
                    UserLookup::Found(user) => snapshot.users.push(*user),
                    UserLookup::NotFound { id } => not_found.push(id),
                }
            }
        }

        let started = self.phase_start(Phase::ReadTarget);
        let holdings = self.holdings(&snapshot, decision.full).await?;
        self.phase_end(Phase::ReadTarget, started);

        let started = self.phase_start(Phase::Plan);
        let capabilities = self.target.capabilities();
        let mut input = PlanInput::new(
            &self.config,
            &snapshot,
            &holdings,
            &capabilities,
            state,
            snapshot.server_time.unwrap_or_else(Utc::now),
        );
        input.not_found = &not_found;
        input.index = Some(index);
        input.basis = Some(plan_basis);
        let plan = plan::build_plan(&input)?;
        self.phase_end(Phase::Plan, started);
        *self.last_read.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((plan.hash.clone(), snapshot.stats));
        Ok(plan)
    }

    async fn read(&self, state: &SyncState, full: bool) -> Result<DirectorySnapshot> {
        let started = self.phase_start(Phase::ReadDirectory);
        let read_scope = scope::read_scope(&self.config, state, full);
        let observer = progress::ReadProgress(self.progress.as_ref());
        let snapshot = self.source.read(&read_scope, &observer).await?;
        for gap in &snapshot.gaps {
            self.warn(&format!(
                "Okta listing {} is incomplete ({}); no one will be de-provisioned on its evidence",
                gap.listing, gap.reason
            ));
        }
        self.phase_end(Phase::ReadDirectory, started);
        Ok(snapshot)
    }

    async fn holdings(
        &self,
        snapshot: &DirectorySnapshot,
        full: bool,
    ) -> Result<BTreeMap<String, TargetHoldings>> {
        let mut holdings: BTreeMap<String, TargetHoldings> = BTreeMap::new();
        if full {
            for mapping in &self.config.mappings {
                let held = self.target.holdings(mapping).await?;
                holdings.insert(mapping.name().to_string(), held);
            }
            return Ok(holdings);
        }
        for lookup in plan::target_lookups(&self.config, snapshot) {
            let Some(mapping) = self
                .config
                .mappings
                .iter()
                .find(|m| m.name() == lookup.mapping)
            else {
                continue;
            };
            let found = self
                .target
                .lookup(mapping, &lookup.field, &lookup.values)
                .await?;
            merge_holdings(holdings.entry(lookup.mapping).or_default(), found);
        }
        Ok(holdings)
    }

    /// Applies a plan. Refused when its safety brake tripped and `approval` does not name
    /// this plan's hash. The state is committed only after the writes finished.
    pub async fn apply(&self, plan: &Plan, approval: Option<Approval>) -> Result<Report> {
        self.apply_inner(plan, approval, false)
            .instrument(info_span!("okta_sync.apply", plan = %plan.hash))
            .await
    }

    async fn apply_inner(
        &self,
        plan: &Plan,
        approval: Option<Approval>,
        dry_run: bool,
    ) -> Result<Report> {
        let started = self.phase_start(Phase::Apply);
        let read_stats = match self
            .last_read
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            Some((hash, stats)) if hash == plan.hash => stats,
            _ => ReadStats::default(),
        };
        let options = plan::ApplyOptions {
            dry_run,
            approval,
            read_stats,
            ..plan::ApplyOptions::default()
        };
        // Intact and admissible first (an edited plan is reported as edited), then built
        // on this org and this store, then claim the revision it was built on.
        plan::admit(plan, &options)?;
        let store_id = self.state.store_id()?;
        // A real apply compares the commit count atomically in its claim below; only a
        // dry run, which claims nothing, reads it here.
        let commits_now = if dry_run {
            self.state.revision()?.map(|r| r.commits)
        } else {
            None
        };
        basis::check_plan(
            plan.basis.as_ref(),
            &basis::org_of(&self.config.okta.org_url),
            store_id.as_deref(),
            commits_now,
        )?;
        if !dry_run {
            if let Some(then) = plan.basis.as_ref().and_then(|b| b.state_commits) {
                match self.state.claim(then, &plan.hash)? {
                    Claim::Claimed(step) => {
                        self.state_cache
                            .committed(&StateChanges::default(), Some(step));
                    }
                    Claim::Moved { commits } => return Err(basis::stale(then, commits)),
                    Claim::Busy { holder } => return Err(basis::busy(&holder)),
                    Claim::Unsupported => {}
                }
            }
        }
        let observer = ApplyProgress::new(self.progress.as_ref(), plan);
        let outcome = plan::apply_admitted(plan, self.target.as_ref(), &options, &observer).await?;
        self.phase_end(Phase::Apply, started);
        if !dry_run {
            let started = self.phase_start(Phase::CommitState);
            match self.state.commit_with_revision(&outcome.state_changes) {
                Ok(step) => self.state_cache.committed(&outcome.state_changes, step),
                Err(e) => {
                    self.state_cache.invalidate();
                    return Err(e);
                }
            }
            self.phase_end(Phase::CommitState, started);
        }
        Ok(outcome.report)
    }

    /// Plans and applies in one call. In a dry run nothing is written and the state does
    /// not move, but the plan and report are the same as a real run would produce.
    pub async fn run(&self, options: RunOptions) -> Result<RunOutcome> {
        let plan = self.plan(options.mode).await?;
        let report = self
            .apply_inner(&plan, options.approval, options.dry_run)
            .instrument(info_span!("okta_sync.apply", plan = %plan.hash, dry_run = options.dry_run))
            .await?;
        Ok(RunOutcome { plan, report })
    }

    fn phase_start(&self, phase: Phase) -> Instant {
        tracing::debug!(?phase, "phase started");
        self.progress.event(&ProgressEvent::PhaseStarted { phase });
        Instant::now()
    }

    fn phase_end(&self, phase: Phase, started: Instant) {
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::debug!(?phase, elapsed_ms, "phase finished");
        self.progress
            .event(&ProgressEvent::PhaseFinished { phase, elapsed_ms });
    }

    fn warn(&self, message: &str) {
        warn!("{message}");
        self.progress.event(&ProgressEvent::Warning {
            message: message.to_string(),
        });
    }
}

/// Merges one lookup's results into what is already known for a mapping, without
/// duplicating an entry found by two lookups (identifier and Okta id stamp).
fn merge_holdings(into: &mut TargetHoldings, found: TargetHoldings) {
    for record in found.records {
        if !into.records.iter().any(|r| r.id == record.id) {
            into.records.push(record);
        }
    }
    for login in found.logins {
        if !into.logins.iter().any(|l| l.id == login.id) {
            into.logins.push(login);
        }
    }
    into.listed |= found.listed;
}

/// Bridges apply callbacks to a [`ProgressSink`], counting finished writes.
struct ApplyProgress<'a> {
    sink: &'a dyn ProgressSink,
    total: u64,
    finished: AtomicU64,
}

impl<'a> ApplyProgress<'a> {
    fn new(sink: &'a dyn ProgressSink, plan: &Plan) -> Self {
        ApplyProgress {
            sink,
            total: plan.actions.iter().filter(|a| a.kind.writes()).count() as u64,
            finished: AtomicU64::new(0),
        }
    }
}

impl plan::ApplyObserver for ApplyProgress<'_> {
    fn result(&self, _action: &plan::Action, _result: &plan::WriteResult) {
        let finished = self.finished.fetch_add(1, Ordering::Relaxed) + 1;
        // One event per write would flood a callback on a large import; report every
        // 1 % (at least every 50 writes) and the last one.
        let step = (self.total / 100).max(50);
        if finished % step == 0 || finished == self.total {
            self.sink.event(&ProgressEvent::ActionsApplied {
                finished,
                total: self.total,
            });
        }
    }

    fn retrying(&self, kind: &str, writes: usize, attempt: u32, delay: std::time::Duration) {
        tracing::info!(
            kind,
            writes,
            attempt,
            delay_ms = delay.as_millis() as u64,
            "retrying writes"
        );
    }
}
