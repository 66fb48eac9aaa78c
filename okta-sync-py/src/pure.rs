//! The pure functions: configuration checks, mapping one user, explaining filters. No
//! network, no state; each converts its arguments, calls the core and converts back.

use std::collections::BTreeSet;

use okta_sync_core::config::{Mapping, SyncConfig};
use okta_sync_core::error::ConfigProblem;
use okta_sync_core::filter::{FilterEvaluator, Memberships};
use okta_sync_core::mapping::CompiledMapping;
use okta_sync_core::model::{DirectoryUser, decode_user};
use okta_sync_core::{Error, Result};
use pyo3::prelude::*;

use crate::convert::{config_from_py, to_json, to_py};
use crate::errors::guard;

/// Checks a configuration and raises `ConfigError` listing every problem with its path.
///
/// Args:
///     config: a dict, or a path (str or os.PathLike) to a YAML, TOML or JSON file.
///
/// Raises:
///     ConfigError: with `problems`, a list of (path, message) pairs.
#[pyfunction]
pub fn validate_config(config: &Bound<'_, PyAny>) -> PyResult<()> {
    guard(|| config_from_py(config)?.validate())
}

/// Loads and validates a configuration; returns it as a dict with every default filled in.
///
/// Args:
///     config: a dict, or a path (str or os.PathLike) to a YAML, TOML or JSON file.
#[pyfunction]
pub fn load_config<'py>(
    py: Python<'py>,
    config: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let loaded = guard(|| {
        let loaded = config_from_py(config)?;
        loaded.validate()?;
        Ok(loaded)
    })?;
    to_py(py, &loaded)
}

/// The JSON Schema of the configuration, for editors and settings screens.
#[pyfunction]
pub fn config_schema(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    to_py(py, &okta_sync_core::config::json_schema())
}

/// Maps one Okta user with a mapping's field map.
///
/// Args:
///     config: the configuration (dict or path) holding the mapping.
///     mapping: the mapping's name.
///     user: the user in Okta's JSON shape (`{"id": ..., "status": ..., "profile": {...}}`).
///
/// Returns:
///     `{"fields": {target field: value}, "problems": [{"field": ..., "message": ...}]}`;
///     a user with problems would not be written by a sync.
#[pyfunction]
pub fn map_user<'py>(
    py: Python<'py>,
    config: &Bound<'py, PyAny>,
    mapping: &str,
    user: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let mapped = guard(|| {
        let config = config_from_py(config)?;
        let user = user_from_py(user)?;
        let compiled = CompiledMapping::new(find_mapping(&config, mapping)?.fields())?;
        Ok(compiled.map(&user))
    })?;
    to_py(py, &mapped)
}

/// Says whether a mapping's filters admit a user, and why, filter kind by filter kind.
///
/// Args:
///     config: the configuration (dict or path) holding the mapping.
///     mapping: the mapping's name.
///     user: the user in Okta's JSON shape.
///     groups: the groups (names or ids, as written in the configuration) the user is a
///         member of.
///
/// Returns:
///     `{"admitted": bool, "checks": [{"filter": ..., "passed": bool, "reason": ...}]}`.
#[pyfunction]
#[pyo3(signature = (config, mapping, user, groups = Vec::new()))]
pub fn explain<'py>(
    py: Python<'py>,
    config: &Bound<'py, PyAny>,
    mapping: &str,
    user: &Bound<'py, PyAny>,
    groups: Vec<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let explanation = guard(|| {
        let config = config_from_py(config)?;
        let user = user_from_py(user)?;
        let evaluator = FilterEvaluator::for_mapping(find_mapping(&config, mapping)?);
        Ok(evaluator.explain(&user, &GroupList(groups.into_iter().collect())))
    })?;
    to_py(py, &explanation)
}

/// Decodes a user given in Okta's JSON shape, with Okta's leniency.
fn user_from_py(user: &Bound<'_, PyAny>) -> Result<DirectoryUser> {
    let json = to_json(user, "user")?;
    decode_user(json.to_string().as_bytes(), "user")
}

fn find_mapping<'c>(config: &'c SyncConfig, name: &str) -> Result<&'c Mapping> {
    config
        .mappings
        .iter()
        .find(|m| m.name() == name)
        .ok_or_else(|| {
            let known: Vec<&str> = config.mappings.iter().map(Mapping::name).collect();
            Error::Config {
                problems: vec![ConfigProblem {
                    path: "mappings".to_string(),
                    message: format!("no mapping named {name:?}; mappings: {}", known.join(", ")),
                }],
            }
        })
}

/// The groups one user is in, as the caller listed them.
struct GroupList(BTreeSet<String>);

impl Memberships for GroupList {
    fn is_member(&self, _user_id: &str, group_ref: &str) -> bool {
        self.0.contains(group_ref)
    }
}
