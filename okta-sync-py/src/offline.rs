//! `plan_offline`: the planner fed with JSON-compatible Python values, no network.

use std::sync::Arc;

use okta_sync_core::engine::{OfflineInput, plan_offline as core_plan_offline};
use pyo3::prelude::*;
use serde_json::{Map, Value};

use crate::convert::{config_from_py, from_json, to_json_at};
use crate::errors::guard;
use crate::plan::PyPlan;

/// Builds a plan from directory data, target holdings and sync state given as dicts.
///
/// The arguments are the fields of the core's offline planning input (`OfflineInput`),
/// the same object `plan_offline_json` and Node's `planOffline` take:
///
/// Args:
///     config: the configuration (dict or path).
///     directory: what Okta showed (a directory snapshot: users in Okta's shape, groups,
///         events, and whether each listing was complete).
///     holdings: per mapping name, what the target holds (`records`, `logins`, `listed`).
///     state: the saved sync state; empty or None before the first run.
///     capabilities: what the target can do (default: everything, batches of 100).
///     not_found: Okta ids that Okta answered 404 for when fetched by id (evidence that
///         they were deleted).
///     now: Okta's time for the plan, RFC 3339 (default: `directory["server_time"]`).
///
/// Each value is converted to JSON strictly (one Python type for one JSON type: only
/// `True`/`False` are booleans, only `int`/`float` numbers, only `str` strings) and
/// decoded exactly as the JSON text would be, so what `plan_offline_json` refuses is
/// refused here too, with the same `DecodeError` (`what` "offline planning input", `path`
/// such as `directory.users_complete`).
///
/// The cross-language cases in `tests/cases/` use exactly these argument names.
#[pyfunction]
#[pyo3(signature = (config, directory, holdings = None, state = None, *, capabilities = None, not_found = None, now = None))]
#[allow(clippy::too_many_arguments)]
pub fn plan_offline(
    py: Python<'_>,
    config: &Bound<'_, PyAny>,
    directory: &Bound<'_, PyAny>,
    holdings: Option<&Bound<'_, PyAny>>,
    state: Option<&Bound<'_, PyAny>>,
    capabilities: Option<&Bound<'_, PyAny>>,
    not_found: Option<&Bound<'_, PyAny>>,
    now: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyPlan> {
    const WHAT: &str = "offline planning input";
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
        input.insert(
            "directory".into(),
            to_json_at(directory, WHAT, "directory")?,
        );
        let optional = [
            ("holdings", holdings),
            ("state", state),
            ("capabilities", capabilities),
            ("not_found", not_found),
            ("now", now),
        ];
        for (key, value) in optional {
            if let Some(value) = value.filter(|v| !v.is_none()) {
                input.insert(key.into(), to_json_at(value, WHAT, key)?);
            }
        }
        Ok(Value::Object(input))
    })?;
    // Decoding the JSON tree and planning need no Python objects: the GIL is released.
    let plan =
        py.detach(|| guard(|| core_plan_offline(from_json::<OfflineInput>(input, WHAT)?)))?;
    Ok(PyPlan {
        inner: Arc::new(plan),
    })
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
