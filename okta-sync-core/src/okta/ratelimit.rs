//! Okta rate limits: stay within our share of each bucket, wait out a 429 by the server's
//! clock, and cap how many requests are in flight.
//!
//! Okta counts requests per endpoint family ("bucket") in windows of about a minute and
//! reports `X-Rate-Limit-Limit`, `-Remaining` and `-Reset` (epoch seconds) on every answer.
//! Other integrations of the same org draw on the same buckets, so this source stops
//! when what is left of a bucket falls to the part it leaves to others
//! (`1 - rate_limit_share`), and resumes when the window resets. Reset times are turned
//! into local deadlines with the response's own `Date`, never the local wall clock, so a
//! skewed local clock cannot make it wait too little or too long.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;
use tokio::sync::{Semaphore, SemaphorePermit};

/// Okta's rate-limit buckets for the endpoints this source calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Bucket {
    /// `/api/v1/users` (listing).
    Users,
    /// `/api/v1/users/{id}` and below.
    UserById,
    /// `/api/v1/groups` and `/api/v1/groups/{id}/users`.
    Groups,
    /// `/api/v1/groups/{id}`.
    GroupById,
    /// `/api/v1/logs`.
    Logs,
    /// Anything else.
    Other,
}

impl Bucket {
    /// Every bucket.
    pub(crate) const ALL: [Bucket; 6] = [
        Bucket::Users,
        Bucket::UserById,
        Bucket::Groups,
        Bucket::GroupById,
        Bucket::Logs,
        Bucket::Other,
    ];

    /// The bucket a request path falls in.
    pub(crate) fn for_path(path: &str) -> Bucket {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match segments.as_slice() {
            ["api", "v1", "users"] => Bucket::Users,
            ["api", "v1", "users", _, ..] => Bucket::UserById,
            ["api", "v1", "groups"] | ["api", "v1", "groups", _, "users"] => Bucket::Groups,
            ["api", "v1", "groups", _] => Bucket::GroupById,
            ["api", "v1", "logs"] => Bucket::Logs,
            _ => Bucket::Other,
        }
    }
}

/// The `X-Rate-Limit-*` values of one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct RateHeaders {
    pub limit: Option<u32>,
    pub remaining: Option<u32>,
    /// Epoch seconds.
    pub reset: Option<i64>,
}

impl RateHeaders {
    /// Reads the headers; when one is repeated (Okta has been seen to send several), the
    /// smallest value wins, as in Okta's own SDKs.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Self {
        fn min_of<T: std::str::FromStr + Ord>(headers: &HeaderMap, name: &str) -> Option<T> {
            headers
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok()?.trim().parse().ok())
                .min()
        }
        RateHeaders {
            limit: min_of(headers, "x-rate-limit-limit"),
            remaining: min_of(headers, "x-rate-limit-remaining"),
            reset: min_of(headers, "x-rate-limit-reset"),
        }
    }
}

/// True when a bucket has been used down to the part this integration leaves to others.
///
/// With `share = 0.5` and a limit of 600, we stop once 300 or fewer requests remain in the
/// window; with `share = 1` only when the bucket is empty.
pub(crate) fn over_share(limit: u32, remaining: u32, share: f64) -> bool {
    let for_others = ((1.0 - share.clamp(0.0, 1.0)) * f64::from(limit)).ceil();
    f64::from(remaining) <= for_others
}

/// Time until `reset` (epoch seconds) by the server's clock, `date` being the server's
/// `Date` for the same response; the local clock only when the server sent no `Date`.
pub(crate) fn until_reset(reset: i64, date: Option<DateTime<Utc>>) -> Duration {
    let now = date.unwrap_or_else(Utc::now).timestamp();
    Duration::from_secs(u64::try_from(reset - now).unwrap_or(0))
}

#[derive(Debug)]
struct Window {
    limit: u32,
    remaining: u32,
    /// `X-Rate-Limit-Reset` as sent: answers with the same value are in the same window.
    reset: i64,
    resets_at: Instant,
}

/// What [`RateLimiter::reserve`] allows a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reservation {
    /// Go: one request of the window is counted (or there is no window to count against).
    Granted,
    /// Wait this long, then ask again.
    Wait(Duration),
    /// The bucket's window is not known: go through [`RateLimiter::probe`] first.
    Unknown,
}

/// The limiter shared by every request of one source.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    share: f64,
    margin: Duration,
    max_wait: Duration,
    permits: Semaphore,
    windows: Mutex<HashMap<Bucket, Window>>,
    /// Per bucket: held by the one request that goes out while the bucket's window is
    /// unknown (see [`RateLimiter::probe`]).
    probes: HashMap<Bucket, tokio::sync::Mutex<()>>,
    /// Buckets whose answers carry no rate-limit headers: there is no window to learn.
    silent: Mutex<HashSet<Bucket>>,
}

impl RateLimiter {
    /// `margin` is added to every wait because Reset and Date have one-second resolution.
    pub(crate) fn new(
        share: f64,
        max_concurrency: u32,
        margin: Duration,
        max_wait: Duration,
    ) -> Self {
        RateLimiter {
            share,
            margin,
            max_wait,
            permits: Semaphore::new(usize::try_from(max_concurrency.max(1)).unwrap_or(1)),
            windows: Mutex::new(HashMap::new()),
            probes: Bucket::ALL
                .into_iter()
                .map(|b| (b, tokio::sync::Mutex::new(())))
                .collect(),
            silent: Mutex::new(HashSet::new()),
        }
    }

    /// Whether requests in `bucket` can be counted against a known window at `now`.
    fn knows(&self, bucket: Bucket, now: Instant) -> bool {
        let known = self
            .windows()
            .get(&bucket)
            .is_some_and(|w| now < w.resets_at);
        known
            || self
                .silent
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .contains(&bucket)
    }

    /// Before a request in `bucket`, ahead of [`RateLimiter::reserve`]: while the bucket's
    /// window is unknown (the first request, or the first after a reset), requests sent
    /// at once could not be counted against it and could together overdraw the share.
    /// So one request goes out alone, holding the returned guard until its answer has
    /// been observed; the others wait here for that answer, then reserve as usual.
    pub(crate) async fn probe(&self, bucket: Bucket) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        if self.knows(bucket, Instant::now()) {
            return None;
        }
        let guard = self.probes.get(&bucket)?.lock().await;
        if self.knows(bucket, Instant::now()) {
            return None;
        }
        Some(guard)
    }

    /// Waits for a free request slot (the concurrency cap).
    pub(crate) async fn slot(&self) -> Option<SemaphorePermit<'_>> {
        // The semaphore is never closed, so this only fails if that changes.
        self.permits.acquire().await.ok()
    }

    fn windows(&self) -> std::sync::MutexGuard<'_, HashMap<Bucket, Window>> {
        self.windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Before a request in `bucket`: reserves one request of the known window, or says
    /// how long to wait to stay within our share.
    ///
    /// `probing` is true for the request holding the bucket's probe guard. Any other
    /// request that finds no current window (it expired while that request slept, or
    /// just after [`RateLimiter::probe`] looked) is told to probe again rather than go
    /// out uncounted: requests that all wake at a reset would otherwise go out together
    /// against a window nobody has counted.
    pub(crate) fn reserve(&self, bucket: Bucket, now: Instant, probing: bool) -> Reservation {
        let mut windows = self.windows();
        match windows.get_mut(&bucket) {
            Some(window) if now < window.resets_at => {
                if over_share(window.limit, window.remaining, self.share) {
                    let wait = (window.resets_at - now).min(self.max_wait);
                    return Reservation::Wait(wait + self.margin);
                }
                window.remaining = window.remaining.saturating_sub(1);
                return Reservation::Granted;
            }
            Some(_) => {
                windows.remove(&bucket);
            }
            None => {}
        }
        drop(windows);
        let silent = self
            .silent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(&bucket);
        if probing || silent {
            Reservation::Granted
        } else {
            Reservation::Unknown
        }
    }

    /// Records what a response said about its bucket.
    pub(crate) fn observe(
        &self,
        bucket: Bucket,
        headers: &RateHeaders,
        date: Option<DateTime<Utc>>,
        now: Instant,
    ) {
        let (Some(limit), Some(remaining), Some(reset)) =
            (headers.limit, headers.remaining, headers.reset)
        else {
            if *headers == RateHeaders::default() {
                self.silent
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(bucket);
            }
            return;
        };
        if limit == 0 {
            // A concurrency-limit answer (0/0): it says nothing about the request window.
            return;
        }
        let resets_at = now + until_reset(reset, date);
        let mut windows = self.windows();
        match windows.get_mut(&bucket) {
            // The same window. `Date` is cut to whole seconds, so every answer's deadline
            // lies up to a second after the Reset it names: the earliest one seen is the
            // closest (and still not before the Reset). `Remaining` only falls within a
            // window, so a larger value comes from an answer that left before requests
            // reserved since; keeping the smaller one keeps concurrent requests within
            // the share.
            Some(window) if window.reset == reset => {
                window.limit = limit;
                window.remaining = window.remaining.min(remaining);
                window.resets_at = window.resets_at.min(resets_at);
            }
            // A late answer from a window that has already been replaced.
            Some(window) if reset < window.reset => {}
            _ => {
                windows.insert(
                    bucket,
                    Window {
                        limit,
                        remaining,
                        reset,
                        resets_at,
                    },
                );
            }
        }
    }

    /// How long to wait after a 429: until Reset by the server's clock, plus the margin,
    /// at most `max_wait`. Without a Reset header, the longest wait.
    pub(crate) fn wait_after_429(
        &self,
        headers: &RateHeaders,
        date: Option<DateTime<Utc>>,
    ) -> Duration {
        let wait = headers.reset.map_or(self.max_wait, |reset| {
            until_reset(reset, date).min(self.max_wait)
        });
        wait + self.margin
    }
}

#[cfg(test)]
mod tests {
    use super::Reservation::{Granted, Unknown, Wait};
    use super::*;
    use reqwest::header::HeaderValue;

    fn limiter(share: f64) -> RateLimiter {
        RateLimiter::new(share, 2, Duration::from_secs(1), Duration::from_secs(90))
    }

    fn date(s: &str) -> Option<DateTime<Utc>> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn share_leaves_the_rest_of_the_bucket_to_others() {
        assert!(!over_share(600, 301, 0.5));
        assert!(over_share(600, 300, 0.5));
        assert!(!over_share(600, 1, 1.0));
        assert!(over_share(600, 0, 1.0));
        // A free dev org's 50-request users bucket at the default share.
        assert!(over_share(50, 25, 0.5));
        assert!(!over_share(50, 26, 0.5));
    }

    #[test]
    fn waits_for_reset_by_the_server_date_not_the_local_clock() {
        // The real 429 from the fixtures: Date 16:21:50, Reset 48 s later.
        let headers = RateHeaders {
            limit: Some(10),
            remaining: Some(0),
            reset: Some(1_757_607_758),
        };
        let wait = limiter(0.5).wait_after_429(&headers, date("2025-09-11T16:21:50Z"));
        assert_eq!(wait, Duration::from_secs(48 + 1));
        // A reset already passed by the server's clock: just the margin.
        let wait = limiter(0.5).wait_after_429(&headers, date("2025-09-11T16:23:00Z"));
        assert_eq!(wait, Duration::from_secs(1));
        // An absurd reset is capped.
        let far = RateHeaders {
            reset: Some(1_757_607_758 + 3600),
            ..headers
        };
        assert_eq!(
            limiter(0.5).wait_after_429(&far, date("2025-09-11T16:21:50Z")),
            Duration::from_secs(91)
        );
    }

    #[test]
    fn reserve_counts_down_then_waits_until_the_window_resets() {
        let l = limiter(0.5);
        let t0 = Instant::now();
        let headers = RateHeaders {
            limit: Some(10),
            remaining: Some(7),
            reset: Some(1_000_030),
        };
        let server_now = DateTime::from_timestamp(1_000_000, 0);
        l.observe(Bucket::Users, &headers, server_now, t0);
        assert_eq!(l.reserve(Bucket::Users, t0, false), Granted); // 7 -> 6
        assert_eq!(l.reserve(Bucket::Users, t0, false), Granted); // 6 -> 5
        assert_eq!(
            l.reserve(Bucket::Users, t0, false),
            Wait(Duration::from_secs(31))
        );
        assert_eq!(
            l.reserve(Bucket::Logs, t0, false),
            Unknown,
            "other buckets are unaffected: theirs is still to be learned"
        );
        let after_reset = t0 + Duration::from_secs(30);
        assert_eq!(
            l.reserve(Bucket::Users, after_reset, false),
            Unknown,
            "after the reset the new window is unknown: probe before going out"
        );
        assert_eq!(
            l.reserve(Bucket::Users, after_reset, true),
            Granted,
            "the probing request goes"
        );
    }

    #[test]
    fn answers_in_one_window_keep_the_earliest_deadline_and_the_lowest_remaining() {
        let l = limiter(1.0);
        let t0 = Instant::now();
        let answer = |remaining| RateHeaders {
            limit: Some(10),
            remaining: Some(remaining),
            reset: Some(1_000_030),
        };
        // Answered at server second 1_000_000 (really 1_000_000.9): 30 s by the headers.
        l.observe(
            Bucket::Users,
            &answer(9),
            DateTime::from_timestamp(1_000_000, 0),
            t0,
        );
        // 0.2 s later the server's second has ticked over: 29 s, a deadline 0.8 s earlier.
        let t1 = t0 + Duration::from_millis(200);
        l.observe(
            Bucket::Users,
            &answer(8),
            DateTime::from_timestamp(1_000_001, 0),
            t1,
        );
        // Two requests reserved after that (8 -> 6), then a late answer that left the
        // server before them says 7: the local count stays at 6.
        assert_eq!(l.reserve(Bucket::Users, t1, false), Granted);
        assert_eq!(l.reserve(Bucket::Users, t1, false), Granted);
        let t2 = t0 + Duration::from_millis(300);
        l.observe(
            Bucket::Users,
            &answer(7),
            DateTime::from_timestamp(1_000_000, 0),
            t2,
        );
        let windows = l.windows();
        let window = windows.get(&Bucket::Users).unwrap();
        assert_eq!(window.remaining, 6);
        assert_eq!(window.resets_at, t1 + Duration::from_secs(29));
        drop(windows);
        // A new window (another Reset) replaces the old one entirely.
        let next = RateHeaders {
            limit: Some(10),
            remaining: Some(9),
            reset: Some(1_000_090),
        };
        let t3 = t0 + Duration::from_secs(31);
        l.observe(
            Bucket::Users,
            &next,
            DateTime::from_timestamp(1_000_031, 0),
            t3,
        );
        // A late answer of the old window changes nothing.
        l.observe(
            Bucket::Users,
            &answer(0),
            DateTime::from_timestamp(1_000_029, 0),
            t3,
        );
        let windows = l.windows();
        let window = windows.get(&Bucket::Users).unwrap();
        assert_eq!(window.remaining, 9);
        assert_eq!(window.resets_at, t3 + Duration::from_secs(59));
    }

    #[tokio::test]
    async fn while_the_window_is_unknown_one_request_probes_and_the_others_wait() {
        let l = limiter(0.5);
        let probe = l.probe(Bucket::Groups).await;
        assert!(probe.is_some(), "nothing known yet: this request probes");
        assert!(
            l.probe(Bucket::Logs).await.is_some(),
            "buckets are separate"
        );
        let waiting = l.probe(Bucket::Groups);
        tokio::pin!(waiting);
        assert!(
            futures::poll!(waiting.as_mut()).is_pending(),
            "a second request waits for the probe's answer"
        );
        let headers = RateHeaders {
            limit: Some(10),
            remaining: Some(9),
            reset: Some(1_000_030),
        };
        l.observe(
            Bucket::Groups,
            &headers,
            DateTime::from_timestamp(1_000_000, 0),
            Instant::now(),
        );
        drop(probe);
        assert!(
            waiting.await.is_none(),
            "the window is known now: no second probe"
        );
        // A server that sends no rate-limit headers has no window to learn.
        let silent = l.probe(Bucket::Other).await;
        assert!(silent.is_some());
        l.observe(Bucket::Other, &RateHeaders::default(), None, Instant::now());
        drop(silent);
        assert!(l.probe(Bucket::Other).await.is_none());
    }

    #[test]
    fn concurrency_answers_do_not_poison_the_window() {
        let l = limiter(0.5);
        let t0 = Instant::now();
        let zero = RateHeaders {
            limit: Some(0),
            remaining: Some(0),
            reset: Some(1_000_010),
        };
        l.observe(
            Bucket::Users,
            &zero,
            DateTime::from_timestamp(1_000_000, 0),
            t0,
        );
        assert_eq!(
            l.reserve(Bucket::Users, t0, false),
            Unknown,
            "still unknown"
        );
        assert_eq!(l.reserve(Bucket::Users, t0, true), Granted);
    }

    #[test]
    fn repeated_headers_take_the_smallest_value() {
        let mut h = HeaderMap::new();
        h.append("x-rate-limit-reset", HeaderValue::from_static("1700000060"));
        h.append("x-rate-limit-reset", HeaderValue::from_static("1700000030"));
        h.append("X-Rate-Limit-Limit", HeaderValue::from_static("600"));
        h.append("x-rate-limit-remaining", HeaderValue::from_static("598"));
        let parsed = RateHeaders::from_headers(&h);
        assert_eq!(
            parsed,
            RateHeaders {
                limit: Some(600),
                remaining: Some(598),
                reset: Some(1_700_000_030)
            }
        );
    }

    #[test]
    fn buckets_follow_okta_endpoint_families() {
        assert_eq!(Bucket::for_path("/api/v1/users"), Bucket::Users);
        assert_eq!(
            Bucket::for_path("/api/v1/users/00u1/groups"),
            Bucket::UserById
        );
        assert_eq!(
            Bucket::for_path("/api/v1/groups/00g1/users"),
            Bucket::Groups
        );
        assert_eq!(Bucket::for_path("/api/v1/groups/00g1"), Bucket::GroupById);
        assert_eq!(Bucket::for_path("/api/v1/logs"), Bucket::Logs);
        assert_eq!(Bucket::for_path("/api/v1/apps"), Bucket::Other);
    }
}
