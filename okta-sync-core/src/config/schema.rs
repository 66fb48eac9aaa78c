//! The JSON Schema of the configuration, generated from the serde model.
//!
//! `docs/config.schema.json` is this schema, committed so that editors can validate
//! configuration files; a test fails when the two differ.

use super::SyncConfig;

/// The JSON Schema (draft 2020-12) of [`SyncConfig`].
pub fn json_schema() -> serde_json::Value {
    schemars::schema_for!(SyncConfig).to_value()
}
