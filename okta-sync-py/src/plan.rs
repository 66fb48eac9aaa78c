//! Plans and their actions as typed, read-only Python objects.
//!
//! A `Plan` keeps the core plan untouched (it is hashed, and `apply` refuses an edited
//! plan), so it can be saved with `to_json()`, reviewed, loaded with `Plan.from_json()` and
//! applied later. Everything else is a view computed on access.

use std::sync::Arc;

use okta_sync_core::plan::{Action, HeldBack, Plan};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};

use crate::convert::{from_json, to_py};
use crate::errors::guard;

/// A reviewable, hashed set of changes to the target.
#[pyclass(module = "okta_sync", name = "Plan", frozen)]
#[derive(Debug)]
pub struct PyPlan {
    pub inner: Arc<Plan>,
}

#[pymethods]
impl PyPlan {
    /// `sha256:<hex>` over the plan's canonical JSON; an approval names it.
    #[getter]
    fn hash(&self) -> &str {
        &self.inner.hash
    }

    /// `"full"` or `"delta"`.
    #[getter]
    fn mode<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.mode)
    }

    /// True for the first full import (which the safety brake exempts).
    #[getter]
    fn first_import(&self) -> bool {
        self.inner.first_import
    }

    /// Number of actions per kind, for example `{"create_record": 12}`.
    #[getter]
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.counts)
    }

    /// Per mapping, in-scope users that need no change.
    #[getter]
    fn unchanged<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.unchanged)
    }

    /// Per mapping, users in scope after this plan.
    #[getter]
    fn in_scope<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.in_scope)
    }

    /// What to do, sorted by mapping, Okta id, then kind.
    #[getter]
    fn actions(&self) -> Vec<PyAction> {
        self.inner
            .actions
            .iter()
            .cloned()
            .map(PyAction::from)
            .collect()
    }

    /// Destructive actions withheld because a listing was incomplete.
    #[getter]
    fn held_back(&self) -> Vec<PyHeldBack> {
        self.inner
            .held_back
            .iter()
            .cloned()
            .map(PyHeldBack::from)
            .collect()
    }

    /// Notes for the admin (dicts with `code`, `mapping`, `okta_id`, `message`).
    #[getter]
    fn warnings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.warnings)
    }

    /// The safety brake's verdict: `tripped`, `reason`, `counts` and `limits`.
    #[getter]
    fn brake<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.brake)
    }

    /// True when `apply` will refuse this plan without an approval naming its hash.
    #[getter]
    fn brake_tripped(&self) -> bool {
        self.inner.brake.tripped
    }

    /// True when applying the plan would write nothing.
    fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// The whole plan as plain dicts and lists (the JSON shape).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, self.inner.as_ref())
    }

    /// The whole plan as JSON text, for saving and reviewing.
    #[pyo3(signature = (indent = None))]
    fn to_json(&self, indent: Option<usize>) -> PyResult<String> {
        json_text(self.inner.as_ref(), indent)
    }

    /// Loads a plan saved with `to_json()`. `apply` re-checks its hash.
    #[classmethod]
    fn from_json(_cls: &Bound<'_, PyType>, text: &str) -> PyResult<Self> {
        let plan = guard(|| {
            let value: serde_json::Value =
                serde_json::from_str(text).map_err(|e| okta_sync_core::Error::Decode {
                    what: "plan JSON".into(),
                    path: format!("line {} column {}", e.line(), e.column()),
                    message: e.to_string(),
                })?;
            from_json::<Plan>(value, "plan")
        })?;
        Ok(Self {
            inner: Arc::new(plan),
        })
    }

    fn __len__(&self) -> usize {
        self.inner.actions.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "<Plan {} {:?} actions={} brake_tripped={}>",
            self.inner.hash,
            self.inner.mode,
            self.inner.actions.len(),
            self.inner.brake.tripped
        )
    }
}

/// One change for one Okta user in one mapping.
#[pyclass(module = "okta_sync", name = "Action", frozen)]
#[derive(Debug)]
pub struct PyAction {
    inner: Action,
}

impl From<Action> for PyAction {
    fn from(inner: Action) -> Self {
        Self { inner }
    }
}

#[pymethods]
impl PyAction {
    /// `create_record`, `update_record`, `deactivate_login`, `conflict`, `manual`, ...
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind.name()
    }

    /// The mapping's name.
    #[getter]
    fn mapping(&self) -> &str {
        &self.inner.mapping
    }

    /// The Okta user id.
    #[getter]
    fn okta_id(&self) -> &str {
        &self.inner.okta_id
    }

    /// The user's normalised unique identifier, when known.
    #[getter]
    fn identity(&self) -> Option<&str> {
        self.inner.identity.as_deref()
    }

    /// Why, in words an admin understands.
    #[getter]
    fn reason(&self) -> &str {
        &self.inner.reason
    }

    /// The kind's own fields (record id, field changes, role, cause...), as a dict.
    #[getter]
    fn details<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let details = to_py(py, &self.inner.kind)?;
        if let Ok(dict) = details.cast::<PyDict>() {
            dict.del_item("kind")?;
        }
        Ok(details)
    }

    /// True for actions that take access or standing away.
    #[getter]
    fn is_destructive(&self) -> bool {
        self.inner.is_destructive()
    }

    /// The action in the plan's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }

    fn __repr__(&self) -> String {
        format!(
            "<Action {} {} {}: {}>",
            self.inner.kind.name(),
            self.inner.mapping,
            self.inner.okta_id,
            self.inner.reason
        )
    }
}

/// A destructive action withheld because a listing was incomplete.
#[pyclass(module = "okta_sync", name = "HeldBack", frozen)]
#[derive(Debug)]
pub struct PyHeldBack {
    inner: HeldBack,
}

impl From<HeldBack> for PyHeldBack {
    fn from(inner: HeldBack) -> Self {
        Self { inner }
    }
}

#[pymethods]
impl PyHeldBack {
    /// The action that would have been taken.
    #[getter]
    fn action(&self) -> PyAction {
        PyAction::from(self.inner.action.clone())
    }

    /// Why it was withheld.
    #[getter]
    fn reason(&self) -> &str {
        &self.inner.reason
    }

    fn __repr__(&self) -> String {
        format!(
            "<HeldBack {}: {}>",
            self.inner.action.kind.name(),
            self.inner.reason
        )
    }
}

/// JSON text of a core value, compact or indented.
pub fn json_text<T: serde::Serialize>(value: &T, indent: Option<usize>) -> PyResult<String> {
    let text = match indent {
        None => serde_json::to_string(value),
        Some(width) => {
            let indent = vec![b' '; width];
            let mut out = Vec::new();
            let formatter = serde_json::ser::PrettyFormatter::with_indent(&indent);
            let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
            serde::Serialize::serialize(value, &mut ser)
                .map(|()| String::from_utf8_lossy(&out).into_owned())
        }
    };
    text.map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
}
