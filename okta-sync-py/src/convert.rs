//! Conversions between Python values and the core's serde types.
//!
//! Python → core goes through `serde_json::Value` and `serde_path_to_error`, so a bad value
//! is reported with its JSON path (`users[3].status`), exactly like bad JSON would be. The
//! conversion to `Value` is strict, one Python type for one JSON type (see [`to_json`]), so
//! that a dict is refused wherever the same data as JSON text is: `"false"` or `1` is never
//! taken for a boolean, `True` never for a number.
//! Core → Python goes through `pythonize`, giving plain dicts and lists.

use std::fmt::Write as _;
use std::path::PathBuf;

use okta_sync_core::config::SyncConfig;
use okta_sync_core::{Error, Result};
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMapping, PySequence, PyString,
    PyTuple,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

/// How deep values may nest, as in `serde_json`'s parser (which refuses deeper JSON text).
/// Also stops a dict or list that contains itself.
const MAX_DEPTH: usize = 128;

/// A Python value as JSON, mapping each Python type onto exactly one JSON type:
///
/// | Python | JSON |
/// |---|---|
/// | `None` | `null` |
/// | `bool` | `true` / `false` |
/// | `int` (not `bool`), within 64 bits | integer |
/// | `float`, finite | number |
/// | `str` | string |
/// | `dict` or other mapping with `str` keys | object |
/// | `list`, `tuple` or other sequence (not `str` / `bytes`) | array |
///
/// Anything else (bytes, sets, NaN, objects, keys that are not `str`, nesting deeper than
/// 128) fails, naming `what` and the path of the value. The types that decode the result
/// then see exactly what they would see in JSON text, so they refuse the same things.
pub fn to_json(value: &Bound<'_, PyAny>, what: &str) -> Result<Value> {
    convert(value, 0).map_err(|failure| failure.into_error(what, None))
}

/// [`to_json`] for a value found under `key` of a larger input: paths in errors start with
/// `key` (`directory.users[2].id`), as they would when decoding the whole input as JSON.
pub fn to_json_at(value: &Bound<'_, PyAny>, what: &str, key: &str) -> Result<Value> {
    convert(value, 0).map_err(|failure| failure.into_error(what, Some(key)))
}

/// Decodes a JSON-compatible Python value into a core type, naming the path of a problem.
pub fn from_py<T: DeserializeOwned>(value: &Bound<'_, PyAny>, what: &str) -> Result<T> {
    from_json(to_json(value, what)?, what)
}

/// Decodes a JSON value into a core type, naming the path of a problem.
///
/// The plain decoder runs first; only when it fails is the value decoded again with path
/// tracking (as `OfflineInput::from_json` does with text), which costs a large share of
/// the decode on big inputs and is only needed to say where the problem is.
pub fn from_json<T: DeserializeOwned>(value: Value, what: &str) -> Result<T> {
    T::deserialize(&value)
        .or_else(|_| serde_path_to_error::deserialize(value).map_err(|e| Error::decode(what, e)))
}

/// One step of the path to a value that did not convert.
enum Step {
    Key(String),
    Index(usize),
}

/// Why a value did not convert, and where: the steps are collected innermost first while
/// the conversion unwinds, so a successful conversion never builds a path.
struct Failure {
    message: String,
    steps: Vec<Step>,
}

impl Failure {
    fn new(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            steps: Vec::new(),
        }
    }

    fn at(mut self, step: Step) -> Self {
        self.steps.push(step);
        self
    }

    /// The error, with the path written the way `serde_path_to_error` writes it
    /// (`users[3].profile.email`, `.` for the value itself).
    fn into_error(self, what: &str, key: Option<&str>) -> Error {
        let mut path = String::new();
        let keys = key.map(|k| Step::Key(k.to_string()));
        for step in keys.iter().chain(self.steps.iter().rev()) {
            match step {
                Step::Key(key) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                }
                Step::Index(index) => {
                    let _ = write!(path, "[{index}]");
                }
            }
        }
        Error::Decode {
            what: what.to_string(),
            path: if path.is_empty() { ".".into() } else { path },
            message: self.message,
        }
    }
}

fn convert(obj: &Bound<'_, PyAny>, depth: usize) -> std::result::Result<Value, Failure> {
    if depth > MAX_DEPTH {
        return Err(Failure::new(format!(
            "nested more than {MAX_DEPTH} levels deep (or contains itself)"
        )));
    }
    // `bool` before `int`: in Python, `True` is also an `int`.
    if obj.is_none() {
        Ok(Value::Null)
    } else if let Ok(b) = obj.cast::<PyBool>() {
        Ok(Value::Bool(b.is_true()))
    } else if let Ok(s) = obj.cast::<PyString>() {
        Ok(Value::String(py_str(s)?))
    } else if let Ok(int) = obj.cast::<PyInt>() {
        if let Ok(i) = int.extract::<i64>() {
            Ok(Value::from(i))
        } else if let Ok(u) = int.extract::<u64>() {
            Ok(Value::from(u))
        } else {
            Err(Failure::new(format!(
                "integer {int} is out of range (JSON integers here are 64-bit)"
            )))
        }
    } else if let Ok(float) = obj.cast::<PyFloat>() {
        Number::from_f64(float.value())
            .map(Value::Number)
            .ok_or_else(|| Failure::new(format!("float {float} is not a JSON number")))
    } else if let Ok(dict) = obj.cast::<PyDict>() {
        let mut map = Map::with_capacity(dict.len());
        for (key, value) in dict.iter() {
            insert(&mut map, &key, &value, depth)?;
        }
        Ok(Value::Object(map))
    } else if let Ok(list) = obj.cast::<PyList>() {
        let mut items = Vec::with_capacity(list.len());
        for (index, item) in list.iter().enumerate() {
            items.push(convert(&item, depth + 1).map_err(|f| f.at(Step::Index(index)))?);
        }
        Ok(Value::Array(items))
    } else if let Ok(tuple) = obj.cast::<PyTuple>() {
        let mut items = Vec::with_capacity(tuple.len());
        for (index, item) in tuple.iter().enumerate() {
            items.push(convert(&item, depth + 1).map_err(|f| f.at(Step::Index(index)))?);
        }
        Ok(Value::Array(items))
    } else if obj.is_instance_of::<PyBytes>() || obj.is_instance_of::<PyByteArray>() {
        Err(unsupported(obj))
    } else if let Ok(mapping) = obj.cast::<PyMapping>() {
        let items = mapping.items().map_err(python_failure)?;
        let mut map = Map::with_capacity(items.len());
        for pair in items.iter() {
            let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) =
                pair.extract().map_err(python_failure)?;
            insert(&mut map, &key, &value, depth)?;
        }
        Ok(Value::Object(map))
    } else if let Ok(seq) = obj.cast::<PySequence>() {
        let mut items = Vec::new();
        for (index, item) in seq.try_iter().map_err(python_failure)?.enumerate() {
            let item = item.map_err(|e| python_failure(e).at(Step::Index(index)))?;
            items.push(convert(&item, depth + 1).map_err(|f| f.at(Step::Index(index)))?);
        }
        Ok(Value::Array(items))
    } else {
        Err(unsupported(obj))
    }
}

/// Adds one entry of a mapping, whose key must be a `str` (as JSON object keys are).
fn insert(
    map: &mut Map<String, Value>,
    key: &Bound<'_, PyAny>,
    value: &Bound<'_, PyAny>,
    depth: usize,
) -> std::result::Result<(), Failure> {
    let Ok(key) = key.cast::<PyString>() else {
        let shown = key.repr().map(|r| r.to_string()).unwrap_or_default();
        return Err(Failure::new(format!(
            "key {shown} is a {}, but keys must be str",
            type_name(key)
        )));
    };
    let key = py_str(key)?;
    match convert(value, depth + 1) {
        Ok(value) => {
            map.insert(key, value);
            Ok(())
        }
        Err(failure) => Err(failure.at(Step::Key(key))),
    }
}

fn py_str(s: &Bound<'_, PyString>) -> std::result::Result<String, Failure> {
    s.to_cow()
        .map(|s| s.into_owned())
        .map_err(|e| Failure::new(format!("invalid str: {e}")))
}

fn unsupported(obj: &Bound<'_, PyAny>) -> Failure {
    Failure::new(format!(
        "unsupported type {}: expected dict, list, tuple, str, int, float, bool or None",
        type_name(obj)
    ))
}

fn python_failure(err: PyErr) -> Failure {
    Failure::new(err.to_string())
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
