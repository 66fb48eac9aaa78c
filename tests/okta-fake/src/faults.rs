//! Fault injection and rate-limit buckets: the ways a real org misbehaves.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with this HTTP status and Okta's error body for it.
    Status {
        /// 401, 403, 429, 500, 503, ...
        status: u16,
    },
    /// Answer 429 E0000047 with `X-Rate-Limit-Reset` this many seconds after `Date`.
    RateLimited {
        /// Seconds until the window resets, by the fake clock.
        reset_after_secs: u64,
    },
    /// Send only the first half of the JSON body (well-framed, so it fails to decode).
    TruncatedBody,
    /// Send a `next` link that repeats the request's own URL.
    RepeatedCursor,
    /// Wait this long (real time) before answering.
    Delay {
        /// Milliseconds.
        millis: u64,
    },
}

/// A fault on a path, optionally only on one page of its listings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// Exact request path, for example `/api/v1/users`, or a prefix ending in `*`.
    pub path: String,
    /// 1-based page of a listing (1 = the request without `after`); `None` = any request.
    #[serde(default)]
    pub page: Option<u32>,
    /// What happens.
    #[serde(flatten)]
    pub kind: FaultKind,
    /// How many times it fires; `0` = every time. Default 1.
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

impl Fault {
    /// A fault that fires once on `path`, page `page`.
    pub fn on_page(path: &str, page: u32, kind: FaultKind) -> Self {
        Fault {
            path: path.to_string(),
            page: Some(page),
            kind,
            times: 1,
        }
    }

    /// A fault that fires on every request to `path`.
    pub fn always(path: &str, kind: FaultKind) -> Self {
        Fault {
            path: path.to_string(),
            page: None,
            kind,
            times: 0,
        }
    }

    fn matches(&self, path: &str, page: u32) -> bool {
        let path_ok = match self.path.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => path == self.path,
        };
        path_ok && self.page.is_none_or(|p| p == page)
    }
}

/// The faults armed on a server.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    armed: Vec<(Fault, u32)>,
}

impl Faults {
    pub fn arm(&mut self, fault: Fault) {
        self.armed.push((fault, 0));
    }

    pub fn clear(&mut self) {
        self.armed.clear();
    }

    /// The faults that fire for this request (each counted as fired).
    pub fn fire(&mut self, path: &str, page: u32) -> Vec<FaultKind> {
        let mut fired = Vec::new();
        for (fault, count) in &mut self.armed {
            let is_delay = matches!(fault.kind, FaultKind::Delay { .. });
            if !is_delay && fault.matches(path, page) && (fault.times == 0 || *count < fault.times)
            {
                *count += 1;
                fired.push(fault.kind.clone());
            }
        }
        fired
    }

    /// The delay to apply before handling this request, if a delay fault fires (delays
    /// happen before the request is handled, outside the lock).
    pub fn take_delay(&mut self, path: &str, page: u32) -> Option<Duration> {
        for (fault, count) in &mut self.armed {
            let FaultKind::Delay { millis } = fault.kind else {
                continue;
            };
            if fault.matches(path, page) && (fault.times == 0 || *count < fault.times) {
                *count += 1;
                return Some(Duration::from_millis(millis));
            }
        }
        None
    }
}

/// Okta's rate-limit buckets, by endpoint family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    /// `GET /api/v1/users`.
    Users,
    /// `GET /api/v1/users/{id}` and `/api/v1/users/{id}/groups`.
    UserById,
    /// `GET /api/v1/groups` and `/api/v1/groups/{id}/users`.
    Groups,
    /// `GET /api/v1/groups/{id}`.
    GroupById,
    /// `GET /api/v1/logs`.
    Logs,
    /// Everything else.
    Other,
}

impl Bucket {
    /// The bucket a path falls in.
    pub fn for_path(path: &str) -> Bucket {
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

/// A bucket's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    /// Requests per window.
    pub limit: u32,
    /// Window length (by the fake clock).
    pub window: Duration,
}

/// Bucket sizes for a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    /// Per bucket; a bucket not listed uses `Other`'s size.
    pub buckets: HashMap<Bucket, RateLimit>,
}

impl RateLimits {
    /// The last published Workforce numbers (per minute).
    pub fn okta_defaults() -> Self {
        let minute = Duration::from_secs(60);
        let of = |limit| RateLimit {
            limit,
            window: minute,
        };
        RateLimits {
            buckets: HashMap::from([
                (Bucket::Users, of(600)),
                (Bucket::UserById, of(2000)),
                (Bucket::Groups, of(500)),
                (Bucket::GroupById, of(1000)),
                (Bucket::Logs, of(120)),
                (Bucket::Other, of(1200)),
            ]),
        }
    }

    /// Buckets so large that nothing is ever throttled (benchmarks); headers are still sent.
    pub fn generous() -> Self {
        let mut limits = RateLimits::okta_defaults();
        for limit in limits.buckets.values_mut() {
            limit.limit = 1_000_000;
        }
        limits
    }

    fn get(&self, bucket: Bucket) -> RateLimit {
        self.buckets
            .get(&bucket)
            .or_else(|| self.buckets.get(&Bucket::Other))
            .copied()
            .unwrap_or(RateLimit {
                limit: 1_000_000,
                window: Duration::from_secs(60),
            })
    }
}

/// The `X-Rate-Limit-*` values for one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateHeaders {
    pub limit: u32,
    pub remaining: u32,
    /// Epoch seconds.
    pub reset: i64,
    /// True when this request went over the limit.
    pub exceeded: bool,
}

/// Window state per bucket.
#[derive(Debug)]
pub(crate) struct RateState {
    pub limits: RateLimits,
    windows: HashMap<Bucket, (DateTime<Utc>, u32)>,
}

impl RateState {
    pub fn new(limits: RateLimits) -> Self {
        RateState {
            limits,
            windows: HashMap::new(),
        }
    }

    /// Counts one request in `bucket` at `now`.
    pub fn consume(&mut self, bucket: Bucket, now: DateTime<Utc>) -> RateHeaders {
        let limit = self.limits.get(bucket);
        let window = TimeDelta::from_std(limit.window).unwrap_or(TimeDelta::seconds(60));
        let (start, used) = self.windows.entry(bucket).or_insert((now, 0));
        if now >= *start + window {
            *start = now;
            *used = 0;
        }
        *used = used.saturating_add(1);
        let end = *start + window;
        let reset = end.timestamp() + i64::from(end.timestamp_subsec_nanos() > 0);
        RateHeaders {
            limit: limit.limit,
            remaining: limit.limit.saturating_sub(*used),
            reset,
            exceeded: *used > limit.limit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_okta_families() {
        assert_eq!(Bucket::for_path("/api/v1/users"), Bucket::Users);
        assert_eq!(Bucket::for_path("/api/v1/users/00u1"), Bucket::UserById);
        assert_eq!(
            Bucket::for_path("/api/v1/groups/00g1/users"),
            Bucket::Groups
        );
        assert_eq!(Bucket::for_path("/api/v1/groups/00g1"), Bucket::GroupById);
        assert_eq!(Bucket::for_path("/api/v1/logs"), Bucket::Logs);
    }

    #[test]
    fn window_exhausts_then_resets() {
        let mut limits = RateLimits::okta_defaults();
        limits.buckets.insert(
            Bucket::Logs,
            RateLimit {
                limit: 2,
                window: Duration::from_secs(10),
            },
        );
        let mut state = RateState::new(limits);
        let t0: DateTime<Utc> = "2026-06-01T00:00:00.500Z".parse().unwrap();
        assert_eq!(state.consume(Bucket::Logs, t0).remaining, 1);
        assert!(!state.consume(Bucket::Logs, t0).exceeded);
        let third = state.consume(Bucket::Logs, t0);
        assert!(third.exceeded);
        assert_eq!(third.reset, t0.timestamp() + 11);
        assert!(
            !state
                .consume(Bucket::Logs, t0 + TimeDelta::seconds(10))
                .exceeded
        );
    }

    #[test]
    fn faults_fire_the_given_number_of_times() {
        let mut faults = Faults::default();
        faults.arm(Fault::on_page(
            "/api/v1/users",
            3,
            FaultKind::Status { status: 500 },
        ));
        faults.arm(Fault::always("/api/v1/groups/*", FaultKind::RepeatedCursor));
        assert!(faults.fire("/api/v1/users", 2).is_empty());
        assert_eq!(faults.fire("/api/v1/users", 3).len(), 1);
        assert!(faults.fire("/api/v1/users", 3).is_empty());
        assert_eq!(faults.fire("/api/v1/groups/00g/users", 9).len(), 1);
        assert_eq!(faults.fire("/api/v1/groups/00g/users", 9).len(), 1);
    }
}
