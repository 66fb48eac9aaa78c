//! Tolerant reading of Asset Panda Pro responses.
//!
//! The only public evidence for Pro response shapes is one client's parsing code, which
//! itself accepts bare arrays or arrays wrapped in `data`, `items` or `results`. So every
//! reader here tries the documented or observed shape first and then the plausible
//! wrappers, and says which shapes it looked for when none fits.

use serde_json::Value;

/// A JSON path tried when looking for a list.
type Path = &'static [&'static str];

fn at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

fn first_list<'a>(value: &'a Value, paths: &[Path]) -> Option<&'a Vec<Value>> {
    if let Value::Array(items) = value {
        return Some(items);
    }
    paths
        .iter()
        .find_map(|p| at(value, p).and_then(Value::as_array))
}

/// Where lists of accounts, modules, collections and roles may sit.
const LIST_PATHS: &[Path] = &[
    &["data"],
    &["items"],
    &["results"],
    &["data", "items"],
    &["data", "results"],
];

/// Where records of a search may sit (`data.records` is what the public client reads).
const RECORD_PATHS: &[Path] = &[
    &["data", "records"],
    &["records"],
    &["data", "items"],
    &["data", "results"],
    &["data"],
    &["items"],
    &["results"],
];

/// Where columns may sit (`data.columns.all` is what the public client reads).
const COLUMN_PATHS: &[Path] = &[
    &["data", "columns", "all"],
    &["data", "columns"],
    &["columns", "all"],
    &["columns"],
    &["data"],
    &["items"],
];

/// Where per-item results of a batch write may sit (`data.records[i]` for records).
const RESULT_PATHS: &[Path] = &[
    &["data", "records"],
    &["data", "users"],
    &["data", "results"],
    &["records"],
    &["users"],
    &["results"],
    &["data"],
];

/// Describes the shapes tried, for errors about an unexpected response.
pub(super) fn shapes(kind: &str) -> String {
    let paths: &[Path] = match kind {
        "records" => RECORD_PATHS,
        "columns" => COLUMN_PATHS,
        _ => LIST_PATHS,
    };
    let mut names: Vec<String> = vec!["a bare array".into()];
    if kind != "records" && kind != "columns" {
        names.push(kind.to_string());
        names.push(format!("data.{kind}"));
    }
    names.extend(paths.iter().map(|p| p.join(".")));
    names.join(", ")
}

/// A list of `kind` (`accounts`, `modules`, `collections`, `templates`): bare, under
/// `kind` or `data.kind`, or under a generic wrapper.
pub(super) fn named_list<'a>(value: &'a Value, kind: &str) -> Option<&'a Vec<Value>> {
    if let Value::Array(items) = value {
        return Some(items);
    }
    value
        .get(kind)
        .and_then(Value::as_array)
        .or_else(|| at(value, &["data", kind]).and_then(Value::as_array))
        .or_else(|| first_list(value, LIST_PATHS))
}

/// The records of a search response.
pub(super) fn records(value: &Value) -> Option<&Vec<Value>> {
    first_list(value, RECORD_PATHS)
}

/// The columns of a collection-columns response.
pub(super) fn columns(value: &Value) -> Option<&Vec<Value>> {
    first_list(value, COLUMN_PATHS)
}

/// The per-item results of a batch write, when the response has any.
pub(super) fn results(value: &Value) -> Option<&Vec<Value>> {
    first_list(value, RESULT_PATHS)
}

/// The first of `keys` holding a non-empty string or a number, as text.
pub(super) fn text_of(item: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match item.get(k)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// An item's id.
pub(super) fn id_of(item: &Value) -> Option<String> {
    text_of(item, &["id", "recordId", "_id", "uuid"])
}

/// An item's display name.
pub(super) fn name_of(item: &Value) -> Option<String> {
    text_of(
        item,
        &[
            "displayName",
            "name",
            "title",
            "roleName",
            "template_name",
            "label",
        ],
    )
}

/// Whether an item is flagged deleted (such items are invisible to the sync).
pub(super) fn is_deleted(item: &Value) -> bool {
    ["deleted", "isDeleted"]
        .iter()
        .any(|k| item.get(k).and_then(Value::as_bool) == Some(true))
}

/// A total count, when the response states one.
pub(super) fn total(value: &Value) -> Option<u64> {
    const TOTAL_PATHS: &[Path] = &[
        &["total"],
        &["totalCount"],
        &["data", "total"],
        &["data", "totalCount"],
        &["pagination", "total"],
        &["data", "pagination", "total"],
        &["meta", "total"],
    ];
    TOTAL_PATHS
        .iter()
        .find_map(|p| at(value, p).and_then(Value::as_u64))
}

/// Flattens an `errors` entry (a string, an object with `message`, or a map of field →
/// messages as in the classic API) into text.
fn error_text(entry: &Value) -> String {
    match entry {
        Value::String(s) => s.clone(),
        Value::Object(map) => {
            if let Some(m) = map.get("message").and_then(Value::as_str) {
                return m.to_string();
            }
            map.iter()
                .map(|(field, v)| match v {
                    Value::Array(msgs) => format!(
                        "{field}: {}",
                        msgs.iter().map(error_text).collect::<Vec<_>>().join(", ")
                    ),
                    other => format!("{field}: {}", error_text(other)),
                })
                .collect::<Vec<_>>()
                .join("; ")
        }
        Value::Array(items) => items.iter().map(error_text).collect::<Vec<_>>().join("; "),
        other => other.to_string(),
    }
}

/// The human message of an error body, if it has one.
pub(super) fn error_message(value: &Value) -> Option<String> {
    let direct = ["message", "error", "detail", "title"]
        .iter()
        .find_map(|k| match value.get(k)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            Value::Object(o) => o.get("message").and_then(Value::as_str).map(String::from),
            _ => None,
        });
    direct
        .or_else(|| {
            let errors = value.get("errors")?;
            let text = error_text(errors);
            (!text.is_empty()).then_some(text)
        })
        .or_else(|| value.get("data").and_then(error_message))
}

/// What Asset Panda said about one item of a batch write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ItemResult {
    /// Position in the request, from `index` or else the entry's position.
    pub index: usize,
    /// Whether the item was written.
    pub success: bool,
    /// Error messages, joined.
    pub errors: Vec<String>,
    /// The written item's id, when the response gives one.
    pub id: Option<String>,
}

/// Reads the per-item results of a batch write. `success` defaults to "no errors" when
/// the flag is absent; an entry with an `index` outside the request is ignored.
pub(super) fn item_results(value: &Value, sent: usize) -> Option<Vec<ItemResult>> {
    let entries = results(value)?;
    let mut out = Vec::new();
    for (position, entry) in entries.iter().enumerate() {
        if !entry.is_object() {
            continue;
        }
        let index = match entry.get("index").and_then(Value::as_u64) {
            Some(i) => i as usize,
            None => position,
        };
        if index >= sent {
            continue;
        }
        let errors: Vec<String> = match entry.get("errors").or_else(|| entry.get("error")) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.iter().map(error_text).collect(),
            Some(other) => vec![error_text(other)],
        };
        let success = entry
            .get("success")
            .and_then(Value::as_bool)
            .unwrap_or(errors.is_empty());
        let id = id_of(entry)
            .or_else(|| text_of(entry, &["userId"]))
            .or_else(|| entry.get("record").and_then(id_of))
            .or_else(|| entry.get("user").and_then(id_of));
        out.push(ItemResult {
            index,
            success,
            errors,
            id,
        });
    }
    Some(out)
}

/// What the response said about one record of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Reported {
    /// Written; with the id when the response gave one.
    Done(Option<String>),
    /// Refused, with Asset Panda's reasons.
    Failed(String),
    /// The response lists results but none for this record.
    Unreported,
}

/// Reads a batch response: per-item results when present; a top-level `success: false`
/// fails every item; a success status without per-item results means all were written.
pub(super) fn reported(response: &Value, sent: usize) -> Vec<Reported> {
    if response.get("success").and_then(Value::as_bool) == Some(false) {
        let why = error_message(response)
            .unwrap_or_else(|| "Asset Panda reported failure without a reason".into());
        return vec![Reported::Failed(why); sent];
    }
    let Some(results) = item_results(response, sent) else {
        return vec![Reported::Done(None); sent];
    };
    let mut out = vec![Reported::Unreported; sent];
    for result in results {
        out[result.index] = if result.success {
            Reported::Done(result.id)
        } else if result.errors.is_empty() {
            Reported::Failed("Asset Panda reported failure without a reason".into())
        } else {
            Reported::Failed(result.errors.join("; "))
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn lists_are_found_bare_or_wrapped() {
        let bare = json!([{"id": "a"}]);
        let data = json!({"data": [{"id": "a"}]});
        let named = json!({"data": {"accounts": [{"id": "a"}]}});
        let items = json!({"items": [{"id": "a"}]});
        for v in [&bare, &data, &named, &items] {
            assert_eq!(named_list(v, "accounts").map(Vec::len), Some(1), "{v}");
        }
        assert_eq!(named_list(&json!({"data": {"count": 1}}), "accounts"), None);
    }

    #[test]
    fn records_prefer_data_records() {
        let v = json!({"data": {"records": [{"id": "r1"}], "items": [{"id": "x"}, {"id": "y"}]}});
        assert_eq!(records(&v).unwrap()[0]["id"], "r1");
        assert_eq!(records(&json!([{"id": "r1"}])).map(Vec::len), Some(1));
        assert_eq!(records(&json!({"data": {"total": 0}})), None);
    }

    #[test]
    fn columns_read_the_observed_shape_and_simpler_ones() {
        let observed = json!({"data": {"columns": {"all": [{"id": "c"}]}}});
        let flat = json!({"data": {"columns": [{"id": "c"}]}});
        assert_eq!(columns(&observed).map(Vec::len), Some(1));
        assert_eq!(columns(&flat).map(Vec::len), Some(1));
    }

    #[test]
    fn item_results_follow_index_and_default_success() {
        let v = json!({"data": {"records": [
            {"index": 1, "success": false, "errors": ["bad date", {"message": "too long"}]},
            {"index": 0, "success": true, "errors": [], "id": "rec_9"},
            {"index": 7, "success": true},
            {"errors": [{"field_1": ["is not unique"]}]}
        ]}});
        let results = item_results(&v, 4).unwrap();
        assert_eq!(
            results,
            vec![
                ItemResult {
                    index: 1,
                    success: false,
                    errors: vec!["bad date".into(), "too long".into()],
                    id: None
                },
                ItemResult {
                    index: 0,
                    success: true,
                    errors: vec![],
                    id: Some("rec_9".into())
                },
                ItemResult {
                    index: 3,
                    success: false,
                    errors: vec!["field_1: is not unique".into()],
                    id: None
                },
            ]
        );
    }

    #[test]
    fn error_messages_are_found_where_apis_usually_put_them() {
        assert_eq!(
            error_message(&json!({"message": "Forbidden"})).as_deref(),
            Some("Forbidden")
        );
        assert_eq!(
            error_message(&json!({"error": {"message": "nope"}})).as_deref(),
            Some("nope")
        );
        assert_eq!(
            error_message(
                &json!({"errors": [{"field_1": ["SerialNumber is not unique"]}], "code": 2})
            )
            .as_deref(),
            Some("field_1: SerialNumber is not unique")
        );
        assert_eq!(
            error_message(&json!({"data": {"message": "inner"}})).as_deref(),
            Some("inner")
        );
        assert_eq!(error_message(&json!({"ok": false})), None);
    }

    #[test]
    fn names_ids_and_totals() {
        let item = json!({"id": 12, "displayName": " People ", "deleted": false});
        assert_eq!(id_of(&item).as_deref(), Some("12"));
        assert_eq!(name_of(&item).as_deref(), Some("People"));
        assert!(!is_deleted(&item));
        assert!(is_deleted(&json!({"isDeleted": true})));
        assert_eq!(
            total(&json!({"data": {"records": [], "total": 7}})),
            Some(7)
        );
        assert_eq!(total(&json!({"data": {"records": []}})), None);
    }

    #[test]
    fn the_observed_write_response_gives_one_success_and_one_failure() {
        let response: Value = serde_json::from_str(include_str!(
            "../../../tests/fixtures/assetpanda/pro/collection-records-write.response.json"
        ))
        .unwrap();
        assert_eq!(
            reported(&response, 3),
            vec![
                Reported::Done(None),
                Reported::Failed("example validation message".into()),
                Reported::Unreported
            ]
        );
    }

    #[test]
    fn responses_without_results_or_with_top_level_failure() {
        assert_eq!(reported(&Value::Null, 2), vec![Reported::Done(None); 2]);
        assert_eq!(
            reported(&json!({"data": {"ok": true}}), 1),
            vec![Reported::Done(None)]
        );
        assert_eq!(
            reported(
                &json!({"success": false, "message": "collection is locked"}),
                2
            ),
            vec![Reported::Failed("collection is locked".into()); 2]
        );
        assert_eq!(
            reported(
                &json!({"data": {"records": [{"index": 0, "success": false}]}}),
                1
            ),
            vec![Reported::Failed(
                "Asset Panda reported failure without a reason".into()
            )]
        );
    }
}
