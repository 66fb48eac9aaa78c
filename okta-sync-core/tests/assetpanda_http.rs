//! Asset Panda Pro over HTTP: the exact requests sent (method, path, query, headers,
//! body, checked against the fixtures), what bad responses turn into, and that the keys
//! never leak. The behaviour shared with the local target is in `target_contract.rs`.

mod assetpanda_mock;

use std::sync::{Arc, Mutex};

use assetpanda_mock::*;
use mockito::{Matcher, Server};
use okta_sync_core::Error;
use okta_sync_core::config::{Mapping, SecretProvider, SyncConfig};
use okta_sync_core::target::assetpanda::AssetPandaTarget;
use okta_sync_core::target::{AssetTarget, Fields, TargetWrite, WriteOutcome};
use secrecy::SecretString;
use serde_json::{Value, json};

fn sync_config(mappings: Value) -> SyncConfig {
    serde_json::from_value(json!({
        "okta": {"org_url": "https://example.okta.com", "token": {"env": "OKTA_API_TOKEN"}},
        "target": {"kind": "local", "path": "unused.db"},
        "unique_identifier": "email",
        "mappings": mappings
    }))
    .expect("test configuration is valid")
}

fn people_mapping() -> Mapping {
    sync_config(
        json!([{"kind": "record", "name": "people", "collection": "People",
        "fields": [{"target": "Email", "source": "profile.email"}]}]),
    )
    .mappings
    .remove(0)
}

fn fields(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect()
}

fn create(pairs: &[(&str, &str)]) -> TargetWrite {
    TargetWrite::CreateRecord {
        collection: "People".into(),
        fields: fields(pairs),
    }
}

fn invite(email: &str, role: &str) -> TargetWrite {
    TargetWrite::CreateLogin {
        email: email.into(),
        role: role.into(),
        fields: Fields::new(),
    }
}

fn failed(outcome: &WriteOutcome) -> (&str, bool) {
    match outcome {
        WriteOutcome::Failed { reason, retryable } => (reason, *retryable),
        other => panic!("expected a failure, got {other:?}"),
    }
}

fn target_status(err: &Error) -> Option<u16> {
    match err {
        Error::Target { status, .. } => *status,
        other => panic!("expected a target error, got {other:?}"),
    }
}

/// Scripted discovery mocks (not the stateful fake) that only answer requests carrying
/// the keys, `accept: application/json` and the documented query parameters.
async fn scripted_discovery(server: &mut mockito::ServerGuard) -> Vec<mockito::Mock> {
    let keyed = |m: mockito::Mock| {
        m.match_header("access-key-id", KEY_ID)
            .match_header("access-key-secret", KEY_SECRET)
            .match_header("accept", "application/json")
            .expect(1)
    };
    let tenant = || {
        Matcher::AllOf(vec![
            Matcher::UrlEncoded("accountId".into(), ACCOUNT.into()),
            Matcher::UrlEncoded("moduleId".into(), MODULE.into()),
        ])
    };
    vec![
        keyed(server.mock("GET", "/accounts"))
            .with_body(fixture("accounts.response.json").to_string())
            .create_async()
            .await,
        keyed(server.mock("GET", "/modules"))
            .match_query(Matcher::UrlEncoded("accountId".into(), ACCOUNT.into()))
            .with_body(fixture("modules.response.json").to_string())
            .create_async()
            .await,
        keyed(server.mock("GET", "/collections"))
            .match_query(tenant())
            .with_body(fixture("collections.response.json").to_string())
            .create_async()
            .await,
        keyed(server.mock("GET", "/collection-columns"))
            .match_query(Matcher::AllOf(vec![
                Matcher::UrlEncoded("accountId".into(), ACCOUNT.into()),
                Matcher::UrlEncoded("moduleId".into(), MODULE.into()),
                Matcher::UrlEncoded("collectionId".into(), PEOPLE.into()),
            ]))
            .with_body(fixture("collection-columns.response.json").to_string())
            .create_async()
            .await,
    ]
}

fn scripted_target(server: &mockito::ServerGuard) -> AssetPandaTarget {
    let mut config = FakeAssetPanda::quick_options();
    config.page_size = 3;
    AssetPandaTarget::with_options(
        &okta_sync_core::config::AssetPandaConfig {
            base_url: server.url(),
            access_key_id: okta_sync_core::config::SecretRef::Provider("id".into()),
            access_key_secret: okta_sync_core::config::SecretRef::Provider("secret".into()),
            account: "Example Corp".into(),
            module: "IT Assets".into(),
            requests_per_window: 100_000,
            window_seconds: 1,
        },
        SecretString::from(KEY_ID),
        SecretString::from(KEY_SECRET),
        config,
    )
    .unwrap()
}

fn with_pagination(mut body: Value, from: u64, size: u64) -> Value {
    body["pagination"] = json!({"from": from, "size": size});
    body
}

#[tokio::test]
async fn holdings_discover_once_then_page_through_the_documented_search() {
    let mut server = Server::new_async().await;
    let discovery = scripted_discovery(&mut server).await;
    let minimal = fixture("collection-records-search.minimal.request.json");
    let first = server
        .mock("POST", "/collection-records/search")
        .match_header("content-type", "application/json")
        .match_header("access-key-secret", KEY_SECRET)
        .match_body(Matcher::Json(with_pagination(minimal.clone(), 0, 3)))
        .with_body(fixture("collection-records-search.response.json").to_string())
        .expect(2)
        .create_async()
        .await;
    let last = server
        .mock("POST", "/collection-records/search")
        .match_body(Matcher::Json(with_pagination(minimal, 1, 3)))
        .with_body(r#"{"data": {"records": []}}"#)
        .expect(2)
        .create_async()
        .await;

    let target = scripted_target(&server);
    for _ in 0..2 {
        let held = target.holdings(&people_mapping()).await.unwrap();
        assert!(held.listed);
        assert_eq!(held.records.len(), 1);
        assert_eq!(held.records[0].id, "rec_0000000001");
        assert_eq!(
            held.records[0].fields,
            fields(&[
                ("Email", "carol.example@example.com"),
                ("Employee ID", "E-1001"),
                ("Full Name", "Carol Example")
            ])
        );
    }
    for mock in discovery.iter().chain([&first, &last]) {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn lookup_searches_the_match_column_and_keeps_only_exact_matches() {
    let mut server = Server::new_async().await;
    let _discovery = scripted_discovery(&mut server).await;
    let mut expected = fixture("collection-records-search.request.json");
    expected["searchInput"]["selection"]["matchType"] = json!("Any");
    let mut response = fixture("collection-records-search.response.json");
    // A record that merely contains the wanted address must not be returned.
    response["data"]["records"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "rec_0000000002", "01ABC_0_email_text": "xcarol.example@example.com"}));
    let search = server
        .mock("POST", "/collection-records/search")
        .match_body(Matcher::Json(with_pagination(expected.clone(), 0, 3)))
        .with_body(response.to_string())
        .expect(1)
        .create_async()
        .await;
    let end = server
        .mock("POST", "/collection-records/search")
        .match_body(Matcher::Json(with_pagination(expected, 2, 3)))
        .with_body(r#"{"data": {"records": []}}"#)
        .expect(1)
        .create_async()
        .await;
    let target = scripted_target(&server);
    let found = target
        .lookup(
            &people_mapping(),
            "Email",
            &["carol.example@example.com".into()],
        )
        .await
        .unwrap();
    let ids: Vec<_> = found.records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["rec_0000000001"]);
    search.assert_async().await;
    end.assert_async().await;
}

#[tokio::test]
async fn create_sends_the_observed_body_and_maps_per_record_results() {
    let mut server = Server::new_async().await;
    let _discovery = scripted_discovery(&mut server).await;
    let mut body = fixture("collection-records-create.request.json");
    body["records"]
        .as_array_mut()
        .unwrap()
        .push(json!({"01ABC_0_fullname_text": "Dan Example", "01ABC_0_email_text": "bad"}));
    let post = server
        .mock("POST", "/collection-records")
        .match_header("content-type", "application/json")
        .match_body(Matcher::Json(body))
        .with_body(fixture("collection-records-write.response.json").to_string())
        .expect(1)
        .create_async()
        .await;
    // The observed response has no ids, so the created record is found again by its
    // values (all three text columns must contain what was sent).
    let find = json!({
        "tenant": {"accountId": ACCOUNT, "moduleId": MODULE},
        "collectionId": PEOPLE,
        "searchInput": {"selection": {"matchType": "All", "filters": [
            {"field": "01ABC_0_email_text", "operator": "contains", "value": "carol.example@example.com"},
            {"field": "01ABC_0_employeeid_text", "operator": "contains", "value": "E-1001"},
            {"field": "01ABC_0_fullname_text", "operator": "contains", "value": "Carol Example"}
        ]}}
    });
    let found = server
        .mock("POST", "/collection-records/search")
        .match_body(Matcher::Json(with_pagination(find.clone(), 0, 3)))
        .with_body(fixture("collection-records-search.response.json").to_string())
        .expect(1)
        .create_async()
        .await;
    let _end = server
        .mock("POST", "/collection-records/search")
        .match_body(Matcher::Json(with_pagination(find, 1, 3)))
        .with_body("[]")
        .create_async()
        .await;
    let target = scripted_target(&server);
    let out = target
        .write(&[
            create(&[
                ("Full Name", "Carol Example"),
                ("Email", "carol.example@example.com"),
                ("Employee ID", "E-1001"),
            ]),
            create(&[("Full Name", "Dan Example"), ("Email", "bad")]),
        ])
        .await
        .unwrap();
    assert_eq!(
        out[0],
        WriteOutcome::Done {
            id: "rec_0000000001".into()
        }
    );
    assert_eq!(failed(&out[1]), ("example validation message", false));
    post.assert_async().await;
    found.assert_async().await;
}

#[tokio::test]
async fn update_sends_record_ids_in_requests_of_at_most_five() {
    let mut server = Server::new_async().await;
    let _discovery = scripted_discovery(&mut server).await;
    let put = server
        .mock("PUT", "/collection-records")
        .match_body(Matcher::Json(fixture(
            "collection-records-update.request.json",
        )))
        .with_body(r#"{"data": {"records": [{"index": 0, "success": true, "errors": []}]}}"#)
        .expect(1)
        .create_async()
        .await;
    let target = scripted_target(&server);
    let out = target
        .write(&[TargetWrite::UpdateRecord {
            collection: "People".into(),
            record_id: "rec_0000000001".into(),
            fields: fields(&[
                ("Email", "carol.example@example.com"),
                ("Department", "Finance"),
            ]),
        }])
        .await
        .unwrap();
    assert_eq!(
        out,
        vec![WriteOutcome::Done {
            id: "rec_0000000001".into()
        }]
    );
    put.assert_async().await;

    // Seven updates in one call still reach the server in requests of five and two.
    let fake = FakeAssetPanda::start().await;
    let target = fake.target();
    let created = target
        .write(
            &(0..5)
                .map(|n| create(&[("Email", &format!("p{n}@example.com"))]))
                .collect::<Vec<_>>(),
        )
        .await
        .unwrap();
    let mut ids: Vec<String> = created
        .iter()
        .map(|o| match o {
            WriteOutcome::Done { id } => id.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    ids.extend(ids.clone().into_iter().take(2));
    fake.clear_log();
    let updates: Vec<TargetWrite> = ids
        .iter()
        .map(|id| TargetWrite::UpdateRecord {
            collection: "People".into(),
            record_id: id.clone(),
            fields: fields(&[("Department", "Sales")]),
        })
        .collect();
    let out = target.write(&updates).await.unwrap();
    assert!(
        out.iter().all(|o| matches!(o, WriteOutcome::Done { .. })),
        "{out:?}"
    );
    let sizes: Vec<usize> = fake
        .log()
        .iter()
        .filter(|r| r.method == "PUT")
        .map(|r| {
            r.body.as_ref().unwrap()["records"]
                .as_array()
                .unwrap()
                .len()
        })
        .collect();
    assert_eq!(sizes, [5, 2]);
}

#[tokio::test]
async fn invites_send_email_and_role_five_at_a_time() {
    let mut server = Server::new_async().await;
    let _discovery = scripted_discovery(&mut server).await;
    let roles = server
        .mock("GET", "/users/templates")
        .match_query(Matcher::AllOf(vec![
            Matcher::UrlEncoded("accountId".into(), ACCOUNT.into()),
            Matcher::UrlEncoded("moduleId".into(), MODULE.into()),
        ]))
        .with_body(fixture("users-templates.response.json").to_string())
        .expect(1)
        .create_async()
        .await;
    let post = server
        .mock("POST", "/users")
        .match_header("access-key-id", KEY_ID)
        .match_body(Matcher::Json(fixture("users-invite.request.json")))
        .with_body(fixture("users-invite.response.json").to_string())
        .expect(1)
        .create_async()
        .await;
    let target = scripted_target(&server);
    let out = target
        .write(&[invite("carol.example@example.com", "Collaborator")])
        .await
        .unwrap();
    // Without an id in the answer, the login is known by its email.
    assert_eq!(
        out,
        vec![WriteOutcome::Done {
            id: "carol.example@example.com".into()
        }]
    );
    roles.assert_async().await;
    post.assert_async().await;

    let fake = FakeAssetPanda::start().await;
    let target = fake.target();
    let batch: Vec<TargetWrite> = (0..6)
        .map(|n| invite(&format!("u{n}@example.com"), "Module Admin"))
        .collect();
    let out = target.write(&batch).await.unwrap();
    assert!(
        out.iter().all(|o| matches!(o, WriteOutcome::Done { .. })),
        "{out:?}"
    );
    let sizes: Vec<usize> = fake
        .log()
        .iter()
        .filter(|r| r.path == "/users")
        .map(|r| r.body.as_ref().unwrap()["users"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [5, 1]);
    assert_eq!(fake.state().users.len(), 6);
}

#[tokio::test]
async fn roles_the_api_cannot_grant_or_that_do_not_exist_are_never_sent() {
    let fake = FakeAssetPanda::start().await;
    let target = fake.target();
    let out = target
        .write(&[
            invite("boss@example.com", "Organization Admin"),
            invite("acct@example.com", "account admin"),
            invite("aud@example.com", "Auditor"),
            invite("ok@example.com", "Collaborator"),
        ])
        .await
        .unwrap();
    assert!(
        failed(&out[0])
            .0
            .contains("cannot be granted through Asset Panda's API")
    );
    assert!(failed(&out[1]).0.contains("cannot be granted"));
    assert_eq!(
        failed(&out[2]),
        (
            "role \"Auditor\" does not exist in module \"IT Assets\"; roles: \"Organization Admin\", \
             \"Account Admin\", \"Module Admin\", \"Collaborator\"",
            false
        )
    );
    assert_eq!(
        out[3],
        WriteOutcome::Done {
            id: "ok@example.com".into()
        }
    );
    let invited: Vec<Value> = fake
        .log()
        .iter()
        .filter(|r| r.path == "/users")
        .map(|r| r.body.clone().unwrap()["users"].clone())
        .collect();
    assert_eq!(
        invited,
        [json!([{"email": "ok@example.com", "role": "Collaborator"}])]
    );
}

#[tokio::test]
async fn writes_the_api_cannot_do_fail_without_any_request() {
    let fake = FakeAssetPanda::start().await;
    let target = fake.target();
    let out = target
        .write(&[
            TargetWrite::ChangeRole {
                login_id: "a@example.com".into(),
                role: "Module Admin".into(),
            },
            TargetWrite::DeactivateLogin {
                login_id: "a@example.com".into(),
            },
            TargetWrite::ReactivateLogin {
                login_id: "a@example.com".into(),
            },
            TargetWrite::UpdateLogin {
                login_id: "a@example.com".into(),
                fields: Fields::new(),
            },
        ])
        .await
        .unwrap();
    let reasons: Vec<&str> = out.iter().map(|o| failed(o).0).collect();
    assert_eq!(
        reasons,
        [
            "Asset Panda Pro's public API has no operation to change a login user's role; do it by hand in Asset Panda (Settings > Users)",
            "Asset Panda Pro's public API has no operation to deactivate a login user; do it by hand in Asset Panda (Settings > Users)",
            "Asset Panda Pro's public API has no operation to reactivate a login user; do it by hand in Asset Panda (Settings > Users)",
            "Asset Panda Pro's public API has no operation to update a login user's details; do it by hand in Asset Panda (Settings > Users)",
        ]
    );
    assert!(out.iter().all(|o| !failed(o).1));
    assert!(fake.log().is_empty(), "{:?}", fake.calls());
}

#[tokio::test]
async fn unknown_columns_are_refused_before_sending() {
    let fake = FakeAssetPanda::start().await;
    let target = fake.target();
    let out = target
        .write(&[
            create(&[("Email", "a@example.com"), ("Shoe Size", "44")]),
            create(&[("Email", "b@example.com")]),
        ])
        .await
        .unwrap();
    assert_eq!(
        failed(&out[0]).0,
        "column \"Shoe Size\" not found in collection \"People\"; columns: \"Department\", \"Email\", \
         \"Employee ID\", \"Full Name\", \"Okta ID\", \"Status\""
    );
    assert!(matches!(&out[1], WriteOutcome::Done { id } if !id.is_empty()));
    let posted: Vec<Value> = fake
        .log()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/collection-records")
        .map(|r| r.body.clone().unwrap()["records"].clone())
        .collect();
    assert_eq!(posted, [json!([{"01ABC_0_email_text": "b@example.com"}])]);
}

#[tokio::test]
async fn a_batch_where_one_record_fails_is_a_partial_result() {
    let fake = FakeAssetPanda::start().await;
    let target = fake.target();
    let out = target
        .write(&[
            create(&[("Email", "a@example.com")]),
            create(&[("Email", "b@example.com"), ("Department", "INVALID")]),
            create(&[("Email", "c@example.com")]),
        ])
        .await
        .unwrap();
    assert!(
        matches!(&out[0], WriteOutcome::Done { id } if id == "rec_0000000001"),
        "{out:?}"
    );
    assert_eq!(
        failed(&out[1]),
        ("Invalid value for 01ABC_0_department_text", false)
    );
    assert!(
        matches!(&out[2], WriteOutcome::Done { id } if id == "rec_0000000002"),
        "{out:?}"
    );
    let held = target.holdings(&people_mapping()).await.unwrap();
    let emails: Vec<&Value> = held.records.iter().map(|r| &r.fields["Email"]).collect();
    assert_eq!(emails, [&json!("a@example.com"), &json!("c@example.com")]);
}

#[tokio::test]
async fn ids_in_create_answers_are_used_without_searching() {
    let fake = FakeAssetPanda::start().await;
    fake.state().create_returns_ids = true;
    let target = fake.target();
    target.holdings(&people_mapping()).await.unwrap();
    fake.clear_log();
    let out = target
        .write(&[create(&[("Email", "a@example.com")])])
        .await
        .unwrap();
    assert_eq!(
        out,
        vec![WriteOutcome::Done {
            id: "rec_0000000001".into()
        }]
    );
    assert_eq!(fake.calls(), ["POST /collection-records"]);
}

#[tokio::test]
async fn reads_are_retried_after_500_and_429() {
    let fake = FakeAssetPanda::start().await;
    fake.fail_next("GET", "/accounts", 500, r#"{"message": "boom"}"#);
    fake.fail_next("GET", "/modules", 429, r#"{"message": "slow down"}"#);
    fake.fail_next(
        "POST",
        "/collection-records/search",
        503,
        "Service Unavailable",
    );
    let target = fake.target();
    let held = target.holdings(&people_mapping()).await.unwrap();
    assert!(held.records.is_empty());
    assert_eq!(
        fake.calls(),
        [
            "GET /accounts",
            "GET /accounts",
            "GET /modules",
            "GET /modules",
            "GET /collections",
            "GET /collection-columns",
            "POST /collection-records/search",
            "POST /collection-records/search",
        ]
    );
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let mut server = Server::new_async().await;
    let limited = server
        .mock("GET", "/accounts")
        .with_status(429)
        .with_header("retry-after", "0")
        .with_body(r#"{"message": "Too Many Requests"}"#)
        .expect(1)
        .create_async()
        .await;
    let _rest = scripted_discovery(&mut server).await;
    let target = scripted_target(&server);
    let check = target
        .check_connection(&sync_config(json!([])))
        .await
        .unwrap();
    assert!(check.ok, "{:?}", check.messages);
    limited.assert_async().await;
}

#[tokio::test]
async fn persistent_failures_become_typed_errors() {
    let fake = FakeAssetPanda::start().await;
    for _ in 0..3 {
        fake.fail_next("GET", "/accounts", 500, r#"{"message": "database down"}"#);
    }
    let target = fake.target();
    let err = target.holdings(&people_mapping()).await.unwrap_err();
    assert_eq!(target_status(&err), Some(500));
    assert_eq!(
        err.to_string(),
        "target assetpanda failed during list accounts: HTTP 500 from GET /accounts after 3 \
         attempt(s): database down"
    );

    let fake = FakeAssetPanda::start().await;
    for _ in 0..3 {
        fake.fail_next("GET", "/accounts", 429, "");
    }
    let err = fake.target().holdings(&people_mapping()).await.unwrap_err();
    assert_eq!(target_status(&err), Some(429));
    assert!(
        err.to_string()
            .contains("still rate limited after 3 attempt(s)"),
        "{err}"
    );
}

#[tokio::test]
async fn a_500_on_create_is_not_repeated_and_nothing_is_reported_done() {
    let fake = FakeAssetPanda::start().await;
    let target = fake.target();
    target.holdings(&people_mapping()).await.unwrap();
    fake.clear_log();
    fake.fail_next(
        "POST",
        "/collection-records",
        500,
        r#"{"message": "internal"}"#,
    );
    let err = target
        .write(&[
            create(&[("Email", "a@example.com")]),
            create(&[("Email", "b@example.com")]),
        ])
        .await
        .unwrap_err();
    assert_eq!(target_status(&err), Some(500));
    assert_eq!(
        fake.calls(),
        ["POST /collection-records"],
        "a create is not sent twice after a 500"
    );

    // 503 means the request was not processed, so it is retried.
    fake.clear_log();
    fake.fail_next("POST", "/collection-records", 503, "");
    let out = target
        .write(&[create(&[("Email", "a@example.com")])])
        .await
        .unwrap();
    assert!(
        matches!(&out[0], WriteOutcome::Done { id } if id == "rec_0000000001"),
        "{out:?}"
    );
    assert_eq!(fake.people().len(), 1);
}

#[tokio::test]
async fn a_failure_after_part_of_a_batch_is_done_keeps_the_done_part() {
    let fake = FakeAssetPanda::start().await;
    let target = fake.target();
    target.holdings(&people_mapping()).await.unwrap();
    // The first request of the batch succeeds, the second fails for good.
    for _ in 0..3 {
        fake.fail_next("POST", "/users", 502, "Bad Gateway");
    }
    let out = target
        .write(&[
            create(&[("Email", "a@example.com")]),
            invite("a@example.com", "Collaborator"),
        ])
        .await
        .unwrap();
    assert!(matches!(&out[0], WriteOutcome::Done { .. }), "{out:?}");
    let (reason, retryable) = failed(&out[1]);
    assert!(
        reason.contains("HTTP 502 from POST /users after 3 attempt(s)"),
        "{reason}"
    );
    assert!(retryable);
    assert!(fake.state().users.is_empty());
}

#[tokio::test]
async fn malformed_json_is_an_error_for_reads_and_an_unknown_outcome_for_writes() {
    let fake = FakeAssetPanda::start().await;
    let target = fake.target();
    fake.fail_next(
        "POST",
        "/collection-records/search",
        200,
        "{\"data\": {\"records\": [",
    );
    let err = target.holdings(&people_mapping()).await.unwrap_err();
    assert_eq!(target_status(&err), Some(200));
    assert!(err.to_string().contains("not valid JSON"), "{err}");

    fake.fail_next("POST", "/collection-records", 200, "<html>oops</html>");
    let out = target
        .write(&[create(&[("Email", "a@example.com")])])
        .await
        .unwrap();
    let (reason, retryable) = failed(&out[0]);
    assert!(
        reason.contains(
            "HTTP 200 from POST /collection-records: the response body is not valid JSON"
        ),
        "{reason}"
    );
    assert!(
        !retryable,
        "the create may have happened; repeating it blindly could duplicate"
    );
}

#[tokio::test]
async fn a_server_ignoring_pagination_gives_an_incomplete_listing() {
    let mut server = Server::new_async().await;
    let _discovery = scripted_discovery(&mut server).await;
    let _search = server
        .mock("POST", "/collection-records/search")
        .with_body(fixture("collection-records-search.response.json").to_string())
        .create_async()
        .await;
    let err = scripted_target(&server)
        .holdings(&people_mapping())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "INCOMPLETE_LISTING");
    assert!(
        err.to_string().contains("not honouring pagination"),
        "{err}"
    );
}

#[tokio::test]
async fn other_envelopes_are_accepted() {
    let mut server = Server::new_async().await;
    let _accounts = server
        .mock("GET", "/accounts")
        .with_body(r#"[{"id": "acc_0000000001", "displayName": "Example Corp"}]"#)
        .create_async()
        .await;
    let _modules = server
        .mock("GET", "/modules")
        .match_query(Matcher::Any)
        .with_body(r#"{"data": {"modules": [{"id": "mod_0000000001", "name": "IT Assets"}]}}"#)
        .create_async()
        .await;
    let _collections = server
        .mock("GET", "/collections")
        .match_query(Matcher::Any)
        .with_body(r#"{"items": [{"id": "col_0000000001", "displayName": "People"}]}"#)
        .create_async()
        .await;
    let _columns = server
        .mock("GET", "/collection-columns")
        .match_query(Matcher::Any)
        .with_body(r#"{"data": {"columns": [{"id": "c_email", "displayName": "Email"}]}}"#)
        .create_async()
        .await;
    let _first = server
        .mock("POST", "/collection-records/search")
        .match_body(Matcher::PartialJson(json!({"pagination": {"from": 0}})))
        .with_body(r#"[{"recordId": "r1", "c_email": {"id": "x", "value": "a@example.com"}}]"#)
        .create_async()
        .await;
    let _end = server
        .mock("POST", "/collection-records/search")
        .match_body(Matcher::PartialJson(json!({"pagination": {"from": 1}})))
        .with_body(r#"{"data": []}"#)
        .create_async()
        .await;
    let held = scripted_target(&server)
        .holdings(&people_mapping())
        .await
        .unwrap();
    assert_eq!(held.records.len(), 1);
    assert_eq!(held.records[0].id, "r1");
    assert_eq!(
        held.records[0].fields,
        fields(&[("Email", "a@example.com")])
    );
}

#[tokio::test]
async fn names_that_do_not_resolve_list_what_exists() {
    let fake = FakeAssetPanda::start().await;
    let mut config = fake.config();
    config.account = "Nope Inc".into();
    let target = AssetPandaTarget::with_options(
        &config,
        SecretString::from(KEY_ID),
        SecretString::from(KEY_SECRET),
        FakeAssetPanda::quick_options(),
    )
    .unwrap();
    let err = target.holdings(&people_mapping()).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "target assetpanda failed during discovery: account \"Nope Inc\" not found; accounts \
         visible to this API key: \"Example Corp\""
    );

    let staff = sync_config(
        json!([{"kind": "record", "name": "staff", "collection": "Staff",
        "fields": [{"target": "Email", "source": "profile.email"}]}]),
    )
    .mappings
    .remove(0);
    let err = fake.target().holdings(&staff).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "target assetpanda failed during discovery: collection \"Staff\" not found; collections \
         in module \"IT Assets\": \"People\", \"Assets\""
    );
}

#[tokio::test]
async fn check_connection_lists_every_problem() {
    let fake = FakeAssetPanda::start().await;
    let config = sync_config(json!([
        {"kind": "record", "name": "people", "collection": "People",
         "fields": [
            {"target": "Email", "source": "profile.email"},
            {"target": "email", "source": "profile.login"},
            {"target": "Cost Center", "source": "profile.costCenter"}],
         "inactive": {"field": "Status", "inactive_value": "Inactive", "active_value": "Active"}},
        {"kind": "record", "name": "staff", "collection": "Staff",
         "fields": [{"target": "Email", "source": "profile.email"}]},
        {"kind": "login", "name": "logins",
         "groups": [
            {"group": "IT", "role": "Module Admin"},
            {"group": "Execs", "role": "Organization Admin"},
            {"group": "Audit", "role": "Auditor"}],
         "fields": [{"target": "Email", "source": "profile.email"}]}
    ]));
    let check = fake.target().check_connection(&config).await.unwrap();
    assert!(!check.ok);
    insta::assert_yaml_snapshot!(check.messages);
}

#[tokio::test]
async fn a_refused_key_is_a_finding_without_the_key() {
    let fake = FakeAssetPanda::start().await;
    let target = AssetPandaTarget::with_options(
        &fake.config(),
        SecretString::from(KEY_ID),
        SecretString::from("wrong-secret-value"),
        FakeAssetPanda::quick_options(),
    )
    .unwrap();
    let check = target
        .check_connection(&sync_config(json!([])))
        .await
        .unwrap();
    assert!(!check.ok);
    assert_eq!(
        check.messages,
        [
            "Asset Panda refused the API key (HTTP 401 from GET /accounts): Invalid API key. Check \
          that the key exists, has the read or write permission this needs, and has access to \
          the module"
        ]
    );
    assert_eq!(
        fake.calls(),
        ["GET /accounts"],
        "a refused key is not retried"
    );
}

/// Collects everything the library logs, at every level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn keys_never_appear_in_debug_errors_or_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let fake = FakeAssetPanda::start().await;
    let target = fake.target();
    let debug = format!("{target:?}");
    assert!(debug.contains("AssetPandaTarget"), "{debug}");

    // A server that echoes the secret in its error must not make it leak.
    fake.fail_next(
        "GET",
        "/accounts",
        500,
        &format!(r#"{{"message": "bad secret {KEY_SECRET}"}}"#),
    );
    fake.fail_next(
        "GET",
        "/accounts",
        400,
        &format!(r#"{{"message": "key {KEY_ID} / {KEY_SECRET}"}}"#),
    );
    let err = target.holdings(&people_mapping()).await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("key [redacted] / [redacted]"), "{shown}");

    target
        .write(&[create(&[("Email", "a@example.com")])])
        .await
        .unwrap();
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("retrying Asset Panda request"),
        "the capture works: {logs}"
    );
    for text in [debug, shown, logs] {
        assert!(!text.contains(KEY_SECRET), "secret leaked: {text}");
        assert!(!text.contains(KEY_ID), "key id leaked: {text}");
    }
}

#[derive(Debug)]
struct Vault;

impl SecretProvider for Vault {
    fn secret(&self, name: &str) -> Option<SecretString> {
        match name {
            "ap-key-id" => Some(SecretString::from(KEY_ID)),
            "ap-key-secret" => Some(SecretString::from(KEY_SECRET)),
            _ => None,
        }
    }
}

#[tokio::test]
async fn connect_resolves_the_key_references() {
    let fake = FakeAssetPanda::start().await;
    let target = AssetPandaTarget::connect(&fake.config(), Some(&Vault)).unwrap();
    assert!(fake.log().is_empty(), "connecting makes no request");
    let check = target
        .check_connection(&sync_config(json!([])))
        .await
        .unwrap();
    assert!(check.ok, "{:?}", check.messages);
    let first = &fake.log()[0];
    assert_eq!(first.key_id.as_deref(), Some(KEY_ID));
    assert_eq!(first.key_secret.as_deref(), Some(KEY_SECRET));
    assert_eq!(first.accept.as_deref(), Some("application/json"));

    let err = AssetPandaTarget::connect(&fake.config(), None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "secret provider:ap-key-id is not available: no secret provider is registered"
    );
}

#[test]
fn configurations_that_cannot_work_are_refused_with_their_paths() {
    let mut config = okta_sync_core::config::AssetPandaConfig {
        base_url: "http://api.assetpanda.app".into(),
        access_key_id: okta_sync_core::config::SecretRef::Env("X".into()),
        access_key_secret: okta_sync_core::config::SecretRef::Env("Y".into()),
        account: " ".into(),
        module: "IT Assets".into(),
        requests_per_window: 0,
        window_seconds: 180,
    };
    let err = AssetPandaTarget::new(
        &config,
        SecretString::from("id"),
        SecretString::from("line\nbreak"),
    )
    .unwrap_err();
    assert_eq!(err.code(), "CONFIG_INVALID");
    insta::assert_snapshot!(err.to_string());
    config.base_url = "http://127.0.0.1:9".into();
    config.account = "Example Corp".into();
    config.requests_per_window = 400;
    assert!(
        AssetPandaTarget::new(&config, SecretString::from("id"), SecretString::from("s")).is_ok()
    );
}
