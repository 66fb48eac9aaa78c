//! Forwards the core's `tracing` events to Python's `logging`, under the `okta_sync` logger.
//!
//! The core never installs a subscriber, so with tracing's `log` feature every event becomes
//! a `log` record; `pyo3-log` hands those to `logging.getLogger("okta_sync.<rust module>")`.
//! The Python package adds a `NullHandler` to `okta_sync`, so nothing prints unless the
//! application configures logging. Effective levels are cached for speed and the cache is
//! refreshed at the start of every engine call, so level changes between calls take effect.

use std::sync::OnceLock;

use log::LevelFilter;
use pyo3::prelude::*;
use pyo3_log::{Caching, Logger, ResetHandle};

static HANDLE: OnceLock<ResetHandle> = OnceLock::new();

/// Installs the bridge once per process. Another extension in the same process may already
/// own the `log` facade; then okta-sync's records go wherever that one sends them.
pub fn install(py: Python<'_>) -> PyResult<()> {
    let logger = Logger::new(py, Caching::LoggersAndLevels)?
        .filter(LevelFilter::Debug)
        .set_prefix("okta_sync");
    if let Ok(handle) = logger.install() {
        let _ = HANDLE.set(handle);
    }
    Ok(())
}

/// Forgets cached Python logger levels, so the next record asks `logging` again.
pub fn refresh() {
    if let Some(handle) = HANDLE.get() {
        handle.reset();
    }
}
