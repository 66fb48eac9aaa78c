//! References to secrets. A configuration names where a secret lives, never the secret.

use std::fmt;

use schemars::JsonSchema;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Where a secret comes from. The value itself is never part of a configuration.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SecretRef {
    /// An environment variable, for example `{ env: OKTA_API_TOKEN }`.
    Env(String),
    /// A file whose contents (trimmed) are the secret, for example a mounted Kubernetes secret.
    File(String),
    /// A name resolved by a [`SecretProvider`] the embedding application registers
    /// (a vault, Asset Panda's own secret store).
    Provider(String),
}

impl fmt::Debug for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretRef({self})")
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretRef::Env(name) => write!(f, "env:{name}"),
            SecretRef::File(path) => write!(f, "file:{path}"),
            SecretRef::Provider(name) => write!(f, "provider:{name}"),
        }
    }
}

/// Resolves `provider:` secret references for an embedding application.
pub trait SecretProvider: Send + Sync + fmt::Debug {
    /// Returns the secret named `name`, or `None` if this provider does not know it.
    fn secret(&self, name: &str) -> Option<SecretString>;
}

impl SecretRef {
    /// Resolves the reference. The error names the reference, never a value.
    pub fn resolve(&self, provider: Option<&dyn SecretProvider>) -> Result<SecretString> {
        let fail = |reason: &str| Error::Secret {
            name: self.to_string(),
            reason: reason.to_string(),
        };
        match self {
            SecretRef::Env(name) => match std::env::var(name) {
                Ok(v) if !v.trim().is_empty() => Ok(SecretString::from(v.trim().to_string())),
                Ok(_) => Err(fail("the environment variable is empty")),
                Err(_) => Err(fail("the environment variable is not set")),
            },
            SecretRef::File(path) => match std::fs::read_to_string(path) {
                Ok(v) if !v.trim().is_empty() => Ok(SecretString::from(v.trim().to_string())),
                Ok(_) => Err(fail("the file is empty")),
                Err(e) => Err(fail(&format!("the file cannot be read ({})", e.kind()))),
            },
            SecretRef::Provider(name) => provider
                .ok_or_else(|| fail("no secret provider is registered"))?
                .secret(name)
                .ok_or_else(|| fail("the secret provider does not know this name")),
        }
    }
}
