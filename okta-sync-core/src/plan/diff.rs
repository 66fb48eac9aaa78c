//! Field-level differences between what the mapping produces and what the target holds.

use serde_json::Value;

use super::types::FieldChange;
use crate::target::Fields;

/// True when two field values mean the same thing to the target.
///
/// Targets return every value as text and an empty field as `""` or not at all, while the
/// mapping may produce numbers, booleans or nothing. Treating those as equal avoids an
/// update on every run that would change nothing.
pub(crate) fn same_value(a: &Value, b: &Value) -> bool {
    fn empty(v: &Value) -> bool {
        match v {
            Value::Null => true,
            Value::String(s) => s.is_empty(),
            _ => false,
        }
    }
    if empty(a) || empty(b) {
        return empty(a) && empty(b);
    }
    match (a, b) {
        (Value::String(s), Value::Number(n)) | (Value::Number(n), Value::String(s)) => {
            *s == n.to_string()
        }
        (Value::String(s), Value::Bool(x)) | (Value::Bool(x), Value::String(s)) => {
            *s == x.to_string()
        }
        _ => a == b,
    }
}

/// The changes that turn `current` into `desired` over `fields` (sorted, each once).
///
/// With `current` unknown (the target was not read for this entry), every field is
/// written and marked `before_unknown`.
pub(crate) fn diff_fields<'f>(
    desired: &Fields,
    current: Option<&Fields>,
    fields: impl IntoIterator<Item = &'f str>,
) -> Vec<FieldChange> {
    let mut names: Vec<&str> = fields.into_iter().collect();
    names.sort_unstable();
    names.dedup();
    let mut changes = Vec::new();
    let null = Value::Null;
    for name in names {
        let want = desired.get(name).unwrap_or(&null);
        match current {
            Some(current) => {
                let have = current.get(name).unwrap_or(&null);
                if !same_value(want, have) {
                    changes.push(FieldChange {
                        field: name.to_string(),
                        before: have.clone(),
                        before_unknown: false,
                        after: want.clone(),
                    });
                }
            }
            None => changes.push(FieldChange {
                field: name.to_string(),
                before: Value::Null,
                before_unknown: true,
                after: want.clone(),
            }),
        }
    }
    changes
}

/// The changed values as a target write expects them.
pub(crate) fn changes_to_fields(changes: &[FieldChange]) -> Fields {
    changes
        .iter()
        .map(|c| (c.field.clone(), c.after.clone()))
        .collect()
}

/// "Department, Title" for reasons.
pub(crate) fn changed_names(changes: &[FieldChange]) -> String {
    changes
        .iter()
        .map(|c| c.field.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn empty_text_and_null_are_the_same_value() {
        assert!(same_value(&json!(null), &json!("")));
        assert!(same_value(&json!(42), &json!("42")));
        assert!(same_value(&json!("42"), &json!(42)));
        assert!(same_value(&json!(true), &json!("true")));
        assert!(!same_value(&json!("Sales"), &json!("sales")));
        assert!(!same_value(&json!(null), &json!("x")));
    }

    #[test]
    fn diff_lists_only_changed_fields_in_name_order() {
        let desired: Fields = [("B", json!("2")), ("A", json!("1")), ("C", json!(null))]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let current: Fields = [("A", json!("1")), ("B", json!("old")), ("C", json!("gone"))]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let changes = diff_fields(&desired, Some(&current), ["C", "B", "A", "B"]);
        assert_eq!(changed_names(&changes), "B, C");
        assert_eq!(changes[1].after, json!(null));
        assert_eq!(changes[1].before, json!("gone"));

        let blind = diff_fields(&desired, None, ["A"]);
        assert!(blind[0].before_unknown);
    }
}
