//! Reading users: the full listing of every status, or the users changed since a watermark.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::client::{OktaClient, ReadContext};
use super::pagination::{Listed, Pager, read_all};
use crate::filter::Pushdown;
use crate::model::{DirectoryUser, decode_users, time};

/// Which users to list.
#[derive(Debug, Clone, Copy)]
pub(crate) enum UserQuery<'a> {
    /// Everyone, or what a pushed-down filter admits.
    Full {
        /// Okta-side `search` or `filter` from the filter evaluator, if any.
        pushdown: Option<&'a Pushdown>,
    },
    /// Users whose `lastUpdated` is after `since` (overlap already subtracted).
    Changed {
        /// Lower bound, exclusive.
        since: DateTime<Utc>,
    },
}

impl UserQuery<'_> {
    /// The query parameter and expression.
    ///
    /// A plain listing hides DEPROVISIONED users, so the full listing asks for
    /// `search=status pr` (every user has a status). The delta uses `filter` on
    /// `lastUpdated`, which includes DEPROVISIONED users. A pushdown is used only for the
    /// full listing: in a delta it would hide exactly the users who just left its scope.
    pub(crate) fn parameter(&self) -> (&'static str, String) {
        match self {
            UserQuery::Full { pushdown: Some(p) } if p.search.is_some() => {
                ("search", p.search.clone().unwrap_or_default())
            }
            UserQuery::Full { pushdown: Some(p) } if p.filter.is_some() => {
                ("filter", p.filter.clone().unwrap_or_default())
            }
            UserQuery::Full { .. } => ("search", "status pr".to_string()),
            UserQuery::Changed { since } => (
                "filter",
                format!("lastUpdated gt \"{}\"", time::format(since)),
            ),
        }
    }
}

/// Users collected from several listings, one entry per id.
///
/// The same user can show up twice: on two pages of an eventually consistent listing,
/// or in the user listing and a group's member listing. The entry with the later
/// `lastUpdated` wins; on a tie, the one read last.
#[derive(Debug, Default)]
pub(crate) struct UserSet {
    users: Vec<DirectoryUser>,
    index: HashMap<String, usize>,
}

impl UserSet {
    pub(crate) fn add(&mut self, user: DirectoryUser) {
        match self.index.get(&user.id) {
            Some(&i) => {
                if user.last_updated >= self.users[i].last_updated {
                    self.users[i] = user;
                }
            }
            None => {
                self.index.insert(user.id.clone(), self.users.len());
                self.users.push(user);
            }
        }
    }

    pub(crate) fn extend(&mut self, users: impl IntoIterator<Item = DirectoryUser>) {
        for user in users {
            self.add(user);
        }
    }

    pub(crate) fn into_vec(self) -> Vec<DirectoryUser> {
        self.users
    }
}

/// Lists users into `set`, page by page.
pub(crate) async fn list_users(
    client: &OktaClient,
    query: UserQuery<'_>,
    page_size: u32,
    max_pages: u64,
    ctx: &ReadContext<'_>,
    set: &mut UserSet,
) -> Listed {
    let (name, expression) = query.parameter();
    let limit = page_size.to_string();
    let url = client.endpoint(
        &["api", "v1", "users"],
        &[("limit", &limit), (name, &expression)],
    );
    let pager = Pager::new(client, "users", url, max_pages);
    read_all(pager, ctx, decode_page, |users| set.extend(users)).await
}

/// Decodes a page of users: with the plain decoder first (the common case, and several
/// times cheaper than tracking every field's path), and only when that fails again with
/// [`decode_users`], whose error says where in the page the problem is.
pub(crate) fn decode_page(bytes: &[u8], what: &str) -> crate::Result<Vec<DirectoryUser>> {
    serde_json::from_slice(bytes).or_else(|_| decode_users(bytes, what))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user(id: &str, last_updated: &str, title: &str) -> DirectoryUser {
        serde_json::from_value(json!({
            "id": id, "status": "ACTIVE", "lastUpdated": last_updated, "profile": {"title": title}
        }))
        .unwrap()
    }

    #[test]
    fn full_listing_asks_for_every_status_and_delta_filters_on_last_updated() {
        assert_eq!(
            UserQuery::Full { pushdown: None }.parameter(),
            ("search", "status pr".into())
        );
        let since: DateTime<Utc> = "2026-05-28T10:00:00Z".parse().unwrap();
        assert_eq!(
            UserQuery::Changed { since }.parameter(),
            (
                "filter",
                r#"lastUpdated gt "2026-05-28T10:00:00.000Z""#.into()
            )
        );
        let pushdown = Pushdown {
            filter: Some(r#"status eq "ACTIVE""#.into()),
            search: Some(r#"profile.department eq "Sales""#.into()),
            groups: vec![],
        };
        assert_eq!(
            UserQuery::Full {
                pushdown: Some(&pushdown)
            }
            .parameter(),
            ("search", r#"profile.department eq "Sales""#.into())
        );
        let filter_only = Pushdown {
            search: None,
            ..pushdown
        };
        assert_eq!(
            UserQuery::Full {
                pushdown: Some(&filter_only)
            }
            .parameter(),
            ("filter", r#"status eq "ACTIVE""#.into())
        );
        let empty = Pushdown::default();
        assert_eq!(
            UserQuery::Full {
                pushdown: Some(&empty)
            }
            .parameter(),
            ("search", "status pr".into())
        );
    }

    #[test]
    fn a_page_decodes_as_with_the_path_tracking_decoder_and_fails_the_same_way() {
        let page = json!([
            {"id": "00u1", "status": "ACTIVE", "lastUpdated": "2026-05-28T10:00:05.000Z",
             "profile": {"login": "a@example.com", "title": null, "n": 3}},
            {"id": "00u2", "status": "DEPROVISIONED", "profile": null,
             "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}}}
        ])
        .to_string();
        let fast = decode_page(page.as_bytes(), "users page 1").unwrap();
        let tracked = decode_users(page.as_bytes(), "users page 1").unwrap();
        assert_eq!(fast, tracked);
        assert_eq!(fast.len(), 2);
        let broken = r#"[{"id": "00u1", "status": "ACTIVE"}, {"id": "00u2", "status": 7}]"#;
        let err = decode_page(broken.as_bytes(), "users page 3").unwrap_err();
        assert_eq!(
            err.to_string(),
            decode_users(broken.as_bytes(), "users page 3")
                .unwrap_err()
                .to_string()
        );
        assert!(err.to_string().contains("users page 3"), "{err}");
        assert!(err.to_string().contains("[1]"), "names the element: {err}");
    }

    #[test]
    fn duplicates_keep_the_latest_last_updated() {
        let mut set = UserSet::default();
        set.add(user("00u1", "2026-05-28T10:00:05Z", "new"));
        set.add(user("00u2", "2026-05-28T10:00:00Z", "b"));
        set.add(user("00u1", "2026-05-28T10:00:00Z", "old"));
        set.add(user("00u2", "2026-05-28T10:00:00Z", "b again"));
        let users = set.into_vec();
        assert_eq!(users.len(), 2);
        assert_eq!(users[0].profile_str("title"), Some("new"));
        assert_eq!(users[1].profile_str("title"), Some("b again"));
    }
}
