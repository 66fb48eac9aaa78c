//! Collection records: paged search, create and update.
//!
//! Records travel keyed by column id; the rest of the crate sees display names. Creates
//! are answered per record (`data.records[i].{index, success, errors}`), apparently
//! without the new record's id, so a confirmed create whose id is missing is looked up
//! again by the values just written.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::{Map, Value, json};

use super::NAME;
use super::client::{Call, Client, Replay};
use super::discovery::{Columns, Named, Tenant};
use super::envelope::{self, Reported, reported};
use crate::target::{Fields, TargetRecord, WriteOutcome};
use crate::{Error, Result};

/// Stops a listing that never ends (a server ignoring `from` while inventing new ids).
const MAX_PAGES: usize = 10_000;

/// One collection, resolved.
#[derive(Debug, Clone, Copy)]
pub(super) struct Scope<'a> {
    /// Account and module.
    pub tenant: &'a Tenant,
    /// The collection.
    pub collection: &'a Named,
    /// Its columns.
    pub columns: &'a Columns,
}

/// A search filter selecting records whose `column` contains any of `values`.
///
/// `contains` is the only operator the public docs show; callers compare the results
/// exactly afterwards, so a longer value that merely contains the wanted one never
/// matches.
pub(super) fn any_contains(column: &str, values: &[String]) -> Value {
    let filters: Vec<Value> = values
        .iter()
        .map(|v| json!({"field": column, "operator": "contains", "value": v}))
        .collect();
    json!({"matchType": "Any", "filters": filters})
}

fn all_contain(pairs: &[(&str, &str)]) -> Value {
    let filters: Vec<Value> = pairs
        .iter()
        .map(|(column, v)| json!({"field": column, "operator": "contains", "value": v}))
        .collect();
    json!({"matchType": "All", "filters": filters})
}

/// Lists the records of `scope` matching `selection` (all records without one), page by
/// page until a page comes back empty or a stated total is reached. A page is never
/// assumed to be the last just because it is short: the server may cap the size.
pub(super) async fn search(
    client: &Client,
    scope: Scope<'_>,
    selection: Option<Value>,
    page_size: usize,
) -> Result<Vec<TargetRecord>> {
    let listing = format!("records of collection {:?}", scope.collection.name);
    let mut records = Vec::new();
    let mut seen = HashSet::new();
    let mut from = 0usize;
    for _ in 0..MAX_PAGES {
        let mut body = json!({
            "tenant": scope.tenant.body(),
            "collectionId": scope.collection.id,
        });
        if let Some(selection) = &selection {
            body["searchInput"] = json!({"selection": selection});
        }
        body["pagination"] = json!({"from": from, "size": page_size});
        let response = client
            .send(Call::with_body(
                "search records",
                Method::POST,
                "/collection-records/search",
                body,
                Replay::Safe,
            ))
            .await?;
        let items = envelope::records(&response).ok_or_else(|| Error::Target {
            target: NAME.into(),
            operation: "search records".into(),
            status: None,
            message: format!(
                "unexpected response shape: no list of records found (looked for {})",
                envelope::shapes("records")
            ),
        })?;
        if items.is_empty() {
            return Ok(records);
        }
        let mut new = 0;
        for (i, item) in items.iter().enumerate() {
            let record = decode(item, scope.columns).ok_or_else(|| Error::IncompleteListing {
                listing: listing.clone(),
                reason: format!("the record at position {} has no id", from + i),
            })?;
            if seen.insert(record.id.clone()) {
                new += 1;
                records.push(record);
            }
        }
        if new == 0 {
            return Err(Error::IncompleteListing {
                listing,
                reason: format!(
                    "the page at offset {from} only repeated records already received, so \
                     Asset Panda is not honouring pagination"
                ),
            });
        }
        from += items.len();
        if envelope::total(&response).is_some_and(|total| from as u64 >= total) {
            return Ok(records);
        }
    }
    Err(Error::IncompleteListing {
        listing,
        reason: format!("more than {MAX_PAGES} pages"),
    })
}

/// A record as the crate sees it: id plus live columns by display name. Values may sit
/// at the top level (observed) or under `fields`/`values`; a `{value: x}` wrapper (how the
/// classic API returns list and status fields) is unwrapped.
fn decode(item: &Value, columns: &Columns) -> Option<TargetRecord> {
    let object = item.as_object()?;
    let id = envelope::id_of(item)?;
    let nested = ["fields", "values"]
        .iter()
        .filter_map(|k| object.get(*k).and_then(Value::as_object))
        .flatten();
    let fields = object
        .iter()
        .chain(nested)
        .filter_map(|(key, value)| Some((columns.name(key)?.to_string(), plain(value))))
        .collect();
    Some(TargetRecord { id, fields })
}

fn plain(value: &Value) -> Value {
    match value.get("value") {
        Some(inner) if value.is_object() && !inner.is_object() && !inner.is_array() => {
            inner.clone()
        }
        _ => value.clone(),
    }
}

/// Field values keyed by column id, or why a field cannot be written.
pub(super) fn encode(columns: &Columns, fields: &Fields) -> Result<Map<String, Value>, String> {
    fields
        .iter()
        .map(|(name, value)| Ok((columns.id(name)?.to_string(), value.clone())))
        .collect()
}

/// Creates records (already encoded) in one request and returns one outcome each.
/// `claimed` holds ids already handed out in this batch, so two identical records are
/// never given the same id.
pub(super) async fn create(
    client: &Client,
    scope: Scope<'_>,
    records: Vec<Map<String, Value>>,
    claimed: &mut HashSet<String>,
    page_size: usize,
) -> Result<Vec<WriteOutcome>> {
    let body = json!({
        "tenant": scope.tenant.body(),
        "collectionId": scope.collection.id,
        "records": records,
    });
    let response = client
        .send(Call::with_body(
            "create records",
            Method::POST,
            "/collection-records",
            body,
            Replay::OnlyIfUnprocessed,
        ))
        .await?;
    let mut outcomes = Vec::with_capacity(records.len());
    for (sent, report) in records.iter().zip(reported(&response, records.len())) {
        outcomes.push(match report {
            Reported::Done(Some(id)) => {
                claimed.insert(id.clone());
                WriteOutcome::Done { id }
            }
            Reported::Done(None) => {
                let id = find_created(client, scope, sent, claimed, page_size).await;
                if let Some(id) = &id {
                    claimed.insert(id.clone());
                }
                WriteOutcome::Done {
                    id: id.unwrap_or_default(),
                }
            }
            Reported::Failed(reason) => WriteOutcome::Failed {
                reason,
                retryable: false,
            },
            Reported::Unreported => WriteOutcome::Failed {
                reason: "Asset Panda's response did not report on this record; check the \
                         collection before creating it again"
                    .into(),
                retryable: false,
            },
        });
    }
    Ok(outcomes)
}

/// The id of a record just created with `sent`: the one unclaimed record whose text
/// columns equal every text value sent. `None` (logged) when that is not exactly one,
/// or the search fails; the create itself stays confirmed.
async fn find_created(
    client: &Client,
    scope: Scope<'_>,
    sent: &Map<String, Value>,
    claimed: &HashSet<String>,
    page_size: usize,
) -> Option<String> {
    let texts: Vec<(&str, &str)> = sent
        .iter()
        .filter_map(|(column, v)| {
            Some((
                column.as_str(),
                v.as_str().filter(|s| !s.trim().is_empty())?,
            ))
        })
        .collect();
    if texts.is_empty() {
        tracing::warn!(target: "okta_sync::target::assetpanda", "created record has no text value to find it by; its id is unknown");
        return None;
    }
    let found = match search(client, scope, Some(all_contain(&texts)), page_size).await {
        Ok(found) => found,
        Err(e) => {
            tracing::warn!(target: "okta_sync::target::assetpanda", error = %e, "cannot look up the id of a created record");
            return None;
        }
    };
    let mut candidates = found.into_iter().filter(|record| {
        !claimed.contains(&record.id)
            && texts.iter().all(|(column, text)| {
                scope
                    .columns
                    .name(column)
                    .and_then(|name| record.fields.get(name))
                    .and_then(Value::as_str)
                    == Some(*text)
            })
    });
    match (candidates.next(), candidates.next()) {
        (Some(only), None) => Some(only.id),
        (first, _) => {
            tracing::warn!(
                target: "okta_sync::target::assetpanda",
                matches = if first.is_some() { "several" } else { "none" },
                "created record not found unambiguously; its id is unknown"
            );
            None
        }
    }
}

/// Updates records (already encoded, each with its `recordId`) in one request.
pub(super) async fn update(
    client: &Client,
    scope: Scope<'_>,
    updates: Vec<(String, Map<String, Value>)>,
) -> Result<Vec<WriteOutcome>> {
    let records: Vec<Value> = updates
        .iter()
        .map(|(id, values)| {
            let mut record = Map::new();
            record.insert("recordId".into(), Value::String(id.clone()));
            record.extend(values.iter().map(|(k, v)| (k.clone(), v.clone())));
            Value::Object(record)
        })
        .collect();
    let body = json!({
        "tenant": scope.tenant.body(),
        "collectionId": scope.collection.id,
        "records": records,
    });
    let response = client
        .send(Call::with_body(
            "update records",
            Method::PUT,
            "/collection-records",
            body,
            Replay::Safe,
        ))
        .await?;
    Ok(updates
        .iter()
        .zip(reported(&response, updates.len()))
        .map(|((id, _), report)| match report {
            Reported::Done(_) => WriteOutcome::Done { id: id.clone() },
            Reported::Failed(reason) => WriteOutcome::Failed {
                reason,
                retryable: false,
            },
            Reported::Unreported => WriteOutcome::Failed {
                reason: "Asset Panda's response did not report on this record".into(),
                retryable: true,
            },
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_values_are_unwrapped_only_when_scalar() {
        assert_eq!(
            plain(&json!({"id": "s1", "value": "Inactive"})),
            json!("Inactive")
        );
        assert_eq!(
            plain(&json!({"value": {"x": 1}})),
            json!({"value": {"x": 1}})
        );
        assert_eq!(plain(&json!("text")), json!("text"));
    }
}
