//! `provider:` secret references resolved from a map the JavaScript caller passes in.

use std::collections::HashMap;
use std::fmt;

use okta_sync_core::config::SecretProvider;
use secrecy::SecretString;

/// Secrets by name, as given in `SyncEngine.create(config, { secrets })`. The core's
/// provider trait is synchronous, so the values are taken once at creation instead of
/// calling back into JavaScript.
pub struct MapSecrets {
    values: HashMap<String, SecretString>,
}

impl MapSecrets {
    /// Takes ownership of the values; they are never formatted again.
    pub fn new(values: HashMap<String, String>) -> Self {
        MapSecrets {
            values: values
                .into_iter()
                .map(|(k, v)| (k, SecretString::from(v)))
                .collect(),
        }
    }
}

impl fmt::Debug for MapSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<_> = self.values.keys().collect();
        names.sort();
        f.debug_struct("MapSecrets").field("names", &names).finish()
    }
}

impl SecretProvider for MapSecrets {
    fn secret(&self, name: &str) -> Option<SecretString> {
        self.values.get(name).cloned()
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn resolves_by_name_and_never_prints_values() {
        let secrets = MapSecrets::new(HashMap::from([("okta".into(), "s3cr3t-token".into())]));
        assert_eq!(
            secrets.secret("okta").unwrap().expose_secret(),
            "s3cr3t-token"
        );
        assert!(secrets.secret("other").is_none());
        let debug = format!("{secrets:?}");
        assert!(debug.contains("okta") && !debug.contains("s3cr3t"));
    }
}
