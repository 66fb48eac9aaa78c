//! The fake's HTTP behaviour, checked against what Okta documents: the parts other test
//! suites rely on when they talk to it directly.

use okta_fake::{
    FakeOkta, FakeOktaHandle, FakeOptions, FakeOrg, Fault, FaultKind, OrgSpec, UserStatus,
};
use serde_json::Value;

async fn start(users: usize) -> FakeOktaHandle {
    FakeOkta::start(
        FakeOrg::generate(&OrgSpec {
            users,
            ..OrgSpec::default()
        }),
        FakeOptions::default(),
    )
    .await
    .unwrap()
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

struct Answer {
    status: u16,
    links: Vec<String>,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn get(okta: &FakeOktaHandle, path_and_query: &str) -> Answer {
    let response = client()
        .get(format!("{}{path_and_query}", okta.url()))
        .header("Authorization", format!("SSWS {}", okta.token()))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let links = headers
        .get_all("link")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let body = response.json().await.unwrap_or(Value::Null);
    Answer {
        status,
        links,
        headers,
        body,
    }
}

fn next_of(answer: &Answer) -> Option<String> {
    answer
        .links
        .iter()
        .find(|l| l.ends_with("rel=\"next\""))
        .map(|l| l[1..l.find('>').unwrap()].to_string())
}

#[tokio::test]
async fn the_plain_listing_hides_deprovisioned_users_and_search_does_not() {
    let okta = start(300).await;
    let deprovisioned = okta.with_org(|org| org.users_with_status(UserStatus::Deprovisioned).len());
    assert!(deprovisioned > 0);
    let plain = get(&okta, "/api/v1/users?limit=200").await;
    let mut count = plain.body.as_array().unwrap().len();
    let next = next_of(&plain).expect("a second page");
    let path = next.strip_prefix(&okta.url()).unwrap().to_string();
    let second = get(&okta, &path).await;
    count += second.body.as_array().unwrap().len();
    assert!(next_of(&second).is_none());
    assert_eq!(count, 300 - deprovisioned);
    let all = get(&okta, "/api/v1/users?limit=200&search=status%20pr").await;
    assert_eq!(
        all.links.len(),
        2,
        "self and next as separate headers: {:?}",
        all.links
    );
    assert!(all.headers.contains_key("date") && all.headers.contains_key("x-okta-request-id"));
    for name in [
        "x-rate-limit-limit",
        "x-rate-limit-remaining",
        "x-rate-limit-reset",
    ] {
        assert!(all.headers.contains_key(name), "{name}");
    }
}

#[tokio::test]
async fn filter_and_search_follow_okta_s_rules() {
    let okta = start(200).await;
    let suspended = okta.with_org(|org| org.users_with_status(UserStatus::Suspended).len());
    let filtered = get(&okta, "/api/v1/users?filter=status%20eq%20%22SUSPENDED%22").await;
    assert_eq!(filtered.body.as_array().unwrap().len(), suspended);
    // Filter values are case-sensitive, search values are not.
    let lower = get(&okta, "/api/v1/users?filter=status%20eq%20%22suspended%22").await;
    assert_eq!(lower.body.as_array().unwrap().len(), 0);
    let search = get(&okta, "/api/v1/users?search=status%20eq%20%22suspended%22").await;
    assert_eq!(search.body.as_array().unwrap().len(), suspended);
    // `ne` is not supported; department is not a filter attribute.
    for bad in [
        "filter=status%20ne%20%22ACTIVE%22",
        "filter=profile.department%20eq%20%22IT%22",
    ] {
        let answer = get(&okta, &format!("/api/v1/users?{bad}")).await;
        assert_eq!(answer.status, 400);
        assert_eq!(answer.body["errorCode"], "E0000031");
    }
}

#[tokio::test]
async fn groups_search_by_name_and_members_and_errors() {
    let okta = start(100).await;
    let found = get(
        &okta,
        "/api/v1/groups?search=profile.name%20eq%20%22asset%20managers%22",
    )
    .await;
    let groups = found.body.as_array().unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0]["profile"]["name"], "Asset Managers");
    assert_eq!(groups[0]["type"], "OKTA_GROUP");
    let q = get(&okta, "/api/v1/groups?q=Dep").await;
    assert!(q.links.is_empty(), "q answers carry no Link header");
    assert!(q.body.as_array().unwrap().len() >= 8);
    let missing = get(&okta, "/api/v1/users/00unosuchuser0000000").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["errorCode"], "E0000007");
    let unauthorized = client()
        .get(format!("{}/api/v1/users", okta.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorized.status().as_u16(), 401);
}

#[tokio::test]
async fn faults_are_injected_where_asked() {
    let okta = start(500).await;
    okta.inject(Fault::on_page(
        "/api/v1/users",
        2,
        FaultKind::Status { status: 503 },
    ));
    let first = get(&okta, "/api/v1/users?limit=200&search=status%20pr").await;
    let path = next_of(&first)
        .unwrap()
        .strip_prefix(&okta.url())
        .unwrap()
        .to_string();
    assert_eq!(get(&okta, &path).await.status, 503);
    assert_eq!(get(&okta, &path).await.status, 200, "fires once");
    okta.inject(Fault::on_page(
        "/api/v1/users",
        1,
        FaultKind::RateLimited {
            reset_after_secs: 3,
        },
    ));
    let limited = get(&okta, "/api/v1/users").await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.body["errorCode"], "E0000047");
    let date = httpdate::parse_http_date(limited.headers["date"].to_str().unwrap()).unwrap();
    let reset: u64 = limited.headers["x-rate-limit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let date_secs = date
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert_eq!(reset - date_secs, 3);
    okta.expire_token_after(1);
    assert_eq!(get(&okta, "/api/v1/groups").await.status, 200);
    let expired = get(&okta, "/api/v1/groups").await;
    assert_eq!(
        (expired.status, expired.body["errorCode"].as_str()),
        (401, Some("E0000011"))
    );
}
