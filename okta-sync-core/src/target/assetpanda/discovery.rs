//! Names to ids. The configuration names things as an admin sees them (account, module,
//! collection and column display names, role names); the API wants opaque ids. They are
//! resolved once and cached, and a name that is not found is reported together with what
//! does exist, so a typo is fixed in one try.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use super::NAME;
use super::client::{Call, Client};
use super::envelope;
use crate::config::AssetPandaConfig;
use crate::{Error, Result};

/// Something the API lists with an id and a display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Named {
    /// The API's id.
    pub id: String,
    /// The display name.
    pub name: String,
}

/// The account and module this integration works in, and the module's collections.
#[derive(Debug, Clone)]
pub(super) struct Tenant {
    /// Account id.
    pub account_id: String,
    /// Module id.
    pub module_id: String,
    /// Module display name, for messages.
    pub module_name: String,
    /// Collections that are not deleted.
    pub collections: Vec<Named>,
}

impl Tenant {
    /// The `tenant` object most request bodies carry.
    pub(super) fn body(&self) -> Value {
        json!({"accountId": self.account_id, "moduleId": self.module_id})
    }

    /// The collection called `name`.
    pub(super) fn collection(&self, name: &str) -> Result<&Named, String> {
        pick(
            &self.collections,
            name,
            "collection",
            &format!("collections in module {:?}", self.module_name),
        )
    }
}

/// A discovery error: the message says what was not found and what exists.
pub(super) fn not_found(message: String) -> Error {
    Error::Target {
        target: NAME.into(),
        operation: "discovery".into(),
        status: None,
        message,
    }
}

fn shape_error(operation: &str, kind: &str) -> Error {
    Error::Target {
        target: NAME.into(),
        operation: operation.into(),
        status: None,
        message: format!(
            "unexpected response shape: no list of {kind} found (looked for {})",
            envelope::shapes(kind)
        ),
    }
}

/// Quoted names for a message, or `none`.
pub(super) fn listing<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = names.map(|n| format!("{n:?}")).collect();
    if quoted.is_empty() {
        "none".into()
    } else {
        quoted.join(", ")
    }
}

/// Finds `wanted` by exact (trimmed) display name. Near misses that differ only in case
/// are suggested but never used: a sync must not guess which collection is meant.
pub(super) fn pick<'a>(
    items: &'a [Named],
    wanted: &str,
    what: &str,
    among: &str,
) -> Result<&'a Named, String> {
    let wanted = wanted.trim();
    let exact: Vec<&Named> = items.iter().filter(|i| i.name == wanted).collect();
    match exact.as_slice() {
        [one] => Ok(one),
        [] => {
            let hint = items
                .iter()
                .find(|i| i.name.to_lowercase() == wanted.to_lowercase())
                .map(|i| format!(" (did you mean {:?}?)", i.name))
                .unwrap_or_default();
            Err(format!(
                "{what} {wanted:?} not found{hint}; {among}: {}",
                listing(items.iter().map(|i| i.name.as_str()))
            ))
        }
        many => Err(format!(
            "{what} {wanted:?} is ambiguous: {} {what}s have this name (ids {})",
            many.len(),
            listing(many.iter().map(|i| i.id.as_str()))
        )),
    }
}

fn parse_named(value: &Value, kind: &str, operation: &str) -> Result<Vec<Named>> {
    let items = envelope::named_list(value, kind).ok_or_else(|| shape_error(operation, kind))?;
    Ok(items
        .iter()
        .filter(|item| !envelope::is_deleted(item))
        .filter_map(|item| {
            Some(Named {
                id: envelope::id_of(item)?,
                name: envelope::name_of(item)?,
            })
        })
        .collect())
}

/// Lists the accounts the key sees; also the cheapest proof that the key works.
pub(super) async fn accounts(client: &Client) -> Result<Vec<Named>> {
    let body = client.send(Call::get("list accounts", "/accounts")).await?;
    parse_named(&body, "accounts", "list accounts")
}

/// Resolves the configured account and module and lists the module's collections.
pub(super) async fn tenant(client: &Client, config: &AssetPandaConfig) -> Result<Tenant> {
    let accounts = accounts(client).await?;
    let account = pick(
        &accounts,
        &config.account,
        "account",
        "accounts visible to this API key",
    )
    .map_err(not_found)?
    .clone();
    let body = client
        .send(Call::get("list modules", "/modules").query("accountId", &account.id))
        .await?;
    let modules = parse_named(&body, "modules", "list modules")?;
    let module = pick(
        &modules,
        &config.module,
        "module",
        &format!("modules in account {:?}", account.name),
    )
    .map_err(not_found)?
    .clone();
    let body = client
        .send(
            Call::get("list collections", "/collections")
                .query("accountId", &account.id)
                .query("moduleId", &module.id),
        )
        .await?;
    let collections = parse_named(&body, "collections", "list collections")?;
    tracing::debug!(
        target: "okta_sync::target::assetpanda",
        account = %account.id,
        module = %module.id,
        collections = collections.len(),
        "Asset Panda tenant discovered"
    );
    Ok(Tenant {
        account_id: account.id,
        module_id: module.id,
        module_name: module.name,
        collections,
    })
}

/// The columns of one collection, by display name and by id.
#[derive(Debug, Clone, Default)]
pub(super) struct Columns {
    collection: String,
    by_name: BTreeMap<String, Vec<String>>,
    by_id: HashMap<String, String>,
}

impl Columns {
    fn parse(collection: &str, value: &Value) -> Result<Columns> {
        let items =
            envelope::columns(value).ok_or_else(|| shape_error("list columns", "columns"))?;
        let mut columns = Columns {
            collection: collection.to_string(),
            ..Columns::default()
        };
        for item in items.iter().filter(|i| !envelope::is_deleted(i)) {
            let (Some(id), Some(name)) = (envelope::id_of(item), envelope::name_of(item)) else {
                continue;
            };
            columns
                .by_name
                .entry(name.clone())
                .or_default()
                .push(id.clone());
            columns.by_id.insert(id, name);
        }
        Ok(columns)
    }

    /// The column id for a display name.
    pub(super) fn id(&self, name: &str) -> Result<&str, String> {
        match self.by_name.get(name.trim()).map(Vec::as_slice) {
            Some([id]) => Ok(id),
            Some(ids) => Err(format!(
                "column {name:?} of collection {:?} is ambiguous: {} live columns have this name \
                 (ids {})",
                self.collection,
                ids.len(),
                listing(ids.iter().map(String::as_str))
            )),
            None => {
                let hint = self
                    .by_name
                    .keys()
                    .find(|n| n.to_lowercase() == name.trim().to_lowercase())
                    .map(|n| format!(" (did you mean {n:?}?)"))
                    .unwrap_or_default();
                Err(format!(
                    "column {name:?} not found in collection {:?}{hint}; columns: {}",
                    self.collection,
                    listing(self.by_name.keys().map(String::as_str))
                ))
            }
        }
    }

    /// The display name of a column id, if it is a live column.
    pub(super) fn name(&self, id: &str) -> Option<&str> {
        self.by_id.get(id).map(String::as_str)
    }
}

/// Lists a collection's live columns.
pub(super) async fn columns(
    client: &Client,
    tenant: &Tenant,
    collection: &Named,
) -> Result<Columns> {
    let body = client
        .send(
            Call::get("list columns", "/collection-columns")
                .query("accountId", &tenant.account_id)
                .query("moduleId", &tenant.module_id)
                .query("collectionId", &collection.id),
        )
        .await?;
    Columns::parse(&collection.name, &body)
}

/// Lists the module's role names (`GET /users/templates`). Roles may come as plain
/// strings or as objects with a name.
pub(super) async fn roles(client: &Client, tenant: &Tenant) -> Result<Vec<String>> {
    let body = client
        .send(
            Call::get("list roles", "/users/templates")
                .query("accountId", &tenant.account_id)
                .query("moduleId", &tenant.module_id),
        )
        .await?;
    let items = ["templates", "roles"]
        .iter()
        .find_map(|kind| envelope::named_list(&body, kind))
        .ok_or_else(|| shape_error("list roles", "templates"))?;
    Ok(items
        .iter()
        .filter_map(|item| match item {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            other => envelope::name_of(other),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(pairs: &[(&str, &str)]) -> Vec<Named> {
        pairs
            .iter()
            .map(|(id, name)| Named {
                id: id.to_string(),
                name: name.to_string(),
            })
            .collect()
    }

    #[test]
    fn picking_names_what_exists_and_never_guesses() {
        let items = named(&[
            ("c1", "People"),
            ("c2", "Assets"),
            ("c3", "Dup"),
            ("c4", "Dup"),
        ]);
        assert_eq!(
            pick(&items, " People ", "collection", "collections")
                .unwrap()
                .id,
            "c1"
        );
        assert_eq!(
            pick(
                &items,
                "people",
                "collection",
                "collections in module \"IT\""
            )
            .unwrap_err(),
            "collection \"people\" not found (did you mean \"People\"?); collections in module \
             \"IT\": \"People\", \"Assets\", \"Dup\", \"Dup\""
        );
        assert_eq!(
            pick(&items, "Dup", "collection", "collections").unwrap_err(),
            "collection \"Dup\" is ambiguous: 2 collections have this name (ids \"c3\", \"c4\")"
        );
        assert_eq!(
            pick(&[], "X", "account", "accounts visible to this API key").unwrap_err(),
            "account \"X\" not found; accounts visible to this API key: none"
        );
    }

    #[test]
    fn columns_skip_deleted_ones_and_map_both_ways() {
        let value: Value = serde_json::from_str(include_str!(
            "../../../tests/fixtures/assetpanda/pro/collection-columns.response.json"
        ))
        .unwrap();
        let columns = Columns::parse("People", &value).unwrap();
        assert_eq!(columns.id("Email").unwrap(), "01ABC_0_email_text");
        assert_eq!(columns.name("01ABC_0_fullname_text"), Some("Full Name"));
        assert_eq!(columns.name("01ABC_0_oldfield_text"), None);
        assert_eq!(
            columns.id("Old Field").unwrap_err(),
            "column \"Old Field\" not found in collection \"People\"; columns: \"Department\", \
             \"Email\", \"Employee ID\", \"Full Name\""
        );
    }
}
