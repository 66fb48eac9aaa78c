//! Configuration types. Every field's default is stated where it is declared.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};

use super::SecretRef;
use crate::model::UserStatus;

/// The whole configuration of one Okta → Asset Panda integration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a mapping")]
pub struct SyncConfig {
    /// How to reach the Okta org.
    pub okta: OktaConfig,
    /// Where synced people go.
    pub target: TargetConfig,
    /// Where the sync state (watermark, log cursor, ownership marks) is kept.
    #[serde(default)]
    pub state: StateConfig,
    /// Which value identifies a person in both systems, so no one is duplicated.
    pub unique_identifier: UniqueIdentifier,
    /// The mappings, each with a unique name. At least one.
    pub mappings: Vec<Mapping>,
    /// What happens to people who leave Okta or a mapping's scope.
    #[serde(default)]
    pub deprovisioning: DeprovisioningPolicy,
    /// Limits on destructive actions.
    #[serde(default)]
    pub safety: SafetyPolicy,
    /// When `mode: auto` runs a full reconcile instead of a delta. Default: every 7 days.
    #[serde(default = "default_reconcile_days")]
    pub reconcile_every_days: u32,
}

fn default_reconcile_days() -> u32 {
    7
}

/// The Okta connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a mapping")]
pub struct OktaConfig {
    /// The org URL, for example `https://acme.okta.com`. Must be https, except loopback
    /// hosts used by tests.
    pub org_url: String,
    /// Where the API token (`SSWS`) comes from. Never the token itself.
    pub token: SecretRef,
    /// Share of each Okta rate-limit bucket this integration may use, between 0 and 1.
    /// Default 0.5, so other integrations of the org keep working.
    #[serde(default = "default_rate_share")]
    pub rate_limit_share: f64,
    /// Most requests in flight at once. Default 4.
    #[serde(default = "default_concurrency")]
    pub max_concurrency: u32,
    /// Users per page. Default 200, Okta's maximum.
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// Seconds subtracted from the watermark on each delta, because Okta timestamps have
    /// second resolution and listings are eventually consistent. Default 60.
    #[serde(default = "default_overlap")]
    pub overlap_seconds: u32,
    /// Per-request timeout in seconds. Default 30.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u32,
    /// Retries of transient failures (5xx, timeouts, resets) per request. Default 4.
    #[serde(default = "default_retries")]
    pub max_retries: u32,
}

fn default_rate_share() -> f64 {
    0.5
}
fn default_concurrency() -> u32 {
    4
}
fn default_page_size() -> u32 {
    200
}
fn default_overlap() -> u32 {
    60
}
fn default_timeout() -> u32 {
    30
}
fn default_retries() -> u32 {
    4
}

/// Where synced people go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    deny_unknown_fields,
    expecting = "a mapping with a `kind` (`assetpanda` or `local`)"
)]
pub enum TargetConfig {
    /// The embedded local target: a SQLite file, useful as a staging target.
    Local {
        /// Path of the database file; created if missing.
        path: String,
    },
    /// Asset Panda Pro's public API.
    Assetpanda(AssetPandaConfig),
}

/// The Asset Panda Pro connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a mapping")]
pub struct AssetPandaConfig {
    /// API base URL. Default `https://api.assetpanda.app`.
    #[serde(default = "default_ap_url")]
    pub base_url: String,
    /// Where the `Access-Key-Id` comes from.
    pub access_key_id: SecretRef,
    /// Where the `Access-Key-Secret` comes from.
    pub access_key_secret: SecretRef,
    /// Account display name (resolved to an id at start).
    pub account: String,
    /// Module display name (resolved to an id at start).
    pub module: String,
    /// Requests allowed per window. Default 400.
    #[serde(default = "default_ap_requests")]
    pub requests_per_window: u32,
    /// Window length in seconds. Default 180.
    #[serde(default = "default_ap_window")]
    pub window_seconds: u32,
}

fn default_ap_url() -> String {
    "https://api.assetpanda.app".to_string()
}
fn default_ap_requests() -> u32 {
    400
}
fn default_ap_window() -> u32 {
    180
}

/// Where sync state lives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, expecting = "a mapping")]
pub struct StateConfig {
    /// SQLite file for the sync state. Default: in memory (nothing survives the process),
    /// which suits dry runs and tests only.
    #[serde(default)]
    pub path: Option<String>,
}

/// The value that identifies a person in both systems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UniqueIdentifier {
    /// The Okta user id, compared exactly.
    OktaId,
    /// `profile.email`, trimmed, case-folded and Unicode-NFC normalised.
    Email,
}

/// One mapping: who goes where, with which fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    deny_unknown_fields,
    expecting = "a mapping with a `kind` (`login` or `record`)"
)]
pub enum Mapping {
    /// Asset Panda users with login access.
    Login(LoginMapping),
    /// Reference records without login, in a collection.
    Record(RecordMapping),
}

impl Mapping {
    /// The mapping's unique name.
    pub fn name(&self) -> &str {
        match self {
            Mapping::Login(m) => &m.name,
            Mapping::Record(m) => &m.name,
        }
    }

    /// The mapping's field map.
    pub fn fields(&self) -> &[FieldMap] {
        match self {
            Mapping::Login(m) => &m.fields,
            Mapping::Record(m) => &m.fields,
        }
    }
}

/// Asset Panda users with login access, driven by Okta group membership.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a mapping")]
pub struct LoginMapping {
    /// Unique name, used in plans and reports.
    pub name: String,
    /// Okta groups and the Asset Panda role each gives. Where a user is in several, the
    /// one listed **first** wins (see `docs/configuration.md`). Must not be empty.
    pub groups: Vec<GroupRole>,
    /// Target field for each value; must include the field holding the unique identifier.
    pub fields: Vec<FieldMap>,
    /// Only group filters are accepted on login mappings (Asset Panda's rule): membership
    /// of `groups` is the filter. This key exists so that a department or status filter
    /// can be rejected with a clear message instead of being silently ignored.
    #[serde(default, skip_serializing_if = "Filters::is_empty")]
    pub filters: Filters,
    /// What happens when a user leaves every group of this mapping.
    /// Default `deactivate`.
    #[serde(default)]
    pub on_leave_groups: LeaveGroupsAction,
    /// The record mapping that receives users who leave the groups, when
    /// `on_leave_groups` is `keep_as_record`.
    #[serde(default)]
    pub keep_as_record_in: Option<String>,
    /// Per-status overrides of the default status policy (see [`StatusPolicy`]).
    #[serde(default)]
    pub status_policy: BTreeMap<String, StatusAction>,
    /// Target fields Asset Panda owns: written on create, never overwritten after.
    #[serde(default)]
    pub target_owned_fields: Vec<String>,
}

/// One Okta group and the role it gives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a mapping")]
pub struct GroupRole {
    /// The group's name or id (`00g...`).
    pub group: String,
    /// The Asset Panda role name, for example `Administrator`.
    pub role: String,
}

/// What to do with a login user who left every mapped group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum LeaveGroupsAction {
    /// Deactivate the login (the default).
    #[default]
    Deactivate,
    /// Deactivate the login and keep the person as a reference record.
    KeepAsRecord,
}

/// What a login mapping does with a user in a given Okta status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusAction {
    /// Treat as active: create and keep the login.
    Sync,
    /// Do not create a login; leave an existing one as it is.
    Skip,
    /// Deactivate an existing login; do not create one.
    Deactivate,
}

/// Reference records in a collection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a mapping")]
pub struct RecordMapping {
    /// Unique name, used in plans and reports.
    pub name: String,
    /// The target collection's display name, for example `Employees`.
    pub collection: String,
    /// Target field for each value; must include the field holding the unique identifier.
    pub fields: Vec<FieldMap>,
    /// Who is in scope. Left out, everyone.
    #[serde(default)]
    pub filters: Filters,
    /// The target field stamped with the Okta user id, which marks a record as managed by
    /// this integration. Default `Okta ID`.
    #[serde(default = "default_okta_id_field")]
    pub okta_id_field: String,
    /// Opt-in: how to mark a record inactive when its person leaves scope or Okta.
    /// Without it, such records are left alone (never deleted).
    #[serde(default)]
    pub inactive: Option<InactiveMarker>,
    /// Target fields Asset Panda owns: written on create, never overwritten after.
    #[serde(default)]
    pub target_owned_fields: Vec<String>,
}

fn default_okta_id_field() -> String {
    "Okta ID".to_string()
}

/// How a record is marked inactive and active again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a mapping")]
pub struct InactiveMarker {
    /// The status field, for example `Status`.
    pub field: String,
    /// Value meaning inactive, for example `Inactive`.
    pub inactive_value: String,
    /// Value meaning active, written on reactivation, for example `Active`.
    pub active_value: String,
}

/// One target field and where its value comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a mapping")]
pub struct FieldMap {
    /// The target field's display name, for example `Email`.
    pub target: String,
    /// A source expression (`profile.email`, `id`, `status`, `credentials.provider.type`,
    /// `lastUpdated`) or a template with `{...}` placeholders
    /// (`{profile.firstName} {profile.lastName}`).
    pub source: String,
    /// Transforms applied in order.
    #[serde(default)]
    pub transforms: Vec<Transform>,
    /// When true, a missing value is a per-user problem reported in the plan instead of
    /// an empty write. Default false.
    #[serde(default)]
    pub required: bool,
}

/// A value transform. Nothing more than real mappings need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Transform {
    /// Strip leading and trailing whitespace.
    Trim,
    /// Lower-case.
    Lower,
    /// Upper-case.
    Upper,
    /// Use this value when the source is missing, null or empty.
    Default(String),
    /// Replace via a table; values not in the table pass through unless `otherwise` is set.
    Lookup {
        /// Source value → target value.
        table: BTreeMap<String, String>,
        /// Value for anything not in the table.
        #[serde(default)]
        otherwise: Option<String>,
    },
    /// Reformat an RFC 3339 timestamp or `YYYY-MM-DD` date with a strftime pattern.
    DateFormat(String),
}

/// Who is in scope for a mapping: AND across kinds, OR within a kind.
///
/// A kind that is left out (an empty `Vec`) does not filter. A configuration that
/// lists a kind must give at least one value: `department: []` is rejected when decoding,
/// because it could be read as "no one" as well as "everyone".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, expecting = "a mapping")]
pub struct Filters {
    /// Departments (`profile.department`); at least one when given. Left out: any.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "department_list"
    )]
    #[schemars(length(min = 1))]
    pub department: Vec<String>,
    /// Compare departments case-sensitively and untrimmed. Default false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub department_case_sensitive: bool,
    /// Groups by name or id; a user in any of them is admitted. At least one when given.
    /// Left out: any.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "group_list"
    )]
    #[schemars(length(min = 1))]
    pub groups: Vec<String>,
    /// Okta statuses; at least one when given. Left out: any.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "status_list"
    )]
    #[schemars(length(min = 1))]
    pub status: Vec<UserStatus>,
}

impl Filters {
    /// True when no filter of any kind is set.
    pub fn is_empty(&self) -> bool {
        self.department.is_empty() && self.groups.is_empty() && self.status.is_empty()
    }
}

fn department_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    non_empty_list(d, "department")
}

fn group_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    non_empty_list(d, "groups")
}

fn status_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<UserStatus>, D::Error> {
    non_empty_list(d, "status")
}

/// A filter list that names at least one value.
fn non_empty_list<'de, D, T>(d: D, kind: &str) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let list = Vec::<T>::deserialize(d)?;
    if list.is_empty() {
        return Err(D::Error::custom(format!(
            "an empty list is not allowed, since it could mean no one as well as everyone; \
             remove the key to not filter on {kind}, or list at least one value"
        )));
    }
    Ok(list)
}

/// De-provisioning policy shared by all mappings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a mapping")]
pub struct DeprovisioningPolicy {
    /// Default action per Okta status for login mappings; a mapping's `status_policy`
    /// overrides it. Keys are Okta statuses. Defaults: ACTIVE, PROVISIONED, RECOVERY,
    /// PASSWORD_EXPIRED and LOCKED_OUT `sync`; STAGED `skip`; SUSPENDED and DEPROVISIONED
    /// `deactivate`. DEPROVISIONED cannot be set to anything but `deactivate`.
    #[serde(default = "default_status_policy")]
    pub login_status: BTreeMap<String, StatusAction>,
    /// When a full reconcile finds a managed person missing from a complete Okta listing
    /// and no deletion event explains it (the System Log keeps 90 days): `report` (the
    /// default) lists them for review; `deactivate` treats absence as deletion.
    #[serde(default)]
    pub missing_without_event: MissingAction,
}

impl Default for DeprovisioningPolicy {
    fn default() -> Self {
        DeprovisioningPolicy {
            login_status: default_status_policy(),
            missing_without_event: MissingAction::default(),
        }
    }
}

/// See [`DeprovisioningPolicy::missing_without_event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum MissingAction {
    /// List for review, change nothing.
    #[default]
    Report,
    /// Deactivate as if a deletion event had been seen (still subject to the brakes).
    Deactivate,
}

/// The default per-status actions for login mappings.
pub fn default_status_policy() -> BTreeMap<String, StatusAction> {
    use StatusAction::*;
    [
        ("ACTIVE", Sync),
        ("PROVISIONED", Sync),
        ("RECOVERY", Sync),
        ("PASSWORD_EXPIRED", Sync),
        ("LOCKED_OUT", Sync),
        ("STAGED", Skip),
        ("SUSPENDED", Deactivate),
        ("DEPROVISIONED", Deactivate),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Alias kept for documentation: the per-status policy of a login mapping.
pub type StatusPolicy = BTreeMap<String, StatusAction>;

/// Safety brakes on destructive actions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a mapping")]
pub struct SafetyPolicy {
    /// Most deactivations and downgrades in one plan, as a share of the managed population.
    /// Default 0.10 (10 %).
    #[serde(default = "default_max_share")]
    pub max_deactivate_share: f64,
    /// Most deactivations and downgrades in one plan, as a count. Default 25. The brake
    /// trips when **both** the share and the count are exceeded, so small orgs are not
    /// blocked by one departure.
    #[serde(default = "default_max_count")]
    pub max_deactivate_count: u64,
    /// Largest allowed drop of the in-scope population against the last successful run,
    /// as a share. Default 0.20 (20 %).
    #[serde(default = "default_drop_share")]
    pub max_population_drop_share: f64,
}

impl Default for SafetyPolicy {
    fn default() -> Self {
        SafetyPolicy {
            max_deactivate_share: default_max_share(),
            max_deactivate_count: default_max_count(),
            max_population_drop_share: default_drop_share(),
        }
    }
}

fn default_max_share() -> f64 {
    0.10
}
fn default_max_count() -> u64 {
    25
}
fn default_drop_share() -> f64 {
    0.20
}
