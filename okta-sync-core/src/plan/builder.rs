//! `build_plan`: from what the directory showed, what the target holds and what the state
//! remembers, to a hashed plan. Pure: no I/O, no clock, no randomness.

use rustc_hash::FxHashSet;

use super::PlanInput;
use super::brake::{self, BrakeInput};
use super::candidates::{self, Candidate};
use super::collect::Collector;
use super::context::{MappingShared, Subject, field_with_source, identifier_field, managed_fields};
use super::deprovision::{Presence, deletion_evidence};
use super::hash::plan_hash;
use super::identity_match::IdentityHolders;
use super::index::{StateIndex, TargetIndex};
use super::login::LoginPlanner;
use super::record::RecordPlanner;
use super::scope::{
    CurrentMemberships, Desired, StoredMemberships, login_desired, record_desired, remembered_user,
};
use super::state_update;
use super::types::{Cause, PLAN_FORMAT, Plan, PlanMode, Warning, WarningCode};
use crate::config::{LeaveGroupsAction, Mapping, MissingAction, SyncConfig};
use crate::error::ConfigProblem;
use crate::filter::{FilterEvaluator, Memberships};
use crate::mapping::CompiledMapping;
use crate::target::TargetHoldings;
use crate::{Error, Result};

/// The compiled mappings of one plan: login mappings first, since record mappings may
/// receive the users they let go (`keep_as_record`).
struct Planners<'a> {
    logins: Vec<LoginPlanner<'a>>,
    /// Each record mapping with the indexes of the login mappings that keep into it.
    records: Vec<(RecordPlanner<'a>, Vec<usize>)>,
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
    index: &'a StateIndex,
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
            owned,
            target: TargetIndex::new(holdings, uid, id_field.as_deref(), stamp),
            identifier_field: id_field,
            target_complete: input.directory.full && holdings.listed,
            index,
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
        .collect();
    Ok(Planners { logins, records })
}

/// What each mapping should hold for a candidate, logins first then records.
fn desired_states(
    config: &SyncConfig,
    planners: &Planners<'_>,
    candidate: &Candidate<'_>,
    members: &dyn Memberships,
    linked: &dyn Fn(&str) -> bool,
) -> (Vec<Desired>, Vec<Desired>) {
    let policy = &config.deprovisioning;
    let for_presence = |user_desired: &dyn Fn(&crate::model::DirectoryUser) -> Desired| {
        match &candidate.presence {
            Presence::Listed(user) => user_desired(user),
            Presence::Remembered(user) => user_desired(user),
            Presence::Deleted(cause) => Desired::Inactive(cause.clone()),
            Presence::Missing => match policy.missing_without_event {
                MissingAction::Report => Desired::Untouched,
                MissingAction::Deactivate => Desired::Inactive(Cause::MissingFromOkta),
            },
        }
    };
    let logins: Vec<Desired> = planners
        .logins
        .iter()
        .map(|l| for_presence(&|u| login_desired(l.mapping, policy, l.filter.as_ref(), u, members)))
        .collect();
    let records = planners
        .records
        .iter()
        .map(|(r, keepers)| {
            let kept = keepers.iter().any(|&li| {
                linked(planners.logins[li].mapping.name.as_str())
                    && logins[li] == Desired::Inactive(Cause::LeftMappedGroups)
            });
            for_presence(&|u| record_desired(&r.filter, u, members, kept))
        })
        .collect();
    (logins, records)
}

/// Builds the plan; see [`super::build_plan`].
pub(crate) fn build(input: &PlanInput<'_>) -> Result<Plan> {
    let config = input.config;
    let directory = input.directory;
    let state = input.state;
    let full = directory.full;
    let first_import = full && state.is_first_run();

    let rebuilt;
    let index = match input.index {
        Some(index) if index.matches(state) => index,
        supplied => {
            if supplied.is_some() {
                tracing::warn!("the supplied state index does not match the state; rebuilding it");
            }
            rebuilt = StateIndex::new(state);
            &rebuilt
        }
    };
    let empty = TargetHoldings::default();
    let planners = planners(input, index, &empty)?;

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
    let holders = IdentityHolders::new(
        index,
        candidates.list.iter().filter_map(|c| match c.presence {
            Presence::Listed(_) | Presence::Remembered(_) => Some((c.id, c.identity.as_deref())),
            _ => None,
        }),
        &gone,
    );
    let now_members = CurrentMemberships::new(directory, state);
    let stored_members = StoredMemberships(state);

    let mut collector = Collector::new(guard.iter().map(|(_, r)| r.as_str()).collect());
    for candidate in &candidates.list {
        plan_candidate(
            input,
            &planners,
            candidate,
            &holders,
            &now_members,
            &stored_members,
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

fn plan_candidate(
    input: &PlanInput<'_>,
    planners: &Planners<'_>,
    candidate: &Candidate<'_>,
    holders: &IdentityHolders<'_>,
    now_members: &dyn Memberships,
    stored_members: &dyn Memberships,
    collector: &mut Collector,
) {
    let state = input.state;
    let id = candidate.id;
    let link_of = |mapping: &str| state.links.get(mapping).and_then(|l| l.get(id));
    let linked = |mapping: &str| link_of(mapping).is_some();
    let duplicates = candidate
        .identity
        .as_deref()
        .and_then(|identity| holders.duplicates(identity));
    let subject = Subject {
        id,
        identity: candidate.identity.as_deref(),
        user: match &candidate.presence {
            Presence::Listed(user) => Some(user),
            _ => None,
        },
        duplicates: duplicates.as_deref(),
    };
    let (logins_now, records_now) =
        desired_states(input.config, planners, candidate, now_members, &linked);

    // In a delta the population is counted incrementally: in scope before (from what the
    // state remembers) versus now, for the users this delta looks at.
    let (logins_before, records_before) = if input.directory.full {
        (Vec::new(), Vec::new())
    } else {
        match state.users.get(id) {
            Some(stored) => {
                let remembered = Candidate {
                    id,
                    presence: Presence::Remembered(Box::new(remembered_user(id, stored))),
                    identity: None,
                    retry: false,
                };
                desired_states(input.config, planners, &remembered, stored_members, &linked)
            }
            None => (Vec::new(), Vec::new()),
        }
    };
    let was_active = |list: &[Desired], i: usize| list.get(i).is_some_and(Desired::is_active);

    let report_missing = matches!(candidate.presence, Presence::Missing)
        && input.config.deprovisioning.missing_without_event == MissingAction::Report;
    collector.begin_user(id, candidate.retry, state.retry.contains(id));
    for (i, planner) in planners.logins.iter().enumerate() {
        let name = planner.mapping.name.as_str();
        let desired = &logins_now[i];
        if report_missing {
            collector.note_missing(name, id, link_of(name));
        }
        let outcome = planner.plan(&subject, desired, link_of(name));
        collector.record(
            name,
            &subject,
            desired.is_active(),
            was_active(&logins_before, i),
            outcome,
        );
    }
    for (i, (planner, _)) in planners.records.iter().enumerate() {
        let name = planner.mapping.name.as_str();
        let desired = &records_now[i];
        if report_missing {
            collector.note_missing(name, id, link_of(name));
        }
        let outcome = planner.plan(&subject, desired, link_of(name));
        collector.record(
            name,
            &subject,
            desired.is_active(),
            was_active(&records_before, i),
            outcome,
        );
    }
    collector.end_user(!matches!(candidate.presence, Presence::Remembered(_)));
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
