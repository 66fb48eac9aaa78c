//! The sync configuration: one serde model, loadable from YAML, TOML and JSON.
//!
//! The model is deliberately close to what an admin sets up in Asset Panda's Okta screen:
//! an Okta connection, an Asset Panda connection, one unique identifier, and a list of named
//! mappings of two kinds (`login` and `record`). Defaults are documented on each field and
//! in `docs/configuration.md`; the JSON Schema in `docs/config.schema.json` is generated
//! from these types and checked by a test.

mod load;
mod schema;
mod secret;
mod types;
mod unique;
mod validate;

pub use load::ConfigFormat;
pub use schema::json_schema;
pub use secret::{SecretProvider, SecretRef};
pub use types::*;
