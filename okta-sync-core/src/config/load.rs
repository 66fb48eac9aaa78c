//! Loading a configuration from YAML, TOML or JSON.
//!
//! Every format is first parsed into a JSON value (a syntax error, or a key repeated in one
//! map, is reported with the parser's line and column), then decoded into [`SyncConfig`] with
//! [`serde_path_to_error`], so that a value of the wrong shape is reported with its path
//! in the configuration (`mappings[1].fields[0].transforms[2]`). A decoded configuration
//! is then validated, so every loader returns either a usable configuration or every
//! problem at once.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::unique;
use super::{AssetPandaConfig, LoginMapping, RecordMapping, SyncConfig};
use crate::error::ConfigProblem;
use crate::{Error, Result};

/// The syntax a configuration is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigFormat {
    /// YAML (`.yaml`, `.yml`).
    Yaml,
    /// TOML (`.toml`).
    Toml,
    /// JSON (`.json`).
    Json,
}

impl ConfigFormat {
    /// The format a file name's extension stands for, if any.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "yaml" | "yml" => Some(ConfigFormat::Yaml),
            "toml" => Some(ConfigFormat::Toml),
            "json" => Some(ConfigFormat::Json),
            _ => None,
        }
    }
}

const INLINE: &str = "<inline>";

impl SyncConfig {
    /// Reads, decodes and validates a configuration file; the format comes from the
    /// extension (`.yaml`, `.yml`, `.toml`, `.json`).
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let source_name = path.display().to_string();
        let syntax = |message: String| Error::ConfigSyntax {
            source_name: source_name.clone(),
            message,
        };
        let format = ConfigFormat::from_path(path).ok_or_else(|| {
            syntax("unknown configuration format; use a .yaml, .yml, .toml or .json file".into())
        })?;
        let text = std::fs::read_to_string(path)
            .map_err(|e| syntax(format!("cannot read the file: {e}")))?;
        Self::parse_named(&text, format, &source_name)
    }

    /// Decodes and validates a configuration held in memory.
    pub fn from_str(text: &str, format: ConfigFormat) -> Result<Self> {
        Self::parse_named(text, format, INLINE)
    }

    /// Decodes and validates a configuration given as a JSON value (from the Python or
    /// Node bindings, or a settings screen).
    pub fn from_json_value(value: Value) -> Result<Self> {
        let config = decode(&value)?;
        config.validate()?;
        Ok(config)
    }

    fn parse_named(text: &str, format: ConfigFormat, source_name: &str) -> Result<Self> {
        let value = parse_value(text, format).map_err(|message| Error::ConfigSyntax {
            source_name: source_name.to_string(),
            message,
        })?;
        Self::from_json_value(value)
    }
}

/// Parses text into a JSON value, or returns the parser's message. A key repeated in the
/// same map is refused in every format (TOML's parser does so itself).
fn parse_value(text: &str, format: ConfigFormat) -> Result<Value, String> {
    match format {
        ConfigFormat::Json => unique::json(text),
        ConfigFormat::Yaml => {
            let value = unique::yaml(text)?;
            // An empty YAML document is `null`; say so rather than "expected a map".
            if value.is_null() {
                return Err("the document is empty".into());
            }
            Ok(value)
        }
        ConfigFormat::Toml => toml::from_str(text).map_err(|e| toml_message(text, &e)),
    }
}

/// The TOML parser's message with its line and column, without the source excerpt that its
/// `Display` adds: that excerpt would print a token pasted (unquoted) into the file.
fn toml_message(text: &str, err: &toml::de::Error) -> String {
    let message = err.message().trim();
    match err.span() {
        Some(span) => {
            let before = text.get(..span.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            format!("{message} at line {line} column {column}")
        }
        None => message.to_string(),
    }
}

/// Decodes a JSON value into a configuration, naming the path of a shape error.
fn decode(value: &Value) -> Result<SyncConfig> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let message = err.into_inner().to_string();
        let mut problem = refine(value, &path).unwrap_or(ConfigProblem { path, message });
        if is_secret_path(&problem.path) {
            // serde quotes the offending value ("unknown variant `00T...`"), which here
            // may be a token pasted inline.
            problem.message = SECRET_SHAPE.into();
        }
        Error::Config {
            problems: vec![problem],
        }
    })
}

const SECRET_SHAPE: &str = "must say where the secret comes from: `{env: NAME}`, \
                            `{file: PATH}` or `{provider: NAME}`; the secret itself never goes \
                            in the configuration";

/// Paths whose values are secret references, where a mistake may be a pasted secret.
fn is_secret_path(path: &str) -> bool {
    [
        "okta.token",
        "target.access_key_id",
        "target.access_key_secret",
    ]
    .iter()
    .any(|p| {
        path == *p
            || path
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

/// Mappings and the target are internally tagged enums (`kind: login`), which serde
/// buffers before decoding, so the path of a problem inside them stops at the element.
/// Decoding the element again as its variant's own struct recovers the full path.
fn refine(value: &Value, path: &str) -> Option<ConfigProblem> {
    if let Some(index) = path
        .strip_prefix("mappings[")
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|i| i.parse::<usize>().ok())
    {
        let element = value.get("mappings")?.get(index)?;
        let prefix = format!("mappings[{index}]");
        return match element.get("kind")?.as_str()? {
            "login" => variant_problem::<LoginMapping>(element, &prefix),
            "record" => variant_problem::<RecordMapping>(element, &prefix),
            _ => None,
        };
    }
    if path == "target" {
        let element = value.get("target")?;
        if element.get("kind")?.as_str()? == "assetpanda" {
            return variant_problem::<AssetPandaConfig>(element, "target");
        }
    }
    None
}

fn variant_problem<T: DeserializeOwned>(element: &Value, prefix: &str) -> Option<ConfigProblem> {
    let mut body = element.as_object()?.clone();
    body.remove("kind");
    let body = Value::Object(body);
    let err = serde_path_to_error::deserialize::<_, T>(&body).err()?;
    // An empty path displays as `.`.
    let inner = err.path().to_string();
    Some(ConfigProblem {
        path: if inner == "." {
            prefix.to_string()
        } else {
            format!("{prefix}.{inner}")
        },
        message: err.into_inner().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_from_extension() {
        let f = |p: &str| ConfigFormat::from_path(Path::new(p));
        assert_eq!(f("a/sync.YAML"), Some(ConfigFormat::Yaml));
        assert_eq!(f("sync.yml"), Some(ConfigFormat::Yaml));
        assert_eq!(f("sync.toml"), Some(ConfigFormat::Toml));
        assert_eq!(f("sync.json"), Some(ConfigFormat::Json));
        assert_eq!(f("sync.ini"), None);
        assert_eq!(f("sync"), None);
    }

    #[test]
    fn syntax_errors_are_config_syntax() {
        let err = SyncConfig::from_str("okta: [", ConfigFormat::Yaml).unwrap_err();
        assert!(matches!(err, Error::ConfigSyntax { .. }), "{err:?}");
        let err = SyncConfig::from_str("", ConfigFormat::Yaml).unwrap_err();
        assert!(err.to_string().contains("the document is empty"), "{err}");
        let err = SyncConfig::from_str("{", ConfigFormat::Json).unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
        let err = SyncConfig::from_str("a = ", ConfigFormat::Toml).unwrap_err();
        assert_eq!(err.code(), "CONFIG_SYNTAX");
    }
}
