//! Planning without any network: the same planner fed with caller-provided data.
//!
//! The Python and Node packages expose this as `plan_offline` / `planOffline`, and the
//! cross-language cases under `tests/cases/` run through it from all three languages.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::config::SyncConfig;
use crate::directory::DirectorySnapshot;
use crate::plan::{self, Plan, PlanInput};
use crate::state::SyncState;
use crate::target::{Capabilities, TargetHoldings};
use crate::{Error, Result};

/// Everything the planner needs, as plain data.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfflineInput {
    /// The configuration (validated before planning).
    pub config: serde_json::Value,
    /// What the directory showed.
    pub directory: DirectorySnapshot,
    /// What the target holds, per mapping name.
    #[serde(default)]
    pub holdings: BTreeMap<String, TargetHoldings>,
    /// What the target can do. Default: everything, batches of 100.
    #[serde(default)]
    pub capabilities: Option<Capabilities>,
    /// The saved state. Default: empty (first run).
    #[serde(default)]
    pub state: SyncState,
    /// Ids Okta answered 404 for when fetched by id (evidence of deletion).
    #[serde(default)]
    pub not_found: Vec<String>,
    /// Okta's time for the plan. Default: the snapshot's server time.
    #[serde(default, with = "crate::model::time::optional")]
    pub now: Option<DateTime<Utc>>,
}

impl OfflineInput {
    /// Decodes an input from JSON, naming the path of any problem.
    ///
    /// The plain decoder runs first; only when it fails is the text decoded again with
    /// path tracking, which costs a large share of the decode on inputs of 100k users
    /// and is only needed to say where the problem is.
    pub fn from_json(text: &str) -> Result<Self> {
        serde_json::from_str(text).or_else(|_| {
            let de = &mut serde_json::Deserializer::from_str(text);
            serde_path_to_error::deserialize(de)
                .map_err(|e| Error::decode("offline planning input", e))
        })
    }
}

/// Builds a plan from caller-provided data.
pub fn plan_offline(input: OfflineInput) -> Result<Plan> {
    let config = SyncConfig::from_json_value(input.config)?;
    let capabilities = input.capabilities.unwrap_or_else(|| Capabilities::all(100));
    let now = input
        .now
        .or(input.directory.server_time)
        .ok_or_else(|| Error::Decode {
            what: "offline planning input".into(),
            path: "now".into(),
            message: "give `now` or `directory.server_time` (Okta's clock, never the local one)"
                .into(),
        })?;
    let mut plan_input = PlanInput::new(
        &config,
        &input.directory,
        &input.holdings,
        &capabilities,
        &input.state,
        now,
    );
    plan_input.not_found = &input.not_found;
    plan::build_plan(&plan_input)
}
