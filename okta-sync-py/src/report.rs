//! Reports of applied plans, and the outcome of `run()`.

use std::sync::Arc;

use okta_sync_core::engine::RunOutcome;
use okta_sync_core::plan::{Plan, Report};
use pyo3::prelude::*;

use crate::convert::to_py;
use crate::plan::{PyPlan, json_text};

/// What applying a plan did.
#[pyclass(module = "okta_sync", name = "Report", frozen)]
#[derive(Debug)]
pub struct PyReport {
    inner: Arc<Report>,
}

impl From<Report> for PyReport {
    fn from(inner: Report) -> Self {
        Self { inner: Arc::new(inner) }
    }
}

#[pymethods]
impl PyReport {
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
        format!("<Report {}>", self.inner.summary().lines().next().unwrap_or_default())
    }
}

/// The plan a `run()` built and the report of applying it.
#[pyclass(module = "okta_sync", name = "RunOutcome", frozen)]
#[derive(Debug)]
pub struct PyRunOutcome {
    plan: Arc<Plan>,
    report: Arc<Report>,
}

impl From<RunOutcome> for PyRunOutcome {
    fn from(outcome: RunOutcome) -> Self {
        Self { plan: Arc::new(outcome.plan), report: Arc::new(outcome.report) }
    }
}

#[pymethods]
impl PyRunOutcome {
    /// The plan that was applied (or would have been, in a dry run).
    #[getter]
    fn plan(&self) -> PyPlan {
        PyPlan { inner: self.plan.clone() }
    }

    /// What happened.
    #[getter]
    fn report(&self) -> PyReport {
        PyReport { inner: self.report.clone() }
    }

    fn __repr__(&self) -> String {
        format!("<RunOutcome plan={} actions={}>", self.plan.hash, self.plan.actions.len())
    }
}
