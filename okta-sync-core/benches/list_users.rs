//! Listing users through `OktaSource` from the local Okta server, against a bare HTTP loop
//! that makes the same requests and decodes nothing, in the same process and run; then
//! the same listing with a per-page delay and a users rate limit, against the bounds
//! they imply.
//!
//! `cargo bench -p okta-sync-core --bench list_users -- [USERS] [RUNS]` (defaults 100000, 5).
//! With `OKTA_FAKE_URL`/`OKTA_FAKE_TOKEN` set it lists that server (a separate process, as
//! `tests/bench/run` starts for the SDK comparison) and skips the throttled part;
//! `LIST_USERS_THROTTLED=0` skips it too; `LIST_USERS_PAGE_DELAY_MS=N` delays every users
//! page of the main comparison by N ms (latency without CPU: decoding should hide behind
//! it). Prints one JSON line per measurement.
//!
//! What a full read does (and so what the bare loop repeats): one users listing with
//! `search=status pr` (a plain listing would leave out DEPROVISIONED users), `limit=200`,
//! following `Link: rel="next"`; then one System Log polling request from the server's
//! time of the first answer (an empty page: nothing happened during the listing).
//!
//! Memory is measured by a counting allocator: the heap the read leaves behind is the
//! snapshot (the decoded users); what the read needed beyond that at its peak is the
//! source's own working memory (pages in flight, the de-duplication index, ...).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use okta_fake::{
    Bucket, FakeOkta, FakeOktaHandle, FakeOptions, FakeOrg, Fault, FaultKind, OrgSpec, RateLimit,
    RateLimits,
};
use okta_sync_core::config::{OktaConfig, SecretRef};
use okta_sync_core::directory::{DirectorySource, ReadObserver, ReadRequest, ReadScope};
use okta_sync_core::model::{DirectoryUser, EventKind};
use okta_sync_core::okta::{OktaSource, Tuning};
use peak_alloc::PeakAlloc;
use secrecy::SecretString;
use serde_json::json;

const USERS_PATH: &str = "/api/v1/users";
const PAGE: usize = 200;

/// The system allocator, counting live heap bytes and their high-water mark.
#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Counts pages per listing and the waits the source reports.
#[derive(Default)]
struct Counter {
    user_pages: AtomicU64,
    log_pages: AtomicU64,
    other_pages: AtomicU64,
    waits: AtomicU64,
}

impl ReadObserver for Counter {
    fn page(&self, listing: &str, _items: usize) {
        let counter = match listing {
            "users" => &self.user_pages,
            "log" => &self.log_pages,
            _ => &self.other_pages,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
    fn throttled(&self, _wait_ms: u64) {
        self.waits.fetch_add(1, Ordering::Relaxed);
    }
}

fn status_mib(key: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn config(url: &str, share: f64) -> OktaConfig {
    OktaConfig {
        org_url: url.to_string(),
        token: SecretRef::Env("OKTA_SYNC_BENCH_UNUSED".into()),
        rate_limit_share: share,
        max_concurrency: 4,
        page_size: 200,
        overlap_seconds: 60,
        timeout_seconds: 30,
        max_retries: 2,
    }
}

fn full_scope() -> ReadScope {
    ReadScope {
        request: ReadRequest::Full,
        groups: Vec::new(),
        known_group_ids: BTreeMap::new(),
        log_cursor: None,
        log_since: None,
        pushdown: None,
    }
}

/// The `next` link of a response, if any.
fn next_link(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all(reqwest::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find(|part| part.contains("rel=\"next\""))
        .and_then(|part| {
            let start = part.find('<')? + 1;
            let end = part.find('>')?;
            Some(part[start..end].to_string())
        })
}

/// What the bare loop fetched.
struct Bare {
    user_pages: u64,
    log_requests: u64,
    bytes: u64,
}

async fn bare_get(client: &reqwest::Client, url: &str, token: &str) -> reqwest::Response {
    let response = client
        .get(url)
        .header("Authorization", format!("SSWS {token}"))
        .header("Accept", "application/json")
        .send()
        .await
        .expect("bare request");
    assert!(response.status().is_success(), "{}", response.status());
    response
}

/// The requests of a full read, bodies kept only as a byte count: the users listing
/// from the same first URL the source uses, then the System Log from the server's `Date`
/// of the first answer until an empty page.
async fn bare_loop(client: &reqwest::Client, base: &str, token: &str) -> Bare {
    let mut first = url::Url::parse(base).expect("base URL");
    first.set_path(USERS_PATH);
    first
        .query_pairs_mut()
        .append_pair("limit", "200")
        .append_pair("search", "status pr");
    let mut next = Some(first.to_string());
    let mut bare = Bare {
        user_pages: 0,
        log_requests: 0,
        bytes: 0,
    };
    let mut server_time = None;
    while let Some(u) = next.take() {
        let response = bare_get(client, &u, token).await;
        if server_time.is_none() {
            server_time = response
                .headers()
                .get(reqwest::header::DATE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| httpdate::parse_http_date(v).ok())
                .map(chrono::DateTime::<chrono::Utc>::from);
        }
        next = next_link(response.headers());
        bare.bytes += response.bytes().await.expect("bare body").len() as u64;
        bare.user_pages += 1;
    }
    let since = server_time.unwrap_or_else(chrono::Utc::now);
    let filter = EventKind::EVENT_TYPES
        .iter()
        .map(|t| format!("eventType eq \"{t}\""))
        .collect::<Vec<_>>()
        .join(" or ");
    let mut log = url::Url::parse(base).expect("base URL");
    log.set_path("/api/v1/logs");
    log.query_pairs_mut()
        .append_pair(
            "since",
            &since.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        )
        .append_pair("sortOrder", "ASCENDING")
        .append_pair("limit", "1000")
        .append_pair("filter", &filter);
    let mut next = Some(log.to_string());
    while let Some(u) = next.take() {
        let response = bare_get(client, &u, token).await;
        let link = next_link(response.headers());
        let body = response.bytes().await.expect("bare log body");
        bare.bytes += body.len() as u64;
        bare.log_requests += 1;
        if body.as_ref() != b"[]" {
            next = link;
        }
    }
    bare
}

async fn source_listing(okta: Option<&FakeOktaHandle>, source: &OktaSource) -> serde_json::Value {
    if let Some(okta) = okta {
        okta.reset_requests();
    }
    let counter = Counter::default();
    let rss_before = status_mib("VmRSS:");
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let heap_before = HEAP.current_usage();
    HEAP.reset_peak_usage();
    let started = Instant::now();
    let snapshot = source.read(&full_scope(), &counter).await.expect("listing");
    let secs = started.elapsed().as_secs_f64();
    let heap_peak = HEAP.peak_usage();
    let heap_after = HEAP.current_usage();
    let rss_peak = status_mib("VmHWM:");
    assert!(snapshot.users_complete && snapshot.gaps.is_empty());
    let users = snapshot.users.len();
    let requests = okta.map(|o| o.requests());
    let users_requests = requests
        .as_ref()
        .map(|r| r.iter().filter(|r| r.path == USERS_PATH).count());
    let throttled = requests
        .as_ref()
        .map(|r| r.iter().filter(|r| r.status == 429).count());
    let result = json!({
        "seconds": secs,
        "users": users,
        "user_pages": counter.user_pages.load(Ordering::Relaxed),
        "expected_user_pages": users.div_ceil(PAGE),
        "log_pages": counter.log_pages.load(Ordering::Relaxed),
        "other_pages": counter.other_pages.load(Ordering::Relaxed),
        "server_users_requests": users_requests,
        "server_429s": throttled,
        "all_requests": snapshot.stats.requests,
        "bytes_decoded": snapshot.stats.bytes,
        "throttle_waits": snapshot.stats.throttle_waits,
        "throttle_wait_ms": snapshot.stats.throttle_wait_ms,
        // The snapshot (decoded users) left on the heap by the read.
        "heap_snapshot_mib": mib(heap_after.saturating_sub(heap_before)),
        // What the read needed beyond the snapshot at its peak (pages, index, ...).
        "heap_beyond_snapshot_mib": mib(heap_peak.saturating_sub(heap_after)),
        "rss_growth_mib": rss_peak - rss_before,
        "rss_peak_mib": rss_peak,
    });
    drop(snapshot);
    result
}

fn generate(users: usize) -> FakeOrg {
    FakeOrg::generate(&OrgSpec {
        seed: 11,
        users,
        ..OrgSpec::default()
    })
}

async fn start_generous(users: usize) -> FakeOktaHandle {
    FakeOkta::start(
        generate(users),
        FakeOptions {
            rate_limits: RateLimits::generous(),
            ..FakeOptions::default()
        },
    )
    .await
    .expect("fake starts")
}

/// The users pages of a full listing, raw (for the decode-only figure).
async fn raw_pages(client: &reqwest::Client, base: &str, token: &str) -> Vec<bytes::Bytes> {
    let mut first = url::Url::parse(base).expect("base URL");
    first.set_path(USERS_PATH);
    first
        .query_pairs_mut()
        .append_pair("limit", "200")
        .append_pair("search", "status pr");
    let mut next = Some(first.to_string());
    let mut pages = Vec::new();
    while let Some(u) = next.take() {
        let response = bare_get(client, &u, token).await;
        next = next_link(response.headers());
        pages.push(response.bytes().await.expect("page body"));
    }
    pages
}

/// CPU time to decode every page on one thread, nothing else running in this process:
/// the part of the listing's work that the bare loop does not do.
fn decode_only(pages: &[bytes::Bytes]) -> f64 {
    let started = Instant::now();
    let mut users = 0;
    for page in pages {
        let decoded: Vec<DirectoryUser> = serde_json::from_slice(page).expect("page decodes");
        users += decoded.len();
        drop(decoded);
    }
    assert!(users > 0);
    started.elapsed().as_secs_f64()
}

/// Source and bare loop, alternated `runs` times, against the server at `url` (`okta`
/// when it runs in this process, to check its request log).
async fn run(okta: Option<&FakeOktaHandle>, url: String, token: String, users: usize, runs: usize) {
    let source = OktaSource::with_token_and_tuning(
        &config(&url, 0.5),
        SecretString::from(token.clone()),
        Tuning::default(),
    )
    .expect("source");
    let client = reqwest::Client::new();
    let server = if okta.is_some() {
        "in_process"
    } else {
        "separate_process"
    };

    // Warm up both paths once (connections, the fake's first pages), untimed.
    bare_loop(&client, &url, &token).await;
    source_listing(okta, &source).await;

    let (mut source_times, mut bare_times) = (Vec::new(), Vec::new());
    let mut last = json!(null);
    let mut bare_user_pages = 0;
    let mut pages_ok = true;
    for _ in 0..runs {
        let started = Instant::now();
        let bare = bare_loop(&client, &url, &token).await;
        bare_times.push(started.elapsed().as_secs_f64());
        bare_user_pages = bare.user_pages;
        println!(
            "{}",
            json!({"bench": "bare_loop", "server": server, "users": users,
                   "seconds": bare_times.last(), "user_pages": bare.user_pages,
                   "log_requests": bare.log_requests, "bytes": bare.bytes})
        );
        last = source_listing(okta, &source).await;
        source_times.push(last["seconds"].as_f64().unwrap_or(f64::NAN));
        let listed = last["users"].as_u64().unwrap_or(0) as usize;
        pages_ok &= last["user_pages"] == json!(listed.div_ceil(PAGE))
            && bare.user_pages == last["user_pages"].as_u64().unwrap_or(0)
            && last["server_users_requests"]
                .as_u64()
                .is_none_or(|n| n == bare.user_pages);
        println!(
            "{}",
            json!({"bench": "okta_source", "server": server, "users": users, "result": last})
        );
    }
    let pages = raw_pages(&client, &url, &token).await;
    let decode_times: Vec<f64> = (0..3).map(|_| decode_only(&pages)).collect();
    drop(pages);
    let (s, b) = (median(source_times), median(bare_times));
    println!(
        "{}",
        json!({
            "bench": "listing_summary", "server": server, "users": users, "runs": runs,
            "source_median_s": s, "bare_median_s": b, "ratio": s / b, "target_ratio": 1.3,
            "decode_only_median_s": median(decode_times),
            "listed_users": last["users"], "expected_user_pages": last["expected_user_pages"],
            "source_user_pages": last["user_pages"], "bare_user_pages": bare_user_pages,
            "user_pages_exact": pages_ok, "all_requests": last["all_requests"],
            "bytes_decoded": last["bytes_decoded"],
            "heap_snapshot_mib": last["heap_snapshot_mib"],
            "heap_beyond_snapshot_mib": last["heap_beyond_snapshot_mib"],
            "rss_growth_mib": last["rss_growth_mib"], "rss_peak_mib": last["rss_peak_mib"],
        })
    );
}

/// One throttled scenario: every users page is delayed `delay_ms` by the server, and the
/// users bucket allows `limit` requests per `window_s` window, of which the source may use
/// `share`.
struct Throttle {
    users: usize,
    delay_ms: u64,
    limit: u32,
    window_s: u64,
    share: f64,
}

impl Throttle {
    /// The bounds, in seconds: see the comments on each.
    fn bounds(&self) -> serde_json::Value {
        let pages = self.users.div_ceil(PAGE) as f64;
        let delay = self.delay_ms as f64 / 1000.0;
        let window = self.window_s as f64;
        // Requests the share permits per window, as the source counts it (it stops when
        // no more than ceil((1 - share) * limit) remain).
        let limit = f64::from(self.limit);
        let per_window = limit - ((1.0 - self.share) * limit).ceil();
        // (b) Latency: a listing's pages form one chain (each request needs the previous
        // page's `next` cursor), so it cannot finish before pages x delay.
        let latency = pages * delay;
        // (a) Rate limit, as a sustained rate: pages / (limit x share) windows.
        let rate = pages / per_window * window;
        // (a') Rate limit, the earliest possible finish: a fresh window at the start,
        // windows back to back, the last window's first request sent the moment it opens.
        let rate_min = ((pages / per_window).ceil() - 1.0) * window + delay;
        json!({
            "pages": pages, "per_window": per_window, "latency_bound_s": latency,
            "rate_bound_s": rate, "rate_min_s": rate_min,
            "larger_bound_s": latency.max(rate), "larger_strict_bound_s": latency.max(rate_min),
        })
    }
}

/// The listing with a per-page delay and a users rate limit, on the server `okta` lists
/// `scenario.users` users from.
async fn throttled(okta: &FakeOktaHandle, scenario: &Throttle) {
    okta.set_rate_limit(
        Bucket::Users,
        RateLimit {
            limit: scenario.limit,
            window: Duration::from_secs(scenario.window_s),
        },
    );
    okta.clear_faults();
    okta.inject(Fault {
        path: USERS_PATH.to_string(),
        page: None,
        kind: FaultKind::Delay {
            millis: scenario.delay_ms,
        },
        times: 0,
    });
    // Production tuning: the 1 s margin after each Reset, as Okta's SDKs add.
    let source = OktaSource::with_token_and_tuning(
        &config(&okta.url(), scenario.share),
        SecretString::from(okta.token()),
        Tuning::default(),
    )
    .expect("source");
    let result = source_listing(Some(okta), &source).await;
    let bounds = scenario.bounds();
    let secs = result["seconds"].as_f64().unwrap_or(f64::NAN);
    let larger = bounds["larger_bound_s"].as_f64().unwrap_or(f64::NAN);
    let strict = bounds["larger_strict_bound_s"].as_f64().unwrap_or(f64::NAN);
    println!(
        "{}",
        json!({
            "bench": "throttled_listing", "users": scenario.users,
            "delay_ms": scenario.delay_ms, "limit": scenario.limit,
            "window_s": scenario.window_s, "share": scenario.share,
            "bounds": bounds, "result": result,
            "ratio_to_larger_bound": secs / larger, "ratio_to_strict_bound": secs / strict,
            "target_ratio": 1.1,
        })
    );
    okta.clear_faults();
    okta.set_rate_limit(
        Bucket::Users,
        RateLimit {
            limit: 1_000_000,
            window: Duration::from_secs(60),
        },
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let users: usize = args.first().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let runs: usize = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(5);
    let with_throttled = std::env::var("LIST_USERS_THROTTLED").as_deref() != Ok("0");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        if let (Ok(url), Ok(token)) = (
            std::env::var("OKTA_FAKE_URL"),
            std::env::var("OKTA_FAKE_TOKEN"),
        ) {
            // An okta-fake process started by tests/bench/run (the SDKs list the same one).
            run(None, url, token, users, runs).await;
            return;
        }
        let okta = start_generous(users).await;
        if let Some(delay) = std::env::var("LIST_USERS_PAGE_DELAY_MS")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            // Network latency per page without CPU use, to show that decoding overlaps it.
            okta.inject(Fault::always(
                USERS_PATH,
                FaultKind::Delay { millis: delay },
            ));
        }
        run(Some(&okta), okta.url(), okta.token(), users, runs).await;
        okta.clear_faults();
        if !with_throttled {
            return;
        }
        // Okta-like windows (a minute) and the users bucket of a Workforce org (600), at
        // the default share of 0.5: 300 requests per window.
        // Rate-bound: 500 pages at 100 ms each (50 s one after another) need 500/300 of
        // a window (100 s sustained; at best the second window opens at 60 s).
        throttled(
            &okta,
            &Throttle {
                users,
                delay_ms: 100,
                limit: 600,
                window_s: 60,
                share: 0.5,
            },
        )
        .await;
        drop(okta);
        // Latency-bound: 100 pages at 250 ms each (25 s) need a third of a window.
        let small = start_generous(20_000).await;
        throttled(
            &small,
            &Throttle {
                users: 20_000,
                delay_ms: 250,
                limit: 600,
                window_s: 60,
                share: 0.5,
            },
        )
        .await;
    });
}
