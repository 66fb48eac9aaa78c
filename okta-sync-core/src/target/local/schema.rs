//! Opening the local store: pragmas for crash safety and the schema.

use rusqlite::{Connection, OptionalExtension};

use crate::{Error, Result};

/// The schema version this code writes. A store written by a newer version is refused
/// rather than misread.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS collections (
    name       TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);
-- AUTOINCREMENT so that an id is never reused, even after a row is removed by hand.
CREATE TABLE IF NOT EXISTS records (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    collection TEXT NOT NULL REFERENCES collections(name),
    fields     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_by_collection ON records(collection, seq);
CREATE TABLE IF NOT EXISTS logins (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    email      TEXT NOT NULL,
    email_key  TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL,
    active     INTEGER NOT NULL,
    fields     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
";

/// Maps a SQLite failure to the crate error, naming the operation.
pub(super) fn sql_error(operation: &str, err: impl std::fmt::Display) -> Error {
    Error::Target {
        target: super::NAME.to_string(),
        operation: operation.to_string(),
        status: None,
        message: err.to_string(),
    }
}

/// Sets the pragmas and creates or checks the schema.
///
/// WAL with `synchronous=FULL` makes every committed batch durable and keeps the file
/// consistent after a crash or power loss; a batch is either wholly there or not at all.
pub(super) fn prepare(conn: &mut Connection, on_disk: bool) -> Result<()> {
    let fail = |e: rusqlite::Error| sql_error("open", e);
    if on_disk {
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))
            .map_err(fail)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(sql_error(
                "open",
                format!("the database refused write-ahead logging (journal mode is {mode})"),
            ));
        }
    }
    conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
        .map_err(fail)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(fail)?;

    let tx = conn.transaction().map_err(fail)?;
    tx.execute_batch(SCHEMA).map_err(fail)?;
    let found: Option<String> = tx
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |row| row.get(0),
        )
        .optional()
        .map_err(fail)?;
    match found.map(|v| v.parse::<i64>()) {
        None => {
            tx.execute(
                "INSERT INTO meta(key, value) VALUES ('schema_version', ?1)",
                [SCHEMA_VERSION.to_string()],
            )
            .map_err(fail)?;
        }
        Some(Ok(v)) if v == SCHEMA_VERSION => {}
        Some(Ok(v)) => {
            return Err(sql_error(
                "open",
                format!(
                    "the store has schema version {v}, this okta-sync reads version \
                     {SCHEMA_VERSION}; use the okta-sync release that wrote it"
                ),
            ));
        }
        Some(Err(_)) => {
            return Err(sql_error(
                "open",
                "the store's schema version is not a number; is this an okta-sync local target?",
            ));
        }
    }
    tx.commit().map_err(fail)
}
