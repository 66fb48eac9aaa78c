//! The embedded local target: durability, ids, refusals, lookups and exports.
//! (The behaviour it shares with Asset Panda is in `target_contract.rs`.)

use okta_sync_core::config::{Mapping, SyncConfig};
use okta_sync_core::target::local::LocalTarget;
use okta_sync_core::target::{AssetTarget, Fields, TargetWrite, WriteOutcome};
use serde_json::{Value, json};

fn fields(pairs: &[(&str, Value)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn create(collection: &str, pairs: &[(&str, Value)]) -> TargetWrite {
    TargetWrite::CreateRecord {
        collection: collection.into(),
        fields: fields(pairs),
    }
}

fn done(id: &str) -> WriteOutcome {
    WriteOutcome::Done { id: id.into() }
}

fn config() -> SyncConfig {
    serde_json::from_value(json!({
        "okta": {"org_url": "https://example.okta.com", "token": {"env": "OKTA_API_TOKEN"}},
        "target": {"kind": "local", "path": "staging.db"},
        "unique_identifier": "email",
        "mappings": [
            {"kind": "record", "name": "people", "collection": "People",
             "fields": [
                {"target": "Email", "source": "profile.email"},
                {"target": "Okta ID", "source": "id"}]},
            {"kind": "record", "name": "contractors", "collection": "Contractors",
             "fields": [{"target": "Email", "source": "profile.email"}]},
            {"kind": "login", "name": "logins",
             "groups": [{"group": "Asset Admins", "role": "Module Admin"}],
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
        .expect("mapping exists")
}

#[tokio::test]
async fn batches_survive_reopening_and_ids_are_never_reused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("staging.db");
    {
        let target = LocalTarget::open(&path).unwrap();
        let out = target
            .write(&[
                create("People", &[("Email", json!("a@example.com"))]),
                create("People", &[("Email", json!("b@example.com"))]),
            ])
            .await
            .unwrap();
        assert_eq!(out, vec![done("rec-000001"), done("rec-000002")]);
    }
    let reopened = LocalTarget::open(&path).unwrap();
    let mode: String = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let held = reopened.holdings(&mapping("people")).await.unwrap();
    let ids: Vec<_> = held.records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["rec-000001", "rec-000002"]);
    assert_eq!(held.records[1].fields["Email"], json!("b@example.com"));

    // Rows removed by hand leave a gap: the next id is still new.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute("DELETE FROM records WHERE seq = 2", [])
        .unwrap();
    let out = reopened
        .write(&[create("People", &[("Email", json!("c@example.com"))])])
        .await
        .unwrap();
    assert_eq!(out, vec![done("rec-000003")]);
}

#[tokio::test]
async fn a_storage_failure_rolls_back_the_whole_batch() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("staging.db");
    let target = LocalTarget::open(&path).unwrap();
    // A trigger stands in for a disk failure in the middle of a batch.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER poison BEFORE INSERT ON records WHEN NEW.fields LIKE '%poison%' \
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
        )
        .unwrap();
    let err = target
        .write(&[
            create("People", &[("Email", json!("a@example.com"))]),
            create("People", &[("Email", json!("poison@example.com"))]),
        ])
        .await
        .unwrap_err();
    assert_eq!(err.code(), "TARGET");
    assert!(err.to_string().contains("injected failure"), "{err}");
    let held = target.holdings(&mapping("people")).await.unwrap();
    assert!(
        held.records.is_empty(),
        "first write of the failed batch was kept"
    );
    let export = target.export().unwrap();
    assert!(
        export.collections.is_empty(),
        "collection created by a rolled-back batch"
    );
}

#[tokio::test]
async fn updates_merge_fields_and_refusals_change_nothing() {
    let target = LocalTarget::open_in_memory().unwrap();
    target
        .write(&[
            create(
                "People",
                &[
                    ("Email", json!("a@example.com")),
                    ("Department", json!("Sales")),
                ],
            ),
            create("Contractors", &[("Email", json!("c@example.com"))]),
        ])
        .await
        .unwrap();
    let out = target
        .write(&[
            TargetWrite::UpdateRecord {
                collection: "People".into(),
                record_id: "rec-000001".into(),
                fields: fields(&[
                    ("Department", json!("Finance")),
                    ("Status", json!("Inactive")),
                ]),
            },
            TargetWrite::UpdateRecord {
                collection: "People".into(),
                record_id: "rec-000002".into(),
                fields: fields(&[("Department", json!("Oops"))]),
            },
            TargetWrite::UpdateRecord {
                collection: "People".into(),
                record_id: "rec-000099".into(),
                fields: fields(&[("Department", json!("Oops"))]),
            },
            TargetWrite::UpdateRecord {
                collection: "People".into(),
                record_id: "rec-1".into(),
                fields: fields(&[("Department", json!("Oops"))]),
            },
        ])
        .await
        .unwrap();
    assert_eq!(out[0], done("rec-000001"));
    for (i, needle) in [
        (1, "is in collection \"Contractors\""),
        (2, "no record rec-000099"),
        (3, "not a local record id"),
    ] {
        match &out[i] {
            WriteOutcome::Failed { reason, retryable } => {
                assert!(reason.contains(needle), "write {i}: {reason}");
                assert!(!retryable);
            }
            other => panic!("write {i} should fail, got {other:?}"),
        }
    }
    let export = target.export().unwrap();
    assert_eq!(
        export.collections["People"][0].fields,
        fields(&[
            ("Department", json!("Finance")),
            ("Email", json!("a@example.com")),
            ("Status", json!("Inactive"))
        ])
    );
    assert_eq!(
        export.collections["Contractors"][0].fields,
        fields(&[("Email", json!("c@example.com"))])
    );
}

#[tokio::test]
async fn login_lifecycle_and_duplicate_emails() {
    let target = LocalTarget::open_in_memory().unwrap();
    let out = target
        .write(&[
            TargetWrite::CreateLogin {
                email: "Ann.Example@Example.com".into(),
                role: "Collaborator".into(),
                fields: fields(&[("First Name", json!("Ann"))]),
            },
            TargetWrite::CreateLogin {
                email: " ann.example@example.COM ".into(),
                role: "Module Admin".into(),
                fields: Fields::new(),
            },
            TargetWrite::CreateLogin {
                email: "   ".into(),
                role: "Collaborator".into(),
                fields: Fields::new(),
            },
        ])
        .await
        .unwrap();
    assert_eq!(out[0], done("login-000001"));
    assert!(
        matches!(&out[1], WriteOutcome::Failed { reason, retryable: false } if reason.contains("already exists (login-000001)")),
        "{:?}",
        out[1]
    );
    assert!(
        matches!(&out[2], WriteOutcome::Failed { reason, .. } if reason.contains("email is empty"))
    );

    let out = target
        .write(&[TargetWrite::ChangeRole {
            login_id: "login-000001".into(),
            role: "Module Admin".into(),
        }])
        .await
        .unwrap();
    assert_eq!(out, vec![done("login-000001")]);
    target
        .write(&[TargetWrite::DeactivateLogin {
            login_id: "login-000001".into(),
        }])
        .await
        .unwrap();
    let held = target.holdings(&mapping("logins")).await.unwrap();
    assert!(held.listed);
    assert_eq!(held.logins.len(), 1);
    let login = &held.logins[0];
    assert_eq!(login.email, "Ann.Example@Example.com");
    assert_eq!(login.role.as_deref(), Some("Module Admin"));
    assert!(!login.active);
    assert_eq!(login.fields, fields(&[("First Name", json!("Ann"))]));

    let out = target
        .write(&[
            TargetWrite::ReactivateLogin {
                login_id: "login-000001".into(),
            },
            TargetWrite::DeactivateLogin {
                login_id: "login-000002".into(),
            },
        ])
        .await
        .unwrap();
    assert_eq!(out[0], done("login-000001"));
    assert!(
        matches!(&out[1], WriteOutcome::Failed { reason, .. } if reason == "no login login-000002")
    );
    let held = target.holdings(&mapping("logins")).await.unwrap();
    assert!(held.logins[0].active);
}

#[tokio::test]
async fn lookup_normalises_emails_but_compares_okta_ids_exactly() {
    let target = LocalTarget::open_in_memory().unwrap();
    target
        .write(&[
            create(
                "People",
                &[
                    ("Email", json!(" Carol.Example@EXAMPLE.com")),
                    ("Okta ID", json!("00uAbC")),
                ],
            ),
            create(
                "People",
                &[
                    ("Email", json!("jimcarol.example@example.com")),
                    ("Okta ID", json!("00uabc")),
                ],
            ),
            create("People", &[("Email", json!(null))]),
        ])
        .await
        .unwrap();
    let people = mapping("people");
    let found = target
        .lookup(&people, "Email", &["carol.example@example.com".into()])
        .await
        .unwrap();
    let ids: Vec<_> = found.records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["rec-000001"]);

    let found = target
        .lookup(&people, "Okta ID", &["00uabc".into()])
        .await
        .unwrap();
    let ids: Vec<_> = found.records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["rec-000002"]);

    let found = target
        .lookup(&people, "Email", &[String::new()])
        .await
        .unwrap();
    assert!(found.records.is_empty(), "an empty value must match nobody");

    target
        .write(&[TargetWrite::CreateLogin {
            email: "Dan@Example.com".into(),
            role: "Collaborator".into(),
            fields: Fields::new(),
        }])
        .await
        .unwrap();
    let found = target
        .lookup(&mapping("logins"), "Email", &["dan@example.com".into()])
        .await
        .unwrap();
    assert_eq!(found.logins.len(), 1);
    assert_eq!(found.logins[0].id, "login-000001");
}

#[tokio::test]
async fn check_connection_reports_what_exists_and_what_will_be_created() {
    let target = LocalTarget::open_in_memory().unwrap();
    target
        .write(&[create("People", &[("Email", json!("a@example.com"))])])
        .await
        .unwrap();
    let check = target.check_connection(&config()).await.unwrap();
    assert!(check.ok);
    assert_eq!(
        check.messages,
        [
            "collection \"People\": 1 record(s)",
            "0 login user(s)",
            "mapping \"contractors\": collection \"Contractors\" does not exist yet and will be \
             created by the first record written to it",
        ]
    );
}

#[test]
fn opening_something_else_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(
        &path,
        "this is not a database, just some text that is long enough",
    )
    .unwrap();
    let err = LocalTarget::open(&path).unwrap_err();
    assert_eq!(err.code(), "TARGET");
    assert!(err.to_string().contains("not a database"), "{err}");
}

#[test]
fn a_store_from_a_newer_release_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("staging.db");
    drop(LocalTarget::open(&path).unwrap());
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE meta SET value = '9' WHERE key = 'schema_version'",
            [],
        )
        .unwrap();
    let err = LocalTarget::open(&path).unwrap_err();
    assert!(err.to_string().contains("schema version 9"), "{err}");
}

async fn sample_store() -> LocalTarget {
    let target = LocalTarget::open_in_memory().unwrap();
    target
        .write(&[
            create(
                "People",
                &[
                    ("Full Name", json!("Carol Example")),
                    ("Email", json!("carol@example.com")),
                    ("Tags", json!(["a", "b"])),
                ],
            ),
            create(
                "People",
                &[
                    ("Full Name", json!("Dan, \"Danny\" Example")),
                    ("Employee Number", json!(42)),
                ],
            ),
            create(
                "Contractors",
                &[
                    ("Email", json!("erin@example.com")),
                    ("Status", json!(null)),
                ],
            ),
            TargetWrite::CreateLogin {
                email: "carol@example.com".into(),
                role: "Collaborator".into(),
                fields: fields(&[("First Name", json!("Carol"))]),
            },
        ])
        .await
        .unwrap();
    target
}

#[tokio::test]
async fn json_export_lists_collections_and_logins() {
    let target = sample_store().await;
    let mut out = Vec::new();
    target.export_json(&mut out).unwrap();
    let doc: Value = serde_json::from_slice(&out).unwrap();
    insta::assert_json_snapshot!(doc);
}

#[tokio::test]
async fn csv_export_writes_one_file_per_collection_and_logins() {
    let target = sample_store().await;
    let dir = tempfile::tempdir().unwrap();
    let written = target.export_csv(dir.path().join("export")).unwrap();
    let names: Vec<_> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["Contractors.csv", "People.csv", "logins.csv"]);
    let read = |name: &str| std::fs::read_to_string(dir.path().join("export").join(name)).unwrap();
    assert_eq!(
        read("People.csv"),
        "id,Email,Employee Number,Full Name,Tags\n\
         rec-000001,carol@example.com,,Carol Example,\"[\"\"a\"\",\"\"b\"\"]\"\n\
         rec-000002,,42,\"Dan, \"\"Danny\"\" Example\",\n"
    );
    assert_eq!(
        read("Contractors.csv"),
        "id,Email,Status\nrec-000003,erin@example.com,\n"
    );
    assert_eq!(
        read("logins.csv"),
        "id,email,role,active,First Name\nlogin-000001,carol@example.com,Collaborator,true,Carol\n"
    );
}

#[test]
fn opening_creates_missing_parent_folders() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not/yet/there/target.sqlite");
    okta_sync_core::target::local::LocalTarget::open(&path).unwrap();
    assert!(path.exists());
    let state = dir.path().join("also/missing/state.sqlite");
    okta_sync_core::state::SqliteStateStore::open(&state).unwrap();
    assert!(state.exists());
}
