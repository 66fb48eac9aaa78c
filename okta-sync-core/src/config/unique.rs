//! Parsing YAML and JSON into a JSON value that refuses duplicate keys.
//!
//! `serde_json::Value` keeps the last of two equal keys, and neither serde_json nor
//! serde_yaml_ng offers an option against it when the result is a `serde_json::Value`. A
//! silently repeated key can loosen a setting without anyone noticing
//! (`max_deactivate_share: 0.10` followed by `max_deactivate_share: 0.9`), so the
//! configuration text is parsed through [`UniqueKeys`], which builds the same value and
//! fails on the second occurrence of a key, naming the key's path.

use std::cell::RefCell;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Builds a [`Value`] from any self-describing format, failing on a repeated key. `path` is
/// where the value sits in the document (`""` for the root), in the same notation as
/// decode errors (`mappings[1].filters`); the path of a repeated key is left in
/// `duplicate`, because serde_yaml_ng prefixes errors with a path of its own that stops at
/// the enclosing map.
struct UniqueKeys<'a> {
    path: &'a str,
    duplicate: &'a RefCell<Option<String>>,
}

impl<'a> UniqueKeys<'a> {
    fn at(&self, path: &'a str) -> Self {
        UniqueKeys {
            path,
            duplicate: self.duplicate,
        }
    }
}

impl<'de> DeserializeSeed<'de> for UniqueKeys<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

fn child_key(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

impl<'de> Visitor<'de> for UniqueKeys<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        // As serde_json's own value does: what fits 64 bits is an integer.
        Value::deserialize(de::value::I128Deserializer::<E>::new(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        Value::deserialize(de::value::U128Deserializer::<E>::new(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        loop {
            let path = format!("{}[{}]", self.path, items.len());
            match seq.next_element_seed(self.at(&path))? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = child_key(self.path, &key);
            if object.contains_key(&key) {
                *self.duplicate.borrow_mut() = Some(path);
                return Err(de::Error::custom(DUPLICATE));
            }
            let value = map.next_value_seed(self.at(&path))?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

const DUPLICATE: &str = "duplicate key; each key may appear only once";

/// The message for a repeated key at `path`, with where the parser was when it saw it.
fn duplicate_message(path: &str, at: Option<String>) -> String {
    match at {
        Some(at) => format!("{path}: {DUPLICATE} ({at})"),
        None => format!("{path}: {DUPLICATE}"),
    }
}

/// Parses JSON text, refusing a repeated key; an error is the parser's message.
pub(crate) fn json(text: &str) -> Result<Value, String> {
    let duplicate = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = UniqueKeys {
        path: "",
        duplicate: &duplicate,
    }
    .deserialize(&mut de)
    .and_then(|value| de.end().map(|()| value));
    parsed.map_err(|e| match duplicate.take() {
        // serde_json stands just after the repeated key.
        Some(path) => duplicate_message(
            &path,
            Some(format!("line {} column {}", e.line(), e.column())),
        ),
        None => e.to_string(),
    })
}

/// Parses one YAML document, refusing a repeated key; an error is the parser's message.
pub(crate) fn yaml(text: &str) -> Result<Value, String> {
    let duplicate = RefCell::new(None);
    let parsed = UniqueKeys {
        path: "",
        duplicate: &duplicate,
    }
    .deserialize(serde_yaml_ng::Deserializer::from_str(text));
    parsed.map_err(|e| match duplicate.take() {
        // serde_yaml_ng gives the start of the map that holds the repeated key.
        Some(path) => duplicate_message(
            &path,
            e.location()
                .map(|l| format!("in the map at line {} column {}", l.line(), l.column())),
        ),
        None => e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn same_value_as_serde_json_without_duplicates() {
        let text = r#"{"a": [1, -2, 3.5, 18446744073709551615, true, null, "x"],
                       "b": {"c": {}, "d": []}, "e": 1e400}"#;
        // 1e400 overflows: serde_json itself refuses it, and so must this parser.
        assert!(serde_json::from_str::<Value>(text).is_err());
        assert!(json(text).is_err());
        let text = text.replace("1e400", "1e300");
        let want: Value = serde_json::from_str(&text).unwrap();
        let got = json(&text).unwrap();
        assert_eq!(got, want);
        // Key order is kept (the `preserve_order` feature).
        let keys: Vec<_> = got.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["a", "b", "e"]);
    }

    #[test]
    fn same_value_as_serde_yaml_without_duplicates() {
        let text =
            "a: [1, -2, 3.5, true, ~, x, '7']\nb:\n  c: {}\n  d: []\n  e: |\n    two\n    lines\n";
        let want: Value = serde_yaml_ng::from_str(text).unwrap();
        assert_eq!(yaml(text).unwrap(), want);
        assert_eq!(
            want,
            json!({"a": [1, -2, 3.5, true, null, "x", "7"],
                   "b": {"c": {}, "d": [], "e": "two\nlines\n"}})
        );
    }

    #[test]
    fn a_repeated_key_is_refused_with_its_path() {
        let err = json(r#"{"safety": {"max_deactivate_share": 0.1, "max_deactivate_share": 0.9}}"#)
            .unwrap_err();
        assert!(
            err.starts_with(
                "safety.max_deactivate_share: duplicate key; each key may appear only once"
            ),
            "{err}"
        );
        let err =
            yaml("okta: {}\nmappings:\n  - name: a\n  - name: b\n    fields: []\n    name: c\n")
                .unwrap_err();
        assert!(
            err.starts_with("mappings[1].name: duplicate key; each key may appear only once"),
            "{err}"
        );
        let err = yaml("a: 1\na: 1\n").unwrap_err();
        assert!(err.starts_with("a: duplicate key"), "{err}");
        // Equal keys in different maps are fine.
        yaml("a: {x: 1}\nb: {x: 1}\nc: [{x: 1}, {x: 2}]\n").unwrap();
    }
}
