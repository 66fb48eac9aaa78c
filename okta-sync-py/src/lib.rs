//! `okta_sync._native`: the compiled half of the `okta_sync` Python package.
//!
//! Everything here converts and forwards; the logic lives in `okta-sync-core`. The
//! hand-written `python/okta_sync/__init__.py` re-exports this module with docstrings, and
//! `_native.pyi` describes it (checked against the built module by `mypy.stubtest`).

mod callbacks;
mod convert;
mod engine;
mod errors;
mod logging;
mod offline;
mod plan;
mod pure;
mod report;
mod runtime;
mod target;

use pyo3::prelude::*;

/// The native module. Its name must match `module-name` in `pyproject.toml`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    logging::install(m.py())?;
    errors::register(m)?;
    m.add_function(wrap_pyfunction!(pure::validate_config, m)?)?;
    m.add_function(wrap_pyfunction!(pure::load_config, m)?)?;
    m.add_function(wrap_pyfunction!(pure::config_schema, m)?)?;
    m.add_function(wrap_pyfunction!(pure::map_user, m)?)?;
    m.add_function(wrap_pyfunction!(pure::explain, m)?)?;
    m.add_function(wrap_pyfunction!(offline::plan_offline, m)?)?;
    m.add_function(wrap_pyfunction!(offline::plan_offline_json, m)?)?;
    m.add_class::<engine::PySyncEngine>()?;
    m.add_class::<engine::PyRunOutcome>()?;
    m.add_class::<plan::PyPlan>()?;
    m.add_class::<plan::PyAction>()?;
    m.add_class::<plan::PyHeldBack>()?;
    m.add_class::<report::PyReport>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
