//! A local Okta-compatible server for okta-sync's tests, quickstart and benchmarks.
//!
//! It serves the read endpoints a user sync needs (`/api/v1/users`, `/users/{id}`,
//! `/users/{id}/groups`, `/groups`, `/groups/{id}`, `/groups/{id}/users`, `/logs`) with
//! Okta's paging, `filter`/`search` rules, headers, error bodies and rate limits, over a
//! deterministic generated org that tests mutate the way an Okta admin would. Faults
//! (a status on page N, a truncated body, a repeated cursor, a delay, an expiring token,
//! a 429) can be injected per request.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use okta_fake::{FakeOkta, FakeOptions, FakeOrg, OrgSpec};
//! let org = FakeOrg::generate(&OrgSpec { users: 500, ..OrgSpec::default() });
//! let okta = FakeOkta::start(org, FakeOptions::default()).await?;
//! let group = okta.group_id("Asset Managers").unwrap();
//! let user = okta.with_org(|org| org.user_ids()[0].clone());
//! okta.remove_member(&group, &user).unwrap();
//! println!("{} {}", okta.url(), okta.token());
//! # Ok(()) }
//! ```

mod admin;
mod clock;
mod cursor;
mod faults;
mod generate;
mod logs;
mod mutations;
mod org;
mod query;
mod server;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

pub use clock::FakeClock;
pub use faults::{Bucket, Fault, FaultKind, RateLimit, RateLimits};
pub use generate::{GroupSpec, OrgSpec};
pub use logs::{EventTarget, FakeEvent};
pub use org::{FakeError, FakeGroup, FakeOrg, FakeUser, GroupType, UserStatus};
pub use query::{Dialect, compile as compile_expression};
pub use server::RequestRecord;

use server::{ServerState, Shared};

/// The token the fake accepts unless told otherwise.
pub const DEFAULT_TOKEN: &str = "00fakeSSWS-okta-fake-token-7fQ2xLr9";

/// The fake clock's default start: a fixed instant, so generated orgs are reproducible.
pub fn default_start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_780_272_000, 0).unwrap_or_default() // 2026-06-01T00:00:00Z
}

/// How to run the server.
#[derive(Debug, Clone)]
pub struct FakeOptions {
    /// The API token clients must send as `Authorization: SSWS <token>`.
    pub token: String,
    /// Address to bind; loopback by default.
    pub host: IpAddr,
    /// Port; `0` picks a free one.
    pub port: u16,
    /// What the clock reads at start.
    pub start_time: DateTime<Utc>,
    /// Rate-limit buckets.
    pub rate_limits: RateLimits,
}

impl Default for FakeOptions {
    fn default() -> Self {
        FakeOptions {
            token: DEFAULT_TOKEN.to_string(),
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            start_time: default_start(),
            rate_limits: RateLimits::okta_defaults(),
        }
    }
}

/// Starts fake Okta servers.
#[derive(Debug)]
pub struct FakeOkta;

impl FakeOkta {
    /// Binds, spawns the server on the current Tokio runtime and returns its handle. The
    /// server stops when the handle is dropped.
    pub async fn start(org: FakeOrg, options: FakeOptions) -> std::io::Result<FakeOktaHandle> {
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::new(options.host, options.port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            state: Mutex::new(ServerState {
                org,
                faults: faults::Faults::default(),
                rates: faults::RateState::new(options.rate_limits),
                requests: Vec::new(),
                authenticated: 0,
                expire_after: None,
                counter: 0,
            }),
            clock: FakeClock::starting_at(options.start_time),
            token: options.token,
            base_url: format!("http://{addr}"),
        });
        let app = axum::Router::new()
            .fallback(server::handle)
            .with_state(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "okta-fake server stopped");
            }
        });
        Ok(FakeOktaHandle { shared, addr, task })
    }
}

/// A running fake org: its address and token, and the admin's controls.
#[derive(Debug)]
pub struct FakeOktaHandle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeOktaHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

impl FakeOktaHandle {
    /// The org URL, for example `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API token the server accepts.
    pub fn token(&self) -> String {
        self.shared.token.clone()
    }

    /// The org's clock.
    pub fn clock(&self) -> FakeClock {
        self.shared.clock.clone()
    }

    /// The org's current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.clock.now()
    }

    /// Moves the clock forward (rate-limit windows, retention, timestamps of later changes).
    pub fn advance(&self, by: Duration) {
        self.shared.clock.advance(by);
    }

    /// Reads the org.
    pub fn with_org<R>(&self, f: impl FnOnce(&FakeOrg) -> R) -> R {
        f(&self.shared.lock().org)
    }

    /// Changes the org directly, with the clock's current time.
    pub fn with_org_mut<R>(&self, f: impl FnOnce(&mut FakeOrg, DateTime<Utc>) -> R) -> R {
        let now = self.now();
        f(&mut self.shared.lock().org, now)
    }

    /// The id of the group named exactly `name`.
    pub fn group_id(&self, name: &str) -> Option<String> {
        self.with_org(|org| org.group_id(name))
    }

    /// Creates a user (ACTIVE when `activate`, else STAGED) from a JSON profile object with
    /// at least `login` and `email`.
    pub fn create_user(&self, profile: Value, activate: bool) -> Result<String, FakeError> {
        self.with_org_mut(|org, now| org.create_user(object(profile), activate, now))
    }

    /// Merges a JSON profile patch.
    pub fn update_profile(&self, id: &str, patch: Value) -> Result<(), FakeError> {
        self.with_org_mut(|org, now| org.update_profile(id, object(patch), now))
    }

    /// ACTIVE → SUSPENDED.
    pub fn suspend(&self, id: &str) -> Result<(), FakeError> {
        self.with_org_mut(|org, now| org.suspend(id, now))
    }

    /// SUSPENDED → ACTIVE.
    pub fn unsuspend(&self, id: &str) -> Result<(), FakeError> {
        self.with_org_mut(|org, now| org.unsuspend(id, now))
    }

    /// → DEPROVISIONED.
    pub fn deactivate(&self, id: &str) -> Result<(), FakeError> {
        self.with_org_mut(|org, now| org.deactivate(id, now))
    }

    /// DEPROVISIONED (or STAGED, PROVISIONED) → ACTIVE.
    pub fn reactivate(&self, id: &str) -> Result<(), FakeError> {
        self.with_org_mut(|org, now| org.activate(id, now))
    }

    /// Deletes a DEPROVISIONED user.
    pub fn delete_user(&self, id: &str) -> Result<(), FakeError> {
        self.with_org_mut(|org, now| org.delete_user(id, now))
    }

    /// Adds a user to an OKTA_GROUP.
    pub fn add_member(&self, group_id: &str, user_id: &str) -> Result<(), FakeError> {
        self.with_org_mut(|org, now| org.add_member(group_id, user_id, now))
    }

    /// Removes a user from an OKTA_GROUP.
    pub fn remove_member(&self, group_id: &str, user_id: &str) -> Result<(), FakeError> {
        self.with_org_mut(|org, now| org.remove_member(group_id, user_id, now))
    }

    /// Renames a group (its id stays).
    pub fn rename_group(&self, group_id: &str, name: &str) -> Result<(), FakeError> {
        self.with_org_mut(|org, now| org.rename_group(group_id, name, now))
    }

    /// Arms a fault.
    pub fn inject(&self, fault: Fault) {
        self.shared.lock().faults.arm(fault);
    }

    /// Disarms every fault.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// From the `n`-th authenticated request on (counted from now), answer
    /// 401 E0000011 as Okta does for an expired or revoked token.
    pub fn expire_token_after(&self, n: u64) {
        let mut state = self.shared.lock();
        state.expire_after = Some(state.authenticated + n);
    }

    /// Changes a rate-limit bucket (its window restarts).
    pub fn set_rate_limit(&self, bucket: Bucket, limit: RateLimit) {
        let mut state = self.shared.lock();
        let mut limits = state.rates.limits.clone();
        limits.buckets.insert(bucket, limit);
        state.rates = faults::RateState::new(limits);
    }

    /// Every request answered so far, in order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.lock().requests.clone()
    }

    /// How many requests had exactly this path.
    pub fn request_count(&self, path: &str) -> usize {
        self.shared
            .lock()
            .requests
            .iter()
            .filter(|r| r.path == path)
            .count()
    }

    /// Forgets the request log.
    pub fn reset_requests(&self) {
        self.shared.lock().requests.clear();
    }
}
