//! The pure functions: no network and no state. Each converts its arguments, calls the core
//! and converts back; `lib.js` gives them their public shape.

use std::collections::BTreeSet;

use napi_derive::napi;
use okta_sync_core::config::{Mapping, SyncConfig};
use okta_sync_core::error::ConfigProblem;
use okta_sync_core::filter::{FilterEvaluator, Memberships};
use okta_sync_core::mapping::CompiledMapping;
use okta_sync_core::model::{DirectoryUser, decode_user};
use okta_sync_core::{Error, Result};
use serde::Serialize;
use serde_json::Value;

use crate::error::{guard, internal};

/// A configuration as `lib.js` passes it: a file path, or the JSON text of an object.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct ConfigSource {
    /// Path of a YAML, TOML or JSON file.
    pub path: Option<String>,
    /// `JSON.stringify` of a configuration object.
    pub json: Option<String>,
}

impl ConfigSource {
    /// Loads and validates the configuration (the core validates on every load).
    pub fn load(&self) -> Result<SyncConfig> {
        match (&self.path, &self.json) {
            (Some(path), _) => SyncConfig::from_path(path),
            (None, Some(json)) => SyncConfig::from_json_value(parse_json(json, "configuration")?),
            (None, None) => Err(Error::ConfigSyntax {
                source_name: "<argument>".to_string(),
                message: "expected a configuration object or a path to a YAML, TOML or JSON file"
                    .to_string(),
            }),
        }
    }
}

/// Checks a configuration; throws a `ConfigError` listing every problem with its path.
#[napi]
pub fn validate_config(config: ConfigSource) -> napi::Result<()> {
    guard(|| config.load().map(drop))
}

/// Loads and validates a configuration and returns it with every default filled in.
#[napi]
pub fn load_config(config: ConfigSource) -> napi::Result<Value> {
    let loaded = guard(|| config.load())?;
    to_value(&loaded)
}

/// The JSON Schema of the configuration (what `docs/config.schema.json` holds).
#[napi]
pub fn config_schema() -> Value {
    okta_sync_core::config::json_schema()
}

/// Maps one user (Okta's JSON shape, as text) with the named mapping's field map.
#[napi]
pub fn map_user(config: ConfigSource, mapping: String, user_json: String) -> napi::Result<Value> {
    let mapped = guard(|| {
        let config = config.load()?;
        let user = user_from_json(&user_json)?;
        let compiled = CompiledMapping::new(find_mapping(&config, &mapping)?.fields())?;
        Ok(compiled.map(&user))
    })?;
    to_value(&mapped)
}

/// Says whether the named mapping admits a user, and why, filter kind by filter kind.
/// `groups` are the groups (names or ids, as written in the configuration) the user is in.
#[napi]
pub fn explain(
    config: ConfigSource,
    mapping: String,
    user_json: String,
    groups: Vec<String>,
) -> napi::Result<Value> {
    let explanation = guard(|| {
        let config = config.load()?;
        let user = user_from_json(&user_json)?;
        let evaluator = FilterEvaluator::for_mapping(find_mapping(&config, &mapping)?);
        Ok(evaluator.explain(&user, &GroupList(groups.into_iter().collect())))
    })?;
    to_value(&explanation)
}

fn user_from_json(json: &str) -> Result<DirectoryUser> {
    decode_user(json.as_bytes(), "user")
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

/// Parses JSON text given by JavaScript, naming the path of a problem.
pub fn parse_json(json: &str, what: &str) -> Result<Value> {
    decode(json, what)
}

/// Decodes JSON text given by JavaScript into a core type, naming the path of a problem.
pub fn decode<T: serde::de::DeserializeOwned>(json: &str, what: &str) -> Result<T> {
    let de = &mut serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize(de).map_err(|e| Error::decode(what, e))
}

/// Serializes a core value for JavaScript.
pub fn to_value<T: Serialize>(value: &T) -> napi::Result<Value> {
    serde_json::to_value(value).map_err(internal)
}

/// Serializes a core value as JSON text, for the large ones (plans, reports).
pub fn to_json<T: Serialize>(value: &T) -> napi::Result<String> {
    serde_json::to_string(value).map_err(internal)
}

/// The groups one user is in, as the caller listed them.
struct GroupList(BTreeSet<String>);

impl Memberships for GroupList {
    fn is_member(&self, _user_id: &str, group_ref: &str) -> bool {
        self.0.contains(group_ref)
    }
}
