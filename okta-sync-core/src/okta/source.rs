//! [`OktaSource`]: the directory source over Okta's Management API.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use secrecy::SecretString;

use super::client::{ClientSettings, OktaClient, ReadContext, validate_org_url};
use super::groups::{self, Resolved};
use super::logs::{LogStart, read_log};
use super::retry::RetryPolicy;
use super::users::{UserQuery, UserSet, list_users};
use crate::config::{OktaConfig, SecretProvider};
use crate::directory::{
    ConnectionCheck, DirectorySnapshot, DirectorySource, Gap, GroupMembers, ReadObserver,
    ReadRequest, ReadScope, UserLookup,
};
use crate::error::ConfigProblem;
use crate::model::{DirectoryUser, decode_user};
use crate::{Error, Result};

/// Knobs that are not part of the configuration file: sensible defaults for production,
/// shorter waits for tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Tuning {
    /// Added to every rate-limit wait, because Okta's `Date` and `X-Rate-Limit-Reset` have
    /// one-second resolution. Default 1 s (as Okta's SDKs do).
    pub throttle_margin: Duration,
    /// Longest single rate-limit wait; a Reset further away is treated as this. Default 90 s
    /// (Okta's windows are about a minute).
    pub max_throttle_wait: Duration,
    /// 429 answers tolerated for one request before it fails with
    /// [`Error::RateLimited`]. Default 5.
    pub max_throttle_waits: u32,
    /// Delay before the first retry of a transient failure (jitter is added). Default 500 ms.
    pub retry_min_delay: Duration,
    /// Longest delay between retries. Default 20 s.
    pub retry_max_delay: Duration,
    /// Most pages one listing may have before it is declared runaway and stopped with a
    /// gap. Default 100,000 (20 million users at 200 per page).
    pub max_pages: u64,
    /// Most System Log pages (of up to 1,000 events) read per run; the rest is read on the
    /// next run from the stored cursor. Default 1,000.
    pub max_log_pages: u64,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            throttle_margin: Duration::from_secs(1),
            max_throttle_wait: Duration::from_secs(90),
            max_throttle_waits: 5,
            retry_min_delay: Duration::from_millis(500),
            retry_max_delay: Duration::from_secs(20),
            max_pages: 100_000,
            max_log_pages: 1_000,
        }
    }
}

/// Reads people, groups and lifecycle events from an Okta org with an API token (`SSWS`).
///
/// The token is held only inside the HTTP client, as a sensitive header; `Debug` shows
/// the org URL and never the token.
pub struct OktaSource {
    client: OktaClient,
    page_size: u32,
    max_concurrency: u32,
    tuning: Tuning,
}

impl fmt::Debug for OktaSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OktaSource")
            .field("org_url", &self.client.base().as_str())
            .field("token", &"[redacted]")
            .field("page_size", &self.page_size)
            .field("max_concurrency", &self.max_concurrency)
            .finish_non_exhaustive()
    }
}

fn check_config(config: &OktaConfig) -> Result<url::Url> {
    let mut problems = Vec::new();
    let mut problem = |path: &str, message: String| {
        problems.push(ConfigProblem {
            path: format!("okta.{path}"),
            message,
        });
    };
    let url = validate_org_url(&config.org_url)
        .map_err(|m| problem("org_url", m))
        .ok();
    if !(config.rate_limit_share > 0.0 && config.rate_limit_share <= 1.0) {
        problem(
            "rate_limit_share",
            format!(
                "must be above 0 and at most 1, got {}",
                config.rate_limit_share
            ),
        );
    }
    if !(1..=75).contains(&config.max_concurrency) {
        problem(
            "max_concurrency",
            format!(
                "must be between 1 and 75 (Okta's per-org limit), got {}",
                config.max_concurrency
            ),
        );
    }
    if !(1..=200).contains(&config.page_size) {
        problem(
            "page_size",
            format!(
                "must be between 1 and 200 (Okta's largest user page), got {}",
                config.page_size
            ),
        );
    }
    if !(1..=600).contains(&config.timeout_seconds) {
        problem(
            "timeout_seconds",
            format!("must be between 1 and 600, got {}", config.timeout_seconds),
        );
    }
    if config.max_retries > 10 {
        problem(
            "max_retries",
            format!("must be at most 10, got {}", config.max_retries),
        );
    }
    match url {
        Some(url) if problems.is_empty() => Ok(url),
        _ => {
            problems.sort();
            Err(Error::Config { problems })
        }
    }
}

impl OktaSource {
    /// Builds a source from the configuration, resolving the token through its
    /// [`SecretRef`](crate::config::SecretRef) (`provider:` references need `secrets`).
    pub fn new(config: &OktaConfig, secrets: Option<&dyn SecretProvider>) -> Result<OktaSource> {
        check_config(config)?;
        let token = config.token.resolve(secrets)?;
        OktaSource::with_token_and_tuning(config, token, Tuning::default())
    }

    /// Builds a source with a token the caller already holds (the `token` reference of
    /// the configuration is not used).
    pub fn with_token(config: &OktaConfig, token: SecretString) -> Result<OktaSource> {
        OktaSource::with_token_and_tuning(config, token, Tuning::default())
    }

    /// Like [`OktaSource::with_token`], with non-default [`Tuning`].
    pub fn with_token_and_tuning(
        config: &OktaConfig,
        token: SecretString,
        tuning: Tuning,
    ) -> Result<OktaSource> {
        let base = check_config(config)?;
        let settings = ClientSettings {
            timeout: Duration::from_secs(u64::from(config.timeout_seconds)),
            max_concurrency: config.max_concurrency,
            rate_limit_share: config.rate_limit_share,
            retry: RetryPolicy {
                retries: config.max_retries,
                min_delay: tuning.retry_min_delay,
                max_delay: tuning.retry_max_delay,
            },
            throttle_margin: tuning.throttle_margin,
            max_throttle_wait: tuning.max_throttle_wait,
            max_throttle_waits: tuning.max_throttle_waits,
        };
        Ok(OktaSource {
            client: OktaClient::new(base, &token, &settings)?,
            page_size: config.page_size,
            max_concurrency: config.max_concurrency,
            tuning,
        })
    }

    /// The org URL in use (normalised, with a trailing `/`).
    pub fn org_url(&self) -> &str {
        self.client.base().as_str()
    }

    async fn read_users(
        &self,
        scope: &ReadScope,
        ctx: &ReadContext<'_>,
    ) -> Result<(UserSet, bool, Option<Gap>)> {
        let query = match &scope.request {
            ReadRequest::Full => UserQuery::Full {
                pushdown: scope.pushdown.as_ref(),
            },
            ReadRequest::Delta { since } => UserQuery::Changed { since: *since },
        };
        let mut set = UserSet::default();
        let listed = list_users(
            &self.client,
            query,
            self.page_size,
            self.tuning.max_pages,
            ctx,
            &mut set,
        )
        .await;
        match listed.error {
            // Nothing usable at all: fail the read (bad token, unreachable org, ...).
            Some(error) if listed.pages == 0 => Err(error),
            Some(error) => Ok((
                set,
                false,
                Some(Gap {
                    listing: "users".into(),
                    reason: error.to_string(),
                }),
            )),
            None => Ok((set, listed.complete, None)),
        }
    }

    async fn read_group(
        &self,
        reference: &str,
        scope: &ReadScope,
        since: Option<DateTime<Utc>>,
        ctx: &ReadContext<'_>,
    ) -> GroupOutcome {
        let listing = format!("group:{reference}");
        let known = scope.known_group_ids.get(reference).map(String::as_str);
        let gap = |reason: String| Gap {
            listing: listing.clone(),
            reason,
        };
        let group =
            match groups::resolve(&self.client, reference, known, self.tuning.max_pages, ctx).await
            {
                Ok(Resolved::Found(group)) => group,
                Ok(Resolved::NotFound) => return GroupOutcome::Unresolved(None),
                Ok(Resolved::Ambiguous(n)) => {
                    return GroupOutcome::Unresolved(Some(gap(format!(
                        "{n} Okta groups are named like this; configure the group by its id instead"
                    ))));
                }
                Err(error) => return GroupOutcome::Failed(gap(error.to_string())),
            };
        if let (Some(since), Some(changed)) = (since, group.last_membership_updated) {
            if changed <= since {
                return GroupOutcome::Unchanged;
            }
        }
        let mut users = UserSet::default();
        let (member_ids, listed) = groups::list_members(
            &self.client,
            &group,
            &listing,
            self.page_size,
            self.tuning.max_pages,
            ctx,
            &mut users,
        )
        .await;
        GroupOutcome::Listed {
            members: Box::new(GroupMembers {
                group,
                member_ids,
                complete: listed.complete,
            }),
            users,
            gap: listed.error.map(|e| gap(e.to_string())),
        }
    }

    async fn fetch_one(&self, index: usize, id: &str, ctx: &ReadContext<'_>) -> Result<UserLookup> {
        if id.is_empty() {
            // An empty id would turn the request into a listing; never report it as deleted.
            return Err(Error::Decode {
                what: "user ids to fetch".into(),
                path: format!("[{index}]"),
                message: "empty user id".into(),
            });
        }
        let url = self.client.endpoint(&["api", "v1", "users", id], &[]);
        match self.client.get(&url, ctx).await {
            Ok(response) => {
                let user: DirectoryUser = decode_user(&response.body, &format!("Okta user {id}"))?;
                Ok(UserLookup::Found(Box::new(user)))
            }
            Err(Error::Okta(api))
                if api.status == 404 && api.error_code.as_deref() == Some("E0000007") =>
            {
                Ok(UserLookup::NotFound { id: id.to_string() })
            }
            Err(error) => Err(error),
        }
    }
}

enum GroupOutcome {
    /// Not found (no gap) or ambiguous (with a gap saying so).
    Unresolved(Option<Gap>),
    /// Resolution failed.
    Failed(Gap),
    /// Delta: membership did not change since the watermark.
    Unchanged,
    /// Members listed (completely or not).
    Listed {
        members: Box<GroupMembers>,
        users: UserSet,
        gap: Option<Gap>,
    },
}

#[async_trait]
impl DirectorySource for OktaSource {
    async fn check_connection(&self) -> Result<ConnectionCheck> {
        let ctx = ReadContext::quiet();
        let mut check = ConnectionCheck::default();
        let probe = |segments: &'static [&'static str],
                     query: &'static [(&'static str, &'static str)]| {
            let url = self.client.endpoint(segments, query);
            let ctx = &ctx;
            async move { self.client.get(&url, ctx).await.map(|_| ()) }
        };
        match probe(&["api", "v1", "users"], &[("limit", "1")]).await {
            Ok(()) => check.users = true,
            Err(error @ Error::Credential { .. })
                if error.okta_api().is_some_and(|a| a.status == 401) =>
            {
                check
                    .messages
                    .push(format!("The token was not accepted: {error}"));
                return Ok(check);
            }
            Err(error @ Error::Transport { .. }) => {
                check.messages.push(format!(
                    "Okta at {} cannot be reached: {error}",
                    self.org_url()
                ));
                return Ok(check);
            }
            Err(error) => check
                .messages
                .push(format!("Users cannot be listed: {error}")),
        }
        check.ok = true;
        match probe(&["api", "v1", "groups"], &[("limit", "1")]).await {
            Ok(()) => check.groups = true,
            Err(error) => check
                .messages
                .push(format!("Groups cannot be listed: {error}")),
        }
        match probe(&["api", "v1", "logs"], &[("limit", "1")]).await {
            Ok(()) => check.system_log = true,
            Err(error) => check.messages.push(format!(
                "The System Log cannot be read, so deletions in Okta will only be noticed by a full \
                 reconcile: {error}"
            )),
        }
        Ok(check)
    }

    async fn read(
        &self,
        scope: &ReadScope,
        observer: &dyn ReadObserver,
    ) -> Result<DirectorySnapshot> {
        let ctx = ReadContext::new(observer);
        let since = match &scope.request {
            ReadRequest::Full => None,
            ReadRequest::Delta { since } => Some(*since),
        };
        let references: BTreeSet<&str> = scope.groups.iter().map(String::as_str).collect();
        let users = self.read_users(scope, &ctx);
        let group_reads = futures::future::join_all(
            references
                .iter()
                .map(|r| self.read_group(r, scope, since, &ctx)),
        );
        let (users, group_reads) = match (&scope.log_cursor, scope.log_since) {
            (Some(cursor), _) => {
                let log = read_log(
                    &self.client,
                    LogStart::Cursor(cursor.clone()),
                    Utc::now(),
                    self.tuning.max_log_pages,
                    &ctx,
                );
                let (users, group_reads, log) = tokio::join!(users, group_reads, log);
                (users, (group_reads, log))
            }
            (None, explicit) => {
                // Without a cursor the log starts at Okta's clock as of the first answer of
                // this read (never the local clock): read the listings first so that time is
                // known, then the log from then on, which covers anything that happened while
                // the listings were being read.
                let (users, group_reads) = tokio::join!(users, group_reads);
                let start = explicit
                    .or_else(|| ctx.server_time())
                    .unwrap_or_else(Utc::now);
                let log = read_log(
                    &self.client,
                    LogStart::Since(start),
                    start,
                    self.tuning.max_log_pages,
                    &ctx,
                )
                .await;
                (users, (group_reads, log))
            }
        };
        let (group_reads, log) = group_reads;
        let (mut all_users, users_complete, users_gap) = users?;

        let mut snapshot = DirectorySnapshot {
            full: since.is_none(),
            users_complete,
            ..DirectorySnapshot::default()
        };
        snapshot.gaps.extend(users_gap);
        let mut groups = BTreeMap::new();
        for (reference, outcome) in references.iter().zip(group_reads) {
            match outcome {
                GroupOutcome::Unresolved(gap) => {
                    snapshot.unresolved_groups.push((*reference).to_string());
                    snapshot.gaps.extend(gap);
                }
                GroupOutcome::Failed(gap) => snapshot.gaps.push(gap),
                GroupOutcome::Unchanged => {}
                GroupOutcome::Listed {
                    members,
                    users,
                    gap,
                } => {
                    all_users.extend(users.into_vec());
                    snapshot.gaps.extend(gap);
                    groups.insert((*reference).to_string(), *members);
                }
            }
        }
        snapshot.groups = groups;
        snapshot.users = all_users.into_vec();
        snapshot.events = log.events;
        snapshot.log_cursor = log.cursor;
        snapshot.log_cursor_expired = log.expired;
        snapshot.gaps.extend(log.gaps);
        snapshot.gaps.sort();
        snapshot.server_time = ctx.server_time();
        snapshot.stats = ctx.stats();
        Ok(snapshot)
    }

    async fn fetch_users(&self, ids: &[String]) -> Result<Vec<UserLookup>> {
        let ctx = ReadContext::quiet();
        let ctx = &ctx;
        let lookups: Vec<_> = ids
            .iter()
            .enumerate()
            .map(|(index, id)| self.fetch_one(index, id, ctx))
            .collect();
        futures::stream::iter(lookups)
            .buffered(usize::try_from(self.max_concurrency).unwrap_or(1).max(1))
            .try_collect()
            .await
    }
}
