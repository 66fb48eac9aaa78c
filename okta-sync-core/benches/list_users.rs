//! Listing users through `OktaSource` from the local Okta server, against a bare HTTP loop
//! that fetches the same pages and decodes nothing, in the same process and run; then the
//! same listing with a per-page delay and a rate limit, against the larger of the two
//! bounds they imply.
//!
//! `cargo bench -p okta-sync-core --bench list_users -- [USERS] [RUNS]` (defaults 100000, 5).
//! Prints one JSON line per measurement.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use okta_fake::{
    Bucket, FakeOkta, FakeOktaHandle, FakeOptions, FakeOrg, Fault, FaultKind, OrgSpec, RateLimit,
    RateLimits,
};
use okta_sync_core::config::{OktaConfig, SecretRef};
use okta_sync_core::directory::{DirectorySource, ReadObserver, ReadRequest, ReadScope};
use okta_sync_core::okta::{OktaSource, Tuning};
use secrecy::SecretString;
use serde_json::json;

const USERS_PATH: &str = "/api/v1/users";

struct Quiet;

impl ReadObserver for Quiet {
    fn page(&self, _listing: &str, _items: usize) {}
    fn throttled(&self, _wait_ms: u64) {}
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

fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
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

/// Fetches every users page, following `next`, keeping only the byte count.
async fn bare_loop(client: &reqwest::Client, url: &str, token: &str) -> (u64, u64) {
    let mut next = Some(format!("{url}{USERS_PATH}?limit=200"));
    let (mut pages, mut bytes) = (0u64, 0u64);
    while let Some(u) = next.take() {
        let response = client
            .get(&u)
            .header("Authorization", format!("SSWS {token}"))
            .header("Accept", "application/json")
            .send()
            .await
            .expect("bare request");
        assert!(response.status().is_success(), "{}", response.status());
        next = next_link(response.headers());
        bytes += response.bytes().await.expect("bare body").len() as u64;
        pages += 1;
    }
    (pages, bytes)
}

async fn source_listing(okta: Option<&FakeOktaHandle>, source: &OktaSource) -> serde_json::Value {
    if let Some(okta) = okta {
        okta.reset_requests();
    }
    let before = status_mib("VmRSS:");
    reset_peak();
    let started = Instant::now();
    let snapshot = source.read(&full_scope(), &Quiet).await.expect("listing");
    let secs = started.elapsed().as_secs_f64();
    let peak = status_mib("VmHWM:");
    assert!(snapshot.users_complete && snapshot.gaps.is_empty());
    json!({
        "seconds": secs,
        "users": snapshot.users.len(),
        "user_page_requests": okta.map(|o| o.request_count(USERS_PATH)),
        "pages": snapshot.stats.pages,
        "all_requests": snapshot.stats.requests,
        "bytes_decoded": snapshot.stats.bytes,
        "throttle_waits": snapshot.stats.throttle_waits,
        "rss_growth_mib": peak - before,
    })
}

async fn start_generous(users: usize) -> FakeOktaHandle {
    let org = FakeOrg::generate(&OrgSpec {
        seed: 11,
        users,
        ..OrgSpec::default()
    });
    FakeOkta::start(
        org,
        FakeOptions {
            rate_limits: RateLimits::generous(),
            ..FakeOptions::default()
        },
    )
    .await
    .expect("fake starts")
}

/// Source and bare loop, alternated `runs` times, against the server at `url` (`okta`
/// when it runs in this process, to count its requests).
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
    let mut bare_pages = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let (pages, bytes) = bare_loop(&client, &url, &token).await;
        bare_times.push(started.elapsed().as_secs_f64());
        bare_pages = pages;
        println!(
            "{}",
            json!({"bench": "bare_loop", "server": server, "users": users, "seconds": bare_times.last(), "pages": pages, "bytes": bytes})
        );
        last = source_listing(okta, &source).await;
        source_times.push(last["seconds"].as_f64().unwrap_or(f64::NAN));
        println!(
            "{}",
            json!({"bench": "okta_source", "server": server, "users": users, "result": last})
        );
    }
    let (s, b) = (median(source_times), median(bare_times));
    println!(
        "{}",
        json!({
            "bench": "listing_summary", "server": server, "users": users, "runs": runs,
            "source_median_s": s, "bare_median_s": b, "ratio": s / b,
            "expected_pages": users.div_ceil(200), "source_user_pages": last["user_page_requests"],
            "bare_pages": bare_pages, "bytes_decoded": last["bytes_decoded"],
            "rss_growth_mib": last["rss_growth_mib"],
        })
    );
}

/// The listing with a per-page delay and a users rate limit.
async fn throttled(users: usize, delay_ms: u64, limit: u32, window_s: u64, share: f64) {
    let org = FakeOrg::generate(&OrgSpec {
        seed: 11,
        users,
        ..OrgSpec::default()
    });
    let okta = FakeOkta::start(
        org,
        FakeOptions {
            rate_limits: RateLimits::generous(),
            ..FakeOptions::default()
        },
    )
    .await
    .expect("fake starts");
    okta.set_rate_limit(
        Bucket::Users,
        RateLimit {
            limit,
            window: Duration::from_secs(window_s),
        },
    );
    okta.inject(Fault {
        path: USERS_PATH.to_string(),
        page: None,
        kind: FaultKind::Delay { millis: delay_ms },
        times: 0,
    });
    let source = OktaSource::with_token_and_tuning(
        &config(&okta.url(), share),
        SecretString::from(okta.token()),
        Tuning::default(),
    )
    .expect("source");
    let result = source_listing(Some(&okta), &source).await;
    let pages = users.div_ceil(200) as f64;
    let latency_bound = pages * delay_ms as f64 / 1000.0;
    // The last window this share allows the final page in opens this long after the start.
    let per_window = (f64::from(limit) * share).floor().max(1.0);
    let rate_bound = ((pages / per_window).ceil() - 1.0) * window_s as f64;
    let bound = latency_bound.max(rate_bound);
    let secs = result["seconds"].as_f64().unwrap_or(f64::NAN);
    println!(
        "{}",
        json!({
            "bench": "throttled_listing", "users": users, "delay_ms": delay_ms,
            "limit": limit, "window_s": window_s, "share": share,
            "latency_bound_s": latency_bound, "rate_bound_s": rate_bound,
            "result": result, "ratio_to_larger_bound": secs / bound,
        })
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let users: usize = args.first().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let runs: usize = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(5);
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
        run(Some(&okta), okta.url(), okta.token(), users, runs).await;
        drop(okta);
        // 100 pages, 25 ms each (2.5 s one after another); 50 requests per 5 s window at a
        // share of 1.0 (the final page's window opens at 5 s).
        throttled(20_000, 25, 50, 5, 1.0).await;
        // The same with the default share of 0.5: 25 per window, the last opens at 15 s.
        throttled(20_000, 25, 50, 5, 0.5).await;
    });
}
