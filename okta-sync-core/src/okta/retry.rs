//! Retrying transient failures: server errors (5xx), timeouts and dropped connections, with
//! a bounded number of attempts and exponential backoff with jitter (so that many clients
//! failing at once do not come back in lockstep).
//!
//! Nothing else is retried here: 401 and 403 are credential problems that a retry cannot
//! fix, other 4xx are mistakes in the request, and 429 is the rate limiter's business
//! because Okta says exactly how long to wait.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};

/// Whether a response status is worth another attempt.
pub(crate) fn retryable_status(status: u16) -> bool {
    (500..600).contains(&status) && !matches!(status, 501 | 505 | 511)
}

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: u32,
    /// Delay before the first retry (before jitter).
    pub min_delay: Duration,
    /// Longest delay between two attempts.
    pub max_delay: Duration,
}

impl RetryPolicy {
    fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_factor(2.0)
            .with_jitter()
            .with_max_times(usize::try_from(self.retries).unwrap_or(usize::MAX))
    }
}

/// Why one attempt failed.
#[derive(Debug)]
pub(crate) enum Failure<R> {
    /// The server answered with a retryable status; the response is kept so that, if the
    /// retries run out, the caller can report Okta's own error body.
    Server(R),
    /// The request did not complete (timeout, reset, refused connection, cut-off body).
    Network(String),
    /// The request could not even be built; retrying cannot help.
    Fatal(String),
}

impl<R> Failure<R> {
    /// Whether another attempt may succeed.
    pub(crate) fn is_transient(&self) -> bool {
        !matches!(self, Failure::Fatal(_))
    }
}

impl<R> fmt::Display for Failure<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Server(_) => f.write_str("server error"),
            Failure::Network(m) | Failure::Fatal(m) => f.write_str(m),
        }
    }
}

/// Runs `attempt` until it succeeds, fails for good, or the policy's retries are used up.
pub(crate) async fn with_retries<T, R, F, Fut>(
    policy: RetryPolicy,
    endpoint: &str,
    attempt: F,
) -> Result<T, Failure<R>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Failure<R>>>,
{
    attempt
        .retry(policy.backoff())
        .when(Failure::is_transient)
        .notify(|failure, delay| {
            tracing::debug!(
                endpoint,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                reason = %failure,
                "retrying Okta request after a transient failure"
            );
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn quick(retries: u32) -> RetryPolicy {
        RetryPolicy {
            retries,
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(4),
        }
    }

    #[test]
    fn only_transient_server_statuses_are_retried() {
        for status in [500, 502, 503, 504, 520] {
            assert!(retryable_status(status), "{status}");
        }
        for status in [200, 400, 401, 403, 404, 429, 501, 505] {
            assert!(!retryable_status(status), "{status}");
        }
    }

    #[tokio::test]
    async fn retries_transient_failures_until_success() {
        let calls = AtomicU32::new(0);
        let result: Result<u32, Failure<()>> = with_retries(quick(4), "GET /x", || async {
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            if n < 3 {
                Err(Failure::Network("connection reset".into()))
            } else {
                Ok(n)
            }
        })
        .await;
        assert_eq!(result.unwrap(), 3);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn gives_up_after_the_configured_retries() {
        let calls = AtomicU32::new(0);
        let result: Result<(), Failure<u16>> = with_retries(quick(2), "GET /x", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(Failure::Server(503))
        })
        .await;
        assert!(matches!(result, Err(Failure::Server(503))));
        assert_eq!(
            calls.load(Ordering::SeqCst),
            3,
            "one attempt and two retries"
        );
    }

    #[tokio::test]
    async fn fatal_failures_are_not_retried() {
        let calls = AtomicU32::new(0);
        let result: Result<(), Failure<()>> = with_retries(quick(5), "GET /x", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(Failure::Fatal("bad url".into()))
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
