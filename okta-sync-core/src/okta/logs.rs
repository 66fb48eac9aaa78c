//! Reading the System Log for deletions, deactivations and membership changes.
//!
//! The log is read as a **polling** request (no `until`, ascending), which Okta orders by
//! persistence and which always carries a `next` link, also on an empty page. Reading stops
//! at the first empty page and keeps its `next` link as the cursor to resume from next time.
//! The first run starts from a `since` time instead.
//!
//! Okta keeps 90 days of log. A cursor Okta no longer accepts (400, typically E0000053),
//! a cursor that does not belong to the org, or a `since` older than the retention means
//! events may be lost: the read says so (`expired`), records a gap, and starts a fresh
//! cursor at the server's current time so that later runs can resume normally.

use chrono::{DateTime, TimeDelta, Utc};
use url::Url;

use super::client::{OktaClient, ReadContext};
use super::pagination::Pager;
use crate::Error;
use crate::directory::Gap;
use crate::model::{EventKind, LifecycleEvent, decode_events, time};

/// Where the log read starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LogStart {
    /// A stored `next` URL.
    Cursor(String),
    /// A point in time (first run).
    Since(DateTime<Utc>),
}

/// What a log read produced.
#[derive(Debug, Default)]
pub(crate) struct LogRead {
    /// Successful events that matter for sync, in the order read.
    pub events: Vec<LifecycleEvent>,
    /// Where to resume next time.
    pub cursor: Option<String>,
    /// True when events may have been lost before this read.
    pub expired: bool,
    /// Why the log is not complete.
    pub gaps: Vec<Gap>,
}

const LISTING: &str = "log";

/// Okta's System Log retention.
pub(crate) const RETENTION_DAYS: i64 = 90;

/// The `filter` for the event types sync acts on.
pub(crate) fn event_filter() -> String {
    EventKind::EVENT_TYPES
        .iter()
        .map(|t| format!("eventType eq \"{t}\""))
        .collect::<Vec<_>>()
        .join(" or ")
}

fn polling_url(client: &OktaClient, since: DateTime<Utc>) -> Url {
    let since = time::format(&since);
    let filter = event_filter();
    client.endpoint(
        &["api", "v1", "logs"],
        &[
            ("since", &since),
            ("sortOrder", "ASCENDING"),
            ("limit", "1000"),
            ("filter", &filter),
        ],
    )
}

/// Whether an error on the first request means the starting point itself is unusable.
fn start_rejected(error: &Error) -> bool {
    matches!(error, Error::Okta(api) if matches!(api.status, 400 | 404 | 410))
}

enum Walk {
    /// Read what could be read; `error` says why it stopped early, if it did.
    Done { error: Option<Error> },
    /// Okta refused the starting point.
    Rejected(Error),
}

/// Reads pages from `start` until an empty page, collecting events into `read`.
async fn walk(
    client: &OktaClient,
    start: Url,
    max_pages: u64,
    ctx: &ReadContext<'_>,
    read: &mut LogRead,
) -> Walk {
    // One more than the page budget, so the pager never takes our own stop for a runaway.
    let mut pager = Pager::new(client, LISTING, start.clone(), max_pages.saturating_add(1));
    let mut resume = start;
    let mut pages = 0u64;
    read.cursor = Some(resume.to_string());
    loop {
        if pages >= max_pages {
            tracing::debug!(
                pages,
                "System Log page budget used; the rest is read next time from the cursor"
            );
            return Walk::Done { error: None };
        }
        let page = match pager.next_page(ctx).await {
            Ok(Some(page)) => page,
            Ok(None) => return Walk::Done { error: None },
            Err(error) if pages == 0 && start_rejected(&error) => return Walk::Rejected(error),
            Err(error) => return Walk::Done { error: Some(error) },
        };
        pages += 1;
        let what = format!("System Log page {}", page.number);
        let (events, total) = match decode_events(&page.body, &what) {
            Ok(decoded) => decoded,
            Err(error) => return Walk::Done { error: Some(error) },
        };
        ctx.page(LISTING, total);
        read.events.extend(events);
        if let Some(next) = page.next {
            resume = next;
            read.cursor = Some(resume.to_string());
        }
        if total == 0 {
            return Walk::Done { error: None };
        }
    }
}

/// Reads the log from `start`. `server_now` estimates Okta's clock when no answer has
/// arrived yet in this read.
pub(crate) async fn read_log(
    client: &OktaClient,
    start: LogStart,
    server_now: DateTime<Utc>,
    max_pages: u64,
    ctx: &ReadContext<'_>,
) -> LogRead {
    let mut read = LogRead::default();
    let (url, since) = match start {
        LogStart::Cursor(raw) => match Url::parse(&raw) {
            Ok(url) if client.same_origin(&url) && url.path() == "/api/v1/logs" => (url, None),
            _ => {
                restart(
                    client,
                    "the stored System Log cursor does not belong to this org URL".into(),
                    max_pages,
                    ctx,
                    &mut read,
                    server_now,
                )
                .await;
                return read;
            }
        },
        LogStart::Since(since) => (polling_url(client, since), Some(since)),
    };
    match walk(client, url, max_pages, ctx, &mut read).await {
        Walk::Done { error } => {
            if let Some(error) = error {
                read.gaps.push(Gap {
                    listing: LISTING.into(),
                    reason: error.to_string(),
                });
            }
            let now = ctx.server_time().unwrap_or(server_now);
            if since.is_some_and(|s| s < now - TimeDelta::days(RETENTION_DAYS)) {
                read.expired = true;
                read.gaps.push(Gap {
                    listing: LISTING.into(),
                    reason: format!(
                        "the System Log start is older than Okta's {RETENTION_DAYS}-day retention; earlier deletions cannot be seen"
                    ),
                });
            }
        }
        Walk::Rejected(error) => {
            let reason = format!("Okta rejected the System Log starting point ({error})");
            restart(client, reason, max_pages, ctx, &mut read, server_now).await;
        }
    }
    read
}

/// Marks the log as expired and starts a fresh cursor at the server's current time.
async fn restart(
    client: &OktaClient,
    reason: String,
    max_pages: u64,
    ctx: &ReadContext<'_>,
    read: &mut LogRead,
    server_now: DateTime<Utc>,
) {
    read.expired = true;
    read.gaps.push(Gap {
        listing: LISTING.into(),
        reason: format!("{reason}; deletions in Okta since the last run may have been missed"),
    });
    let now = ctx.server_time().unwrap_or(server_now);
    match walk(client, polling_url(client, now), max_pages, ctx, read).await {
        Walk::Done { error: None } => {}
        Walk::Done { error: Some(error) } | Walk::Rejected(error) => read.gaps.push(Gap {
            listing: LISTING.into(),
            reason: error.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_names_every_event_type_sync_acts_on() {
        let filter = event_filter();
        for t in EventKind::EVENT_TYPES {
            assert!(filter.contains(&format!("eventType eq \"{t}\"")), "{t}");
        }
        assert_eq!(
            filter.matches(" or ").count(),
            EventKind::EVENT_TYPES.len() - 1
        );
    }
}
