//! The fake org's clock: real time from a fixed start, plus whatever a test advances it by.
//!
//! It keeps ticking on its own so rate-limit windows expire and `Date` headers move, and a
//! test can jump it forward (days, for the System Log's 90-day retention) without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};

/// A clock shared by the server and the test that drives it.
#[derive(Debug, Clone)]
pub struct FakeClock {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    start: DateTime<Utc>,
    started: Instant,
    offset_ms: AtomicI64,
}

impl FakeClock {
    /// A clock that reads `start` now and ticks in real time from there.
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        FakeClock {
            inner: Arc::new(Inner {
                start,
                started: Instant::now(),
                offset_ms: AtomicI64::new(0),
            }),
        }
    }

    /// The org's current time.
    pub fn now(&self) -> DateTime<Utc> {
        let elapsed = TimeDelta::from_std(self.inner.started.elapsed()).unwrap_or(TimeDelta::MAX);
        let offset = TimeDelta::milliseconds(self.inner.offset_ms.load(Ordering::SeqCst));
        self.inner.start + elapsed + offset
    }

    /// The org's current time, truncated to whole seconds as Okta's timestamps are.
    pub fn now_seconds(&self) -> DateTime<Utc> {
        truncate_to_seconds(self.now())
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.inner.offset_ms.fetch_add(ms, Ordering::SeqCst);
    }
}

/// Drops the sub-second part.
pub fn truncate_to_seconds(ts: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(ts.timestamp(), 0).unwrap_or(ts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_now_forward_without_sleeping() {
        let start: DateTime<Utc> = "2026-06-01T00:00:00Z".parse().unwrap();
        let clock = FakeClock::starting_at(start);
        clock.advance(Duration::from_secs(91 * 86_400));
        let now = clock.now();
        assert!(now >= start + TimeDelta::days(91));
        assert!(now < start + TimeDelta::days(91) + TimeDelta::seconds(5));
        assert_eq!(clock.now_seconds().timestamp_subsec_millis(), 0);
    }
}
