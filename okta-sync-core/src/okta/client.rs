//! The HTTP client for Okta's Management API: authentication, one request with its
//! retries and rate-limit waits, and the per-read bookkeeping.
//!
//! The API token travels only in the `Authorization: SSWS ...` header, marked sensitive,
//! and only to the configured org's origin (https, or http on loopback for tests). It is
//! never part of a URL, an error, a log event or a `Debug` output. Log events carry the
//! method, path, status and Okta's request id, never query strings (filters may name
//! people).

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use reqwest::header::{ACCEPT, AUTHORIZATION, DATE, HeaderValue, LINK};
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;
use url::{Host, Url};

use super::error::{api_error, classify};
use super::pagination::{Links, parse_links};
use super::ratelimit::{Bucket, RateHeaders, RateLimiter, Reservation};
use super::retry::{Failure, RetryPolicy, retryable_status, with_retries};
use crate::directory::{ReadObserver, ReadStats};
use crate::{Error, Result};

/// Checks an org URL: https (http only for loopback hosts), no credentials, no path, and
/// not the `-admin` console host. Returns the origin with path `/`.
pub(crate) fn validate_org_url(raw: &str) -> std::result::Result<Url, String> {
    let trimmed = raw.trim();
    // The value is never repeated: a token pasted here would end up in errors and logs.
    let url = Url::parse(trimmed).map_err(|e| {
        format!("is not a URL ({e}); expected something like https://acme.okta.com")
    })?;
    let loopback = match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => return Err("has no host; expected something like https://acme.okta.com".into()),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(
                "must use https; plain http is accepted only for loopback test servers (127.0.0.1, ::1, localhost)"
                    .into(),
            );
        }
        // Not echoed: a token pasted in place of the URL would be read as its scheme.
        _ => return Err("unsupported scheme (not shown); use https".into()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "must not contain a user name or password; the token is configured separately".into(),
        );
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "give only the org URL, without a path or query (for example {})",
            url.origin().ascii_serialization()
        ));
    }
    let admin_console = matches!(url.host(), Some(Host::Domain(d))
        if d.split('.').next().is_some_and(|label| label.ends_with("-admin")));
    if admin_console {
        return Err(
            "this is the Admin Console host; use the org URL without `-admin` (for example https://acme.okta.com)".into(),
        );
    }
    Ok(url)
}

/// One answer from Okta, body read in full.
#[derive(Debug)]
pub(crate) struct OktaResponse {
    pub status: u16,
    pub body: Bytes,
    pub links: Links,
    /// The server's `Date`.
    pub date: Option<DateTime<Utc>>,
    /// `X-Okta-Request-Id`.
    pub request_id: Option<String>,
    pub rate: RateHeaders,
}

/// How the client behaves.
#[derive(Debug, Clone)]
pub(crate) struct ClientSettings {
    pub timeout: Duration,
    pub max_concurrency: u32,
    pub rate_limit_share: f64,
    pub retry: RetryPolicy,
    pub throttle_margin: Duration,
    pub max_throttle_wait: Duration,
    pub max_throttle_waits: u32,
}

/// Counters and progress for one read, shared by all its requests.
pub(crate) struct ReadContext<'a> {
    observer: &'a dyn ReadObserver,
    requests: AtomicU64,
    pages: AtomicU64,
    bytes: AtomicU64,
    throttle_waits: AtomicU64,
    throttle_wait_ms: AtomicU64,
    server_time: Mutex<Option<DateTime<Utc>>>,
}

struct Quiet;

impl ReadObserver for Quiet {
    fn page(&self, _: &str, _: usize) {}
    fn throttled(&self, _: u64) {}
}

static QUIET: Quiet = Quiet;

impl<'a> ReadContext<'a> {
    pub(crate) fn new(observer: &'a dyn ReadObserver) -> Self {
        ReadContext {
            observer,
            requests: AtomicU64::new(0),
            pages: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            throttle_waits: AtomicU64::new(0),
            throttle_wait_ms: AtomicU64::new(0),
            server_time: Mutex::new(None),
        }
    }

    /// A context nobody watches (connection checks, single-user fetches).
    pub(crate) fn quiet() -> ReadContext<'static> {
        ReadContext::new(&QUIET)
    }

    pub(crate) fn page(&self, listing: &str, items: usize) {
        self.pages.fetch_add(1, Ordering::Relaxed);
        self.observer.page(listing, items);
    }

    fn throttled(&self, wait: Duration) {
        let ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
        self.throttle_waits.fetch_add(1, Ordering::Relaxed);
        self.throttle_wait_ms.fetch_add(ms, Ordering::Relaxed);
        self.observer.throttled(ms);
    }

    fn saw_date(&self, date: Option<DateTime<Utc>>) {
        let Some(date) = date else { return };
        let mut earliest = self
            .server_time
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if earliest.is_none_or(|e| date < e) {
            *earliest = Some(date);
        }
    }

    /// Okta's clock at the first answer of this read.
    pub(crate) fn server_time(&self) -> Option<DateTime<Utc>> {
        *self
            .server_time
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn stats(&self) -> ReadStats {
        ReadStats {
            requests: self.requests.load(Ordering::Relaxed),
            pages: self.pages.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            throttle_waits: self.throttle_waits.load(Ordering::Relaxed),
            throttle_wait_ms: self.throttle_wait_ms.load(Ordering::Relaxed),
        }
    }
}

/// The Okta HTTP client of one source.
pub(crate) struct OktaClient {
    http: reqwest::Client,
    base: Url,
    auth: HeaderValue,
    limiter: RateLimiter,
    retry: RetryPolicy,
    max_throttle_waits: u32,
}

impl fmt::Debug for OktaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OktaClient")
            .field("base", &self.base.as_str())
            .field("token", &"[redacted]")
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

fn network_failure(err: reqwest::Error) -> Failure<OktaResponse> {
    if err.is_builder() {
        return Failure::Fatal(err.without_url().to_string());
    }
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else if err.is_body() || err.is_decode() {
        "the response body was cut off"
    } else {
        "the request failed"
    };
    let err = err.without_url();
    let mut message = format!("{kind}: {err}");
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    Failure::Network(message)
}

impl OktaClient {
    pub(crate) fn new(base: Url, token: &SecretString, settings: &ClientSettings) -> Result<Self> {
        // reqwest is built without a default TLS provider; ring is the one this crate ships.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut auth =
            HeaderValue::from_str(&format!("SSWS {}", token.expose_secret())).map_err(|_| {
                Error::Secret {
                    name: "okta.token".into(),
                    reason: "the token contains characters that cannot be sent in an HTTP header"
                        .into(),
                }
            })?;
        auth.set_sensitive(true);
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            // A redirect could carry the request (and, with a careless client, the token)
            // elsewhere; Okta's API does not redirect.
            .redirect(reqwest::redirect::Policy::none())
            .https_only(base.scheme() == "https")
            .user_agent(concat!("okta-sync/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Transport {
                endpoint: "HTTP client setup".into(),
                attempts: 0,
                message: e.without_url().to_string(),
            })?;
        Ok(OktaClient {
            http,
            base,
            auth,
            limiter: RateLimiter::new(
                settings.rate_limit_share,
                settings.max_concurrency,
                settings.throttle_margin,
                settings.max_throttle_wait,
            ),
            retry: settings.retry,
            max_throttle_waits: settings.max_throttle_waits,
        })
    }

    /// The org URL.
    pub(crate) fn base(&self) -> &Url {
        &self.base
    }

    /// A URL on the org from path segments (each percent-encoded) and query pairs.
    pub(crate) fn endpoint(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.clear().extend(segments);
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// Whether `url` is on the org's origin (scheme, host and port).
    pub(crate) fn same_origin(&self, url: &Url) -> bool {
        url.origin() == self.base.origin()
    }

    /// GETs `url`, staying within the rate-limit share, waiting out 429s and retrying
    /// transient failures. Any non-success answer becomes an error.
    /// Waits until one request in `bucket` may go out within our share. The guard, when
    /// there is one, makes this request the bucket's probe: hold it until its answer has
    /// been observed.
    async fn admit(
        &self,
        bucket: Bucket,
        endpoint: &str,
        ctx: &ReadContext<'_>,
    ) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        loop {
            let probe = self.limiter.probe(bucket).await;
            match self
                .limiter
                .reserve(bucket, Instant::now(), probe.is_some())
            {
                Reservation::Granted => return probe,
                // The window expired after `probe` looked: learn the new one first.
                Reservation::Unknown => {}
                Reservation::Wait(wait) => {
                    drop(probe);
                    tracing::debug!(
                        endpoint,
                        wait_ms = wait.as_millis() as u64,
                        "waiting to stay within the rate-limit share"
                    );
                    ctx.throttled(wait);
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    pub(crate) async fn get(&self, url: &Url, ctx: &ReadContext<'_>) -> Result<OktaResponse> {
        let endpoint = format!("GET {}", url.path());
        if !self.same_origin(url) {
            return Err(Error::Transport {
                endpoint,
                attempts: 0,
                message: "the URL is not on the configured org; the token is only sent to the org"
                    .into(),
            });
        }
        let bucket = Bucket::for_path(url.path());
        let mut throttled = 0u32;
        let mut retry_for: Option<String> = None;
        loop {
            let probe = self.admit(bucket, &endpoint, ctx).await;
            let attempts = AtomicU32::new(0);
            let result = {
                let _slot = self.limiter.slot().await;
                with_retries(self.retry, &endpoint, || {
                    self.attempt(url, ctx, &attempts, retry_for.as_deref(), throttled)
                })
                .await
            };
            let response = match result {
                Ok(response) => response,
                Err(Failure::Server(r)) => {
                    return Err(Error::Okta(api_error(
                        r.status,
                        &r.body,
                        r.request_id,
                        endpoint,
                    )));
                }
                Err(Failure::Network(message) | Failure::Fatal(message)) => {
                    // Name the host: a DNS or connection failure is usually a wrong org URL
                    // (the path and query say nothing about that, and the query is left out).
                    return Err(Error::Transport {
                        endpoint: format!(
                            "GET {}{}",
                            url.origin().ascii_serialization(),
                            url.path()
                        ),
                        attempts: attempts.load(Ordering::Relaxed),
                        message,
                    });
                }
            };
            self.limiter
                .observe(bucket, &response.rate, response.date, Instant::now());
            drop(probe);
            match response.status {
                200..=299 => return Ok(response),
                429 => {
                    throttled += 1;
                    let api = api_error(
                        429,
                        &response.body,
                        response.request_id.clone(),
                        endpoint.clone(),
                    );
                    if throttled > self.max_throttle_waits {
                        return Err(Error::RateLimited {
                            api,
                            attempts: throttled,
                        });
                    }
                    let wait = self.limiter.wait_after_429(&response.rate, response.date);
                    tracing::debug!(
                        endpoint,
                        request_id = response.request_id.as_deref().unwrap_or(""),
                        wait_ms = wait.as_millis() as u64,
                        "Okta rate limit reached (429); waiting until the window resets"
                    );
                    ctx.throttled(wait);
                    retry_for = response.request_id;
                    tokio::time::sleep(wait).await;
                }
                status => {
                    return Err(classify(api_error(
                        status,
                        &response.body,
                        response.request_id,
                        endpoint,
                    )));
                }
            }
        }
    }

    /// One HTTP exchange. Retryable statuses come back as [`Failure::Server`].
    async fn attempt(
        &self,
        url: &Url,
        ctx: &ReadContext<'_>,
        attempts: &AtomicU32,
        retry_for: Option<&str>,
        retry_count: u32,
    ) -> std::result::Result<OktaResponse, Failure<OktaResponse>> {
        let attempt = attempts.fetch_add(1, Ordering::Relaxed) + 1;
        ctx.requests.fetch_add(1, Ordering::Relaxed);
        let span = tracing::debug_span!(
            "okta_request",
            method = "GET",
            path = url.path(),
            attempt,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        async move {
            let mut request = self
                .http
                .get(url.clone())
                .header(AUTHORIZATION, self.auth.clone())
                .header(ACCEPT, "application/json");
            if let Some(id) = retry_for {
                // Okta's SDKs tag a retry after a 429 so Okta support can tie the two together.
                request = request
                    .header("X-Okta-Retry-For", id)
                    .header("X-Okta-Retry-Count", retry_count.to_string());
            }
            let response = request.send().await.map_err(network_failure)?;
            let status = response.status().as_u16();
            let headers = response.headers();
            let request_id = headers
                .get("x-okta-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let date = headers
                .get(DATE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| httpdate::parse_http_date(v).ok())
                .map(DateTime::<Utc>::from);
            let rate = RateHeaders::from_headers(headers);
            let links = parse_links(headers.get_all(LINK).iter().filter_map(|v| v.to_str().ok()));
            let span = tracing::Span::current();
            span.record("status", status);
            span.record("request_id", request_id.as_deref().unwrap_or(""));
            let body = response.bytes().await.map_err(network_failure)?;
            ctx.bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
            ctx.saw_date(date);
            tracing::debug!(bytes = body.len(), "Okta answered");
            let answer = OktaResponse {
                status,
                body,
                links,
                date,
                request_id,
                rate,
            };
            if retryable_status(status) {
                Err(Failure::Server(answer))
            } else {
                Ok(answer)
            }
        }
        .instrument(span)
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_urls_must_be_https_except_on_loopback() {
        assert_eq!(
            validate_org_url("https://acme.okta.com").unwrap().as_str(),
            "https://acme.okta.com/"
        );
        assert!(validate_org_url(" https://acme.okta.com/ ").is_ok());
        assert!(validate_org_url("http://127.0.0.1:8080").is_ok());
        assert!(validate_org_url("http://localhost:3000").is_ok());
        assert!(validate_org_url("http://[::1]:3000").is_ok());
        let err = validate_org_url("http://acme.okta.com").unwrap_err();
        assert!(err.contains("https"), "{err}");
        assert!(validate_org_url("http://10.0.0.5").is_err());
        assert!(validate_org_url("ftp://acme.okta.com").is_err());
        assert!(
            validate_org_url("acme.okta.com")
                .unwrap_err()
                .contains("not a URL")
        );
    }

    #[test]
    fn org_urls_are_bare_origins() {
        assert!(
            validate_org_url("https://acme.okta.com/api/v1")
                .unwrap_err()
                .contains("without a path")
        );
        assert!(validate_org_url("https://acme.okta.com/?x=1").is_err());
        // No message repeats a value that may hold a token.
        for raw in [
            "https://acme.okta.com/?token=00SECRET",
            "https://acme.okta.com/#00SECRET",
            "https://acme.okta.com:99999/?token=00SECRET",
            "00SECRET",
            "data:00SECRET",
            "https://admin:00SECRET@acme.okta.com",
        ] {
            let err = validate_org_url(raw).unwrap_err();
            assert!(!err.contains("SECRET"), "{raw}: {err}");
        }
        assert!(
            validate_org_url("https://user:pw@acme.okta.com")
                .unwrap_err()
                .contains("password")
        );
        assert!(
            validate_org_url("https://acme-admin.okta.com")
                .unwrap_err()
                .contains("-admin")
        );
    }
}
