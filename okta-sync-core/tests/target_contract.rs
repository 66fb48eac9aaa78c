//! One behavioural suite, run against every target (the local store, and Asset Panda Pro
//! against its stateful mock), so the two cannot drift apart. Target-specific behaviour
//! is tested in `local_target.rs` and `assetpanda_http.rs`.

mod assetpanda_mock;

use assetpanda_mock::FakeAssetPanda;
use okta_sync_core::config::{Mapping, SyncConfig};
use okta_sync_core::target::local::LocalTarget;
use okta_sync_core::target::{AssetTarget, Fields, TargetRecord, TargetWrite, WriteOutcome};
use serde_json::{Value, json};

/// A target under test, with whatever keeps it alive.
struct Subject {
    target: Box<dyn AssetTarget>,
    _server: Option<FakeAssetPanda>,
}

async fn local() -> Subject {
    Subject {
        target: Box::new(LocalTarget::open_in_memory().unwrap()),
        _server: None,
    }
}

async fn assetpanda() -> Subject {
    let fake = FakeAssetPanda::start().await;
    Subject {
        target: Box::new(fake.target()),
        _server: Some(fake),
    }
}

fn config() -> SyncConfig {
    serde_json::from_value(json!({
        "okta": {"org_url": "https://example.okta.com", "token": {"env": "OKTA_API_TOKEN"}},
        "target": {"kind": "local", "path": "staging.db"},
        "unique_identifier": "email",
        "mappings": [
            {"kind": "record", "name": "people", "collection": "People",
             "fields": [
                {"target": "Full Name", "source": "{profile.firstName} {profile.lastName}"},
                {"target": "Email", "source": "profile.email"},
                {"target": "Department", "source": "profile.department"}],
             "inactive": {"field": "Status", "inactive_value": "Inactive", "active_value": "Active"}},
            {"kind": "login", "name": "logins",
             "groups": [{"group": "Asset Users", "role": "Collaborator"}],
             "fields": [{"target": "Email", "source": "profile.email"}]}
        ]
    }))
    .expect("test configuration is valid")
}

fn mapping(name: &str) -> Mapping {
    config()
        .mappings
        .into_iter()
        .find(|m| m.name() == name)
        .unwrap()
}

fn fields(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect()
}

fn person(name: &str, email: &str, okta_id: &str) -> TargetWrite {
    TargetWrite::CreateRecord {
        collection: "People".into(),
        fields: fields(&[("Full Name", name), ("Email", email), ("Okta ID", okta_id)]),
    }
}

/// Writes in batches no larger than the target allows.
async fn write_all(target: &dyn AssetTarget, writes: Vec<TargetWrite>) -> Vec<WriteOutcome> {
    let limit = target.capabilities().batch_limit;
    assert!(limit > 0);
    let mut outcomes = Vec::new();
    for chunk in writes.chunks(limit) {
        let got = target.write(chunk).await.expect("batch accepted");
        assert_eq!(got.len(), chunk.len(), "one outcome per write");
        outcomes.extend(got);
    }
    outcomes
}

fn done_id(outcome: &WriteOutcome) -> String {
    match outcome {
        WriteOutcome::Done { id } if !id.is_empty() => id.clone(),
        other => panic!("expected a write done with an id, got {other:?}"),
    }
}

fn assert_refused(outcome: &WriteOutcome) -> String {
    match outcome {
        WriteOutcome::Failed { reason, retryable } => {
            assert!(!retryable, "a refusal is not worth retrying: {reason}");
            assert!(!reason.trim().is_empty());
            reason.clone()
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn people(target: &dyn AssetTarget) -> Vec<TargetRecord> {
    let held = target.holdings(&mapping("people")).await.unwrap();
    assert!(held.listed, "records can always be listed");
    let mut records = held.records;
    records.sort_by(|a, b| a.id.cmp(&b.id));
    records
}

async fn creates_then_lists_records(target: &dyn AssetTarget) {
    assert!(people(target).await.is_empty());
    let out = write_all(
        target,
        vec![
            person("Carol Example", "carol@example.com", "00u1"),
            person("Dan Example", "dan@example.com", "00u2"),
            person("Erin Example", "erin@example.com", "00u3"),
        ],
    )
    .await;
    let ids: Vec<String> = out.iter().map(done_id).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 3, "ids are distinct: {ids:?}");

    let held = people(target).await;
    assert_eq!(held.len(), 3);
    for (id, (name, email)) in ids.iter().zip([
        ("Carol Example", "carol@example.com"),
        ("Dan Example", "dan@example.com"),
        ("Erin Example", "erin@example.com"),
    ]) {
        let record = held
            .iter()
            .find(|r| r.id == *id)
            .expect("created id is listed");
        assert_eq!(record.fields["Full Name"], json!(name));
        assert_eq!(record.fields["Email"], json!(email));
    }
}

async fn lists_every_page(target: &dyn AssetTarget) {
    let writes = (1..=8)
        .map(|n| {
            person(
                &format!("Person {n}"),
                &format!("p{n}@example.com"),
                &format!("00u{n}"),
            )
        })
        .collect();
    write_all(target, writes).await.iter().for_each(|o| {
        done_id(o);
    });
    let emails: Vec<Value> = people(target)
        .await
        .iter()
        .map(|r| r.fields["Email"].clone())
        .collect();
    let mut sorted: Vec<String> = emails
        .iter()
        .map(|e| e.as_str().unwrap().to_string())
        .collect();
    sorted.sort();
    let expected: Vec<String> = (1..=8).map(|n| format!("p{n}@example.com")).collect();
    assert_eq!(sorted, expected);
}

async fn lookup_matches_normalised_identifiers_exactly(target: &dyn AssetTarget) {
    let out = write_all(
        target,
        vec![
            person("Carol Example", "Carol.Example@Example.com", "00uAbC"),
            person("Jim Carol", "jimcarol.example@example.com", "00uabc"),
            person("Dan Example", "dan@example.com", "00uDan"),
        ],
    )
    .await;
    let carol = done_id(&out[0]);
    let jim = done_id(&out[1]);
    let dan = done_id(&out[2]);
    let people_mapping = mapping("people");
    let ids = |held: okta_sync_core::target::TargetHoldings| {
        let mut ids: Vec<String> = held.records.into_iter().map(|r| r.id).collect();
        ids.sort();
        ids
    };

    let found = target
        .lookup(
            &people_mapping,
            "Email",
            &["carol.example@example.com".into()],
        )
        .await
        .unwrap();
    assert_eq!(
        ids(found),
        vec![carol.clone()],
        "case-insensitive, but not a substring match"
    );

    let found = target
        .lookup(
            &people_mapping,
            "Email",
            &[
                "dan@example.com".into(),
                "jimcarol.example@example.com".into(),
                "nobody@example.com".into(),
            ],
        )
        .await
        .unwrap();
    let mut expected = vec![dan.clone(), jim.clone()];
    expected.sort();
    assert_eq!(ids(found), expected);

    let found = target
        .lookup(&people_mapping, "Okta ID", &["00uabc".into()])
        .await
        .unwrap();
    assert_eq!(ids(found), vec![jim], "Okta ids compare exactly");

    let found = target.lookup(&people_mapping, "Email", &[]).await.unwrap();
    assert!(found.records.is_empty());
}

async fn updates_change_only_named_fields(target: &dyn AssetTarget) {
    let out = write_all(
        target,
        vec![person("Carol Example", "carol@example.com", "00u1")],
    )
    .await;
    let id = done_id(&out[0]);
    let out = write_all(
        target,
        vec![
            TargetWrite::UpdateRecord {
                collection: "People".into(),
                record_id: id.clone(),
                fields: fields(&[("Department", "Finance")]),
            },
            // Marking inactive is an update of the configured status field.
            TargetWrite::UpdateRecord {
                collection: "People".into(),
                record_id: id.clone(),
                fields: fields(&[("Status", "Inactive")]),
            },
        ],
    )
    .await;
    assert_eq!(
        out.iter().map(done_id).collect::<Vec<_>>(),
        vec![id.clone(), id.clone()]
    );
    let held = people(target).await;
    assert_eq!(held.len(), 1);
    assert_eq!(
        held[0].fields,
        fields(&[
            ("Department", "Finance"),
            ("Email", "carol@example.com"),
            ("Full Name", "Carol Example"),
            ("Okta ID", "00u1"),
            ("Status", "Inactive"),
        ])
    );
}

async fn a_failed_write_is_not_reported_done(target: &dyn AssetTarget) {
    let out = write_all(
        target,
        vec![person("Carol Example", "carol@example.com", "00u1")],
    )
    .await;
    let id = done_id(&out[0]);
    let before = people(target).await;
    let out = target
        .write(&[
            TargetWrite::UpdateRecord {
                collection: "People".into(),
                record_id: "rec-999999".into(),
                fields: fields(&[("Department", "Ghost")]),
            },
            TargetWrite::UpdateRecord {
                collection: "People".into(),
                record_id: id.clone(),
                fields: fields(&[("Department", "Finance")]),
            },
        ])
        .await
        .unwrap();
    assert_refused(&out[0]);
    assert_eq!(done_id(&out[1]), id);
    let after = people(target).await;
    assert_eq!(after.len(), before.len(), "a failed update creates nothing");
    assert_eq!(after[0].fields["Department"], json!("Finance"));
    assert!(
        !after
            .iter()
            .any(|r| r.fields.get("Department") == Some(&json!("Ghost")))
    );
}

async fn login_writes_follow_capabilities(target: &dyn AssetTarget) {
    let caps = target.capabilities();
    assert!(caps.create_login, "both targets can create logins");
    let out = target
        .write(&[TargetWrite::CreateLogin {
            email: "ann@example.com".into(),
            role: "Collaborator".into(),
            fields: Fields::new(),
        }])
        .await
        .unwrap();
    let login = done_id(&out[0]);

    let steps = [
        (
            caps.change_role,
            TargetWrite::ChangeRole {
                login_id: login.clone(),
                role: "Module Admin".into(),
            },
        ),
        (
            caps.deactivate_login,
            TargetWrite::DeactivateLogin {
                login_id: login.clone(),
            },
        ),
        (
            caps.reactivate_login,
            TargetWrite::ReactivateLogin {
                login_id: login.clone(),
            },
        ),
    ];
    for (capable, write) in steps {
        let out = target.write(std::slice::from_ref(&write)).await.unwrap();
        if capable {
            assert_eq!(done_id(&out[0]), login, "{write:?}");
        } else {
            assert_refused(&out[0]);
        }
    }

    let held = target.holdings(&mapping("logins")).await.unwrap();
    assert_eq!(held.listed, caps.list_logins);
    if caps.list_logins {
        assert_eq!(held.logins.len(), 1);
        let expected_role = if caps.change_role {
            "Module Admin"
        } else {
            "Collaborator"
        };
        assert_eq!(held.logins[0].role.as_deref(), Some(expected_role));
        assert!(held.logins[0].active, "deactivated then reactivated");
    } else {
        assert!(held.logins.is_empty(), "an unlisted holding claims nothing");
    }
}

async fn ungrantable_roles_are_refused(target: &dyn AssetTarget) {
    for role in target.capabilities().ungrantable_roles {
        let out = target
            .write(&[TargetWrite::CreateLogin {
                email: "boss@example.com".into(),
                role: role.clone(),
                fields: Fields::new(),
            }])
            .await
            .unwrap();
        let reason = assert_refused(&out[0]);
        assert!(reason.contains(&role), "{reason}");
    }
}

async fn a_valid_configuration_checks_ok(target: &dyn AssetTarget) {
    // The collection exists once it holds a record (the local target creates it then).
    write_all(
        target,
        vec![person("Carol Example", "carol@example.com", "00u1")],
    )
    .await;
    let check = target.check_connection(&config()).await.unwrap();
    assert!(check.ok, "{:?}", check.messages);
}

macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod local_store {
            $(
                #[tokio::test]
                async fn $case() {
                    let subject = super::local().await;
                    super::$case(&*subject.target).await;
                }
            )*
        }
        mod assetpanda_pro {
            $(
                #[tokio::test]
                async fn $case() {
                    let subject = super::assetpanda().await;
                    super::$case(&*subject.target).await;
                }
            )*
        }
    };
}

contract!(
    creates_then_lists_records,
    lists_every_page,
    lookup_matches_normalised_identifiers_exactly,
    updates_change_only_named_fields,
    a_failed_write_is_not_reported_done,
    login_writes_follow_capabilities,
    ungrantable_roles_are_refused,
    a_valid_configuration_checks_ok,
);
