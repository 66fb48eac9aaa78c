//! The plan as an admin reviews it and as `apply` executes it.
//!
//! Field order is fixed and every collection is sorted, so the same inputs give byte-identical
//! JSON (and therefore the same [`Plan::hash`]). Nothing here holds a secret.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::BrakeCounts;
use crate::mapping::FieldProblem;
use crate::model::{UserStatus, time};
use crate::state::StateChanges;
use crate::target::Fields;

/// The format tag written into every plan; a reader refuses plans of another format.
pub const PLAN_FORMAT: &str = "okta-sync.plan.v1";

/// Whether the plan rests on a full listing or on the changes since the watermark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanMode {
    /// Every Okta user was listed; absence can mean something.
    Full,
    /// Only changed users were listed; absence means "unchanged".
    Delta,
}

/// A reviewable, hashed set of changes to the target. Unknown fields are refused: the
/// hash covers only the known ones, so an added field would pass as unedited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Always [`PLAN_FORMAT`].
    pub format: String,
    /// Full or delta.
    pub mode: PlanMode,
    /// True for the first full import, which the brake exempts.
    pub first_import: bool,
    /// `sha256:<hex>` over the canonical JSON of this plan with this field empty. An
    /// approval names it; `apply` recomputes it and refuses a plan that was edited.
    pub hash: String,
    /// Number of actions per kind (`create_record`, `deactivate_login`, ...).
    pub counts: BTreeMap<String, u64>,
    /// What to do, sorted by mapping, Okta id, then kind.
    pub actions: Vec<Action>,
    /// Per mapping, in-scope users that need no change (counted, never listed).
    pub unchanged: BTreeMap<String, u64>,
    /// Per mapping, users in scope after this plan (the brake's next baseline).
    pub in_scope: BTreeMap<String, u64>,
    /// Things an admin should know that change nothing by themselves.
    pub warnings: Vec<Warning>,
    /// Destructive actions withheld because a listing was incomplete, with the reason.
    pub held_back: Vec<HeldBack>,
    /// The safety brake's verdict.
    pub brake: BrakeAssessment,
    /// What the sync state becomes once this plan is applied (apply fills in the ids of
    /// created entries and drops the changes of writes that failed).
    pub state_changes: StateChanges,
    /// What an engine built this plan on; absent in plans built offline. Hashed, so a
    /// saved plan cannot be pointed at another org or state by editing it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<PlanBasis>,
}

/// The org and sync-state revision a plan was built on. The engine applies a plan only
/// to the same org and the same revision: a plan saved for approval and applied after
/// another run (or applied twice) would act on what Okta showed before that run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanBasis {
    /// The Okta org read (the origin of its URL, as [`crate::state::SyncState::org`]).
    pub org: String,
    /// The state store's random id; `None` when the store has none.
    #[serde(default)]
    pub state_id: Option<String>,
    /// The state store's commit count when the plan was built; `None` when the store
    /// does not count commits (then only the org and the store are checked).
    #[serde(default)]
    pub state_commits: Option<u64>,
}

impl Plan {
    /// The actions an admin must perform by hand.
    pub fn manual_actions(&self) -> impl Iterator<Item = &Action> {
        self.actions
            .iter()
            .filter(|a| matches!(a.kind, ActionKind::Manual { .. }))
    }

    /// The conflicts, which are never resolved by guessing.
    pub fn conflicts(&self) -> impl Iterator<Item = &Action> {
        self.actions
            .iter()
            .filter(|a| matches!(a.kind, ActionKind::Conflict { .. }))
    }

    /// True when applying this plan would write nothing.
    pub fn is_empty(&self) -> bool {
        !self.actions.iter().any(|a| a.kind.writes())
    }
}

/// One change for one Okta user in one mapping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// The mapping's name.
    pub mapping: String,
    /// The Okta user id.
    pub okta_id: String,
    /// The user's normalised unique identifier, when known.
    pub identity: Option<String>,
    /// What to do.
    #[serde(flatten)]
    pub kind: ActionKind,
    /// Why, in words an admin understands.
    pub reason: String,
}

impl Action {
    /// True for actions that take access or standing away (the ones the brake counts and
    /// the partial-listing guard withholds).
    pub fn is_destructive(&self) -> bool {
        self.kind.is_destructive()
    }
}

/// A field's value before and after a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// Target field display name.
    pub field: String,
    /// The value in the target now (`null` when empty, or when unknown, see
    /// `before_unknown`).
    pub before: Value,
    /// True when the target was not read for this entry, so `before` is not known.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub before_unknown: bool,
    /// The value to write (`null` clears the field).
    pub after: Value,
}

/// Why a login is deactivated or a record marked inactive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum Cause {
    /// Okta shows the user as DEPROVISIONED.
    DeactivatedInOkta {
        /// The status Okta shows.
        status: UserStatus,
    },
    /// The System Log shows the user was deleted.
    DeletedInOkta {
        /// The event's `uuid`.
        event_uuid: String,
        /// `user.lifecycle.delete.initiated` or `.completed`.
        event_type: String,
        /// When Okta published the event.
        #[serde(with = "time::required")]
        published: DateTime<Utc>,
    },
    /// Okta answered 404 (`E0000007`) when the user was fetched by id.
    NotFoundInOkta {
        /// Okta time of the lookup.
        #[serde(with = "time::required")]
        checked_at: DateTime<Utc>,
    },
    /// The user is no longer in any of the login mapping's groups.
    LeftMappedGroups,
    /// The user no longer passes the record mapping's filters.
    LeftScope {
        /// Which filter excluded the user, and why.
        detail: String,
    },
    /// The mapping's status policy says `deactivate` for the user's status.
    StatusPolicy {
        /// The status Okta shows.
        status: UserStatus,
    },
    /// A complete full listing no longer has the user, no event explains it, and
    /// `deprovisioning.missing_without_event` is `deactivate`.
    MissingFromOkta,
}

impl Cause {
    /// A short phrase for reasons and summaries.
    pub fn describe(&self) -> String {
        match self {
            Cause::DeactivatedInOkta { status } => format!("deactivated in Okta ({status})"),
            Cause::DeletedInOkta {
                event_uuid,
                published,
                ..
            } => format!(
                "deleted in Okta (System Log event {event_uuid} at {})",
                time::format(published)
            ),
            Cause::NotFoundInOkta { checked_at } => format!(
                "Okta no longer has the user (404 when fetched at {})",
                time::format(checked_at)
            ),
            Cause::LeftMappedGroups => "left every group of the mapping".to_string(),
            Cause::LeftScope { detail } => format!("left the mapping's scope: {detail}"),
            Cause::StatusPolicy { status } => {
                format!("status {status} is set to deactivate by the status policy")
            }
            Cause::MissingFromOkta => {
                "missing from a complete Okta listing, no deletion event".to_string()
            }
        }
    }
}

/// Why a user cannot be written without an admin's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "conflict", rename_all = "snake_case")]
pub enum Conflict {
    /// Several Okta users share this unique identifier; none of them is written.
    DuplicateIdentity {
        /// All of them, sorted.
        okta_ids: Vec<String>,
    },
    /// Several target entries match this user; none is picked.
    MultipleTargetMatches {
        /// The matching record or login ids, sorted.
        target_ids: Vec<String>,
    },
    /// Required values are missing or unusable.
    RequiredFieldMissing {
        /// Each problem, by target field.
        problems: Vec<FieldProblem>,
    },
    /// The role cannot be granted through the target's API.
    UngrantableRole {
        /// The role.
        role: String,
    },
}

/// What an action does. Serialized with a `kind` tag, flattened into [`Action`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActionKind {
    /// Create a record, stamped with the Okta id.
    CreateRecord {
        /// Collection display name.
        collection: String,
        /// Every value, the stamp and any Asset Panda-owned fields included.
        fields: Fields,
    },
    /// Change fields of a managed record.
    UpdateRecord {
        /// Collection display name.
        collection: String,
        /// Record id.
        record_id: String,
        /// The fields that change.
        changes: Vec<FieldChange>,
    },
    /// Take over a record this integration did not create, stamping the Okta id on it.
    AdoptRecord {
        /// Collection display name.
        collection: String,
        /// Record id.
        record_id: String,
        /// The field that receives the Okta id.
        stamp_field: String,
        /// The fields that change, the stamp included.
        changes: Vec<FieldChange>,
    },
    /// Write the inactive value into a managed record's status field (never a delete).
    MarkRecordInactive {
        /// Collection display name.
        collection: String,
        /// Record id.
        record_id: String,
        /// Why.
        #[serde(flatten)]
        cause: Cause,
        /// The status field.
        field: String,
        /// The value written.
        value: String,
    },
    /// Mark a managed record active again (and bring its fields up to date).
    ReactivateRecord {
        /// Collection display name.
        collection: String,
        /// Record id.
        record_id: String,
        /// The fields that change, the status field included.
        changes: Vec<FieldChange>,
    },
    /// Invite or create a login user.
    CreateLogin {
        /// Login email.
        email: String,
        /// Role granted.
        role: String,
        /// Other fields.
        fields: Fields,
    },
    /// Take over a login this integration did not create (no write by itself; role and
    /// field differences are separate actions).
    AdoptLogin {
        /// Login id.
        login_id: String,
    },
    /// Change a managed login's role.
    ChangeRole {
        /// Login id.
        login_id: String,
        /// Current role, when known.
        from: Option<String>,
        /// New role.
        to: String,
        /// True when the new role ranks below the current one (or the current one is
        /// unknown): a downgrade counts as destructive.
        downgrade: bool,
    },
    /// Change a managed login's fields.
    UpdateLogin {
        /// Login id.
        login_id: String,
        /// The fields that change.
        changes: Vec<FieldChange>,
    },
    /// Deactivate a managed login (never a delete).
    DeactivateLogin {
        /// Login id.
        login_id: String,
        /// Why.
        #[serde(flatten)]
        cause: Cause,
    },
    /// Reactivate a managed login.
    ReactivateLogin {
        /// Login id.
        login_id: String,
    },
    /// Nothing is written for this user until an admin resolves it.
    Conflict {
        /// What is in conflict.
        #[serde(flatten)]
        conflict: Conflict,
    },
    /// The target cannot do this through its API; an admin must.
    Manual {
        /// The missing capability (`deactivate_login`, `change_role`, ...).
        capability: String,
        /// The change the admin should make.
        intended: Box<ActionKind>,
    },
}

impl ActionKind {
    /// The kind's name, as serialized (`create_record`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            ActionKind::CreateRecord { .. } => "create_record",
            ActionKind::UpdateRecord { .. } => "update_record",
            ActionKind::AdoptRecord { .. } => "adopt_record",
            ActionKind::MarkRecordInactive { .. } => "mark_record_inactive",
            ActionKind::ReactivateRecord { .. } => "reactivate_record",
            ActionKind::CreateLogin { .. } => "create_login",
            ActionKind::AdoptLogin { .. } => "adopt_login",
            ActionKind::ChangeRole { .. } => "change_role",
            ActionKind::UpdateLogin { .. } => "update_login",
            ActionKind::DeactivateLogin { .. } => "deactivate_login",
            ActionKind::ReactivateLogin { .. } => "reactivate_login",
            ActionKind::Conflict { .. } => "conflict",
            ActionKind::Manual { .. } => "manual",
        }
    }

    /// Takes access or standing away; see [`Action::is_destructive`].
    pub fn is_destructive(&self) -> bool {
        match self {
            ActionKind::DeactivateLogin { .. } | ActionKind::MarkRecordInactive { .. } => true,
            ActionKind::ChangeRole { downgrade, .. } => *downgrade,
            ActionKind::Manual { intended, .. } => intended.is_destructive(),
            _ => false,
        }
    }

    /// True when applying the action writes to the target.
    pub fn writes(&self) -> bool {
        !matches!(
            self,
            ActionKind::AdoptLogin { .. } | ActionKind::Conflict { .. } | ActionKind::Manual { .. }
        )
    }

    /// Order of kinds for one user, so that a reactivation comes before a role change.
    pub(crate) fn rank(&self) -> u8 {
        match self {
            ActionKind::Conflict { .. } => 0,
            ActionKind::CreateRecord { .. } => 1,
            ActionKind::AdoptRecord { .. } => 2,
            ActionKind::ReactivateRecord { .. } => 3,
            ActionKind::UpdateRecord { .. } => 4,
            ActionKind::MarkRecordInactive { .. } => 5,
            ActionKind::CreateLogin { .. } => 6,
            ActionKind::AdoptLogin { .. } => 7,
            ActionKind::ReactivateLogin { .. } => 8,
            ActionKind::ChangeRole { .. } => 9,
            ActionKind::UpdateLogin { .. } => 10,
            ActionKind::DeactivateLogin { .. } => 11,
            ActionKind::Manual { intended, .. } => 12 + intended.rank(),
        }
    }
}

/// What kind of note a warning is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    /// A listing stopped early; destructive actions were held back.
    IncompleteListing,
    /// A configured group did not resolve in Okta.
    UnresolvedGroup,
    /// The System Log cursor was unusable; deletions in the gap cannot be seen.
    LogCursorExpired,
    /// A managed user is missing from a complete listing with no deletion event: review.
    MissingWithoutEvent,
    /// A managed entry no longer exists in the target; it is created again.
    LinkedEntryMissing,
    /// The System Log says deleted but the listing still shows the user as active.
    ContradictoryEvidence,
    /// A user's scope changed but Okta did not return their profile; fetch them by id.
    ProfileUnavailable,
    /// A mapping has no baseline (new mapping); a full reconcile sets one.
    NoBaseline,
    /// The plan is a delta although no full import has succeeded yet.
    DeltaBeforeFullImport,
}

/// A note for the admin; changes nothing by itself.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Warning {
    /// What kind of note.
    pub code: WarningCode,
    /// The mapping concerned, if any.
    pub mapping: Option<String>,
    /// The Okta user concerned, if any.
    pub okta_id: Option<String>,
    /// What happened and what to do.
    pub message: String,
}

/// A destructive action the partial-listing guard withheld.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldBack {
    /// The action that would have been taken.
    pub action: Action,
    /// Why it was withheld.
    pub reason: String,
}

/// The limits the brake applied, copied from the safety policy for the reviewer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrakeLimits {
    /// `safety.max_deactivate_share`.
    pub max_deactivate_share: f64,
    /// `safety.max_deactivate_count`.
    pub max_deactivate_count: u64,
    /// `safety.max_population_drop_share`.
    pub max_population_drop_share: f64,
}

/// The safety brake's verdict on a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrakeAssessment {
    /// True when apply must refuse the plan without an approval for its hash.
    pub tripped: bool,
    /// Which limit was exceeded, or why the brake did not apply.
    pub reason: Option<String>,
    /// The figures behind the verdict.
    pub counts: BrakeCounts,
    /// The limits applied.
    pub limits: BrakeLimits,
}
