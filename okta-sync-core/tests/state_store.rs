//! The state stores: what is committed is what is loaded (also after reopening), commits
//! are incremental, and a commit that fails part-way leaves the previous state intact.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use okta_sync_core::model::UserStatus;
use okta_sync_core::state::{
    GroupState, Link, MemoryStateStore, Origin, SqliteStateStore, StateChanges, StateStore,
    SyncState, UserState,
};

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn link(target: &str, active: bool, fingerprint: u64) -> Link {
    Link {
        target_id: target.to_string(),
        origin: Origin::Created,
        active,
        role: Some("Manager".into()),
        fingerprint,
    }
}

fn user(identity: &str, status: UserStatus) -> UserState {
    UserState {
        status,
        identity: Some(identity.to_string()),
        last_updated: Some(at("2026-05-20T10:04:31Z")),
        department: Some("Engineering".into()),
    }
}

/// A first commit touching every part of the state.
fn first() -> StateChanges {
    let mut changes = StateChanges {
        watermark: Some(at("2026-05-28T12:00:00Z")),
        log_cursor: Some("https://example.okta.com/api/v1/logs?after=abc".into()),
        log_cursor_at: Some(at("2026-05-28T12:00:00Z")),
        last_full_sync: Some(at("2026-05-28T12:00:00Z")),
        ..StateChanges::default()
    };
    changes.groups.insert(
        "IT Staff".into(),
        GroupState {
            id: "00gsyn0000000itstaff".into(),
            name: "IT Staff".into(),
            last_membership_updated: Some(at("2026-05-28T11:00:00Z")),
            members: ["u1", "u2"].iter().map(|s| s.to_string()).collect(),
        },
    );
    changes.groups.insert(
        "Old Group".into(),
        GroupState {
            id: "00gsynold".into(),
            name: "Old Group".into(),
            last_membership_updated: None,
            members: BTreeSet::new(),
        },
    );
    changes
        .users
        .insert("u1".into(), user("a@example.com", UserStatus::Active));
    changes
        .users
        .insert("u2".into(), user("b@example.com", UserStatus::Suspended));
    changes.users.insert(
        "u3".into(),
        user("c@example.com", UserStatus::Other("FUTURE".into())),
    );
    // A fingerprint above i64::MAX must survive SQLite's signed integers.
    changes.links.insert(
        ("admins".into(), "u1".into()),
        Some(link("login-1", true, u64::MAX - 7)),
    );
    changes.links.insert(
        ("employees".into(), "u2".into()),
        Some(link("rec-2", false, 42)),
    );
    changes.baseline.insert("admins".into(), 1);
    changes.baseline.insert("employees".into(), 2);
    changes.retry.insert("u2".into(), true);
    changes
}

/// A second commit: updates, removals, link drops.
fn second() -> StateChanges {
    let mut changes = StateChanges {
        watermark: Some(at("2026-05-28T13:00:00Z")),
        removed_groups: vec!["Old Group".into()],
        removed_users: vec!["u3".into()],
        ..StateChanges::default()
    };
    changes.users.insert(
        "u1".into(),
        user("a2@example.com", UserStatus::Deprovisioned),
    );
    changes.links.insert(
        ("admins".into(), "u1".into()),
        Some(link("login-1", false, 5)),
    );
    changes
        .links
        .insert(("employees".into(), "u2".into()), None);
    changes.baseline.insert("admins".into(), 0);
    changes.retry.insert("u2".into(), false);
    changes.retry.insert("u1".into(), true);
    changes
}

fn expected_after(changes: &[&StateChanges]) -> SyncState {
    let mut state = SyncState::default();
    for c in changes {
        state.apply(c);
    }
    state
}

fn exercise(store: &dyn StateStore) {
    assert_eq!(store.load().unwrap(), SyncState::default());
    let (a, b) = (first(), second());
    store.commit(&a).unwrap();
    assert_eq!(store.load().unwrap(), expected_after(&[&a]));
    store.commit(&b).unwrap();
    let loaded = store.load().unwrap();
    assert_eq!(loaded, expected_after(&[&a, &b]));
    // Spot checks worked out by hand, so the test does not only compare the store with
    // `SyncState::apply`.
    assert_eq!(loaded.watermark, Some(at("2026-05-28T13:00:00Z")));
    assert_eq!(
        loaded.log_cursor.as_deref(),
        Some("https://example.okta.com/api/v1/logs?after=abc")
    );
    assert_eq!(loaded.groups.keys().collect::<Vec<_>>(), ["IT Staff"]);
    assert_eq!(loaded.users.len(), 2);
    assert_eq!(loaded.users["u1"].status, UserStatus::Deprovisioned);
    assert_eq!(
        loaded.users["u2"].status,
        UserStatus::Suspended,
        "untouched rows stay"
    );
    assert!(!loaded.links["admins"]["u1"].active);
    // The only employees link was dropped, and with it the mapping.
    assert!(!loaded.links.contains_key("employees"));
    assert_eq!(loaded.baseline["admins"], 0);
    assert_eq!(loaded.baseline["employees"], 2);
    assert_eq!(loaded.retry.iter().collect::<Vec<_>>(), ["u1"]);
}

#[test]
fn memory_store_round_trips() {
    exercise(&MemoryStateStore::new());
}

#[test]
fn sqlite_store_round_trips() {
    exercise(&SqliteStateStore::open_in_memory().unwrap());
}

#[test]
fn sqlite_state_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    {
        let store = SqliteStateStore::open(&path).unwrap();
        store.commit(&first()).unwrap();
    }
    let store = SqliteStateStore::open(&path).unwrap();
    let loaded = store.load().unwrap();
    assert_eq!(loaded, expected_after(&[&first()]));
    assert_eq!(loaded.links["admins"]["u1"].fingerprint, u64::MAX - 7);
    assert_eq!(
        loaded.users["u3"].status,
        UserStatus::Other("FUTURE".into())
    );
}

#[test]
fn a_commit_that_fails_part_way_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let store = SqliteStateStore::open(&path).unwrap();
    store.commit(&first()).unwrap();
    let before = store.load().unwrap();

    // Make the database refuse one link row. The commit writes the watermark, groups and
    // users first, then reaches that link and fails.
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON links WHEN NEW.okta_id = 'boom'
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
        )
        .unwrap();
    drop(other);

    let mut changes = second();
    changes
        .links
        .insert(("zz".into(), "boom".into()), Some(link("rec-9", true, 1)));
    let err = store.commit(&changes).unwrap_err();
    assert_eq!(err.code(), "STATE");
    assert!(err.to_string().contains("injected failure"), "{err}");
    assert_eq!(store.load().unwrap(), before);

    // Reopened, the file still holds the previous state, and works.
    drop(store);
    let store = SqliteStateStore::open(&path).unwrap();
    assert_eq!(store.load().unwrap(), before);
    store.commit(&second()).unwrap();
    assert_eq!(
        store.load().unwrap(),
        expected_after(&[&first(), &second()])
    );
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    drop(SqliteStateStore::open(&path).unwrap());
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute(
            "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
            [],
        )
        .unwrap();
    drop(other);
    let err = SqliteStateStore::open(&path).unwrap_err();
    assert!(err.to_string().contains("schema version 99"), "{err}");
}

#[test]
fn a_commit_writes_only_what_changed() {
    // 1000 users committed once; a later commit of one user writes one row, counted by a
    // trigger installed from another connection.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let store = SqliteStateStore::open(&path).unwrap();
    let mut big = StateChanges::default();
    for i in 0..1000 {
        big.users.insert(
            format!("u{i:04}"),
            user(&format!("p{i}@example.com"), UserStatus::Active),
        );
    }
    store.commit(&big).unwrap();
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute_batch(
            "CREATE TABLE written (n INTEGER NOT NULL); INSERT INTO written VALUES (0);
             CREATE TRIGGER count_writes AFTER INSERT ON users
             BEGIN UPDATE written SET n = n + 1; END;",
        )
        .unwrap();
    let mut one = StateChanges::default();
    one.users
        .insert("u0001".into(), user("new@example.com", UserStatus::Active));
    store.commit(&one).unwrap();
    let written: i64 = other
        .query_row("SELECT n FROM written", [], |r| r.get(0))
        .unwrap();
    assert_eq!(written, 1);
    let loaded = store.load().unwrap();
    assert_eq!(loaded.users.len(), 1000);
    assert_eq!(
        loaded.users["u0001"].identity.as_deref(),
        Some("new@example.com")
    );
}
