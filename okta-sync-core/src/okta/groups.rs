//! Groups: resolving configured names and ids, and listing members.
//!
//! A mapping names a group by name or by id. Names are looked up with
//! `search=profile.name eq "..."`, which Okta evaluates case-insensitively, so an exact
//! (case-sensitive) match is preferred and a single case-insensitive match accepted; two
//! or more candidates are ambiguous and resolve to nothing rather than to a guess. A name
//! that no longer exists falls back to the id stored from an earlier run, so a renamed
//! group keeps working.

use super::client::{OktaClient, ReadContext};
use super::pagination::{Listed, Pager, read_all};
use super::users::{UserSet, decode_page};
use crate::model::{Group, decode_groups};
use crate::{Error, Result};

/// What a configured group reference resolved to.
#[derive(Debug)]
pub(crate) enum Resolved {
    /// One group.
    Found(Group),
    /// No such group (deleted, or renamed without a known id).
    NotFound,
    /// Several groups carry the name.
    Ambiguous(usize),
}

/// Whether a configured reference is an Okta group id (`00g` and 17 more characters).
pub(crate) fn looks_like_group_id(reference: &str) -> bool {
    reference.len() == 20
        && reference.starts_with("00g")
        && reference.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Quotes a value for an Okta expression.
pub(crate) fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

async fn by_id(client: &OktaClient, id: &str, ctx: &ReadContext<'_>) -> Result<Resolved> {
    let url = client.endpoint(&["api", "v1", "groups", id], &[]);
    match client.get(&url, ctx).await {
        Ok(response) => {
            let de = &mut serde_json::Deserializer::from_slice(&response.body);
            let group: Group = serde_path_to_error::deserialize(de)
                .map_err(|e| Error::decode(format!("Okta group {id}"), e))?;
            Ok(Resolved::Found(group))
        }
        Err(Error::Okta(api)) if api.status == 404 => Ok(Resolved::NotFound),
        Err(e) => Err(e),
    }
}

/// Resolves one configured group reference.
pub(crate) async fn resolve(
    client: &OktaClient,
    reference: &str,
    known_id: Option<&str>,
    max_pages: u64,
    ctx: &ReadContext<'_>,
) -> Result<Resolved> {
    if looks_like_group_id(reference) {
        return by_id(client, reference, ctx).await;
    }
    let expression = format!("profile.name eq {}", quote(reference));
    let url = client.endpoint(
        &["api", "v1", "groups"],
        &[("search", &expression), ("limit", "200")],
    );
    let mut found: Vec<Group> = Vec::new();
    let pager = Pager::new(client, format!("group:{reference}"), url, max_pages);
    let listed = read_all(pager, ctx, decode_groups, |groups| found.extend(groups)).await;
    if let Some(error) = listed.error {
        return Err(error);
    }
    let exact: Vec<&Group> = found.iter().filter(|g| g.name == reference).collect();
    let candidates: Vec<&Group> = if exact.is_empty() {
        let wanted = reference.to_lowercase();
        found
            .iter()
            .filter(|g| g.name.to_lowercase() == wanted)
            .collect()
    } else {
        exact
    };
    match candidates.as_slice() {
        [one] => Ok(Resolved::Found((*one).clone())),
        [] => match known_id {
            Some(id) if looks_like_group_id(id) => {
                tracing::debug!(
                    group = reference,
                    "group name not found; trying the id stored from an earlier run"
                );
                by_id(client, id, ctx).await
            }
            _ => Ok(Resolved::NotFound),
        },
        many => Ok(Resolved::Ambiguous(many.len())),
    }
}

/// Lists a group's members (every status, DEPROVISIONED included) into `users`, and
/// returns their ids, sorted.
pub(crate) async fn list_members(
    client: &OktaClient,
    group: &Group,
    listing: &str,
    page_size: u32,
    max_pages: u64,
    ctx: &ReadContext<'_>,
    users: &mut UserSet,
) -> (Vec<String>, Listed) {
    let limit = page_size.to_string();
    let url = client.endpoint(
        &["api", "v1", "groups", &group.id, "users"],
        &[("limit", &limit)],
    );
    let mut ids = Vec::new();
    let pager = Pager::new(client, listing, url, max_pages);
    let listed = read_all(pager, ctx, decode_page, |page| {
        for user in page {
            ids.push(user.id.clone());
            users.add(user);
        }
    })
    .await;
    ids.sort();
    ids.dedup();
    (ids, listed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_told_from_names() {
        assert!(looks_like_group_id("00gsfaq86mwHfGtjb4x6"));
        assert!(!looks_like_group_id("Asset Managers"));
        assert!(!looks_like_group_id("00usfaq86mwHfGtjb4x6"));
        assert!(!looks_like_group_id("00g short"));
    }

    #[test]
    fn quoting_escapes_quotes_and_backslashes() {
        assert_eq!(quote("Asset Managers"), r#""Asset Managers""#);
        assert_eq!(quote(r#"R&D "Core" \ Ops"#), r#""R&D \"Core\" \\ Ops""#);
    }
}
