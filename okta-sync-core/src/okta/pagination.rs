//! Paging through Okta listings by their `Link` headers.
//!
//! Okta pages with opaque cursors: each response carries `Link: <...>; rel="self"` and,
//! while more results exist, `Link: <...?after=...>; rel="next"` (as separate headers or
//! comma-separated in one). A listing is complete only when a page arrives **without**
//! `next`. Cursors are never built or edited here, only followed.

use std::collections::HashSet;

use bytes::Bytes;
use url::Url;

use super::client::{OktaClient, ReadContext};
use crate::{Error, Result};

/// The link relations of one response that paging needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Links {
    /// `rel="next"`: where the next page is.
    pub next: Option<String>,
    /// `rel="self"`: this page.
    pub this: Option<String>,
}

/// Parses every `Link` header value of a response (RFC 8288: `<uri>; rel="a b", <uri2>; ...`).
pub(crate) fn parse_links<'a>(values: impl IntoIterator<Item = &'a str>) -> Links {
    let mut links = Links::default();
    for value in values {
        for link in split_links(value) {
            let Some((target, params)) = parse_link(link) else {
                continue;
            };
            for rel in params {
                match rel.to_ascii_lowercase().as_str() {
                    "next" if links.next.is_none() => links.next = Some(target.to_string()),
                    "self" if links.this.is_none() => links.this = Some(target.to_string()),
                    _ => {}
                }
            }
        }
    }
    links
}

/// Splits a header value into link-values at commas outside `<...>` and quotes.
fn split_links(value: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut in_uri, mut in_quotes, mut start) = (false, false, 0);
    for (i, c) in value.char_indices() {
        match c {
            '<' if !in_quotes => in_uri = true,
            '>' if !in_quotes => in_uri = false,
            '"' if !in_uri => in_quotes = !in_quotes,
            ',' if !in_uri && !in_quotes => {
                parts.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&value[start..]);
    parts
}

/// One link-value: its target and its `rel` values.
fn parse_link(link: &str) -> Option<(&str, Vec<String>)> {
    let link = link.trim();
    let rest = link.strip_prefix('<')?;
    let end = rest.find('>')?;
    let target = rest[..end].trim();
    let mut rels = Vec::new();
    for param in rest[end + 1..].split(';') {
        let Some((name, value)) = param.split_once('=') else {
            continue;
        };
        if name.trim().eq_ignore_ascii_case("rel") {
            let value = value.trim().trim_matches('"');
            rels.extend(value.split_whitespace().map(str::to_string));
        }
    }
    Some((target, rels))
}

/// One page of a listing, body undecoded.
#[derive(Debug)]
pub(crate) struct Page {
    /// 1-based page number within the listing.
    pub number: u64,
    /// The response body; the caller decodes it and lets it go.
    pub body: Bytes,
    /// The `next` link, resolved, even when it will not be followed (a System Log
    /// reader stores it as its resume point).
    pub next: Option<Url>,
}

enum State {
    /// The next page to fetch.
    Next(Url),
    /// The last page had no `next`: the listing is complete.
    Complete,
    /// The listing stopped; the error (if not yet reported) says why.
    Stopped(Option<Error>),
}

/// Walks one listing page by page.
///
/// Step by step, each call of [`Pager::next_page`]:
/// 1. returns `None` if the previous page had no `next` (the listing is complete), or the
///    pending error if the listing was stopped;
/// 2. refuses to go past `max_pages`, with an error (a runaway listing is never taken for
///    a complete one);
/// 3. fetches the page (rate limits and retries happen inside the client);
/// 4. reads its `next` link: it must stay on the org's origin (the token is never sent
///    elsewhere) and must not repeat a cursor already followed, otherwise the listing
///    stops with an error at the following call, after this page has been handed over;
/// 5. hands the body to the caller, who decodes it and drops it, so memory holds one raw
///    page at a time.
pub(crate) struct Pager<'c> {
    client: &'c OktaClient,
    listing: String,
    state: State,
    followed: HashSet<String>,
    pages: u64,
    max_pages: u64,
}

/// The identity of a page request for loop detection: its cursor when it has one.
fn cursor_key(url: &Url) -> String {
    url.query_pairs()
        .find(|(k, _)| k == "after")
        .map_or_else(|| url.as_str().to_string(), |(_, v)| format!("after={v}"))
}

impl<'c> Pager<'c> {
    pub(crate) fn new(
        client: &'c OktaClient,
        listing: impl Into<String>,
        first: Url,
        max_pages: u64,
    ) -> Self {
        Pager {
            client,
            listing: listing.into(),
            state: State::Next(first),
            followed: HashSet::new(),
            pages: 0,
            max_pages,
        }
    }

    /// The listing's name, for gaps and progress.
    pub(crate) fn listing(&self) -> &str {
        &self.listing
    }

    /// True once a page without `next` has been handed over.
    pub(crate) fn is_complete(&self) -> bool {
        matches!(self.state, State::Complete)
    }

    fn incomplete(&self, reason: String) -> Error {
        Error::IncompleteListing {
            listing: self.listing.clone(),
            reason,
        }
    }

    /// The next page, `None` when the listing is complete, or why it cannot go on.
    pub(crate) async fn next_page(&mut self, ctx: &ReadContext<'_>) -> Result<Option<Page>> {
        let url = match std::mem::replace(&mut self.state, State::Stopped(None)) {
            State::Complete => {
                self.state = State::Complete;
                return Ok(None);
            }
            State::Stopped(error) => {
                return Err(error.unwrap_or_else(|| {
                    self.incomplete("stopped after an earlier failure".into())
                }));
            }
            State::Next(url) => url,
        };
        if self.pages >= self.max_pages {
            return Err(self.incomplete(format!(
                "Okta still offered a next page after {} pages; stopping instead of reading without end",
                self.max_pages
            )));
        }
        self.followed.insert(cursor_key(&url));
        let response = self.client.get(&url, ctx).await?;
        self.pages += 1;
        let number = self.pages;
        let next = match response.links.next.as_deref() {
            None => {
                self.state = State::Complete;
                None
            }
            Some(raw) => match url.join(raw) {
                Err(_) => {
                    self.state = State::Stopped(Some(
                        self.incomplete(format!("page {number} has an unreadable next link")),
                    ));
                    None
                }
                Ok(next) if !self.client.same_origin(&next) => {
                    self.state = State::Stopped(Some(self.incomplete(format!(
                        "page {number} points its next link away from the org URL; not following it with the token"
                    ))));
                    None
                }
                Ok(next) => {
                    if self.followed.contains(&cursor_key(&next)) {
                        self.state = State::Stopped(Some(self.incomplete(format!(
                            "page {number} repeated a cursor that was already followed; stopping instead of looping"
                        ))));
                    } else {
                        self.state = State::Next(next.clone());
                    }
                    Some(next)
                }
            },
        };
        Ok(Some(Page {
            number,
            body: response.body,
            next,
        }))
    }
}

/// How a whole listing went.
#[derive(Debug)]
pub(crate) struct Listed {
    /// True only when the last page had no `next`.
    pub complete: bool,
    /// Pages decoded.
    pub pages: u64,
    /// Why the listing stopped early.
    pub error: Option<Error>,
}

/// Reads a listing to its end (or its first failure), decoding page by page and handing
/// each page's items to `sink`.
///
/// The request for the next page goes out before the current page is decoded (its `next`
/// link is known from the headers), and the decode runs on Tokio's blocking pool while
/// this task keeps driving that request: Okta prepares and sends the next page while this
/// side decodes, so a listing takes about the longer of the two, not their sum. At most
/// two raw pages are held at a time. If a page fails to decode, the listing stops there;
/// the page already asked for is dropped unread.
pub(crate) async fn read_all<T: Send + 'static>(
    mut pager: Pager<'_>,
    ctx: &ReadContext<'_>,
    decode: fn(&[u8], &str) -> Result<Vec<T>>,
    mut sink: impl FnMut(Vec<T>),
) -> Listed {
    let mut pages = 0;
    let mut fetched = pager.next_page(ctx).await;
    loop {
        let page = match fetched {
            Ok(Some(page)) => page,
            Ok(None) => {
                return Listed {
                    complete: pager.is_complete(),
                    pages,
                    error: None,
                };
            }
            Err(error) => {
                return Listed {
                    complete: false,
                    pages,
                    error: Some(error),
                };
            }
        };
        let what = format!("{} page {}", pager.listing(), page.number);
        let listing = pager.listing().to_string();
        let body = page.body;
        let decoding = tokio::task::spawn_blocking({
            let what = what.clone();
            move || decode(&body, &what)
        });
        let (next, decoded) = tokio::join!(pager.next_page(ctx), decoding);
        let decoded = decoded.unwrap_or_else(|failed| match failed.try_into_panic() {
            // A panic while decoding surfaces here as it would have without the thread.
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(_) => Err(Error::Decode {
                what,
                path: ".".into(),
                message: "decoding was cancelled (the runtime is shutting down)".into(),
            }),
        });
        match decoded {
            Ok(items) => {
                pages += 1;
                ctx.page(&listing, items.len());
                sink(items);
            }
            Err(error) => {
                return Listed {
                    complete: false,
                    pages,
                    error: Some(error),
                };
            }
        }
        fetched = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separate_link_headers() {
        // From headers-docs-examples.txt (legacy Users page).
        let links = parse_links([
            "<https://{yourOktaDomain}/api/v1/users?limit=200>; rel=\"self\"",
            "<https://{yourOktaDomain}/api/v1/users?after=00ud4tVDDXYVKPXKVLCO&limit=200>; rel=\"next\"",
        ]);
        assert_eq!(
            links.this.as_deref(),
            Some("https://{yourOktaDomain}/api/v1/users?limit=200")
        );
        assert_eq!(
            links.next.as_deref(),
            Some("https://{yourOktaDomain}/api/v1/users?after=00ud4tVDDXYVKPXKVLCO&limit=200")
        );
    }

    #[test]
    fn one_header_with_both_links_and_odd_spacing() {
        let links = parse_links([
            r#"<https://x.okta.com/api/v1/logs?limit=20>;rel=self , <https://x.okta.com/api/v1/logs?limit=20&after=1627500044869_1> ; REL="next""#,
        ]);
        assert_eq!(
            links.next.as_deref(),
            Some("https://x.okta.com/api/v1/logs?limit=20&after=1627500044869_1")
        );
        assert_eq!(
            links.this.as_deref(),
            Some("https://x.okta.com/api/v1/logs?limit=20")
        );
    }

    #[test]
    fn commas_inside_the_uri_do_not_split() {
        let links = parse_links([r#"<https://x/api/v1/users?search=a,b&after=c>; rel="next""#]);
        assert_eq!(
            links.next.as_deref(),
            Some("https://x/api/v1/users?search=a,b&after=c")
        );
    }

    #[test]
    fn last_page_has_only_self() {
        // From headers-users-pagination.txt (filter listing, last page).
        let links = parse_links([
            "<https://test.okta.com/api/v1/users?limit=200&filter=status+eq+%22SUSPENDED%22>; rel=\"self\"",
        ]);
        assert_eq!(links.next, None);
        assert!(links.this.is_some());
        assert_eq!(parse_links([]), Links::default());
        assert_eq!(parse_links(["garbage"]), Links::default());
    }

    #[test]
    fn every_link_header_in_the_fixtures_parses() {
        let mut seen = 0;
        for file in [
            "headers-users-pagination.txt",
            "headers-groups.txt",
            "headers-docs-examples.txt",
        ] {
            let path = format!("{}/tests/fixtures/okta/{file}", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines() {
                let Some((name, value)) = line.split_once(':') else {
                    continue;
                };
                if !name.eq_ignore_ascii_case("link") {
                    continue;
                }
                seen += 1;
                let links = parse_links([value]);
                if value.contains("rel=\"next\"") {
                    let next = links.next.unwrap_or_else(|| panic!("{file}: {line}"));
                    assert!(next.contains("after="), "{file}: {next}");
                } else {
                    assert!(
                        links.this.is_some() && links.next.is_none(),
                        "{file}: {line}"
                    );
                }
            }
        }
        assert!(seen >= 10, "only {seen} Link lines found");
    }

    #[test]
    fn multiple_rel_values() {
        let links = parse_links([r#"<https://x/a?after=1>; rel="next last""#]);
        assert_eq!(links.next.as_deref(), Some("https://x/a?after=1"));
    }

    #[test]
    fn cursor_key_compares_cursors_not_spelling() {
        let a = Url::parse("https://x/api/v1/users?limit=200&after=abc").unwrap();
        let b = Url::parse("https://x/api/v1/users?after=abc&limit=200&search=status+pr").unwrap();
        assert_eq!(cursor_key(&a), cursor_key(&b));
        let first = Url::parse("https://x/api/v1/users?limit=200").unwrap();
        assert_ne!(cursor_key(&first), cursor_key(&a));
    }
}
