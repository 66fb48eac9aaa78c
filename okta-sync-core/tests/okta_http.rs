//! The Okta source at the HTTP level, against scripted responses (mockito): the requests
//! it builds, how it follows `Link` headers, what it retries, how it waits for rate
//! limits, and how Okta's error bodies (the real fixtures) come back to the caller.

use std::sync::Mutex;
use std::time::Duration;

use mockito::{Matcher, Server, ServerGuard};
use okta_sync_core::Error;
use okta_sync_core::config::{OktaConfig, SecretRef};
use okta_sync_core::directory::{
    DirectorySource, ReadObserver, ReadRequest, ReadScope, UserLookup,
};
use okta_sync_core::okta::{OktaSource, Tuning};
use secrecy::SecretString;
use serde_json::Value;

const TOKEN: &str = "00Tsecret-HTTP-token-DO-NOT-LEAK-42";

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/okta/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Users `range` of the synthetic all-statuses fixture, as a JSON array.
fn users_page(range: std::ops::Range<usize>) -> String {
    let all: Vec<Value> =
        serde_json::from_str(&fixture("synthetic-users-list-all-statuses.json")).unwrap();
    serde_json::to_string(&all[range]).unwrap()
}

fn config(url: &str) -> OktaConfig {
    OktaConfig {
        org_url: url.to_string(),
        token: SecretRef::Env("OKTA_SYNC_TEST_UNUSED".into()),
        rate_limit_share: 0.5,
        max_concurrency: 4,
        page_size: 200,
        overlap_seconds: 60,
        timeout_seconds: 5,
        max_retries: 2,
    }
}

fn quick() -> Tuning {
    Tuning {
        throttle_margin: Duration::from_millis(20),
        retry_min_delay: Duration::from_millis(1),
        retry_max_delay: Duration::from_millis(5),
        ..Tuning::default()
    }
}

fn source(server: &ServerGuard) -> OktaSource {
    OktaSource::with_token_and_tuning(&config(&server.url()), SecretString::from(TOKEN), quick())
        .unwrap()
}

fn full_scope() -> ReadScope {
    ReadScope {
        request: ReadRequest::Full,
        groups: vec![],
        known_group_ids: Default::default(),
        log_cursor: None,
        log_since: None,
        pushdown: None,
    }
}

#[derive(Default)]
struct Recorder {
    pages: Mutex<Vec<(String, usize)>>,
    throttled: Mutex<Vec<u64>>,
}

impl ReadObserver for Recorder {
    fn page(&self, listing: &str, items: usize) {
        self.pages
            .lock()
            .unwrap()
            .push((listing.to_string(), items));
    }
    fn throttled(&self, wait_ms: u64) {
        self.throttled.lock().unwrap().push(wait_ms);
    }
}

/// An empty System Log poll, so that a full read has its log part answered.
async fn empty_log(server: &mut ServerGuard) -> mockito::Mock {
    let next = format!("{}/api/v1/logs?limit=1000&after=cursor-1", server.url());
    server
        .mock("GET", "/api/v1/logs")
        .match_query(Matcher::Any)
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_header("link", &format!("<{next}>; rel=\"next\""))
        .with_body("[]")
        .create_async()
        .await
}

fn users_query() -> Matcher {
    Matcher::AllOf(vec![
        Matcher::UrlEncoded("search".into(), "status pr".into()),
        Matcher::UrlEncoded("limit".into(), "200".into()),
    ])
}

#[tokio::test]
async fn full_read_sends_the_token_and_asks_for_every_status() {
    let mut server = Server::new_async().await;
    let log = empty_log(&mut server).await;
    let users = server
        .mock("GET", "/api/v1/users")
        .match_query(users_query())
        .match_header("authorization", format!("SSWS {TOKEN}").as_str())
        .match_header("accept", "application/json")
        .with_status(200)
        .with_header("date", "Thu, 28 May 2026 10:00:00 GMT")
        .with_body(users_page(0..10))
        .create_async()
        .await;
    let snapshot = source(&server)
        .read(&full_scope(), &Recorder::default())
        .await
        .unwrap();
    users.assert_async().await;
    log.assert_async().await;
    assert!(snapshot.full);
    assert!(snapshot.users_complete);
    assert_eq!(snapshot.users.len(), 10);
    assert!(
        snapshot
            .users
            .iter()
            .any(|u| u.status.as_str() == "DEPROVISIONED")
    );
    assert_eq!(
        snapshot.server_time,
        Some("2026-05-28T10:00:00Z".parse().unwrap())
    );
    assert_eq!(
        snapshot.log_cursor.as_deref(),
        Some(format!("{}/api/v1/logs?limit=1000&after=cursor-1", server.url()).as_str())
    );
}

#[tokio::test]
async fn delta_filters_on_last_updated_in_okta_format() {
    let mut server = Server::new_async().await;
    empty_log(&mut server).await;
    let users = server
        .mock("GET", "/api/v1/users")
        .match_query(Matcher::UrlEncoded(
            "filter".into(),
            r#"lastUpdated gt "2026-05-28T09:59:00.000Z""#.into(),
        ))
        .with_status(200)
        .with_body("[]")
        .create_async()
        .await;
    let scope = ReadScope {
        request: ReadRequest::Delta {
            since: "2026-05-28T09:59:00Z".parse().unwrap(),
        },
        ..full_scope()
    };
    let snapshot = source(&server)
        .read(&scope, &Recorder::default())
        .await
        .unwrap();
    users.assert_async().await;
    assert!(!snapshot.full);
    assert!(snapshot.users_complete);
}

#[tokio::test]
async fn follows_next_links_given_as_separate_or_combined_headers() {
    let mut server = Server::new_async().await;
    empty_log(&mut server).await;
    let url = server.url();
    let page1 = server
        .mock("GET", "/api/v1/users")
        .match_query(users_query())
        .with_header(
            "link",
            &format!("<{url}/api/v1/users?limit=200&search=status+pr>; rel=\"self\""),
        )
        .with_header(
            "link",
            &format!("<{url}/api/v1/users?after=000usfA&limit=200>; rel=\"next\""),
        )
        .with_body(users_page(0..4))
        .create_async()
        .await;
    let page2 = server
        .mock("GET", "/api/v1/users")
        .match_query(Matcher::UrlEncoded("after".into(), "000usfA".into()))
        .with_header(
            "link",
            &format!("<{url}/api/v1/users?after=000usfA&limit=200>; rel=\"self\", </api/v1/users?after=000usfB&limit=200>; rel=\"next\""),
        )
        .with_body(users_page(4..8))
        .create_async()
        .await;
    let page3 = server
        .mock("GET", "/api/v1/users")
        .match_query(Matcher::UrlEncoded("after".into(), "000usfB".into()))
        .with_header(
            "link",
            &format!("<{url}/api/v1/users?after=000usfB&limit=200>; rel=\"self\""),
        )
        .with_body(users_page(8..10))
        .create_async()
        .await;
    let recorder = Recorder::default();
    let snapshot = source(&server)
        .read(&full_scope(), &recorder)
        .await
        .unwrap();
    for mock in [page1, page2, page3] {
        mock.assert_async().await;
    }
    assert!(snapshot.users_complete);
    assert_eq!(snapshot.users.len(), 10);
    let user_pages: Vec<usize> = recorder
        .pages
        .lock()
        .unwrap()
        .iter()
        .filter(|(l, _)| l == "users")
        .map(|(_, n)| *n)
        .collect();
    assert_eq!(user_pages, [4, 4, 2]);
}

#[tokio::test]
async fn a_next_link_to_another_host_is_not_followed() {
    let mut server = Server::new_async().await;
    empty_log(&mut server).await;
    server
        .mock("GET", "/api/v1/users")
        .match_query(users_query())
        .with_header(
            "link",
            "<https://elsewhere.example.com/api/v1/users?after=x>; rel=\"next\"",
        )
        .with_body(users_page(0..3))
        .create_async()
        .await;
    let snapshot = source(&server)
        .read(&full_scope(), &Recorder::default())
        .await
        .unwrap();
    assert!(!snapshot.users_complete);
    assert_eq!(snapshot.users.len(), 3, "what was read is kept");
    let gap = snapshot
        .gaps
        .iter()
        .find(|g| g.listing == "users")
        .expect("a users gap");
    assert!(
        gap.reason.contains("away from the org URL"),
        "{}",
        gap.reason
    );
}

#[tokio::test]
async fn server_errors_are_retried_then_succeed() {
    let mut server = Server::new_async().await;
    empty_log(&mut server).await;
    let failing = server
        .mock("GET", "/api/v1/users")
        .match_query(users_query())
        .with_status(503)
        .with_body(r#"{"errorCode":"E0000010","errorSummary":"Service is in read only mode"}"#)
        .expect(2)
        .create_async()
        .await;
    let ok = server
        .mock("GET", "/api/v1/users")
        .match_query(users_query())
        .with_body(users_page(0..2))
        .expect(1)
        .create_async()
        .await;
    let snapshot = source(&server)
        .read(&full_scope(), &Recorder::default())
        .await
        .unwrap();
    failing.assert_async().await;
    ok.assert_async().await;
    assert_eq!(snapshot.users.len(), 2);
    assert!(
        snapshot.stats.requests >= 4,
        "3 user attempts and a log poll: {:?}",
        snapshot.stats
    );
}

#[tokio::test]
async fn server_errors_that_persist_fail_with_okta_s_body() {
    let mut server = Server::new_async().await;
    empty_log(&mut server).await;
    let failing = server
        .mock("GET", "/api/v1/users")
        .match_query(users_query())
        .with_status(500)
        .with_header("x-okta-request-id", "req-500")
        .with_body(
            r#"{"errorCode":"E0000009","errorSummary":"Internal Server Error","errorId":"oae500"}"#,
        )
        .expect(3)
        .create_async()
        .await;
    let err = source(&server)
        .read(&full_scope(), &Recorder::default())
        .await
        .unwrap_err();
    failing.assert_async().await;
    let api = err.okta_api().expect("an Okta error");
    assert_eq!(
        (
            api.status,
            api.error_code.as_deref(),
            api.request_id.as_deref()
        ),
        (500, Some("E0000009"), Some("req-500"))
    );
}

#[tokio::test]
async fn credential_errors_are_not_retried_and_say_what_to_do() {
    let mut server = Server::new_async().await;
    empty_log(&mut server).await;
    let refused = server
        .mock("GET", "/api/v1/users")
        .match_query(Matcher::Any)
        .with_status(401)
        .with_header("x-okta-request-id", "X0f5RKB5EbMHdk7Quc-KZwAABOA")
        .with_body(fixture("error-401-invalid-token.json"))
        .expect(1)
        .create_async()
        .await;
    let err = source(&server)
        .read(&full_scope(), &Recorder::default())
        .await
        .unwrap_err();
    refused.assert_async().await;
    match &err {
        Error::Credential { api, hint } => {
            assert_eq!(api.error_code.as_deref(), Some("E0000011"));
            assert_eq!(
                api.request_id.as_deref(),
                Some("X0f5RKB5EbMHdk7Quc-KZwAABOA")
            );
            assert_eq!(api.endpoint, "GET /api/v1/users");
            assert!(hint.contains("Create a new token"), "{hint}");
        }
        other => panic!("expected a credential error, got {other:?}"),
    }
    assert_eq!(err.code(), "OKTA_CREDENTIAL");
}

#[tokio::test]
async fn a_429_is_waited_out_until_reset_by_the_server_date() {
    let mut server = Server::new_async().await;
    empty_log(&mut server).await;
    // Okta's real 429 headers (headers-errors.txt), with Reset moved to 1 s after Date.
    let limited = server
        .mock("GET", "/api/v1/users")
        .match_query(users_query())
        .with_status(429)
        .with_header("date", "Thu, 11 Sep 2025 16:21:50 GMT")
        .with_header("x-okta-request-id", "5168be8d5f54ca5371398055415254ff")
        .with_header("x-rate-limit-limit", "10")
        .with_header("x-rate-limit-remaining", "0")
        .with_header("x-rate-limit-reset", "1757607711")
        .with_body(fixture("error-429-rate-limit.json"))
        .expect(1)
        .create_async()
        .await;
    let retried = server
        .mock("GET", "/api/v1/users")
        .match_query(users_query())
        .match_header("x-okta-retry-for", "5168be8d5f54ca5371398055415254ff")
        .match_header("x-okta-retry-count", "1")
        .with_body(users_page(0..1))
        .expect(1)
        .create_async()
        .await;
    let recorder = Recorder::default();
    let snapshot = source(&server)
        .read(&full_scope(), &recorder)
        .await
        .unwrap();
    limited.assert_async().await;
    retried.assert_async().await;
    assert_eq!(snapshot.users.len(), 1);
    // Reset - Date = 1 s, plus the 20 ms margin; the local clock (a year later) plays no part.
    assert_eq!(*recorder.throttled.lock().unwrap(), [1020]);
    assert_eq!(
        (
            snapshot.stats.throttle_waits,
            snapshot.stats.throttle_wait_ms
        ),
        (1, 1020)
    );
}

#[tokio::test]
async fn endless_429s_end_in_a_rate_limit_error() {
    let mut server = Server::new_async().await;
    empty_log(&mut server).await;
    server
        .mock("GET", "/api/v1/users")
        .match_query(Matcher::Any)
        .with_status(429)
        .with_header("date", "Thu, 11 Sep 2025 16:21:50 GMT")
        .with_header("x-rate-limit-limit", "0")
        .with_header("x-rate-limit-remaining", "0")
        .with_header("x-rate-limit-reset", "1757607710")
        .with_body(fixture("error-429-rate-limit.json"))
        .create_async()
        .await;
    let tuning = Tuning {
        max_throttle_waits: 2,
        ..quick()
    };
    let source = OktaSource::with_token_and_tuning(
        &config(&server.url()),
        SecretString::from(TOKEN),
        tuning,
    )
    .unwrap();
    let err = source
        .read(&full_scope(), &Recorder::default())
        .await
        .unwrap_err();
    match err {
        Error::RateLimited { api, attempts } => {
            assert_eq!(attempts, 3);
            assert_eq!(api.error_code.as_deref(), Some("E0000047"));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
}

#[tokio::test]
async fn staying_within_the_share_waits_for_the_window_before_asking_again() {
    let mut server = Server::new_async().await;
    empty_log(&mut server).await;
    let url = server.url();
    // 10 left of 20 at share 0.5: the bucket is at our share, so the next page waits for
    // the reset (1 s after Date) before it is requested.
    server
        .mock("GET", "/api/v1/users")
        .match_query(users_query())
        .with_header("date", "Thu, 28 May 2026 10:00:00 GMT")
        .with_header("x-rate-limit-limit", "20")
        .with_header("x-rate-limit-remaining", "10")
        .with_header("x-rate-limit-reset", "1779962401")
        .with_header(
            "link",
            &format!("<{url}/api/v1/users?after=p2&limit=200>; rel=\"next\""),
        )
        .with_body(users_page(0..5))
        .create_async()
        .await;
    server
        .mock("GET", "/api/v1/users")
        .match_query(Matcher::UrlEncoded("after".into(), "p2".into()))
        .with_body(users_page(5..10))
        .create_async()
        .await;
    let recorder = Recorder::default();
    let snapshot = source(&server)
        .read(&full_scope(), &recorder)
        .await
        .unwrap();
    assert_eq!(snapshot.users.len(), 10);
    assert_eq!(snapshot.stats.throttle_waits, 1);
    let waited = recorder.throttled.lock().unwrap()[0];
    assert!((500..=1020).contains(&waited), "waited {waited} ms");
}

#[tokio::test]
async fn fetch_users_reports_deleted_users_as_not_found() {
    let mut server = Server::new_async().await;
    server
        .mock("GET", "/api/v1/users/00usfgmn9xhwtA6f74x6")
        .with_status(404)
        .with_header("x-okta-request-id", "X0f5RrZD9OSTRQFRMU-oqAAAB1Y")
        .with_body(fixture("error-404-user-not-found.json"))
        .create_async()
        .await;
    let present: Vec<Value> = serde_json::from_str(&users_page(0..1)).unwrap();
    let id = present[0]["id"].as_str().unwrap().to_string();
    server
        .mock("GET", format!("/api/v1/users/{id}").as_str())
        .with_body(present[0].to_string())
        .create_async()
        .await;
    let ids = vec!["00usfgmn9xhwtA6f74x6".to_string(), id.clone()];
    let found = source(&server).fetch_users(&ids).await.unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(
        found[0],
        UserLookup::NotFound {
            id: "00usfgmn9xhwtA6f74x6".into()
        }
    );
    assert!(matches!(&found[1], UserLookup::Found(u) if u.id == id));
}

#[tokio::test]
async fn a_404_that_is_not_okta_s_user_not_found_is_an_error_not_a_deletion() {
    let mut server = Server::new_async().await;
    server
        .mock("GET", "/api/v1/users/00u1")
        .with_status(404)
        .with_body("<html>not here</html>")
        .create_async()
        .await;
    let err = source(&server)
        .fetch_users(&["00u1".to_string()])
        .await
        .unwrap_err();
    assert_eq!(err.okta_api().map(|a| a.status), Some(404));
    let err = source(&server)
        .fetch_users(&[String::new()])
        .await
        .unwrap_err();
    assert_eq!(err.code(), "DECODE");
}

#[tokio::test]
async fn every_error_fixture_reaches_the_caller_with_its_code_and_request_id() {
    let cases: [(&str, u16); 8] = [
        ("error-400-logs-bad-date.json", 400),
        ("error-400-logs-invalid-filter.json", 400),
        ("error-400-logs-since-too-old.json", 400),
        ("error-401-feature-not-enabled.json", 401),
        ("error-401-invalid-token.json", 401),
        ("error-403-access-denied.json", 403),
        ("error-403-user-status.json", 403),
        ("error-404-user-not-found.json", 404),
    ];
    let mut server = Server::new_async().await;
    let mut lines = Vec::new();
    for (i, (file, status)) in cases.iter().enumerate() {
        let id = format!("00ufixture{i:010}");
        server
            .mock("GET", format!("/api/v1/users/{id}").as_str())
            .with_status(usize::from(*status))
            .with_header("x-okta-request-id", &format!("req-{i}"))
            .with_body(fixture(file))
            .create_async()
            .await;
        let result = source(&server).fetch_users(std::slice::from_ref(&id)).await;
        let line = match result {
            Ok(found) => format!("{file}: {found:?}"),
            Err(err) => {
                let api = err.okta_api().expect("Okta error details");
                assert_eq!(api.request_id.as_deref(), Some(format!("req-{i}").as_str()));
                assert_eq!(api.status, *status);
                format!("{file}: [{}] {err}", err.code())
            }
        };
        lines.push(line);
    }
    insta::assert_snapshot!(lines.join("\n"));
}

#[tokio::test]
async fn check_connection_reports_each_kind_of_read() {
    let mut server = Server::new_async().await;
    server
        .mock("GET", "/api/v1/users")
        .match_query(Matcher::Any)
        .with_body("[]")
        .create_async()
        .await;
    server
        .mock("GET", "/api/v1/groups")
        .match_query(Matcher::Any)
        .with_body("[]")
        .create_async()
        .await;
    server
        .mock("GET", "/api/v1/logs")
        .match_query(Matcher::Any)
        .with_status(403)
        .with_body(fixture("error-403-access-denied.json"))
        .create_async()
        .await;
    let check = source(&server).check_connection().await.unwrap();
    assert!(
        check.ok && check.users && check.groups && !check.system_log,
        "{check:?}"
    );
    assert_eq!(check.messages.len(), 1);
    assert!(
        check.messages[0].contains("System Log"),
        "{}",
        check.messages[0]
    );

    let mut refused = Server::new_async().await;
    refused
        .mock("GET", "/api/v1/users")
        .match_query(Matcher::Any)
        .with_status(401)
        .with_body(fixture("error-401-invalid-token.json"))
        .create_async()
        .await;
    let check = source(&refused).check_connection().await.unwrap();
    assert!(!check.ok && !check.users && !check.groups && !check.system_log);
    assert!(
        check.messages[0].contains("E0000011"),
        "{}",
        check.messages[0]
    );
}

#[tokio::test]
async fn the_token_never_shows_in_debug_errors_or_connection_reports() {
    let mut server = Server::new_async().await;
    server
        .mock("GET", "/api/v1/users")
        .match_query(Matcher::Any)
        .with_status(401)
        .with_body(fixture("error-401-invalid-token.json"))
        .create_async()
        .await;
    empty_log(&mut server).await;
    let source = source(&server);
    let mut texts = vec![format!("{source:?}")];
    let err = source
        .read(&full_scope(), &Recorder::default())
        .await
        .unwrap_err();
    texts.push(format!("{err} {err:?}"));
    texts.push(format!("{:?}", source.check_connection().await.unwrap()));
    // Nothing listens on port 9 of loopback: a transport error.
    let closed = OktaSource::with_token_and_tuning(
        &config("http://127.0.0.1:9"),
        SecretString::from(TOKEN),
        quick(),
    )
    .unwrap();
    let err = closed
        .read(&full_scope(), &Recorder::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "TRANSPORT");
    // It names the host it could not reach, so a wrong org URL shows.
    assert!(
        err.to_string().contains("http://127.0.0.1:9/api/v1/"),
        "{err}"
    );
    texts.push(format!("{err} {err:?}"));
    for text in texts {
        assert!(
            !text.contains(TOKEN) && !text.contains("DO-NOT-LEAK"),
            "token leaked: {text}"
        );
    }
}

#[test]
fn bad_settings_are_rejected_with_their_configuration_paths() {
    let mut bad = config("http://acme.okta.com");
    bad.page_size = 500;
    bad.rate_limit_share = 0.0;
    let err = OktaSource::with_token(&bad, SecretString::from(TOKEN)).unwrap_err();
    match err {
        Error::Config { problems } => {
            let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
            assert_eq!(
                paths,
                ["okta.org_url", "okta.page_size", "okta.rate_limit_share"]
            );
            assert!(problems[0].message.contains("https"));
        }
        other => panic!("expected a configuration error, got {other:?}"),
    }
    let missing = OktaSource::new(&config("https://acme.okta.com"), None).unwrap_err();
    assert_eq!(missing.code(), "SECRET");
    assert!(missing.to_string().contains("env:OKTA_SYNC_TEST_UNUSED"));
}
