//! `build_plan`: from what the directory showed, what the target holds and what the state
//! remembers, to a hashed plan. Pure: no I/O, no clock, no randomness.

use rustc_hash::{FxHashMap, FxHashSet};

use super::PlanInput;
use super::brake::{self, BrakeInput};
use super::candidates::{self, Candidate};
use super::collect::Collector;
use super::context::{MappingShared, Subject, field_with_source, identifier_field, managed_fields};
use super::deprovision::{Presence, deletion_evidence};
use super::hash::{mapping_seed, plan_hash};
use super::identity_match::{IdentityHolders, Remembered};
use super::index::TargetIndex;
use super::login::LoginPlanner;
use super::lookup::{StateLookup, insert_few};
use super::record::RecordPlanner;
use super::scope::{
    CurrentMemberships, Desired, StoredMemberships, left_scope_detail, login_desired,
    record_desired, remembered_user,
};
use super::state_update;
use super::types::{ActionKind, Cause, PLAN_FORMAT, Plan, PlanMode, Warning, WarningCode};
use crate::config::{LeaveGroupsAction, Mapping, MissingAction, SyncConfig};
use crate::error::ConfigProblem;
use crate::filter::{FilterEvaluator, Memberships};
use crate::mapping::CompiledMapping;
use crate::state::Link;
use crate::target::TargetHoldings;
use crate::{Error, Result};

/// The compiled mappings of one plan: login mappings first, since record mappings may
/// receive the users they let go (`keep_as_record`).
///
/// Each mapping has a *slot*: login mappings first, then record mappings.
struct Planners<'a> {
    logins: Vec<LoginPlanner<'a>>,
    /// Each record mapping with the slots of the login mappings that keep into it.
    records: Vec<(RecordPlanner<'a>, Vec<usize>)>,
    /// Each slot's links in the state, resolved once.
    links: Vec<Option<&'a FxHashMap<String, Link>>>,
}

impl Planners<'_> {
    fn names(&self) -> Vec<String> {
        self.logins
            .iter()
            .map(|l| l.mapping.name.clone())
            .chain(self.records.iter().map(|(r, _)| r.mapping.name.clone()))
            .collect()
    }
}

fn compile(fields: &[crate::config::FieldMap], at: usize) -> Result<CompiledMapping> {
    CompiledMapping::new(fields).map_err(|e| match e {
        Error::Config { problems } => Error::Config {
            problems: problems
                .into_iter()
                .map(|p| ConfigProblem {
                    path: format!("mappings[{at}].{}", p.path),
                    message: p.message,
                })
                .collect(),
        },
        other => other,
    })
}

fn planners<'a>(
    input: &'a PlanInput<'a>,
    lookup: &'a StateLookup<'a>,
    empty: &'a TargetHoldings,
) -> Result<Planners<'a>> {
    let config = input.config;
    let uid = config.unique_identifier;
    let mut logins = Vec::new();
    let mut records = Vec::new();
    for (at, mapping) in config.mappings.iter().enumerate() {
        let holdings = input.holdings.get(mapping.name()).unwrap_or(empty);
        let owned: FxHashSet<String> = match mapping {
            Mapping::Login(m) => m.target_owned_fields.iter().cloned().collect(),
            Mapping::Record(m) => m.target_owned_fields.iter().cloned().collect(),
        };
        let id_field = identifier_field(mapping.fields(), uid);
        let stamp = match mapping {
            Mapping::Record(m) => Some(m.okta_id_field.as_str()),
            Mapping::Login(_) => None,
        };
        let shared = MappingShared {
            name: mapping.name(),
            compiled: compile(mapping.fields(), at)?,
            managed: managed_fields(mapping.fields(), &owned),
            target: TargetIndex::new(holdings, uid, id_field.as_deref(), stamp),
            identifier_field: id_field,
            target_complete: input.directory.full && holdings.listed,
            lookup,
            seed: mapping_seed(mapping),
        };
        match mapping {
            Mapping::Login(m) => logins.push(LoginPlanner {
                shared,
                mapping: m,
                filter: (!m.filters.is_empty()).then(|| FilterEvaluator::new(&m.filters)),
                email_field: field_with_source(&m.fields, "profile.email"),
                capabilities: input.capabilities,
            }),
            Mapping::Record(m) => records.push(RecordPlanner {
                shared,
                mapping: m,
                filter: FilterEvaluator::new(&m.filters),
            }),
        }
    }
    let records = records
        .into_iter()
        .map(|r| {
            let keepers = logins
                .iter()
                .enumerate()
                .filter(|(_, l)| {
                    l.mapping.on_leave_groups == LeaveGroupsAction::KeepAsRecord
                        && l.mapping.keep_as_record_in.as_deref() == Some(r.mapping.name.as_str())
                })
                .map(|(i, _)| i)
                .collect();
            (r, keepers)
        })
        .collect::<Vec<_>>();
    let links = logins
        .iter()
        .map(|l| l.mapping.name.as_str())
        .chain(records.iter().map(|(r, _)| r.mapping.name.as_str()))
        .map(|name| input.state.links.get(name))
        .collect();
    Ok(Planners {
        logins,
        records,
        links,
    })
}

/// What each mapping should hold for a user, by slot, into `out` (reused between users).
fn desired_states<'a>(
    config: &SyncConfig,
    planners: &Planners<'a>,
    presence: &Presence<'_>,
    members: &dyn Memberships,
    linked: &dyn Fn(usize) -> bool,
    out: &mut Vec<Desired<'a>>,
) {
    let policy = &config.deprovisioning;
    let user = match presence {
        Presence::Listed(user) => Some(*user),
        Presence::Remembered(user) => Some(user.as_ref()),
        Presence::Deleted(_) | Presence::Missing => None,
    };
    let gone = || match presence {
        Presence::Deleted(cause) => Desired::Inactive(cause.clone()),
        _ => match policy.missing_without_event {
            MissingAction::Report => Desired::Untouched,
            MissingAction::Deactivate => Desired::Inactive(Cause::MissingFromOkta),
        },
    };
    out.clear();
    for l in &planners.logins {
        out.push(match user {
            Some(u) => login_desired(l.mapping, policy, l.filter.as_ref(), u, members),
            None => gone(),
        });
    }
    for (r, keepers) in &planners.records {
        let kept = keepers
            .iter()
            .any(|&slot| linked(slot) && out[slot] == Desired::Inactive(Cause::LeftMappedGroups));
        let desired = match user {
            Some(u) => record_desired(&r.filter, u, members, kept),
            None => gone(),
        };
        out.push(desired);
    }
}

/// Buffers reused from one user to the next.
#[derive(Default)]
struct Scratch<'a> {
    now: Vec<Desired<'a>>,
    before: Vec<Desired<'a>>,
}

/// Builds the plan; see [`super::build_plan`].
pub(crate) fn build(input: &PlanInput<'_>) -> Result<Plan> {
    let config = input.config;
    let directory = input.directory;
    let state = input.state;
    let full = directory.full;
    let first_import = full && state.is_first_run();

    let lookup = match input.index {
        Some(index) if index.matches(state) => StateLookup::Kept(index),
        supplied => {
            if supplied.is_some() {
                tracing::warn!("the supplied state index does not match the state; not using it");
            }
            StateLookup::lazy(state)
        }
    };
    let empty = TargetHoldings::default();
    let planners = planners(input, &lookup, &empty)?;

    let guard = brake::incomplete_reasons(directory);
    let users_complete = brake::users_listing_complete(directory);
    let evidence = deletion_evidence(&directory.events, input.not_found, input.now);
    let absence_is_meaningful = users_complete && !input.users_filtered;
    let candidates = candidates::collect(
        directory,
        state,
        &evidence,
        config.unique_identifier,
        absence_is_meaningful,
    );

    let gone: FxHashSet<&str> = evidence.keys().copied().collect();
    let read = candidates.list.iter().filter_map(|c| match c.presence {
        Presence::Listed(_) | Presence::Remembered(_) => Some((c.id, c.identity.as_deref())),
        _ => None,
    });
    let remembered = if full {
        // One pass over the state: who this listing did not show (and who might still
        // exist) keeps holding their identifier.
        let forgotten: FxHashSet<&str> = candidates.forgotten.iter().copied().collect();
        let mut absent = FxHashMap::default();
        for (id, user) in &state.users {
            let id = id.as_str();
            if candidates.listed.contains_key(id) || gone.contains(id) || forgotten.contains(id) {
                continue;
            }
            if let Some(identity) = &user.identity {
                insert_few(&mut absent, identity.as_str(), id);
            }
        }
        Remembered::Absent(absent)
    } else {
        Remembered::State {
            lookup: &lookup,
            read: read.clone().map(|(id, _)| id).collect(),
            gone: &gone,
        }
    };
    let holders = IdentityHolders::new(read, remembered);
    let now_members = CurrentMemberships::new(directory, state);
    let stored_members = StoredMemberships(state);

    let mut collector = Collector::new(
        guard.iter().map(|(_, r)| r.as_str()).collect(),
        planners.names(),
    );
    let mut scratch = Scratch::default();
    for candidate in &candidates.list {
        plan_candidate(
            input,
            &planners,
            candidate,
            &holders,
            &now_members,
            &stored_members,
            &mut scratch,
            &mut collector,
        );
    }

    let mut warnings = candidates.warnings;
    warnings.extend(guard.iter().map(|(code, message)| Warning {
        code: *code,
        mapping: None,
        okta_id: None,
        message: message.clone(),
    }));
    if directory.log_cursor_expired {
        warnings.push(Warning {
            code: WarningCode::LogCursorExpired,
            mapping: None,
            okta_id: None,
            message:
                "the System Log cursor could no longer be used; deletions in Okta during the gap \
                      cannot be seen. A full reconcile finds users that are gone"
                    .to_string(),
        });
    }
    if !full && state.is_first_run() {
        warnings.push(Warning {
            code: WarningCode::DeltaBeforeFullImport,
            mapping: None,
            okta_id: None,
            message:
                "this is a delta, but no full import has succeeded yet; run a full import first"
                    .to_string(),
        });
    }

    let mut outcome = collector.finish(config, state, full, &mut warnings);
    state_update::fill(
        input,
        &candidates.list,
        &candidates.forgotten,
        users_complete,
        &mut outcome.state_changes,
    );
    for (id, pending) in std::mem::take(&mut outcome.retry) {
        outcome.state_changes.retry.insert(id, pending);
    }
    if guard.is_empty() {
        for (mapping, population) in &outcome.in_scope {
            outcome
                .state_changes
                .baseline
                .insert(mapping.clone(), *population);
        }
    }

    if let Some(basis) = input.basis {
        if state.org.is_none() {
            outcome.state_changes.org = Some(basis.org.clone());
        }
    }

    let brake_input = brake_figures(config, state, &outcome, first_import, guard.is_empty());
    let brake = brake::assess(&config.safety, brake_input);

    warnings.sort();
    warnings.dedup();
    let mut plan = Plan {
        format: PLAN_FORMAT.to_string(),
        mode: if full {
            PlanMode::Full
        } else {
            PlanMode::Delta
        },
        first_import,
        hash: String::new(),
        counts: outcome.counts,
        actions: outcome.actions,
        unchanged: outcome.unchanged,
        in_scope: outcome.in_scope,
        warnings,
        held_back: outcome.held_back,
        brake,
        state_changes: outcome.state_changes,
        basis: input.basis.cloned(),
    };
    plan.hash = plan_hash(&plan)?;
    tracing::debug!(
        mode = ?plan.mode,
        actions = plan.actions.len(),
        held_back = plan.held_back.len(),
        tripped = plan.brake.tripped,
        "plan built"
    );
    Ok(plan)
}

#[allow(clippy::too_many_arguments)]
fn plan_candidate<'a>(
    input: &PlanInput<'_>,
    planners: &Planners<'a>,
    candidate: &Candidate<'_>,
    holders: &IdentityHolders<'_>,
    now_members: &dyn Memberships,
    stored_members: &dyn Memberships,
    scratch: &mut Scratch<'a>,
    collector: &mut Collector,
) {
    let state = input.state;
    let id = candidate.id;
    let link_of = |slot: usize| planners.links[slot].and_then(|l| l.get(id));
    let linked = |slot: usize| link_of(slot).is_some();
    // Only a user Okta shows can clash with another over an identifier; the remembered
    // identifier of a deleted or missing user is there to be read, not matched on.
    let duplicates = match candidate.presence {
        Presence::Deleted(_) | Presence::Missing => None,
        _ => candidate
            .identity
            .as_deref()
            .and_then(|identity| holders.duplicates(identity)),
    };
    let user = match &candidate.presence {
        Presence::Listed(user) => Some(*user),
        _ => None,
    };
    let subject = Subject {
        id,
        identity: candidate.identity.as_deref(),
        user,
        duplicates: duplicates.as_deref(),
        settled: user.is_some_and(|u| settled(state, u)),
    };
    desired_states(
        input.config,
        planners,
        &candidate.presence,
        now_members,
        &linked,
        &mut scratch.now,
    );

    // In a delta the population is counted incrementally: in scope before (from what the
    // state remembers) versus now, for the users this delta looks at.
    scratch.before.clear();
    if !input.directory.full {
        if let Some(stored) = state.users.get(id) {
            let remembered = Presence::Remembered(Box::new(remembered_user(id, stored)));
            desired_states(
                input.config,
                planners,
                &remembered,
                stored_members,
                &linked,
                &mut scratch.before,
            );
        }
    }
    let was_active = |slot: usize| scratch.before.get(slot).is_some_and(Desired::is_active);

    let report_missing = matches!(candidate.presence, Presence::Missing)
        && input.config.deprovisioning.missing_without_event == MissingAction::Report;
    collector.begin_user(id, candidate.retry, state.retry.contains(id));
    let logins = planners.logins.len();
    for (slot, desired) in scratch.now.iter().enumerate() {
        if report_missing {
            collector.note_missing(slot, id, link_of(slot));
        }
        let mut outcome = match slot.checked_sub(logins) {
            None => planners.logins[slot].plan(&subject, desired, link_of(slot)),
            Some(r) => planners.records[r].0.plan(&subject, desired, link_of(slot)),
        };
        if let (Some(r), Presence::Listed(_) | Presence::Remembered(_)) =
            (slot.checked_sub(logins), &candidate.presence)
        {
            explain_left_scope(
                &planners.records[r].0,
                &candidate.presence,
                now_members,
                &mut outcome,
            );
        }
        collector.record(
            slot,
            &subject,
            desired.is_active(),
            was_active(slot),
            outcome,
        );
    }
    collector.end_user(!matches!(candidate.presence, Presence::Remembered(_)));
}

/// Fills in which filter a user failed, for the records actually marked inactive.
fn explain_left_scope(
    planner: &RecordPlanner<'_>,
    presence: &Presence<'_>,
    members: &dyn Memberships,
    outcome: &mut super::context::Outcome,
) {
    let user = match presence {
        Presence::Listed(user) => *user,
        Presence::Remembered(user) => user.as_ref(),
        _ => return,
    };
    for (kind, reason) in &mut outcome.actions {
        if let ActionKind::MarkRecordInactive {
            cause: cause @ Cause::LeftScope { .. },
            ..
        } = kind
        {
            *cause = Cause::LeftScope {
                detail: left_scope_detail(&planner.filter, user, members),
            };
            *reason = cause.describe();
        }
    }
}

/// How long before the last successful read a change must be, to be sure that read saw it
/// (Okta timestamps have second resolution and its listings are eventually consistent).
const SETTLE_MARGIN_SECONDS: i64 = 120;

/// True when the user is exactly as at the last successful run, well before its read, and
/// no write for them is pending. Only then may their entries be trusted without mapping.
fn settled(state: &crate::state::SyncState, user: &crate::model::DirectoryUser) -> bool {
    let Some(stored) = state.users.get(&user.id) else {
        return false;
    };
    let (Some(seen), Some(watermark)) = (user.last_updated, state.watermark) else {
        return false;
    };
    stored.last_updated == Some(seen)
        && stored.status == user.status
        && seen + chrono::Duration::seconds(SETTLE_MARGIN_SECONDS) < watermark
        && !state.retry.contains(&user.id)
}

fn brake_figures(
    config: &SyncConfig,
    state: &crate::state::SyncState,
    outcome: &super::collect::Collected,
    first_import: bool,
    complete: bool,
) -> BrakeInput {
    let destructive = outcome
        .actions
        .iter()
        .filter(|a| a.is_destructive())
        .count() as u64;
    let mut managed = 0;
    let mut in_scope = 0;
    let mut baseline = 0;
    for mapping in &config.mappings {
        let name = mapping.name();
        match state.baseline.get(name) {
            Some(b) => {
                managed += b;
                baseline += b;
                in_scope += outcome.in_scope.get(name).copied().unwrap_or(0);
            }
            None => managed += state.links.get(name).map_or(0, |l| l.len() as u64),
        }
    }
    BrakeInput {
        first_import,
        destructive,
        managed,
        in_scope,
        baseline,
        compare_population: complete && !first_import,
    }
}
