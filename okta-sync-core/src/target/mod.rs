//! The asset side: what a target (Asset Panda Pro, the embedded local store, or a store an
//! embedding service implements) must provide.
//!
//! A target declares its [`Capabilities`]; the planner turns whatever the target cannot do
//! into manual actions in the report instead of pretending. Writes come in batches no
//! larger than [`Capabilities::batch_limit`] and return one outcome per write, so one
//! record's failure never hides or stops the others.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Result;

/// Field values keyed by target field display name.
pub type Fields = BTreeMap<String, Value>;

/// What a target can do through its API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// Records of a collection can be listed (needed for adoption and full reconcile).
    pub list_records: bool,
    /// Login users can be listed.
    pub list_logins: bool,
    /// Login users can be created (invited) with a role.
    pub create_login: bool,
    /// A login user's role can be changed.
    pub change_role: bool,
    /// A login user's fields (names, email) can be updated.
    #[serde(default)]
    pub update_login: bool,
    /// A login user can be deactivated.
    pub deactivate_login: bool,
    /// A deactivated login user can be reactivated.
    pub reactivate_login: bool,
    /// Roles that cannot be granted through the API (Asset Panda: Organization Admin,
    /// Account Admin).
    pub ungrantable_roles: Vec<String>,
    /// Most writes of one kind per request.
    pub batch_limit: usize,
}

impl Capabilities {
    /// A target that can do everything, batching up to `batch_limit`.
    pub fn all(batch_limit: usize) -> Self {
        Capabilities {
            list_records: true,
            list_logins: true,
            create_login: true,
            change_role: true,
            update_login: true,
            deactivate_login: true,
            reactivate_login: true,
            ungrantable_roles: Vec::new(),
            batch_limit,
        }
    }
}

/// A record as the target holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetRecord {
    /// The target's id for the record.
    pub id: String,
    /// Field values by display name.
    pub fields: Fields,
}

/// A login user as the target holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetLogin {
    /// The target's id for the user.
    pub id: String,
    /// Email, the login name in Asset Panda.
    pub email: String,
    /// Current role name.
    pub role: Option<String>,
    /// Whether the login is active.
    pub active: bool,
    /// Field values by display name (names, department...).
    pub fields: Fields,
}

/// What a target holds for one mapping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct TargetHoldings {
    /// Records of the mapping's collection (record mappings).
    pub records: Vec<TargetRecord>,
    /// Login users (login mappings), when the target can list them.
    pub logins: Vec<TargetLogin>,
    /// False when the target cannot list this mapping's contents (then only the sync state
    /// tells what exists).
    pub listed: bool,
}

/// One write to a target. `key` is the planner's stable identity for the write (mapping
/// name and Okta id), echoed in the outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum TargetWrite {
    /// Create a record in `collection`.
    CreateRecord {
        /// Collection display name.
        collection: String,
        /// Field values, Okta id stamp included.
        fields: Fields,
    },
    /// Change some fields of a record (adoption is an update that stamps the Okta id).
    UpdateRecord {
        /// Collection display name.
        collection: String,
        /// Record id.
        record_id: String,
        /// Only the fields that change.
        fields: Fields,
    },
    /// Invite or create a login user with a role.
    CreateLogin {
        /// Email.
        email: String,
        /// Role name.
        role: String,
        /// Other fields (names...).
        fields: Fields,
    },
    /// Change a login user's role.
    ChangeRole {
        /// Login id.
        login_id: String,
        /// New role.
        role: String,
    },
    /// Update a login user's fields.
    UpdateLogin {
        /// Login id.
        login_id: String,
        /// Only the fields that change.
        fields: Fields,
    },
    /// Deactivate a login user (never delete).
    DeactivateLogin {
        /// Login id.
        login_id: String,
    },
    /// Reactivate a login user.
    ReactivateLogin {
        /// Login id.
        login_id: String,
    },
}

impl TargetWrite {
    /// A short name for the kind of write, used to group batches and in reports.
    pub fn kind(&self) -> &'static str {
        match self {
            TargetWrite::CreateRecord { .. } => "create_record",
            TargetWrite::UpdateRecord { .. } => "update_record",
            TargetWrite::CreateLogin { .. } => "create_login",
            TargetWrite::ChangeRole { .. } => "change_role",
            TargetWrite::UpdateLogin { .. } => "update_login",
            TargetWrite::DeactivateLogin { .. } => "deactivate_login",
            TargetWrite::ReactivateLogin { .. } => "reactivate_login",
        }
    }
}

/// The result of one write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum WriteOutcome {
    /// Done; `id` is the record or login id (new for creates).
    Done {
        /// Target id of the written record or login.
        id: String,
    },
    /// Not done. `retryable` tells whether trying again may help (throttling, 5xx).
    Failed {
        /// Why, as the target said it.
        reason: String,
        /// Whether a retry may succeed.
        retryable: bool,
    },
}

/// Whether the target's connection works, for "Test and save connection".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TargetCheck {
    /// Credentials accepted and every configured name resolved.
    pub ok: bool,
    /// Findings, one per problem or note (for example "role Auditor does not exist;
    /// existing roles: ...").
    pub messages: Vec<String>,
}

/// Where synced people go.
#[async_trait]
pub trait AssetTarget: Send + Sync {
    /// A short name for errors and reports (`local`, `assetpanda`).
    fn name(&self) -> &str;

    /// What this target can do.
    fn capabilities(&self) -> Capabilities;

    /// Checks credentials, resolves configured names (collections, fields, roles) and
    /// reports what is missing and what exists.
    async fn check_connection(&self, config: &crate::config::SyncConfig) -> Result<TargetCheck>;

    /// What the target holds for a mapping (a full listing, used by full reconciles).
    async fn holdings(&self, mapping: &crate::config::Mapping) -> Result<TargetHoldings>;

    /// The records or logins of a mapping whose `field` holds one of `values` (compared
    /// after the planner's identity normalisation), for delta syncs that must not list
    /// everything.
    async fn lookup(
        &self,
        mapping: &crate::config::Mapping,
        field: &str,
        values: &[String],
    ) -> Result<TargetHoldings>;

    /// Performs up to `capabilities().batch_limit` writes of one kind and returns one
    /// outcome per write, in order. An `Err` means the whole batch failed and nothing in it
    /// is known to be done.
    async fn write(&self, batch: &[TargetWrite]) -> Result<Vec<WriteOutcome>>;
}

pub mod assetpanda;
pub mod local;
pub(crate) mod matching;
