//! `plan_offline`: the planner fed with JSON-compatible Python values, no network.

use std::sync::Arc;

use okta_sync_core::engine::{OfflineInput, plan_offline as core_plan_offline};
use pyo3::prelude::*;
use serde_json::{Map, Value};

use crate::convert::{config_from_py, from_json, to_json};
use crate::errors::guard;
use crate::plan::PyPlan;

/// Builds a plan from directory data, target holdings and sync state given as dicts.
///
/// Args:
///     config: the configuration (dict or path).
///     directory: what Okta showed (a directory snapshot: users in Okta's shape, groups,
///         events, and whether each listing was complete).
///     holdings: per mapping name, what the target holds (`records`, `logins`, `listed`).
///     state: the saved sync state; empty or None before the first run.
///     capabilities: what the target can do (default: everything, batches of 100).
///     deleted: Okta ids known to be deleted, with the evidence.
///     now: Okta's time for the plan, RFC 3339 (default: `directory["server_time"]`).
///
/// The cross-language cases in `tests/cases/` use exactly these argument names.
#[pyfunction]
#[pyo3(signature = (config, directory, holdings = None, state = None, *, capabilities = None, deleted = None, now = None))]
#[allow(clippy::too_many_arguments)]
pub fn plan_offline(
    py: Python<'_>,
    config: &Bound<'_, PyAny>,
    directory: &Bound<'_, PyAny>,
    holdings: Option<&Bound<'_, PyAny>>,
    state: Option<&Bound<'_, PyAny>>,
    capabilities: Option<&Bound<'_, PyAny>>,
    deleted: Option<&Bound<'_, PyAny>>,
    now: Option<String>,
) -> PyResult<PyPlan> {
    let input = guard(|| {
        let config = serde_json::to_value(config_from_py(config)?).map_err(|e| {
            okta_sync_core::Error::Decode {
                what: "configuration".into(),
                path: ".".into(),
                message: e.to_string(),
            }
        })?;
        let mut input = Map::new();
        input.insert("config".into(), config);
        input.insert("directory".into(), to_json(directory, "directory")?);
        let optional = [
            ("holdings", holdings),
            ("state", state),
            ("capabilities", capabilities),
            ("deleted", deleted),
        ];
        for (key, value) in optional {
            if let Some(value) = value.filter(|v| !v.is_none()) {
                input.insert(key.into(), to_json(value, key)?);
            }
        }
        if let Some(now) = now {
            input.insert("now".into(), Value::String(now));
        }
        from_json::<OfflineInput>(Value::Object(input), "offline planning input")
    })?;
    let plan = py.detach(|| guard(|| core_plan_offline(input)))?;
    Ok(PyPlan {
        inner: Arc::new(plan),
    })
}
