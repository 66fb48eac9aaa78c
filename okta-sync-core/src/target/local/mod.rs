//! The embedded local target: a SQLite file that models what Asset Panda holds for this
//! integration (collections of records with fields, login users with email, role and
//! active flag).
//!
//! It is the quickstart's default and a staging target: run a sync into it, look at the
//! export, then point the same configuration at Asset Panda. It supports every
//! capability, so it can also stand in for a future Asset Panda API that gains login
//! deactivation. Collections are created on their first record, as an admin would create
//! them in Asset Panda before the first sync.
//!
//! SQLite calls run inline on the calling task: a batch is at most
//! [`BATCH_LIMIT`] small rows in one transaction, which costs less than handing it to a
//! blocking thread.

mod export;
mod schema;
mod store;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use rusqlite::{Connection, TransactionBehavior};

pub use export::LocalExport;
use schema::sql_error;

use super::matching::{holds_any, identifier_kind};
use super::{AssetTarget, Capabilities, TargetCheck, TargetHoldings, TargetWrite, WriteOutcome};
use crate::Result;
use crate::config::{Mapping, SyncConfig};

/// The target's name in errors and reports.
pub const NAME: &str = "local";

/// Most writes per batch the planner should send.
pub const BATCH_LIMIT: usize = 100;

/// The embedded local target.
pub struct LocalTarget {
    conn: Mutex<Connection>,
    location: Option<PathBuf>,
}

impl fmt::Debug for LocalTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalTarget")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl LocalTarget {
    /// Opens the store at `path`, creating the file, its parent folders and its schema if
    /// missing.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| sql_error("open", format!("creating {}: {e}", parent.display())))?;
        }
        let mut conn = Connection::open(path)
            .map_err(|e| sql_error("open", format!("{}: {e}", path.display())))?;
        schema::prepare(&mut conn, true)?;
        Ok(LocalTarget {
            conn: Mutex::new(conn),
            location: Some(path.to_path_buf()),
        })
    }

    /// Opens a store that lives in memory and disappears with the value; for tests and
    /// dry runs.
    pub fn open_in_memory() -> Result<Self> {
        let mut conn = Connection::open_in_memory().map_err(|e| sql_error("open", e))?;
        schema::prepare(&mut conn, false)?;
        Ok(LocalTarget {
            conn: Mutex::new(conn),
            location: None,
        })
    }

    /// The database file, or `None` for an in-memory store.
    pub fn path(&self) -> Option<&Path> {
        self.location.as_deref()
    }

    /// Everything the store holds, for export or inspection.
    pub fn export(&self) -> Result<LocalExport> {
        let conn = self.lock();
        let mut collections = std::collections::BTreeMap::new();
        for (name, _) in store::collections(&conn)? {
            let records = store::records(&conn, &name)?;
            collections.insert(name, records);
        }
        Ok(LocalExport {
            collections,
            logins: store::logins(&conn)?,
        })
    }

    /// Writes everything the store holds as one pretty-printed JSON document.
    pub fn export_json(&self, writer: impl std::io::Write) -> Result<()> {
        self.export()?.write_json(writer)
    }

    /// Writes one CSV per collection and `logins.csv` into `dir`; returns the files.
    pub fn export_csv(&self, dir: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
        self.export()?.write_csv(dir.as_ref())
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a transaction open (it rolls back on
        // drop), so the connection is still consistent.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn holdings_now(&self, mapping: &Mapping) -> Result<TargetHoldings> {
        let conn = self.lock();
        Ok(match mapping {
            Mapping::Record(record) => TargetHoldings {
                records: store::records(&conn, &record.collection)?,
                logins: Vec::new(),
                listed: true,
            },
            Mapping::Login(_) => TargetHoldings {
                records: Vec::new(),
                logins: store::logins(&conn)?,
                listed: true,
            },
        })
    }

    /// Proves the file can be written: an immediate (write-locking) transaction that
    /// records the time of the check.
    fn probe_write(&self) -> Result<()> {
        let mut conn = self.lock();
        let fail = |e| sql_error("check connection", e);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        tx.execute(
            "INSERT INTO meta(key, value) VALUES ('last_check', ?1) \
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [now()],
        )
        .map_err(fail)?;
        tx.commit().map_err(fail)
    }
}

fn now() -> String {
    crate::model::time::format(&chrono::Utc::now())
}

#[async_trait]
impl AssetTarget for LocalTarget {
    fn name(&self) -> &str {
        NAME
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::all(BATCH_LIMIT)
    }

    async fn check_connection(&self, config: &SyncConfig) -> Result<TargetCheck> {
        let mut check = TargetCheck {
            ok: true,
            messages: Vec::new(),
        };
        if let Err(e) = self.probe_write() {
            check.ok = false;
            check
                .messages
                .push(format!("the local store cannot be written: {e}"));
            return Ok(check);
        }
        let (collections, logins) = {
            let conn = self.lock();
            (store::collections(&conn)?, store::logins(&conn)?)
        };
        for (name, count) in &collections {
            check
                .messages
                .push(format!("collection {name:?}: {count} record(s)"));
        }
        check
            .messages
            .push(format!("{} login user(s)", logins.len()));
        for mapping in &config.mappings {
            let Mapping::Record(record) = mapping else {
                continue;
            };
            if !collections
                .iter()
                .any(|(name, _)| *name == record.collection)
            {
                check.messages.push(format!(
                    "mapping {:?}: collection {:?} does not exist yet and will be created \
                     by the first record written to it",
                    record.name, record.collection
                ));
            }
        }
        Ok(check)
    }

    async fn holdings(&self, mapping: &Mapping) -> Result<TargetHoldings> {
        self.holdings_now(mapping)
    }

    /// Known shortcoming: reads the whole collection (or every login) and filters in Rust
    /// with the same matching as every target, so a delta's lookups cost O(collection):
    /// about 0.4 s per delta at 100k entries (docs/performance.md), against 1 ms of
    /// planning. Fine for a target meant for trying and testing; if it is ever used as a
    /// real store of that size, the fix is a lookup table of normalized identifier values
    /// kept by `write`, so that a lookup reads only the rows it matches.
    async fn lookup(
        &self,
        mapping: &Mapping,
        field: &str,
        values: &[String],
    ) -> Result<TargetHoldings> {
        let kind = identifier_kind(mapping, field);
        let mut all = self.holdings_now(mapping)?;
        all.records
            .retain(|r| holds_any(kind, r.fields.get(field), values));
        all.logins.retain(|login| {
            let held = login.fields.get(field).cloned().or_else(|| {
                field
                    .eq_ignore_ascii_case("email")
                    .then(|| serde_json::Value::String(login.email.clone()))
            });
            holds_any(kind, held.as_ref(), values)
        });
        Ok(all)
    }

    async fn write(&self, batch: &[TargetWrite]) -> Result<Vec<WriteOutcome>> {
        let mut conn = self.lock();
        let fail = |e| sql_error("write", e);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        let stamp = now();
        let outcomes = batch
            .iter()
            .map(|write| store::apply(&tx, write, &stamp))
            .collect::<Result<Vec<_>>>()?;
        tx.commit().map_err(fail)?;
        tracing::debug!(
            target: "okta_sync::target::local",
            writes = batch.len(),
            done = outcomes.iter().filter(|o| matches!(o, WriteOutcome::Done { .. })).count(),
            "local batch committed"
        );
        Ok(outcomes)
    }
}
