//! Value transforms, compiled once: date patterns are parsed and lookup tables hashed at
//! configuration time, so a bad pattern is a configuration error rather than a per-user one.

use std::borrow::Cow;
use std::fmt::Write as _;

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, NaiveDate, Utc};
use rustc_hash::FxHashMap;

use crate::config::Transform;

use super::value::Val;

/// A transform ready to apply.
#[derive(Debug, Clone)]
pub(crate) enum CompiledTransform {
    Trim,
    Lower,
    Upper,
    Default(String),
    Lookup {
        table: FxHashMap<String, String>,
        otherwise: Option<String>,
    },
    DateFormat {
        pattern: String,
        items: Vec<Item<'static>>,
        /// Whether the pattern only uses date specifiers, so that a bare `YYYY-MM-DD`
        /// can be formatted without inventing a time of day.
        date_only: bool,
    },
}

impl CompiledTransform {
    /// Compiles a configured transform; the error says what is wrong with it.
    pub(crate) fn compile(t: &Transform) -> Result<Self, String> {
        Ok(match t {
            Transform::Trim => CompiledTransform::Trim,
            Transform::Lower => CompiledTransform::Lower,
            Transform::Upper => CompiledTransform::Upper,
            Transform::Default(v) => CompiledTransform::Default(v.clone()),
            Transform::Lookup { table, otherwise } => CompiledTransform::Lookup {
                table: table.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                otherwise: otherwise.clone(),
            },
            Transform::DateFormat(pattern) => compile_date_format(pattern)?,
        })
    }

    /// Applies the transform. `Err` is a per-user problem (a value of the wrong type).
    pub(crate) fn apply<'a>(&'a self, val: Val<'a>) -> Result<Val<'a>, String> {
        match self {
            CompiledTransform::Trim => map_text(val, "trim", |s| match s {
                Cow::Borrowed(b) => Cow::Borrowed(b.trim()),
                Cow::Owned(o) if o.trim().len() == o.len() => Cow::Owned(o),
                Cow::Owned(o) => Cow::Owned(o.trim().to_string()),
            }),
            CompiledTransform::Lower => map_text(val, "lower", |s| {
                if s.chars().any(char::is_uppercase) {
                    Cow::Owned(s.to_lowercase())
                } else {
                    s
                }
            }),
            CompiledTransform::Upper => map_text(val, "upper", |s| {
                if s.chars().any(char::is_lowercase) {
                    Cow::Owned(s.to_uppercase())
                } else {
                    s
                }
            }),
            CompiledTransform::Default(d) if val.is_blank() => Ok(Val::Str(Cow::Borrowed(d))),
            CompiledTransform::Default(_) => Ok(val),
            CompiledTransform::Lookup { table, otherwise } => {
                let key = match val.text() {
                    Ok(Some(key)) => key,
                    Ok(None) => return Ok(Val::Missing),
                    Err(kind) => return Err(format!("is {kind}, which `lookup` cannot match")),
                };
                match table.get(key.as_ref()).or(otherwise.as_ref()) {
                    Some(hit) => Ok(Val::Str(Cow::Borrowed(hit))),
                    None => {
                        drop(key);
                        Ok(val)
                    }
                }
            }
            CompiledTransform::DateFormat {
                pattern,
                items,
                date_only,
            } => format_date(val, pattern, items, *date_only),
        }
    }
}

fn map_text<'a>(
    val: Val<'a>,
    name: &str,
    f: impl FnOnce(Cow<'a, str>) -> Cow<'a, str>,
) -> Result<Val<'a>, String> {
    match val.into_text() {
        Ok(Some(s)) => Ok(Val::Str(f(s))),
        Ok(None) => Ok(Val::Missing),
        Err(kind) => Err(format!("is {kind}, which `{name}` cannot apply to")),
    }
}

fn compile_date_format(pattern: &str) -> Result<CompiledTransform, String> {
    if pattern.is_empty() {
        return Err("`date_format` needs a pattern, for example `%Y-%m-%d`".into());
    }
    let items = StrftimeItems::new(pattern).parse_to_owned().map_err(|_| {
        format!("`date_format` pattern `{pattern}` is not a valid strftime pattern")
    })?;
    // Probe once with a full timestamp: a pattern chrono accepts can still fail to format
    // (for example `%+` needs an offset, which every UTC timestamp has, so this passes).
    let probe = DateTime::<Utc>::UNIX_EPOCH;
    let mut out = String::new();
    write!(out, "{}", probe.format_with_items(items.iter()))
        .map_err(|_| format!("`date_format` pattern `{pattern}` cannot format a timestamp"))?;
    let date_only = {
        let date = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
        let mut out = String::new();
        write!(out, "{}", date.format_with_items(items.iter())).is_ok()
    };
    Ok(CompiledTransform::DateFormat {
        pattern: pattern.to_string(),
        items,
        date_only,
    })
}

fn format_date<'a>(
    val: Val<'a>,
    pattern: &str,
    items: &[Item<'static>],
    date_only: bool,
) -> Result<Val<'a>, String> {
    enum Parsed {
        At(DateTime<Utc>),
        Day(NaiveDate),
    }
    let parsed = match &val {
        Val::Missing => return Ok(Val::Missing),
        Val::Time(t) => Parsed::At(*t),
        Val::Str(s) => {
            let s = s.trim();
            if let Ok(t) = DateTime::parse_from_rfc3339(s) {
                Parsed::At(t.with_timezone(&Utc))
            } else if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Parsed::Day(d)
            } else {
                return Err("is not an RFC 3339 timestamp or a YYYY-MM-DD date, which \
                            `date_format` needs"
                    .into());
            }
        }
        Val::Json(_) => {
            return Err("is not text, so `date_format` cannot read it as a date".into());
        }
    };
    let mut out = String::new();
    let written = match parsed {
        Parsed::At(t) => write!(out, "{}", t.format_with_items(items.iter())),
        Parsed::Day(d) if date_only => write!(out, "{}", d.format_with_items(items.iter())),
        Parsed::Day(_) => {
            return Err(format!(
                "is a date without a time, but `date_format` pattern `{pattern}` needs one"
            ));
        }
    };
    written.map_err(|_| format!("cannot be formatted with `{pattern}`"))?;
    Ok(Val::Str(Cow::Owned(out)))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;

    fn apply(t: Transform, val: Val<'_>) -> Result<serde_json::Value, String> {
        let c = CompiledTransform::compile(&t).unwrap();
        let out = c.apply(val)?;
        Ok(out
            .into_output()
            .unwrap()
            .unwrap_or(serde_json::Value::Null))
    }

    #[test]
    fn string_transforms() {
        assert_eq!(
            apply(Transform::Trim, Val::Str("  a b ".into())),
            Ok(json!("a b"))
        );
        assert_eq!(
            apply(Transform::Lower, Val::Str("ÅSA Q".into())),
            Ok(json!("åsa q"))
        );
        assert_eq!(
            apply(Transform::Upper, Val::Str("straße".into())),
            Ok(json!("STRASSE"))
        );
        // A string transform turns a number into text.
        let n = json!(12);
        assert_eq!(apply(Transform::Trim, Val::json(&n)), Ok(json!("12")));
        // Missing stays missing.
        assert_eq!(apply(Transform::Upper, Val::Missing), Ok(json!(null)));
        let arr = json!(["a"]);
        assert_eq!(
            apply(Transform::Lower, Val::json(&arr)),
            Err("is an array, which `lower` cannot apply to".into())
        );
    }

    #[test]
    fn default_replaces_missing_and_blank_only() {
        let d = || Transform::Default("n/a".into());
        assert_eq!(apply(d(), Val::Missing), Ok(json!("n/a")));
        assert_eq!(apply(d(), Val::Str("  ".into())), Ok(json!("n/a")));
        assert_eq!(apply(d(), Val::Str("x".into())), Ok(json!("x")));
        let f = json!(false);
        assert_eq!(apply(d(), Val::json(&f)), Ok(json!(false)));
    }

    #[test]
    fn lookup_with_and_without_otherwise() {
        let table: BTreeMap<String, String> = [("ACTIVE", "Active"), ("1", "one")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let plain = || Transform::Lookup {
            table: table.clone(),
            otherwise: None,
        };
        let other = || Transform::Lookup {
            table: table.clone(),
            otherwise: Some("Inactive".into()),
        };
        assert_eq!(
            apply(plain(), Val::Str("ACTIVE".into())),
            Ok(json!("Active"))
        );
        assert_eq!(
            apply(plain(), Val::Str("SUSPENDED".into())),
            Ok(json!("SUSPENDED"))
        );
        assert_eq!(
            apply(other(), Val::Str("SUSPENDED".into())),
            Ok(json!("Inactive"))
        );
        // Exact match: no case folding.
        assert_eq!(
            apply(plain(), Val::Str("active".into())),
            Ok(json!("active"))
        );
        // Numbers are looked up by their text; an unmatched number keeps its type.
        let one = json!(1);
        let two = json!(2);
        assert_eq!(apply(plain(), Val::json(&one)), Ok(json!("one")));
        assert_eq!(apply(plain(), Val::json(&two)), Ok(json!(2)));
        assert_eq!(apply(other(), Val::Missing), Ok(json!(null)));
    }

    #[test]
    fn date_format_of_timestamps_and_dates() {
        let t: DateTime<Utc> = "2024-03-01T23:30:00Z".parse().unwrap();
        let f = |p: &str| Transform::DateFormat(p.into());
        assert_eq!(apply(f("%d/%m/%Y"), Val::Time(t)), Ok(json!("01/03/2024")));
        assert_eq!(
            apply(
                f("%Y-%m-%d %H:%M"),
                Val::Str("2024-03-01T23:30:00-02:00".into())
            ),
            Ok(json!("2024-03-02 01:30"))
        );
        assert_eq!(
            apply(f("%b %e, %Y"), Val::Str("2023-12-05".into())),
            Ok(json!("Dec  5, 2023"))
        );
        assert_eq!(
            apply(f("%H:%M"), Val::Str("2023-12-05".into())),
            Err("is a date without a time, but `date_format` pattern `%H:%M` needs one".into())
        );
        assert!(
            apply(f("%Y"), Val::Str("yesterday".into()))
                .unwrap_err()
                .contains("RFC 3339")
        );
        let n = json!(20240101);
        assert!(
            apply(f("%Y"), Val::json(&n))
                .unwrap_err()
                .contains("not text")
        );
        assert_eq!(apply(f("%Y"), Val::Missing), Ok(json!(null)));
    }

    #[test]
    fn bad_date_patterns_fail_at_compile_time() {
        assert!(CompiledTransform::compile(&Transform::DateFormat("%Q".into())).is_err());
        assert!(CompiledTransform::compile(&Transform::DateFormat(String::new())).is_err());
        assert!(CompiledTransform::compile(&Transform::DateFormat("%Y-%m".into())).is_ok());
    }
}
