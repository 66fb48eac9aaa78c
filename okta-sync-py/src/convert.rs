//! Conversions between Python values and the core's serde types.
//!
//! Python → core goes through `serde_json::Value` and `serde_path_to_error`, so a bad value
//! is reported with its JSON path (`users[3].status`), exactly like bad JSON would be.
//! Core → Python goes through `pythonize`, giving plain dicts and lists.

use std::path::PathBuf;

use okta_sync_core::config::SyncConfig;
use okta_sync_core::{Error, Result};
use pyo3::prelude::*;
use pyo3::types::{PyMapping, PyString};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A Python value as JSON. Fails (naming `what`) on values JSON cannot hold.
pub fn to_json(value: &Bound<'_, PyAny>, what: &str) -> Result<serde_json::Value> {
    pythonize::depythonize(value).map_err(|e| Error::Decode {
        what: what.to_string(),
        path: ".".to_string(),
        message: e.to_string(),
    })
}

/// Decodes a JSON-compatible Python value into a core type, naming the path of a problem.
pub fn from_py<T: DeserializeOwned>(value: &Bound<'_, PyAny>, what: &str) -> Result<T> {
    from_json(to_json(value, what)?, what)
}

/// Decodes a JSON-compatible Python value straight into a core type, without building a
/// `serde_json::Value` first: for the large arguments (a directory of 100k users), the
/// intermediate tree costs more than the planning. Problems name their path as
/// [`from_py`] does.
pub fn from_py_direct<T: DeserializeOwned>(value: &Bound<'_, PyAny>, what: &str) -> Result<T> {
    let mut de = pythonize::Depythonizer::from_object(value);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        Error::Decode {
            what: what.to_string(),
            path: if path.is_empty() { ".".into() } else { path },
            message: e.into_inner().to_string(),
        }
    })
}

/// Decodes a JSON value into a core type, naming the path of a problem.
pub fn from_json<T: DeserializeOwned>(value: serde_json::Value, what: &str) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| Error::decode(what, e))
}

/// A core value as plain Python dicts, lists and scalars.
pub fn to_py<'py, T: Serialize + ?Sized>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    Ok(pythonize::pythonize(py, value)?)
}

/// A configuration given as a mapping, or as a path (`str` or `os.PathLike`) to a YAML,
/// TOML or JSON file. Validated, so every problem is reported at once.
pub fn config_from_py(config: &Bound<'_, PyAny>) -> Result<SyncConfig> {
    if config.cast::<PyMapping>().is_ok() {
        return SyncConfig::from_json_value(to_json(config, "configuration")?);
    }
    match config.extract::<PathBuf>() {
        Ok(path) => SyncConfig::from_path(&path),
        Err(_) => Err(Error::ConfigSyntax {
            source_name: "<argument>".to_string(),
            message: format!(
                "expected a dict or a path to a YAML, TOML or JSON file, got {}",
                type_name(config)
            ),
        }),
    }
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|n: Bound<'_, PyString>| n.to_string())
        .unwrap_or_else(|_| "an unknown type".to_string())
}
