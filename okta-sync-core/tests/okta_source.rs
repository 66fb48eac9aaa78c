//! The Okta source against the local Okta-compatible server (`okta-fake`): whole listings,
//! group members, deltas after scripted admin changes, the System Log cursor, and every
//! injected failure the source must survive or report.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::Duration;

use chrono::TimeDelta;
use okta_fake::{
    Bucket, FakeOkta, FakeOktaHandle, FakeOptions, FakeOrg, Fault, FaultKind, GroupSpec, OrgSpec,
    RateLimit, UserStatus,
};
use okta_sync_core::config::{OktaConfig, SecretRef};
use okta_sync_core::directory::{
    DirectorySnapshot, DirectorySource, ReadObserver, ReadRequest, ReadScope, UserLookup,
};
use okta_sync_core::filter::Pushdown;
use okta_sync_core::model::EventKind;
use okta_sync_core::okta::{OktaSource, Tuning};
use secrecy::SecretString;

struct Fake {
    okta: FakeOktaHandle,
    source: OktaSource,
}

fn spec(users: usize) -> OrgSpec {
    OrgSpec {
        seed: 7,
        users,
        groups: vec![GroupSpec {
            name: "Field Staff".into(),
            members: 1350,
        }],
        ..OrgSpec::default()
    }
}

fn config(url: &str) -> OktaConfig {
    OktaConfig {
        org_url: url.to_string(),
        token: SecretRef::Env("OKTA_SYNC_TEST_UNUSED".into()),
        rate_limit_share: 0.5,
        max_concurrency: 4,
        page_size: 200,
        overlap_seconds: 60,
        timeout_seconds: 10,
        max_retries: 2,
    }
}

fn tuning() -> Tuning {
    Tuning {
        throttle_margin: Duration::from_millis(50),
        retry_min_delay: Duration::from_millis(1),
        retry_max_delay: Duration::from_millis(5),
        ..Tuning::default()
    }
}

async fn start(users: usize) -> Fake {
    let okta = FakeOkta::start(FakeOrg::generate(&spec(users)), FakeOptions::default())
        .await
        .unwrap();
    let source = OktaSource::with_token_and_tuning(
        &config(&okta.url()),
        SecretString::from(okta.token()),
        tuning(),
    )
    .unwrap();
    Fake { okta, source }
}

fn scope(request: ReadRequest, groups: &[&str]) -> ReadScope {
    ReadScope {
        request,
        groups: groups.iter().map(|g| g.to_string()).collect(),
        known_group_ids: BTreeMap::new(),
        log_cursor: None,
        log_since: None,
        pushdown: None,
    }
}

#[derive(Default)]
struct Recorder {
    pages: Mutex<Vec<(String, usize)>>,
    waits: Mutex<Vec<u64>>,
}

impl ReadObserver for Recorder {
    fn page(&self, listing: &str, items: usize) {
        self.pages
            .lock()
            .unwrap()
            .push((listing.to_string(), items));
    }
    fn throttled(&self, wait_ms: u64) {
        self.waits.lock().unwrap().push(wait_ms);
    }
}

impl Fake {
    async fn read(&self, scope: &ReadScope) -> DirectorySnapshot {
        self.source.read(scope, &Recorder::default()).await.unwrap()
    }

    fn all_ids(&self) -> BTreeSet<String> {
        self.okta
            .with_org(|org| org.user_ids().into_iter().collect())
    }
}

fn ids(snapshot: &DirectorySnapshot) -> BTreeSet<String> {
    snapshot.users.iter().map(|u| u.id.clone()).collect()
}

/// The delta the engine would ask for after `previous`: since its server time less the
/// overlap, resuming the System Log from its cursor.
fn next_delta(previous: &DirectorySnapshot, groups: &[&str]) -> ReadScope {
    let since = previous.server_time.expect("server time") - TimeDelta::seconds(60);
    ReadScope {
        log_cursor: previous.log_cursor.clone(),
        ..scope(ReadRequest::Delta { since }, groups)
    }
}

#[tokio::test]
async fn full_listing_of_5000_users_takes_exactly_25_pages_and_returns_everyone() {
    let fake = start(5000).await;
    let recorder = Recorder::default();
    let snapshot = fake
        .source
        .read(&scope(ReadRequest::Full, &[]), &recorder)
        .await
        .unwrap();
    assert_eq!(fake.okta.request_count("/api/v1/users"), 25);
    assert!(snapshot.users_complete);
    assert!(snapshot.is_complete(), "{:?}", snapshot.gaps);
    assert_eq!(snapshot.users.len(), 5000);
    assert_eq!(ids(&snapshot), fake.all_ids());
    let statuses: BTreeSet<&str> = snapshot.users.iter().map(|u| u.status.as_str()).collect();
    assert_eq!(
        statuses.len(),
        8,
        "every Okta status, DEPROVISIONED included: {statuses:?}"
    );
    let user_pages: Vec<usize> = recorder
        .pages
        .lock()
        .unwrap()
        .iter()
        .filter(|(l, _)| l == "users")
        .map(|(_, n)| *n)
        .collect();
    assert_eq!(user_pages, vec![200; 25]);
    assert_eq!(
        snapshot.server_time.map(|t| t.timestamp() / 60),
        Some(okta_fake::default_start().timestamp() / 60)
    );
    assert!(
        snapshot.stats.requests >= 26 && snapshot.stats.bytes > 0,
        "{:?}",
        snapshot.stats
    );
}

#[tokio::test]
async fn a_group_with_1350_members_is_read_completely() {
    let fake = start(3000).await;
    let snapshot = fake.read(&scope(ReadRequest::Full, &["Field Staff"])).await;
    let group_id = fake.okta.group_id("Field Staff").unwrap();
    let expected = fake.okta.with_org(|org| org.member_ids(&group_id));
    let members = &snapshot.groups["Field Staff"];
    assert!(members.complete);
    assert_eq!(members.group.id, group_id);
    assert_eq!(members.member_ids.len(), 1350);
    assert_eq!(members.member_ids, expected);
    assert_eq!(
        fake.okta
            .request_count(&format!("/api/v1/groups/{group_id}/users")),
        7
    );
}

#[tokio::test]
async fn a_429_mid_listing_is_waited_out_and_nothing_is_lost() {
    let fake = start(5000).await;
    fake.okta.inject(Fault::on_page(
        "/api/v1/users",
        3,
        FaultKind::RateLimited {
            reset_after_secs: 0,
        },
    ));
    let recorder = Recorder::default();
    let snapshot = fake
        .source
        .read(&scope(ReadRequest::Full, &[]), &recorder)
        .await
        .unwrap();
    assert!(snapshot.users_complete);
    assert_eq!(ids(&snapshot), fake.all_ids());
    assert_eq!(
        fake.okta.request_count("/api/v1/users"),
        26,
        "25 pages and one retry of page 3"
    );
    let statuses: Vec<u16> = fake
        .okta
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/users")
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 1);
    assert_eq!(snapshot.stats.throttle_waits, 1);
    assert_eq!(
        *recorder.waits.lock().unwrap(),
        [50],
        "Reset equals Date, so only the margin"
    );
}

#[tokio::test]
async fn the_source_keeps_within_its_share_of_a_small_bucket_without_being_refused() {
    let fake = start(1000).await;
    fake.okta.set_rate_limit(
        Bucket::Users,
        RateLimit {
            limit: 4,
            window: Duration::from_secs(1),
        },
    );
    let snapshot = fake.read(&scope(ReadRequest::Full, &[])).await;
    assert!(snapshot.users_complete);
    assert_eq!(snapshot.users.len(), 1000);
    let refused = fake
        .okta
        .requests()
        .iter()
        .filter(|r| r.status == 429)
        .count();
    assert_eq!(
        refused, 0,
        "the source waited for the window instead of drawing 429s"
    );
    assert!(snapshot.stats.throttle_waits >= 1);
}

#[tokio::test]
async fn concurrent_group_listings_stay_within_the_share_of_their_bucket() {
    // Four groups are listed at once, all in the groups bucket: 10 requests per
    // 1 s window, of which a share of 0.5 leaves 5 to others. The server's Remaining
    // after each answered request must therefore never fall below 5, although up to four
    // requests are in flight and their answers arrive in any order.
    let fake = start(3000).await;
    fake.okta.set_rate_limit(
        Bucket::Groups,
        RateLimit {
            limit: 10,
            window: Duration::from_secs(1),
        },
    );
    let groups = [
        "Field Staff",
        "Department - Engineering",
        "Department - Sales",
        "Department - Marketing",
    ];
    let snapshot = fake.read(&scope(ReadRequest::Full, &groups)).await;
    assert!(snapshot.is_complete(), "{:?}", snapshot.gaps);
    let mut member_pages = 0;
    for name in groups {
        let id = fake.okta.group_id(name).unwrap();
        let expected = fake.okta.with_org(|org| org.member_ids(&id));
        assert_eq!(snapshot.groups[name].member_ids, expected, "{name}");
        member_pages += expected.len().div_ceil(200).max(1);
    }
    let in_bucket: Vec<_> = fake
        .okta
        .requests()
        .into_iter()
        .filter(|r| {
            r.path == "/api/v1/groups"
                || (r.path.starts_with("/api/v1/groups/") && r.path.ends_with("/users"))
        })
        .collect();
    // Each group is found by name (one search) and its members read page by page.
    assert_eq!(in_bucket.len(), groups.len() + member_pages);
    assert!(in_bucket.iter().all(|r| r.status == 200));
    let lowest = in_bucket.iter().filter_map(|r| r.rate_remaining).min();
    assert!(
        lowest.is_some_and(|remaining| remaining >= 5),
        "the share was exceeded: Remaining fell to {lowest:?}"
    );
    assert!(snapshot.stats.throttle_waits >= 1);
}

#[tokio::test]
async fn a_repeated_cursor_stops_the_listing_with_a_gap() {
    let fake = start(1000).await;
    fake.okta.inject(Fault::on_page(
        "/api/v1/users",
        2,
        FaultKind::RepeatedCursor,
    ));
    let snapshot = fake.read(&scope(ReadRequest::Full, &[])).await;
    assert!(!snapshot.users_complete);
    assert!(!snapshot.is_complete());
    assert_eq!(snapshot.users.len(), 400, "the two pages read are kept");
    assert_eq!(fake.okta.request_count("/api/v1/users"), 2, "never loops");
    let gap = snapshot.gaps.iter().find(|g| g.listing == "users").unwrap();
    assert!(gap.reason.contains("repeated a cursor"), "{}", gap.reason);
}

#[tokio::test]
async fn a_listing_longer_than_the_page_bound_is_stopped_not_taken_as_complete() {
    let fake = start(1000).await;
    let tuning = Tuning {
        max_pages: 3,
        ..tuning()
    };
    let source = OktaSource::with_token_and_tuning(
        &config(&fake.okta.url()),
        SecretString::from(fake.okta.token()),
        tuning,
    )
    .unwrap();
    let snapshot = source
        .read(&scope(ReadRequest::Full, &[]), &Recorder::default())
        .await
        .unwrap();
    assert!(!snapshot.users_complete);
    assert_eq!(snapshot.users.len(), 600);
    let gap = snapshot.gaps.iter().find(|g| g.listing == "users").unwrap();
    assert!(gap.reason.contains("after 3 pages"), "{}", gap.reason);
}

#[tokio::test]
async fn a_401_mid_listing_leaves_the_listing_incomplete() {
    let fake = start(1000).await;
    fake.okta.inject(Fault::on_page(
        "/api/v1/users",
        3,
        FaultKind::Status { status: 401 },
    ));
    let snapshot = fake.read(&scope(ReadRequest::Full, &[])).await;
    assert!(!snapshot.users_complete);
    assert_eq!(snapshot.users.len(), 400);
    let gap = snapshot.gaps.iter().find(|g| g.listing == "users").unwrap();
    assert!(gap.reason.contains("E0000011"), "{}", gap.reason);
    assert_eq!(
        fake.okta.request_count("/api/v1/users"),
        3,
        "a 401 is not retried"
    );
}

#[tokio::test]
async fn a_token_refused_from_the_start_fails_the_read() {
    let fake = start(50).await;
    fake.okta.expire_token_after(0);
    let err = fake
        .source
        .read(&scope(ReadRequest::Full, &[]), &Recorder::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "OKTA_CREDENTIAL");
    assert_eq!(
        err.okta_api().unwrap().error_code.as_deref(),
        Some("E0000011")
    );
    let check = fake.source.check_connection().await.unwrap();
    assert!(!check.ok);
}

#[tokio::test]
async fn transient_failures_and_cut_off_bodies() {
    let fake = start(1000).await;
    fake.okta.inject(Fault::on_page(
        "/api/v1/users",
        2,
        FaultKind::Status { status: 503 },
    ));
    let snapshot = fake.read(&scope(ReadRequest::Full, &[])).await;
    assert!(
        snapshot.users_complete,
        "a single 503 is retried: {:?}",
        snapshot.gaps
    );
    assert_eq!(snapshot.users.len(), 1000);

    fake.okta
        .inject(Fault::on_page("/api/v1/users", 4, FaultKind::TruncatedBody));
    let snapshot = fake.read(&scope(ReadRequest::Full, &[])).await;
    assert!(!snapshot.users_complete);
    assert_eq!(snapshot.users.len(), 600);
    let gap = snapshot.gaps.iter().find(|g| g.listing == "users").unwrap();
    assert!(gap.reason.contains("users page 4"), "{}", gap.reason);
}

#[tokio::test]
async fn a_request_that_times_out_is_retried() {
    let fake = start(300).await;
    let mut settings = config(&fake.okta.url());
    settings.timeout_seconds = 1;
    let source = OktaSource::with_token_and_tuning(
        &settings,
        SecretString::from(fake.okta.token()),
        tuning(),
    )
    .unwrap();
    fake.okta.inject(Fault::on_page(
        "/api/v1/users",
        2,
        FaultKind::Delay { millis: 1500 },
    ));
    let snapshot = source
        .read(&scope(ReadRequest::Full, &[]), &Recorder::default())
        .await
        .unwrap();
    assert!(snapshot.users_complete, "{:?}", snapshot.gaps);
    assert_eq!(snapshot.users.len(), 300);
    let user_requests = snapshot.stats.requests - 1; // less the System Log poll
    assert_eq!(user_requests, 3, "page 1, page 2 timed out, page 2 again");
}

#[tokio::test]
async fn a_user_removed_from_a_group_and_a_user_deleted_are_seen_by_the_next_delta() {
    let fake = start(2000).await;
    let groups = ["Asset Managers", "Okta Administrators"];
    let first = fake
        .read(&ReadScope {
            log_since: Some(fake.okta.now()),
            ..scope(ReadRequest::Full, &groups)
        })
        .await;
    assert!(first.is_complete(), "{:?}", first.gaps);
    let managers = first.groups["Asset Managers"].clone();
    let leaver = managers.member_ids[0].clone();
    let departed = fake
        .okta
        .with_org(|org| org.users_with_status(UserStatus::Active)[5].clone());
    assert!(first.users.iter().any(|u| u.id == departed));
    let leaver_updated = first
        .users
        .iter()
        .find(|u| u.id == leaver)
        .unwrap()
        .last_updated;

    fake.okta.advance(Duration::from_secs(600));
    fake.okta
        .remove_member(&managers.group.id, &leaver)
        .unwrap();
    fake.okta.deactivate(&departed).unwrap();
    fake.okta.delete_user(&departed).unwrap();
    fake.okta.advance(Duration::from_secs(5));

    let delta = fake.read(&next_delta(&first, &groups)).await;
    assert!(!delta.full);
    assert!(delta.is_complete(), "{:?}", delta.gaps);
    // The group's membership moved, so it is re-listed whole; the other group did not.
    let relisted = &delta.groups["Asset Managers"];
    assert!(relisted.complete);
    assert_eq!(relisted.member_ids.len(), managers.member_ids.len() - 1);
    assert!(!relisted.member_ids.contains(&leaver));
    assert!(!delta.groups.contains_key("Okta Administrators"));
    // Removal from a group does not move the user's own lastUpdated.
    assert!(
        delta
            .users
            .iter()
            .filter(|u| u.id == leaver)
            .all(|u| u.last_updated == leaver_updated)
    );
    // The deleted user is gone from Okta; only the System Log tells.
    assert!(!delta.users.iter().any(|u| u.id == departed));
    let seen: Vec<(EventKind, &str)> = delta
        .events
        .iter()
        .map(|e| (e.kind, e.user_id.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (EventKind::MembershipRemoved, leaver.as_str()),
            (EventKind::Deactivated, departed.as_str()),
            (EventKind::DeleteInitiated, departed.as_str()),
            (EventKind::DeleteCompleted, departed.as_str()),
        ]
    );
    assert_eq!(
        delta.events[0].group_name.as_deref(),
        Some("Asset Managers")
    );
    let lookups = fake
        .source
        .fetch_users(&[departed.clone(), leaver.clone()])
        .await
        .unwrap();
    assert_eq!(lookups[0], UserLookup::NotFound { id: departed });
    assert!(matches!(&lookups[1], UserLookup::Found(u) if u.id == leaver));
    // The cursor moved on: the next delta sees nothing new.
    let quiet = fake.read(&next_delta(&delta, &groups)).await;
    assert!(quiet.events.is_empty());
    assert_ne!(quiet.log_cursor, first.log_cursor);
}

#[tokio::test]
async fn delta_sees_status_and_profile_changes_but_not_untouched_users() {
    let fake = start(500).await;
    let first = fake
        .read(&ReadScope {
            log_since: Some(fake.okta.now()),
            ..scope(ReadRequest::Full, &[])
        })
        .await;
    let active = fake
        .okta
        .with_org(|org| org.users_with_status(UserStatus::Active));
    fake.okta.advance(Duration::from_secs(120));
    fake.okta.suspend(&active[0]).unwrap();
    fake.okta
        .update_profile(&active[1], serde_json::json!({"department": "Legal"}))
        .unwrap();
    let created = fake
        .okta
        .create_user(serde_json::json!({"login": "new.hire@example.com", "email": "new.hire@example.com", "firstName": "New", "lastName": "Hire"}), true)
        .unwrap();
    let delta = fake.read(&next_delta(&first, &[])).await;
    assert_eq!(
        ids(&delta),
        BTreeSet::from([active[0].clone(), active[1].clone(), created.clone()])
    );
    let suspended = delta.users.iter().find(|u| u.id == active[0]).unwrap();
    assert_eq!(suspended.status.as_str(), "SUSPENDED");
    assert_eq!(
        delta
            .users
            .iter()
            .find(|u| u.id == active[1])
            .unwrap()
            .profile_str("department"),
        Some("Legal")
    );
    let kinds: Vec<EventKind> = delta.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [EventKind::Suspended, EventKind::Reactivated],
        "create and profile updates are not sync events; activate is"
    );
}

#[tokio::test]
async fn groups_resolve_by_name_by_id_and_after_a_rename() {
    let fake = start(300).await;
    let admins = fake.okta.group_id("Okta Administrators").unwrap();
    let managers = fake.okta.group_id("Asset Managers").unwrap();
    fake.okta.rename_group(&managers, "Asset Stewards").unwrap();
    let mut read_scope = scope(
        ReadRequest::Full,
        &[
            "okta administrators",
            &admins,
            "Asset Managers",
            "No Such Group",
        ],
    );
    read_scope
        .known_group_ids
        .insert("Asset Managers".into(), managers.clone());
    let snapshot = fake.read(&read_scope).await;
    assert_eq!(
        snapshot.groups["okta administrators"].group.id, admins,
        "a single case-insensitive match"
    );
    assert_eq!(snapshot.groups[&admins].group.name, "Okta Administrators");
    assert_eq!(
        snapshot.groups["Asset Managers"].group.id, managers,
        "renamed: found by the stored id"
    );
    assert_eq!(snapshot.unresolved_groups, ["No Such Group"]);
    assert!(!snapshot.is_complete());
}

#[tokio::test]
async fn an_ambiguous_group_name_resolves_to_nothing() {
    let fake = start(100).await;
    fake.okta.with_org_mut(|org, now| {
        org.create_group("Contractors", None, now);
        org.create_group("Contractors", Some("imported twice"), now);
    });
    let snapshot = fake.read(&scope(ReadRequest::Full, &["Contractors"])).await;
    assert_eq!(snapshot.unresolved_groups, ["Contractors"]);
    let gap = snapshot
        .gaps
        .iter()
        .find(|g| g.listing == "group:Contractors")
        .unwrap();
    assert!(gap.reason.contains("by its id"), "{}", gap.reason);
}

#[tokio::test]
async fn a_log_cursor_past_retention_is_reported_as_expired_and_replaced() {
    let fake = start(200).await;
    let first = fake
        .read(&ReadScope {
            log_since: Some(fake.okta.now()),
            ..scope(ReadRequest::Full, &[])
        })
        .await;
    assert!(!first.log_cursor_expired);
    fake.okta.advance(Duration::from_secs(91 * 86_400));
    let stale = fake.read(&next_delta(&first, &[])).await;
    assert!(stale.log_cursor_expired);
    assert!(
        stale
            .gaps
            .iter()
            .any(|g| g.listing == "log" && g.reason.contains("may have been missed"))
    );
    assert!(stale.log_cursor.is_some() && stale.log_cursor != first.log_cursor);
    // The fresh cursor works: the next run is back to normal.
    let id = fake
        .okta
        .with_org(|org| org.users_with_status(UserStatus::Active)[0].clone());
    fake.okta.suspend(&id).unwrap();
    let next = fake.read(&next_delta(&stale, &[])).await;
    assert!(!next.log_cursor_expired);
    assert!(next.is_complete(), "{:?}", next.gaps);
    assert_eq!(next.events.len(), 1);
}

#[tokio::test]
async fn a_log_start_older_than_retention_is_expired_but_reads_what_is_left() {
    let fake = start(2000).await;
    let since = fake.okta.now() - TimeDelta::days(120);
    let snapshot = fake
        .read(&ReadScope {
            log_since: Some(since),
            ..scope(ReadRequest::Full, &[])
        })
        .await;
    assert!(snapshot.log_cursor_expired);
    let history = fake.okta.with_org(|org| org.log().len());
    assert!(history > 0);
    assert_eq!(
        snapshot.events.len(),
        history,
        "generated suspensions and deactivations of the last 90 days"
    );
    let older = fake
        .read(&ReadScope {
            log_since: Some(fake.okta.now() - TimeDelta::days(200)),
            ..scope(ReadRequest::Full, &[])
        })
        .await;
    assert!(
        older.log_cursor_expired,
        "Okta refuses a since over 180 days back"
    );
    assert!(older.log_cursor.is_some());
}

#[tokio::test]
async fn pushdown_narrows_the_full_listing_on_okta_s_side() {
    let fake = start(1000).await;
    let pushdown = Pushdown {
        search: Some(r#"profile.department eq "sales""#.into()),
        ..Pushdown::default()
    };
    let snapshot = fake
        .read(&ReadScope {
            pushdown: Some(pushdown),
            ..scope(ReadRequest::Full, &[])
        })
        .await;
    let expected: BTreeSet<String> = fake.okta.with_org(|org| {
        org.user_ids()
            .into_iter()
            .filter(|id| {
                let user = org.user(id).unwrap();
                org.profile_value(user, "department")
                    .and_then(|d| d.as_str().map(str::to_lowercase))
                    == Some("sales".into())
            })
            .collect()
    });
    assert!(!expected.is_empty());
    assert_eq!(ids(&snapshot), expected);
    assert!(snapshot.users_complete);
}

#[tokio::test]
async fn everything_is_reported_to_the_caller_and_the_token_stays_secret() {
    let fake = start(100).await;
    let check = fake.source.check_connection().await.unwrap();
    assert!(
        check.ok && check.users && check.groups && check.system_log,
        "{check:?}"
    );
    let token = fake.okta.token();
    fake.okta.inject(Fault::always(
        "/api/v1/users",
        FaultKind::Status { status: 403 },
    ));
    let err = fake
        .source
        .read(&scope(ReadRequest::Full, &[]), &Recorder::default())
        .await
        .unwrap_err();
    for text in [
        format!("{:?}", fake.source),
        format!("{err}"),
        format!("{err:?}"),
    ] {
        assert!(!text.contains(&token), "token leaked: {text}");
    }
}

#[tokio::test]
async fn the_summary_of_a_scripted_day_is_stable() {
    let fake = start(400).await;
    let groups = ["Asset Managers", "Department - Finance"];
    let first = fake
        .read(&ReadScope {
            log_since: Some(fake.okta.now()),
            ..scope(ReadRequest::Full, &groups)
        })
        .await;
    let active = fake
        .okta
        .with_org(|org| org.users_with_status(UserStatus::Active));
    let managers = &first.groups["Asset Managers"];
    fake.okta.advance(Duration::from_secs(3600));
    fake.okta
        .add_member(&managers.group.id, &active[3])
        .unwrap();
    fake.okta
        .remove_member(&managers.group.id, &managers.member_ids[1])
        .unwrap();
    fake.okta.suspend(&active[4]).unwrap();
    fake.okta.deactivate(&active[5]).unwrap();
    fake.okta.delete_user(&active[5]).unwrap();
    let delta = fake.read(&next_delta(&first, &groups)).await;
    let summary = serde_json::json!({
        "first": {
            "users": first.users.len(),
            "groups": first.groups.iter().map(|(k, g)| (k.clone(), g.member_ids.len())).collect::<BTreeMap<_, _>>(),
            "complete": first.is_complete(),
        },
        "delta": {
            "users": delta.users.iter().map(|u| format!("{} {}", u.profile_str("login").unwrap_or("?"), u.status)).collect::<Vec<_>>(),
            "groups": delta.groups.iter().map(|(k, g)| (k.clone(), g.member_ids.len())).collect::<BTreeMap<_, _>>(),
            "events": delta.events.iter().map(|e| format!("{:?} {}", e.kind, e.user_login.as_deref().unwrap_or("?"))).collect::<Vec<_>>(),
            "complete": delta.is_complete(),
            "expired": delta.log_cursor_expired,
        }
    });
    insta::assert_yaml_snapshot!(summary);
}
