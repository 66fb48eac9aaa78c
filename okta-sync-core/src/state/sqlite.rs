//! The durable [`StateStore`]: one SQLite file, written in WAL mode, one transaction per
//! commit.
//!
//! A commit is a single transaction of row upserts and deletes taken from [`StateChanges`],
//! so a delta touching 100 users writes about 100 rows, and a crash (or an error) at any
//! point leaves the previous state intact: SQLite either has the whole transaction or none
//! of it.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::{
    Claim, CommitRevisions, GroupState, Link, Origin, StateChanges, StateRevision, StateStore,
    SyncState, UserState,
};
use crate::model::UserStatus;
use crate::{Error, Result};

/// Bumped when the schema changes incompatibly; a newer file is refused, not misread.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS groups (
    ref TEXT PRIMARY KEY,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    last_membership_updated TEXT,
    members TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    okta_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    identity TEXT,
    last_updated TEXT,
    department TEXT
);
CREATE TABLE IF NOT EXISTS links (
    mapping TEXT NOT NULL,
    okta_id TEXT NOT NULL,
    target_id TEXT NOT NULL,
    origin TEXT NOT NULL,
    active INTEGER NOT NULL,
    role TEXT,
    fingerprint INTEGER NOT NULL,
    PRIMARY KEY (mapping, okta_id)
);
CREATE TABLE IF NOT EXISTS baseline (mapping TEXT PRIMARY KEY, population INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS retry (okta_id TEXT PRIMARY KEY);
";

/// Sync state in a SQLite file.
#[derive(Debug)]
pub struct SqliteStateStore {
    conn: Mutex<Connection>,
}

impl SqliteStateStore {
    /// Opens (creating if missing, with its parent folders) the state file at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::state(format!("create {}", parent.display()), e))?;
        }
        let conn = Connection::open(path)
            .map_err(|e| Error::state(format!("open {}", path.display()), e))?;
        // Name the file in every setup failure ("file is not a database" says nothing of
        // which file).
        Self::init(conn).map_err(|e| match e {
            Error::State { operation, message } => Error::State {
                operation: format!("{operation} of {}", path.display()),
                message,
            },
            other => other,
        })
    }

    /// A private in-memory database, for tests of code that wants a SQLite store.
    pub fn open_in_memory() -> Result<Self> {
        let conn = Connection::open_in_memory().map_err(|e| Error::state("open in memory", e))?;
        Self::init(conn)
    }

    fn init(conn: Connection) -> Result<Self> {
        // WAL keeps readers and the writer apart; FULL makes a returned commit survive a
        // power cut, which matters because the target has already been written by then.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| Error::state("set journal_mode", e))?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(|e| Error::state("set synchronous", e))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| Error::state("set busy_timeout", e))?;
        conn.execute_batch(SCHEMA)
            .map_err(|e| Error::state("create schema", e))?;
        let stored = get_meta(&conn, "schema_version")
            .map_err(|e| Error::state("read schema version", e))?;
        match stored {
            None => {
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)",
                    params![SCHEMA_VERSION.to_string()],
                )
                .map_err(|e| Error::state("write schema version", e))?;
            }
            Some(v) if v == SCHEMA_VERSION.to_string() => {}
            Some(v) => {
                return Err(Error::state(
                    "open",
                    format!(
                        "state file has schema version {v}, this okta-sync understands {SCHEMA_VERSION}; \
                         use the okta-sync version that wrote it"
                    ),
                ));
            }
        }
        // Files written before stores had ids get one now, once.
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('store_id', ?1)",
            params![super::new_store_id()],
        )
        .map_err(|e| Error::state("write store id", e))?;
        Ok(SqliteStateStore {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> Result<MutexGuard<'_, Connection>> {
        self.conn
            .lock()
            .map_err(|_| Error::state("lock", "a previous state operation panicked"))
    }
}

impl StateStore for SqliteStateStore {
    fn load(&self) -> Result<SyncState> {
        self.load_with_revision().map(|(state, _)| state)
    }

    fn commit(&self, changes: &StateChanges) -> Result<()> {
        self.commit_with_revision(changes).map(|_| ())
    }

    fn revision(&self) -> Result<Option<StateRevision>> {
        let conn = self.lock()?;
        read_revision(&conn)
            .map(Some)
            .map_err(|e| Error::state("read revision", e))
    }

    fn load_with_revision(&self) -> Result<(SyncState, Option<StateRevision>)> {
        let mut conn = self.lock()?;
        // One read transaction: every table and the revision come from the same snapshot,
        // even while another process commits.
        let tx = conn
            .transaction()
            .map_err(|e| Error::state("begin load", e))?;
        let revision = read_revision(&tx).map_err(|e| Error::state("load", e))?;
        let state = load_all(&tx).map_err(|e| Error::state("load", e))?;
        tx.finish().map_err(|e| Error::state("end load", e))?;
        Ok((state, Some(revision)))
    }

    fn commit_with_revision(&self, changes: &StateChanges) -> Result<Option<CommitRevisions>> {
        let mut conn = self.lock()?;
        // IMMEDIATE takes the write lock first, so `before` is the revision the changes
        // are written on top of.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| Error::state("begin commit", e))?;
        let before = read_revision(&tx).map_err(|e| Error::state("commit", e))?;
        let after = StateRevision {
            commits: before.commits + 1,
            // Our own commits do not move `data_version`; other connections' do.
            external: before.external,
        };
        write_changes(&tx, changes)
            .and_then(|()| set_meta(&tx, "revision", &after.commits.to_string()))
            .and_then(|()| {
                tx.execute("DELETE FROM meta WHERE key = 'apply_in_progress'", [])
                    .map(|_| ())
            })
            .map_err(|e| Error::state("commit", e))?;
        tx.commit().map_err(|e| Error::state("commit", e))?;
        tracing::debug!(
            users = changes.users.len(),
            links = changes.links.len(),
            revision = after.commits,
            "sync state committed"
        );
        Ok(Some(CommitRevisions { before, after }))
    }

    fn store_id(&self) -> Result<Option<String>> {
        let conn = self.lock()?;
        get_meta(&conn, "store_id").map_err(|e| Error::state("read store id", e))
    }

    fn claim(&self, expected_commits: u64, holder: &str) -> Result<Claim> {
        let mut conn = self.lock()?;
        // IMMEDIATE: the check and the step happen under the write lock, so two processes
        // claiming the same revision cannot both succeed.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| Error::state("begin claim", e))?;
        let before = read_revision(&tx).map_err(|e| Error::state("claim", e))?;
        let busy = get_meta(&tx, "apply_in_progress").map_err(|e| Error::state("claim", e))?;
        if let Some(holder) = busy {
            return Ok(Claim::Busy { holder });
        }
        if before.commits != expected_commits {
            return Ok(Claim::Moved {
                commits: before.commits,
            });
        }
        let after = StateRevision {
            commits: before.commits + 1,
            external: before.external,
        };
        set_meta(&tx, "revision", &after.commits.to_string())
            .and_then(|()| set_meta(&tx, "apply_in_progress", &super::claim_marker(holder)))
            .map_err(|e| Error::state("claim", e))?;
        tx.commit().map_err(|e| Error::state("claim", e))?;
        Ok(Claim::Claimed(CommitRevisions { before, after }))
    }
}

/// The commit counter okta-sync keeps in `meta` (0 in files written before it existed),
/// and SQLite's `data_version`, which moves when any other connection commits, including
/// writers that do not count.
fn read_revision(conn: &Connection) -> Result<StateRevision, StoreError> {
    let commits = get_meta(conn, "revision")?;
    let commits = match commits {
        None => 0,
        Some(v) => v.parse().map_err(|e| StoreError::Row {
            table: "meta",
            key: "revision".into(),
            message: format!("bad revision {v:?}: {e}"),
        })?,
    };
    let external: i64 = conn.query_row("PRAGMA data_version", [], |r| r.get(0))?;
    Ok(StateRevision {
        commits,
        external: u64::from_ne_bytes(external.to_ne_bytes()),
    })
}

/// Timestamps are stored with all their digits, so that what is loaded back is exactly
/// what was committed (an engine's in-memory copy applies the same changes).
fn stored_time(ts: &DateTime<Utc>) -> String {
    ts.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// A failure while loading, with the row it came from.
#[derive(Debug, thiserror::Error)]
enum StoreError {
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
    #[error("{table} row {key}: {message}")]
    Row {
        table: &'static str,
        key: String,
        message: String,
    },
}

fn parse_time(
    table: &'static str,
    key: &str,
    value: Option<String>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    value
        .map(|v| {
            DateTime::parse_from_rfc3339(&v)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| StoreError::Row {
                    table,
                    key: key.to_string(),
                    message: format!("bad timestamp {v:?}: {e}"),
                })
        })
        .transpose()
}

fn load_all(conn: &Connection) -> Result<SyncState, StoreError> {
    let mut state = SyncState::default();

    let mut meta = conn.prepare("SELECT key, value FROM meta")?;
    let rows = meta.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (key, value) = row?;
        match key.as_str() {
            "watermark" => state.watermark = parse_time("meta", &key, Some(value))?,
            "log_cursor" => state.log_cursor = Some(value),
            "log_cursor_at" => state.log_cursor_at = parse_time("meta", &key, Some(value))?,
            "last_full_sync" => state.last_full_sync = parse_time("meta", &key, Some(value))?,
            "org" => state.org = Some(value),
            _ => {}
        }
    }

    let mut groups =
        conn.prepare("SELECT ref, id, name, last_membership_updated, members FROM groups")?;
    let rows = groups.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    for row in rows {
        let (reference, id, name, lmu, members) = row?;
        let last_membership_updated = parse_time("groups", &reference, lmu)?;
        let members = members
            .split('\n')
            .filter(|m| !m.is_empty())
            .map(str::to_string)
            .collect();
        state.groups.insert(
            reference,
            GroupState {
                id,
                name,
                last_membership_updated,
                members,
            },
        );
    }

    let count: i64 = conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?;
    state.users.reserve(usize::try_from(count).unwrap_or(0));
    let mut users =
        conn.prepare("SELECT okta_id, status, identity, last_updated, department FROM users")?;
    let rows = users.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<String>>(4)?,
        ))
    })?;
    for row in rows {
        let (okta_id, status, identity, last_updated, department) = row?;
        let last_updated = parse_time("users", &okta_id, last_updated)?;
        state.users.insert(
            okta_id,
            UserState {
                status: UserStatus::parse(&status),
                identity,
                last_updated,
                department,
            },
        );
    }

    let mut links = conn.prepare(
        "SELECT mapping, okta_id, target_id, origin, active, role, fingerprint FROM links",
    )?;
    let rows = links.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, bool>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, i64>(6)?,
        ))
    })?;
    for row in rows {
        let (mapping, okta_id, target_id, origin, active, role, fingerprint) = row?;
        let origin = match origin.as_str() {
            "created" => Origin::Created,
            "adopted" => Origin::Adopted,
            other => {
                return Err(StoreError::Row {
                    table: "links",
                    key: format!("{mapping}/{okta_id}"),
                    message: format!("unknown origin {other:?}"),
                });
            }
        };
        state.links.entry(mapping).or_default().insert(
            okta_id,
            Link {
                target_id,
                origin,
                active,
                role,
                // Stored as the same 64 bits, reinterpreted (SQLite integers are signed).
                fingerprint: u64::from_ne_bytes(fingerprint.to_ne_bytes()),
            },
        );
    }

    let mut baseline = conn.prepare("SELECT mapping, population FROM baseline")?;
    let rows = baseline.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    for row in rows {
        let (mapping, population) = row?;
        state
            .baseline
            .insert(mapping, u64::try_from(population).unwrap_or(0));
    }

    let mut retry = conn.prepare("SELECT okta_id FROM retry")?;
    let rows = retry.query_map([], |r| r.get::<_, String>(0))?;
    for row in rows {
        state.retry.insert(row?);
    }
    Ok(state)
}

/// One value of the `meta` table, if it is there.
fn get_meta(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row(params![key], |r| r.get(0))
        .optional()
}

fn set_meta(tx: &Transaction<'_>, key: &str, value: &str) -> rusqlite::Result<()> {
    tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
        .execute(params![key, value])?;
    Ok(())
}

fn write_changes(tx: &Transaction<'_>, changes: &StateChanges) -> rusqlite::Result<()> {
    if let Some(w) = &changes.watermark {
        set_meta(tx, "watermark", &stored_time(w))?;
    }
    if let Some(c) = &changes.log_cursor {
        set_meta(tx, "log_cursor", c)?;
        if let Some(at) = &changes.log_cursor_at {
            set_meta(tx, "log_cursor_at", &stored_time(at))?;
        }
    }
    if let Some(t) = &changes.last_full_sync {
        set_meta(tx, "last_full_sync", &stored_time(t))?;
    }
    if let Some(org) = &changes.org {
        set_meta(tx, "org", org)?;
    }

    {
        let mut upsert = tx.prepare_cached(
            "INSERT OR REPLACE INTO groups (ref, id, name, last_membership_updated, members)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (reference, group) in &changes.groups {
            let members = group
                .members
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join("\n");
            upsert.execute(params![
                reference,
                group.id,
                group.name,
                group.last_membership_updated.as_ref().map(stored_time),
                members
            ])?;
        }
        let mut delete = tx.prepare_cached("DELETE FROM groups WHERE ref = ?1")?;
        for reference in &changes.removed_groups {
            delete.execute(params![reference])?;
        }
    }

    {
        let mut upsert = tx.prepare_cached(
            "INSERT OR REPLACE INTO users (okta_id, status, identity, last_updated, department)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (id, user) in &changes.users {
            upsert.execute(params![
                id,
                user.status.as_str(),
                user.identity,
                user.last_updated.as_ref().map(stored_time),
                user.department
            ])?;
        }
        let mut delete = tx.prepare_cached("DELETE FROM users WHERE okta_id = ?1")?;
        for id in &changes.removed_users {
            delete.execute(params![id])?;
        }
    }

    {
        let mut upsert = tx.prepare_cached(
            "INSERT OR REPLACE INTO links
             (mapping, okta_id, target_id, origin, active, role, fingerprint)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        let mut delete =
            tx.prepare_cached("DELETE FROM links WHERE mapping = ?1 AND okta_id = ?2")?;
        for ((mapping, okta_id), link) in &changes.links {
            match link {
                Some(link) => {
                    let origin = match link.origin {
                        Origin::Created => "created",
                        Origin::Adopted => "adopted",
                    };
                    upsert.execute(params![
                        mapping,
                        okta_id,
                        link.target_id,
                        origin,
                        link.active,
                        link.role,
                        i64::from_ne_bytes(link.fingerprint.to_ne_bytes())
                    ])?;
                }
                None => {
                    delete.execute(params![mapping, okta_id])?;
                }
            }
        }
    }

    {
        let mut upsert = tx.prepare_cached(
            "INSERT OR REPLACE INTO baseline (mapping, population) VALUES (?1, ?2)",
        )?;
        for (mapping, population) in &changes.baseline {
            upsert.execute(params![
                mapping,
                i64::try_from(*population).unwrap_or(i64::MAX)
            ])?;
        }
    }

    {
        let mut add = tx.prepare_cached("INSERT OR IGNORE INTO retry (okta_id) VALUES (?1)")?;
        let mut remove = tx.prepare_cached("DELETE FROM retry WHERE okta_id = ?1")?;
        for (id, pending) in &changes.retry {
            if *pending {
                add.execute(params![id])?;
            } else {
                remove.execute(params![id])?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn two_connections_claiming_one_revision_get_one_claim_and_share_the_store_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.sqlite");
        let a = SqliteStateStore::open(&path).unwrap();
        let b = SqliteStateStore::open(&path).unwrap();
        let id = a.store_id().unwrap().expect("a store has an id");
        assert_eq!(id.len(), 32);
        assert_eq!(b.store_id().unwrap().as_deref(), Some(id.as_str()));
        let elsewhere = SqliteStateStore::open(dir.path().join("other.sqlite")).unwrap();
        assert_ne!(elsewhere.store_id().unwrap().as_deref(), Some(id.as_str()));

        a.commit(&changes_with_watermark(0)).unwrap();
        assert!(
            matches!(a.claim(1, "plan-a").unwrap(), Claim::Claimed(step) if step.after.commits == 2)
        );
        // Until a commit, every other claim finds the first one, even at the new revision.
        assert!(
            matches!(b.claim(1, "plan-b").unwrap(), Claim::Busy { holder } if holder.starts_with("plan-a since "))
        );
        assert!(matches!(b.claim(2, "plan-b").unwrap(), Claim::Busy { .. }));
        a.commit(&StateChanges::default()).unwrap();
        assert_eq!(b.claim(1, "plan-b").unwrap(), Claim::Moved { commits: 3 });
        assert!(matches!(b.claim(3, "plan-b").unwrap(), Claim::Claimed(_)));
        // The claim changed nothing but the revision.
        assert_eq!(
            b.load().unwrap().watermark,
            changes_with_watermark(0).watermark
        );
    }

    #[test]
    fn a_file_that_is_not_a_state_store_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.sqlite");
        std::fs::write(
            &path,
            b"this is not a SQLite database, just some text long enough",
        )
        .unwrap();
        let Err(err) = SqliteStateStore::open(&path) else {
            panic!("a text file was accepted as a state store");
        };
        assert_eq!(err.code(), "STATE");
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
    }

    fn changes_with_watermark(nanos: u32) -> StateChanges {
        StateChanges {
            watermark: Some(
                Utc.with_ymd_and_hms(2026, 5, 28, 13, 0, 0).unwrap()
                    + chrono::Duration::nanoseconds(i64::from(nanos)),
            ),
            ..StateChanges::default()
        }
    }

    #[test]
    fn own_commits_step_the_revision_by_one() {
        let store = SqliteStateStore::open_in_memory().unwrap();
        let (_, loaded_at) = store.load_with_revision().unwrap();
        let loaded_at = loaded_at.unwrap();
        assert_eq!(loaded_at.commits, 0);
        let step = store
            .commit_with_revision(&changes_with_watermark(0))
            .unwrap()
            .unwrap();
        assert_eq!(step.before, loaded_at);
        assert_eq!(step.after.commits, 1);
        assert_eq!(store.revision().unwrap(), Some(step.after));
    }

    #[test]
    fn a_commit_through_another_connection_changes_the_revision() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.sqlite");
        let ours = SqliteStateStore::open(&path).unwrap();
        let theirs = SqliteStateStore::open(&path).unwrap();
        let (_, loaded_at) = ours.load_with_revision().unwrap();
        theirs.commit(&changes_with_watermark(0)).unwrap();
        assert_ne!(ours.revision().unwrap(), loaded_at);
        // Our next commit lands on top of theirs, and says so.
        let step = ours
            .commit_with_revision(&changes_with_watermark(5))
            .unwrap()
            .unwrap();
        assert_ne!(Some(step.before), loaded_at);
        assert_eq!(step.after.commits, 2);
    }

    #[test]
    fn a_writer_that_does_not_count_still_changes_the_revision() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.sqlite");
        let ours = SqliteStateStore::open(&path).unwrap();
        let before = ours.revision().unwrap();
        // An older okta-sync or a hand edit: a plain write, no revision bump.
        let other = Connection::open(&path).unwrap();
        other
            .execute("INSERT INTO retry (okta_id) VALUES ('00u1')", [])
            .unwrap();
        let after = ours.revision().unwrap();
        assert_ne!(after, before);
        assert_eq!(after.map(|r| r.commits), Some(0));
    }

    #[test]
    fn timestamps_load_back_exactly_as_committed() {
        let store = SqliteStateStore::open_in_memory().unwrap();
        let changes = changes_with_watermark(123_456_789);
        store.commit(&changes).unwrap();
        assert_eq!(store.load().unwrap().watermark, changes.watermark);
    }
}
