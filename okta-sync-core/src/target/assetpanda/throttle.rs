//! Self-throttling, so the integration stays inside Asset Panda's request budget instead
//! of learning about it from 429s. The classic API documents 400 requests per 3 minutes
//! per IP; nothing is published for Pro, so the same budget is the default.

use std::fmt;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// A limiter that never lets more than `requests` through in any `window`.
pub(super) struct Throttle {
    limiter: DefaultDirectRateLimiter,
    requests: u32,
    window: Duration,
}

impl fmt::Debug for Throttle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Throttle({} per {:?})", self.requests, self.window)
    }
}

/// Burst size and replenish interval that keep any `window` at or under `requests`.
///
/// A GCRA limiter with burst `b` replenished every `p` lets through at most
/// `b + window / p` requests in any window. Choosing `p = window / (requests - b)` makes
/// that exactly `requests`, while the small burst (a tenth) lets discovery run without
/// waiting.
fn quota_shape(requests: u32, window: Duration) -> (u32, Duration) {
    if requests <= 1 {
        return (1, window);
    }
    let burst = (requests / 10).clamp(1, requests - 1);
    (burst, window / (requests - burst))
}

impl Throttle {
    /// `requests` and `window` must be positive (the configuration is validated first).
    pub(super) fn new(requests: u32, window: Duration) -> Self {
        let (burst, period) = quota_shape(requests.max(1), window.max(Duration::from_millis(1)));
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period.max(Duration::from_nanos(1)))
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        Throttle {
            limiter: RateLimiter::direct(quota),
            requests,
            window,
        }
    }

    /// Waits until one more request fits in the budget.
    pub(super) async fn acquire(&self) {
        self.limiter.until_ready().await;
    }

    #[cfg(test)]
    fn try_acquire(&self) -> bool {
        self.limiter.check().is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_budget_never_exceeds_400_in_three_minutes() {
        let (burst, period) = quota_shape(400, Duration::from_secs(180));
        assert_eq!(burst, 40);
        assert_eq!(period, Duration::from_millis(500));
        // Worst case in one window: the full burst plus one per period.
        assert_eq!(burst as u128 + 180_000 / period.as_millis(), 400);
    }

    #[test]
    fn tiny_budgets_stay_positive() {
        assert_eq!(
            quota_shape(1, Duration::from_secs(10)),
            (1, Duration::from_secs(10))
        );
        assert_eq!(
            quota_shape(2, Duration::from_secs(10)),
            (1, Duration::from_secs(10))
        );
        assert_eq!(
            quota_shape(5, Duration::from_secs(10)),
            (1, Duration::from_millis(2500))
        );
    }

    #[test]
    fn requests_beyond_the_burst_must_wait() {
        // 20 per hour: a burst of 2, then one every 200 s.
        let throttle = Throttle::new(20, Duration::from_secs(3600));
        assert!(throttle.try_acquire());
        assert!(throttle.try_acquire());
        assert!(!throttle.try_acquire());
    }
}
