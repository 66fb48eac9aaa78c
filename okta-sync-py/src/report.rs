//! Reports of applied plans, and the outcome of `run()`.

use std::sync::Arc;

use okta_sync_core::plan::Report;
use pyo3::prelude::*;

use crate::convert::to_py;
use crate::plan::{PyAction, json_text};

/// What applying a plan did.
#[pyclass(module = "okta_sync", name = "Report", frozen)]
#[derive(Debug)]
pub struct PyReport {
    pub inner: Arc<Report>,
}

impl From<Report> for PyReport {
    fn from(inner: Report) -> Self {
        Self {
            inner: Arc::new(inner),
        }
    }
}

#[pymethods]
impl PyReport {
    /// The applied plan's hash.
    #[getter]
    fn plan_hash(&self) -> &str {
        &self.inner.plan_hash
    }

    /// `"full"` or `"delta"`.
    #[getter]
    fn mode<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.mode)
    }

    /// True when nothing was written.
    #[getter]
    fn dry_run(&self) -> bool {
        self.inner.dry_run
    }

    /// True when a tripped brake was overridden by an approval of this plan.
    #[getter]
    fn approved(&self) -> bool {
        self.inner.approved
    }

    /// Per action kind: `{"planned": n, "done": n, "failed": n}`.
    #[getter]
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.counts)
    }

    /// Every failed action (dicts with `mapping`, `okta_id`, `kind`, `reason`, `attempts`).
    #[getter]
    fn failures<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.failures)
    }

    /// What an admin must do by hand.
    #[getter]
    fn manual(&self) -> Vec<PyAction> {
        self.inner
            .manual
            .iter()
            .cloned()
            .map(PyAction::from)
            .collect()
    }

    /// What an admin must resolve before those users are synced.
    #[getter]
    fn conflicts(&self) -> Vec<PyAction> {
        self.inner
            .conflicts
            .iter()
            .cloned()
            .map(PyAction::from)
            .collect()
    }

    /// Wall time of the apply, in milliseconds.
    #[getter]
    fn duration_ms(&self) -> u64 {
        self.inner.duration_ms
    }

    /// A few lines for a person: what was done, what failed, what needs a hand.
    fn summary(&self) -> String {
        self.inner.summary()
    }

    /// The whole report as plain dicts and lists (the JSON shape).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, self.inner.as_ref())
    }

    /// The whole report as JSON text.
    #[pyo3(signature = (indent = None))]
    fn to_json(&self, indent: Option<usize>) -> PyResult<String> {
        json_text(self.inner.as_ref(), indent)
    }

    fn __repr__(&self) -> String {
        format!(
            "<Report {}>",
            self.inner.summary().lines().next().unwrap_or_default()
        )
    }
}
