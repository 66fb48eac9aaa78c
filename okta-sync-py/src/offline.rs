//! `plan_offline`: the planner fed with JSON-compatible Python values, no network.

use std::sync::Arc;

use okta_sync_core::directory::DirectorySnapshot;
use okta_sync_core::engine::{OfflineInput, plan_offline as core_plan_offline};
use pyo3::prelude::*;
use serde_json::{Map, Value};

use crate::convert::{config_from_py, from_json, from_py_direct, to_json};
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
        // The small arguments go through JSON as before (so unknown keys are refused the
        // same way); the large ones are decoded straight into their types.
        let mut input = Map::new();
        input.insert("config".into(), config);
        input.insert(
            "directory".into(),
            serde_json::to_value(DirectorySnapshot::default()).unwrap_or(Value::Null),
        );
        for (key, value) in [("capabilities", capabilities), ("deleted", deleted)] {
            if let Some(value) = given(value) {
                input.insert(key.into(), to_json(value, key)?);
            }
        }
        if let Some(now) = now {
            input.insert("now".into(), Value::String(now));
        }
        let mut input: OfflineInput = from_json(Value::Object(input), "offline planning input")?;
        input.directory = from_py_direct(directory, "directory")?;
        if let Some(holdings) = given(holdings) {
            input.holdings = from_py_direct(holdings, "holdings")?;
        }
        if let Some(state) = given(state) {
            input.state = from_py_direct(state, "state")?;
        }
        Ok(input)
    })?;
    let plan = py.detach(|| guard(|| core_plan_offline(input)))?;
    Ok(PyPlan {
        inner: Arc::new(plan),
    })
}

/// `value` unless it is absent or `None`.
fn given<'a, 'py>(value: Option<&'a Bound<'py, PyAny>>) -> Option<&'a Bound<'py, PyAny>> {
    value.filter(|v| !v.is_none())
}

/// Builds a plan from the JSON text of a whole offline input: an object with `config`,
/// `directory` and optionally `holdings`, `state`, `capabilities`, `not_found` and `now`
/// (the core's `OfflineInput`, the same text Node's `planOffline` takes).
///
/// For input that is already JSON (a file, an HTTP body) this skips building Python
/// objects at all: decoding and planning run in Rust with the GIL released.
#[pyfunction]
pub fn plan_offline_json(py: Python<'_>, input: &Bound<'_, PyAny>) -> PyResult<PyPlan> {
    let text: String = match input.extract::<String>() {
        Ok(text) => text,
        Err(_) => {
            let bytes: Vec<u8> = input.extract().map_err(|_| {
                pyo3::exceptions::PyTypeError::new_err("input must be JSON text (str or bytes)")
            })?;
            String::from_utf8(bytes).map_err(|e| {
                pyo3::exceptions::PyValueError::new_err(format!("input is not UTF-8: {e}"))
            })?
        }
    };
    let plan = py.detach(|| guard(|| core_plan_offline(OfflineInput::from_json(&text)?)))?;
    Ok(PyPlan {
        inner: Arc::new(plan),
    })
}
