//! The directory model against real and synthetic Okta responses.

use std::path::{Path, PathBuf};

use okta_sync_core::Error;
use okta_sync_core::model::{
    EventKind, GroupType, UserStatus, decode_events, decode_groups, decode_user, decode_users,
};
use serde_json::{Value, json};

fn okta_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/okta")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(okta_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every JSON fixture decodes with the decoder for what it is. A file this test does not
/// know how to classify fails it, so a new fixture cannot be skipped silently.
#[test]
fn every_okta_fixture_decodes() {
    let mut names: Vec<String> = std::fs::read_dir(okta_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 28, "only {} fixtures", names.len());
    for name in &names {
        let bytes = read(name);
        let n = name.as_str();
        if n.starts_with("users-") || n.starts_with("synthetic-users-") || n == "group-members.json"
        {
            let users = decode_users(&bytes, n).unwrap_or_else(|e| panic!("{n}: {e}"));
            assert!(!users.is_empty(), "{n}");
        } else if n.starts_with("user-single") {
            decode_user(&bytes, n).unwrap_or_else(|e| panic!("{n}: {e}"));
        } else if n.starts_with("groups-") || n == "user-groups.json" {
            let groups = decode_groups(&bytes, n).unwrap_or_else(|e| panic!("{n}: {e}"));
            assert!(!groups.is_empty(), "{n}");
        } else if n.starts_with("log-") || n.starts_with("logs-") || n.starts_with("synthetic-log")
        {
            let (_, total) = decode_events(&bytes, n).unwrap_or_else(|e| panic!("{n}: {e}"));
            assert!(total > 0, "{n}");
        } else if n.starts_with("error-") {
            // Okta error bodies are decoded by the Okta client; here they must at least be
            // objects carrying an errorCode.
            let v: Value = serde_json::from_slice(&bytes).unwrap();
            assert!(
                v["errorCode"].as_str().is_some_and(|c| c.starts_with('E')),
                "{n}"
            );
        } else if n == "event-types-subset.json" {
            let v: Value = serde_json::from_slice(&bytes).unwrap();
            let ids: Vec<&str> = v["eventTypes"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|e| e["id"].as_str())
                .collect();
            for t in EventKind::EVENT_TYPES {
                assert!(ids.contains(&t), "{t} is not in Okta's event type catalog");
            }
        } else {
            panic!("fixture {n} is not classified by this test");
        }
    }
}

#[test]
fn synthetic_users_cover_every_status() {
    let users = decode_users(&read("synthetic-users-list-all-statuses.json"), "users").unwrap();
    for status in UserStatus::KNOWN {
        assert!(users.iter().any(|u| u.status == status), "{status} missing");
    }
    let u2 = users
        .iter()
        .find(|u| u.id == "00usyn00000000000002")
        .unwrap();
    assert_eq!(u2.status, UserStatus::Active);
    assert_eq!(
        u2.activated, None,
        "activated: null on an ACTIVE user is kept as None"
    );
    let u10 = users
        .iter()
        .find(|u| u.id == "00usyn00000000000010")
        .unwrap();
    assert_eq!(
        u10.transitioning_to_status.as_deref(),
        Some("DEPROVISIONED")
    );
    let u6 = users
        .iter()
        .find(|u| u.id == "00usyn00000000000006")
        .unwrap();
    assert_eq!(
        u6.provider.as_ref().unwrap().provider_type.as_deref(),
        Some("IMPORT")
    );
    // Custom attributes and explicit nulls stay in the open profile map.
    let u1 = &users[0];
    assert_eq!(u1.profile["hireDate"], json!("2021-03-01"));
    assert_eq!(u1.profile["mobilePhone"], Value::Null);
    assert_eq!(u1.user_type.as_deref(), Some("otysyn00000000000001"));
}

#[test]
fn decoded_synthetic_users_snapshot() {
    let users = decode_users(&read("synthetic-users-list-all-statuses.json"), "users").unwrap();
    insta::assert_json_snapshot!("synthetic_users", users);
}

#[test]
fn real_users_list_decodes_with_activated_null() {
    let users = decode_users(&read("users-list.json"), "users").unwrap();
    assert_eq!(users.len(), 8);
    assert_eq!(users[0].status, UserStatus::Active);
    assert_eq!(users[0].activated, None);
    assert!(users.iter().all(|u| u.id.starts_with("00u")));
}

#[test]
fn groups_keep_their_type_and_nullable_description() {
    let groups = decode_groups(&read("groups-list.json"), "groups").unwrap();
    let everyone = groups.iter().find(|g| g.name == "Everyone").unwrap();
    assert_eq!(everyone.group_type, GroupType::BuiltIn);
    assert!(groups.iter().any(|g| g.description.is_none()));
    let groups = decode_groups(&read("groups-list-okta-and-app-group.json"), "groups").unwrap();
    let types: Vec<_> = groups.iter().map(|g| g.group_type.clone()).collect();
    assert_eq!(types, [GroupType::OktaGroup, GroupType::AppGroup]);
}

#[test]
fn deprovision_sequence_events_snapshot() {
    let (events, total) =
        decode_events(&read("synthetic-logs-deprovision-sequence.json"), "log").unwrap();
    assert_eq!(total, 8);
    // The FAILURE deactivate is dropped.
    assert_eq!(events.len(), 7);
    insta::assert_json_snapshot!("deprovision_sequence_events", events);
}

// ---------------------------------------------------------------- decode errors

fn users_with(fourth: Value) -> Vec<u8> {
    let ok = |n: u32| json!({"id": format!("00u{n}"), "status": "ACTIVE", "profile": {}});
    serde_json::to_vec(&json!([ok(0), ok(1), ok(2), fourth])).unwrap()
}

fn decode_error(bytes: &[u8]) -> (String, String) {
    match decode_users(bytes, "users page 1") {
        Err(Error::Decode {
            what,
            path,
            message,
        }) => {
            assert_eq!(what, "users page 1");
            (path, message)
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[test]
fn a_user_without_id_names_its_index() {
    let (path, message) = decode_error(&users_with(json!({"status": "ACTIVE", "profile": {}})));
    assert_eq!(path, "[3]");
    assert!(message.contains("no `id`"), "{message}");
    let (path, _) = decode_error(&users_with(json!({"id": "", "status": "ACTIVE"})));
    assert_eq!(path, "[3]");
}

#[test]
fn a_user_without_status_is_an_error() {
    let (path, message) = decode_error(&users_with(json!({"id": "00u3", "profile": {}})));
    assert_eq!(path, "[3]");
    assert!(message.contains("00u3 has no `status`"), "{message}");
    let (path, _) = decode_error(&users_with(json!({"id": "00u3", "status": null})));
    assert_eq!(path, "[3]");
}

#[test]
fn a_bad_timestamp_names_its_field() {
    let (path, message) = decode_error(&users_with(
        json!({"id": "00u3", "status": "ACTIVE", "lastUpdated": "yesterday"}),
    ));
    assert_eq!(path, "[3].lastUpdated");
    assert!(
        message.contains("input contains invalid characters"),
        "{message}"
    );
    let (path, _) = decode_error(&users_with(json!({"id": 3, "status": "ACTIVE"})));
    assert_eq!(path, "[3].id");
}

#[test]
fn an_unknown_status_is_kept_as_text() {
    let users = decode_users(
        &users_with(json!({"id": "00u3", "status": "ACTIVATING"})),
        "u",
    )
    .unwrap();
    assert_eq!(users[3].status, UserStatus::Other("ACTIVATING".into()));
    assert_eq!(users[3].status.to_string(), "ACTIVATING");
}

#[test]
fn lenient_where_okta_is() {
    let bytes = serde_json::to_vec(&json!({
        "id": "00u3", "status": "ACTIVE", "activated": null, "profile": null,
        "realmId": "guo1", "_links": {"self": {"href": "x"}}, "_embedded": {},
        "type": null, "credentials": {"password": {}, "provider": null}
    }))
    .unwrap();
    let user = decode_user(&bytes, "user").unwrap();
    assert!(user.profile.is_empty(), "null profile is an empty map");
    assert_eq!(user.activated, None);
    assert_eq!(user.user_type, None);
    assert_eq!(user.provider, None);
    // Unknown fields are not kept: re-encoding gives only the model's fields.
    let back = serde_json::to_value(&user).unwrap();
    for key in ["realmId", "_links", "_embedded"] {
        assert!(back.get(key).is_none(), "{key} leaked into {back}");
    }
    assert_eq!(back["id"], "00u3");
}

#[test]
fn users_round_trip_through_serde() {
    let users = decode_users(&read("synthetic-users-list-all-statuses.json"), "users").unwrap();
    let again = decode_users(&serde_json::to_vec(&users).unwrap(), "again").unwrap();
    assert_eq!(users, again);
}

#[test]
fn event_decode_errors_name_the_event() {
    let page = json!([
        {"uuid": "a", "published": "2026-05-28T09:00:00.000Z", "eventType": "user.lifecycle.suspend",
         "outcome": {"result": "SUCCESS"}, "target": [{"id": "00u1", "type": "User"}]},
        42,
        {"uuid": "c", "published": "not a date"}
    ]);
    let bytes = serde_json::to_vec(&page).unwrap();
    let Err(Error::Decode { path, .. }) = decode_events(&bytes, "log page") else {
        panic!("expected a decode error")
    };
    assert_eq!(path, "[1]");
    let page = json!([{"uuid": "c", "published": "not a date"}]);
    let Err(Error::Decode { path, .. }) = decode_events(&serde_json::to_vec(&page).unwrap(), "log")
    else {
        panic!("expected a decode error")
    };
    assert_eq!(path, "[0].published");
}
