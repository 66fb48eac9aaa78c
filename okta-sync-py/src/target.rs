//! A target written in Python: any object with the documented methods becomes a core
//! `AssetTarget`, so a service can apply plans to its own store.
//!
//! Values cross as plain dicts in the core's JSON shapes (the same shapes as plan JSON):
//!
//! | method (sync or `async def`) | receives | returns |
//! |---|---|---|
//! | `capabilities()` | — | `{"list_records": bool, ..., "batch_limit": int}` |
//! | `holdings(mapping)` | the mapping's configuration | `{"records": [...], "logins": [...], "listed": bool}` |
//! | `lookup(mapping, field, values)` | mapping, field name, list of str | same as `holdings` |
//! | `write(batch)` | list of writes tagged by `"op"` | one outcome per write, `{"result": "done", "id": ...}` or `{"result": "failed", "reason": ..., "retryable": bool}` |
//! | `check_connection(config)` (optional) | the whole configuration | `{"ok": bool, "messages": [str]}` |
//!
//! `capabilities()` is read once, when the engine is built.

use std::sync::Arc;

use async_trait::async_trait;
use okta_sync_core::config::{Mapping, SyncConfig};
use okta_sync_core::target::{
    AssetTarget, Capabilities, TargetCheck, TargetHoldings, TargetWrite, WriteOutcome,
};
use okta_sync_core::{Error, Result};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use serde::de::DeserializeOwned;

use crate::callbacks::{Raised, call_method};
use crate::convert::{from_json, to_json, to_py};
use crate::runtime::block_on;

/// The Python object and what was learnt about it when the engine was built.
#[derive(Debug)]
pub struct PyTarget {
    object: Py<PyAny>,
    name: String,
    capabilities: Capabilities,
    has_check: bool,
    raised: Arc<Raised>,
}

impl PyTarget {
    /// Reads the target's name and capabilities (awaiting them if need be).
    pub fn new(py: Python<'_>, object: Bound<'_, PyAny>, raised: Arc<Raised>) -> PyResult<Self> {
        for method in ["capabilities", "holdings", "lookup", "write"] {
            if !object.hasattr(method)? {
                return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                    "the target object has no `{method}` method; a Python target needs \
                     capabilities(), holdings(mapping), lookup(mapping, field, values) and write(batch)"
                )));
            }
        }
        let name = match object.getattr("name").and_then(|n| n.extract::<String>()) {
            Ok(name) => name,
            Err(_) => object.get_type().name()?.to_string(),
        };
        let has_check = object.hasattr("check_connection")?;
        let object = object.unbind();
        let (probe, on_error) = (object.clone_ref(py), raised.clone());
        let capabilities = block_on(py, async move {
            let read = call(&probe, &on_error, "capabilities", |py| {
                Ok(PyTuple::empty(py))
            })
            .await;
            read.map_err(|e| on_error.to_py_err(e))
        })?;
        Ok(Self {
            object,
            name,
            capabilities,
            has_check,
            raised,
        })
    }

    async fn call<T, A>(&self, method: &str, args: A) -> Result<T>
    where
        T: DeserializeOwned,
        A: for<'py> FnOnce(Python<'py>) -> PyResult<Bound<'py, PyTuple>>,
    {
        call(&self.object, &self.raised, method, args).await
    }
}

/// Calls a method of the target object and decodes its result, naming the method in any
/// error.
async fn call<T, A>(object: &Py<PyAny>, raised: &Raised, method: &str, args: A) -> Result<T>
where
    T: DeserializeOwned,
    A: for<'py> FnOnce(Python<'py>) -> PyResult<Bound<'py, PyTuple>>,
{
    let name = format!("target.{method}");
    let returned = match call_method(object, method, args).await {
        Ok(value) => value,
        Err(err) => return Err(raised.record(&name, err)),
    };
    let what = format!("value returned by {name}");
    let json = Python::attach(|py| to_json(returned.bind(py), &what))?;
    from_json(json, &what)
}

/// Builds an argument tuple from serializable values.
fn args1<'py, T: serde::Serialize + ?Sized>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyTuple>> {
    PyTuple::new(py, [to_py(py, value)?])
}

#[async_trait]
impl AssetTarget for PyTarget {
    fn name(&self) -> &str {
        &self.name
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities.clone()
    }

    async fn check_connection(&self, config: &SyncConfig) -> Result<TargetCheck> {
        if !self.has_check {
            return Ok(TargetCheck {
                ok: true,
                messages: vec![format!(
                    "the Python target {} has no check_connection method; nothing was checked",
                    self.name
                )],
            });
        }
        self.call("check_connection", |py| args1(py, config)).await
    }

    async fn holdings(&self, mapping: &Mapping) -> Result<TargetHoldings> {
        self.call("holdings", |py| args1(py, mapping)).await
    }

    async fn lookup(
        &self,
        mapping: &Mapping,
        field: &str,
        values: &[String],
    ) -> Result<TargetHoldings> {
        self.call("lookup", |py| {
            PyTuple::new(
                py,
                [to_py(py, mapping)?, to_py(py, field)?, to_py(py, values)?],
            )
        })
        .await
    }

    async fn write(&self, batch: &[TargetWrite]) -> Result<Vec<WriteOutcome>> {
        let outcomes: Vec<WriteOutcome> = self.call("write", |py| args1(py, batch)).await?;
        if outcomes.len() != batch.len() {
            return Err(Error::Callback {
                name: "target.write".to_string(),
                message: format!(
                    "returned {} outcomes for a batch of {} writes; return exactly one per write, in order",
                    outcomes.len(),
                    batch.len()
                ),
            });
        }
        Ok(outcomes)
    }
}
