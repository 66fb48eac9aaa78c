//! What the per-mapping planners share: the compiled mapping, the indexed target holdings,
//! the user being planned, and the outcome they hand back.

use rustc_hash::FxHashSet;

use super::hash::fingerprint;
use super::index::TargetIndex;
use super::lookup::StateLookup;
use super::types::{ActionKind, Conflict, WarningCode};
use crate::config::{FieldMap, UniqueIdentifier};
use crate::mapping::CompiledMapping;
use crate::model::DirectoryUser;
use crate::state::Link;
use crate::target::Fields;

/// How a mapping's link for a user changes if every planned write succeeds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LinkChange {
    /// As it is.
    Keep,
    /// Stored as given (a created entry's `target_id` is empty until apply fills it).
    Set(Link),
    /// Forgotten (the entry no longer exists in the target).
    Drop,
}

/// What planning one user in one mapping produced.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// Actions with their reasons.
    pub(crate) actions: Vec<(ActionKind, String)>,
    /// The link after the actions.
    pub(crate) link: LinkChange,
    /// Notes for the admin.
    pub(crate) warnings: Vec<(WarningCode, String)>,
    /// In scope and nothing to do.
    pub(crate) unchanged: bool,
    /// Re-read the user at the next run although Okta may show no change.
    pub(crate) retry: bool,
}

impl Outcome {
    pub(crate) fn nothing() -> Self {
        Outcome {
            actions: Vec::new(),
            link: LinkChange::Keep,
            warnings: Vec::new(),
            unchanged: false,
            retry: false,
        }
    }

    pub(crate) fn unchanged(link: LinkChange) -> Self {
        Outcome {
            unchanged: true,
            link,
            ..Outcome::nothing()
        }
    }

    /// A conflict: no write for this user in this mapping; re-checked at the next run.
    pub(crate) fn conflict(conflict: Conflict, reason: impl Into<String>) -> Self {
        Outcome {
            actions: vec![(ActionKind::Conflict { conflict }, reason.into())],
            retry: true,
            ..Outcome::nothing()
        }
    }

    pub(crate) fn warn(mut self, code: WarningCode, message: impl Into<String>) -> Self {
        self.warnings.push((code, message.into()));
        self
    }
}

/// The user being planned.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Subject<'a> {
    pub(crate) id: &'a str,
    /// Normalised unique identifier now, if the user has one.
    pub(crate) identity: Option<&'a str>,
    /// The user with a full profile, or `None` when only the stored status and department
    /// are known (a membership change Okta returned no profile for).
    pub(crate) user: Option<&'a DirectoryUser>,
    /// Every Okta user sharing the identifier, when there are several.
    pub(crate) duplicates: Option<&'a [String]>,
    /// Okta has not changed the user since well before the last successful run, and no
    /// write for them is pending: if their entry still holds what was last written, there
    /// is nothing to map or compare.
    pub(crate) settled: bool,
}

/// Per-mapping context shared by record and login planning.
#[derive(Debug)]
pub(crate) struct MappingShared<'a> {
    pub(crate) name: &'a str,
    pub(crate) compiled: CompiledMapping,
    /// The target field holding the unique identifier.
    pub(crate) identifier_field: Option<String>,
    /// Configured target fields this integration keeps up to date (owned ones excluded).
    pub(crate) managed: Vec<String>,
    pub(crate) target: TargetIndex<'a>,
    /// True when `target` is a complete listing, so an entry missing from it is gone.
    pub(crate) target_complete: bool,
    pub(crate) lookup: &'a StateLookup<'a>,
    /// Seed of this mapping's fingerprints (a hash of its configuration).
    pub(crate) seed: u64,
}

impl MappingShared<'_> {
    /// Fingerprint of the managed (not Asset Panda-owned) fields among `fields`: of the
    /// mapped values, or of what an entry in the target holds.
    pub(crate) fn fingerprint(&self, fields: &Fields) -> u64 {
        fingerprint(
            self.seed,
            self.managed
                .iter()
                .filter_map(|name| fields.get_key_value(name)),
        )
    }

    /// True when `target_id` is linked to an Okta user other than `okta_id`.
    pub(crate) fn owned_by_other(&self, target_id: &str, okta_id: &str) -> bool {
        self.lookup
            .owner(self.name, target_id)
            .is_some_and(|owner| owner != okta_id)
    }
}

/// The first field whose source is exactly `source` (templates never count, since they
/// can add text around the value).
pub(crate) fn field_with_source(fields: &[FieldMap], source: &str) -> Option<String> {
    fields
        .iter()
        .find(|f| f.source.trim() == source)
        .map(|f| f.target.clone())
}

/// The target field holding the unique identifier.
pub(crate) fn identifier_field(fields: &[FieldMap], uid: UniqueIdentifier) -> Option<String> {
    match uid {
        UniqueIdentifier::Email => field_with_source(fields, "profile.email"),
        UniqueIdentifier::OktaId => field_with_source(fields, "id"),
    }
}

/// The configured target fields minus the owned ones, sorted.
pub(crate) fn managed_fields(fields: &[FieldMap], owned: &FxHashSet<String>) -> Vec<String> {
    let mut managed: Vec<String> = fields
        .iter()
        .map(|f| f.target.clone())
        .filter(|t| !owned.contains(t))
        .collect();
    managed.sort();
    managed.dedup();
    managed
}
