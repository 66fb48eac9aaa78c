//! The value flowing through a field map, borrowed from the user wherever possible so
//! that mapping a million users allocates little beyond the output itself.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::model::time;

/// A value read from a user, before it becomes a target field value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val<'a> {
    /// Absent or `null`.
    Missing,
    /// Text.
    Str(Cow<'a, str>),
    /// A non-string, non-null JSON value (number, boolean, array or object).
    Json(&'a Value),
    /// A timestamp; written in Okta's format unless a transform reformats it.
    Time(DateTime<Utc>),
}

impl<'a> Val<'a> {
    /// Wraps a JSON value, folding `null` into `Missing` and strings into `Str`.
    pub(crate) fn json(value: &'a Value) -> Self {
        match value {
            Value::Null => Val::Missing,
            Value::String(s) => Val::Str(Cow::Borrowed(s)),
            other => Val::Json(other),
        }
    }

    /// Missing, or text that is empty after trimming: what `default` replaces and what
    /// `required` refuses.
    pub(crate) fn is_blank(&self) -> bool {
        match self {
            Val::Missing => true,
            Val::Str(s) => s.trim().is_empty(),
            Val::Json(_) | Val::Time(_) => false,
        }
    }

    /// The value as text, for string transforms and templates. Numbers and booleans are
    /// written as JSON writes them; arrays and objects have no text form (`Err` names the
    /// JSON type for the message). `Missing` is `Ok(None)`.
    pub(crate) fn text(&self) -> Result<Option<Cow<'_, str>>, &'static str> {
        match self {
            Val::Missing => Ok(None),
            Val::Str(s) => Ok(Some(Cow::Borrowed(s.as_ref()))),
            Val::Time(t) => Ok(Some(Cow::Owned(time::format(t)))),
            Val::Json(v) => scalar_text(v).map(|s| Some(Cow::Owned(s))),
        }
    }

    /// Converts into an owned text value (same rules as [`Val::text`]).
    pub(crate) fn into_text(self) -> Result<Option<Cow<'a, str>>, &'static str> {
        match self {
            Val::Missing => Ok(None),
            Val::Str(s) => Ok(Some(s)),
            Val::Time(t) => Ok(Some(Cow::Owned(time::format(&t)))),
            Val::Json(v) => scalar_text(v).map(|s| Some(Cow::Owned(s))),
        }
    }

    /// The target field value: `None` when missing, `Err` (the JSON type) when it is an
    /// array or object, which no target field can hold.
    pub(crate) fn into_output(self) -> Result<Option<Value>, &'static str> {
        match self {
            Val::Missing => Ok(None),
            Val::Str(s) => Ok(Some(Value::String(s.into_owned()))),
            Val::Time(t) => Ok(Some(Value::String(time::format(&t)))),
            Val::Json(v) => match v {
                Value::Array(_) => Err("an array"),
                Value::Object(_) => Err("an object"),
                scalar => Ok(Some(scalar.clone())),
            },
        }
    }
}

fn scalar_text(v: &Value) -> Result<String, &'static str> {
    match v {
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        Value::String(s) => Ok(s.clone()),
        Value::Array(_) => Err("an array"),
        Value::Object(_) => Err("an object"),
        Value::Null => Ok(String::new()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn null_is_missing_and_strings_are_borrowed() {
        assert_eq!(Val::json(&Value::Null), Val::Missing);
        let s = json!("x");
        assert!(matches!(Val::json(&s), Val::Str(Cow::Borrowed("x"))));
    }

    #[test]
    fn blank_means_missing_or_whitespace_text() {
        assert!(Val::Missing.is_blank());
        assert!(Val::Str(" \t".into()).is_blank());
        assert!(!Val::Str(" a ".into()).is_blank());
        let zero = json!(0);
        assert!(!Val::json(&zero).is_blank());
    }

    #[test]
    fn output_keeps_json_types_and_refuses_compounds() {
        let n = json!(42.5);
        let b = json!(true);
        let a = json!(["x"]);
        let o = json!({"a": 1});
        assert_eq!(Val::json(&n).into_output(), Ok(Some(json!(42.5))));
        assert_eq!(Val::json(&b).into_output(), Ok(Some(json!(true))));
        assert_eq!(Val::json(&a).into_output(), Err("an array"));
        assert_eq!(Val::json(&o).into_output(), Err("an object"));
        assert_eq!(Val::Missing.into_output(), Ok(None));
        let t: DateTime<Utc> = "2024-03-01T08:09:10Z".parse().unwrap();
        assert_eq!(
            Val::Time(t).into_output(),
            Ok(Some(json!("2024-03-01T08:09:10.000Z")))
        );
    }

    #[test]
    fn text_of_scalars() {
        let n = json!(7);
        assert_eq!(Val::json(&n).text().unwrap().as_deref(), Some("7"));
        let a = json!([1]);
        assert_eq!(Val::json(&a).text(), Err("an array"));
        assert_eq!(Val::Missing.text(), Ok(None));
    }
}
