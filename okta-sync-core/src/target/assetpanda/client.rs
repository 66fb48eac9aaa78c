//! The HTTP layer: key headers, self-throttling, retries and error mapping.
//!
//! Every request carries `Access-Key-Id` and `Access-Key-Secret`. Both are kept as
//! [`SecretString`], marked sensitive on the wire (so HTTP/2 never indexes them), and
//! scrubbed from any text that is put into an error, in case a server echoes them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use reqwest::Method;
use reqwest::header::{ACCEPT, HeaderMap, HeaderValue, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::envelope;
use super::throttle::Throttle;
use super::{AssetPandaOptions, NAME};
use crate::{Error, Result};

/// Longest wait a `Retry-After` header may impose before a retry.
const RETRY_AFTER_CAP: Duration = Duration::from_secs(300);

/// Whether a request may be sent again after a failure that the server may have acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Replay {
    /// Reads, searches and updates: repeating them changes nothing.
    Safe,
    /// Creates and invites: repeated only when the server certainly did not process the
    /// first attempt (429, 502, 503, 504, or no connection), so nothing is created twice.
    OnlyIfUnprocessed,
}

/// One API call.
#[derive(Debug, Clone)]
pub(super) struct Call<'a> {
    operation: &'a str,
    method: Method,
    path: &'a str,
    query: Vec<(&'static str, String)>,
    body: Option<Value>,
    replay: Replay,
}

impl<'a> Call<'a> {
    /// A GET of `path`; `operation` says what it is for, in errors.
    pub(super) fn get(operation: &'a str, path: &'a str) -> Self {
        Call {
            operation,
            method: Method::GET,
            path,
            query: Vec::new(),
            body: None,
            replay: Replay::Safe,
        }
    }

    /// A request with a JSON body.
    pub(super) fn with_body(
        operation: &'a str,
        method: Method,
        path: &'a str,
        body: Value,
        replay: Replay,
    ) -> Self {
        Call {
            operation,
            method,
            path,
            query: Vec::new(),
            body: Some(body),
            replay,
        }
    }

    /// Adds a query parameter.
    pub(super) fn query(mut self, key: &'static str, value: &str) -> Self {
        self.query.push((key, value.to_string()));
        self
    }

    fn endpoint(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// Why one attempt failed.
#[derive(Debug)]
enum Failure {
    /// The server answered with a non-success status.
    Status {
        status: u16,
        message: String,
        retry_after: Option<Duration>,
    },
    /// No usable answer; `unsent` when the connection was never made.
    Transport { message: String, unsent: bool },
    /// A success status with a body that is not JSON.
    Body { status: u16, message: String },
}

impl Failure {
    fn retryable(&self, replay: Replay) -> bool {
        match self {
            Failure::Status {
                status: 429 | 502 | 503 | 504,
                ..
            } => true,
            Failure::Status { status, .. } => *status >= 500 && replay == Replay::Safe,
            Failure::Transport { unsent, .. } => *unsent || replay == Replay::Safe,
            Failure::Body { .. } => false,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            Failure::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// The Asset Panda Pro HTTP client.
pub(super) struct Client {
    http: reqwest::Client,
    base: String,
    key_id: SecretString,
    key_secret: SecretString,
    throttle: Throttle,
    backoff: ExponentialBuilder,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("throttle", &self.throttle)
            .finish_non_exhaustive()
    }
}

fn header(secret: &SecretString) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(secret.expose_secret()).ok()?;
    value.set_sensitive(true);
    Some(value)
}

impl Client {
    /// Builds the client. `base` is a validated URL; the keys were checked to be valid
    /// header values by the caller.
    pub(super) fn new(
        base: &str,
        key_id: SecretString,
        key_secret: SecretString,
        throttle: Throttle,
        options: &AssetPandaOptions,
    ) -> Result<Self> {
        // reqwest is built without a default TLS provider; installing ring is idempotent
        // and fails only when another provider was installed first, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(options.request_timeout)
            .user_agent(concat!("okta-sync/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Target {
                target: NAME.into(),
                operation: "build HTTP client".into(),
                status: None,
                message: e.to_string(),
            })?;
        let backoff = ExponentialBuilder::default()
            .with_min_delay(options.retry_min_delay)
            .with_max_delay(options.retry_max_delay)
            .with_max_times(options.max_retries)
            .with_jitter();
        Ok(Client {
            http,
            base: base.trim_end_matches('/').to_string(),
            key_id,
            key_secret,
            throttle,
            backoff,
        })
    }

    /// Whether both keys can be sent as header values.
    pub(super) fn keys_are_sendable(key_id: &SecretString, key_secret: &SecretString) -> bool {
        header(key_id).is_some() && header(key_secret).is_some()
    }

    /// Sends `call`, retrying what is safe to retry, and returns the JSON body (`Null` for
    /// an empty one).
    pub(super) async fn send(&self, call: Call<'_>) -> Result<Value> {
        let attempts = AtomicUsize::new(0);
        let replay = call.replay;
        let result = (|| async {
            attempts.fetch_add(1, Ordering::Relaxed);
            self.attempt(&call).await
        })
        .retry(self.backoff)
        .sleep(tokio::time::sleep)
        .when(|failure: &Failure| failure.retryable(replay))
        .adjust(|failure: &Failure, wait| {
            wait.map(|w| {
                failure
                    .retry_after()
                    .map_or(w, |ra| ra.min(RETRY_AFTER_CAP))
            })
        })
        .notify(|failure: &Failure, wait| {
            tracing::warn!(
                target: "okta_sync::target::assetpanda",
                endpoint = %call.endpoint(),
                wait_ms = wait.as_millis() as u64,
                failure = %self.describe(failure),
                "retrying Asset Panda request"
            );
        })
        .await;
        result.map_err(|failure| self.to_error(&call, failure, attempts.load(Ordering::Relaxed)))
    }

    async fn attempt(&self, call: &Call<'_>) -> Result<Value, Failure> {
        self.throttle.acquire().await;
        let mut url = url::Url::parse(&format!("{}{}", self.base, call.path)).map_err(|e| {
            Failure::Transport {
                message: format!("invalid URL: {e}"),
                unsent: false,
            }
        })?;
        if !call.query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(call.query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let (Some(id), Some(secret)) = (header(&self.key_id), header(&self.key_secret)) else {
            return Err(Failure::Transport {
                message: "an API key contains characters that cannot be sent in a header".into(),
                unsent: false,
            });
        };
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert("Access-Key-Id", id);
        headers.insert("Access-Key-Secret", secret);
        let mut request = self.http.request(call.method.clone(), url).headers(headers);
        if let Some(body) = &call.body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| Failure::Transport {
            unsent: e.is_connect(),
            message: self.redact(&error_chain(&e)),
        })?;
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers());
        let bytes = response.bytes().await.map_err(|e| Failure::Transport {
            unsent: false,
            message: self.redact(&error_chain(&e)),
        })?;
        tracing::debug!(
            target: "okta_sync::target::assetpanda",
            endpoint = %call.endpoint(),
            status,
            bytes = bytes.len(),
            "Asset Panda response"
        );
        let parsed = if bytes.iter().all(u8::is_ascii_whitespace) {
            Ok(Value::Null)
        } else {
            serde_json::from_slice::<Value>(&bytes)
        };
        if (200..300).contains(&status) {
            return parsed.map_err(|e| Failure::Body {
                status,
                message: format!("the response body is not valid JSON ({e})"),
            });
        }
        let message = parsed
            .ok()
            .and_then(|v| envelope::error_message(&v))
            .unwrap_or_else(|| snippet(&bytes));
        Err(Failure::Status {
            status,
            message: self.redact(&message),
            retry_after,
        })
    }

    /// Replaces the key values wherever they appear in `text`.
    fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in [&self.key_secret, &self.key_id] {
            let value = secret.expose_secret();
            if !value.is_empty() {
                out = out.replace(value, "[redacted]");
            }
        }
        out
    }

    fn describe(&self, failure: &Failure) -> String {
        match failure {
            Failure::Status {
                status, message, ..
            } => format!("HTTP {status}: {message}"),
            Failure::Transport { message, .. } => message.clone(),
            Failure::Body { status, message } => format!("HTTP {status}: {message}"),
        }
    }

    fn to_error(&self, call: &Call<'_>, failure: Failure, attempts: usize) -> Error {
        let endpoint = call.endpoint();
        let target_error = |status: u16, message: String| Error::Target {
            target: NAME.into(),
            operation: call.operation.into(),
            status: Some(status),
            message,
        };
        match failure {
            Failure::Status {
                status: status @ (401 | 403),
                message,
                ..
            } => target_error(
                status,
                format!(
                    "Asset Panda refused the API key (HTTP {status} from {endpoint}): {message}. \
                     Check that the key exists, has the read or write permission this needs, \
                     and has access to the module"
                ),
            ),
            Failure::Status {
                status: 429,
                message,
                ..
            } => target_error(
                429,
                format!(
                    "still rate limited after {attempts} attempt(s) of {endpoint}: {message}. \
                     Lower requests_per_window or ask Asset Panda support for the account's limit"
                ),
            ),
            Failure::Status {
                status, message, ..
            } => target_error(
                status,
                format!("HTTP {status} from {endpoint} after {attempts} attempt(s): {message}"),
            ),
            Failure::Body { status, message } => {
                target_error(status, format!("HTTP {status} from {endpoint}: {message}"))
            }
            Failure::Transport { message, .. } => Error::Transport {
                endpoint,
                attempts: attempts as u32,
                message,
            },
        }
    }
}

/// A transport error with its causes, without the URL.
fn error_chain(err: &reqwest::Error) -> String {
    let mut text = if err.is_timeout() {
        "the request timed out".to_string()
    } else if err.is_connect() {
        "cannot connect".to_string()
    } else {
        "the request failed".to_string()
    };
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The first 200 characters of a non-JSON error body.
fn snippet(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    if text.is_empty() {
        return "(empty body)".into();
    }
    let mut cut: String = text.chars().take(200).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    cut
}

/// `Retry-After` in seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unprocessed_failures_of_creates_are_retried() {
        let status = |status| Failure::Status {
            status,
            message: String::new(),
            retry_after: None,
        };
        for (code, safe, unsafe_) in [
            (429, true, true),
            (500, true, false),
            (502, true, true),
            (503, true, true),
            (400, false, false),
            (404, false, false),
        ] {
            assert_eq!(status(code).retryable(Replay::Safe), safe, "{code} safe");
            assert_eq!(
                status(code).retryable(Replay::OnlyIfUnprocessed),
                unsafe_,
                "{code} create"
            );
        }
        let timeout = Failure::Transport {
            message: String::new(),
            unsent: false,
        };
        let refused = Failure::Transport {
            message: String::new(),
            unsent: true,
        };
        assert!(timeout.retryable(Replay::Safe));
        assert!(!timeout.retryable(Replay::OnlyIfUnprocessed));
        assert!(refused.retryable(Replay::OnlyIfUnprocessed));
        assert!(
            !Failure::Body {
                status: 200,
                message: String::new()
            }
            .retryable(Replay::Safe)
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn snippets_are_short() {
        assert_eq!(snippet(b"  "), "(empty body)");
        let long = "x".repeat(300);
        let cut = snippet(long.as_bytes());
        assert_eq!(cut.chars().count(), 201);
        assert!(cut.ends_with('…'));
    }
}
