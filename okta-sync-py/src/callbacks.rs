//! Calling Python from the core: the Python target, progress callbacks and secret
//! providers all come through here.
//!
//! A Python method may be plain or `async def`. During an asyncio call the coroutine is
//! awaited on the caller's own event loop; during a blocking call (no loop of the caller's
//! is running) it runs to completion on a private loop. A Python exception becomes the core's
//! `Error::Callback`, and the original exception is kept so that the `CallbackError` finally
//! raised carries it as `__cause__`.

use std::sync::{Mutex, PoisonError};

use okta_sync_core::Error;
use okta_sync_core::config::SecretProvider;
use okta_sync_core::engine::{ProgressEvent, ProgressSink};
use pyo3::exceptions::{PyException, PyKeyboardInterrupt};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use secrecy::SecretString;

use crate::convert::to_py;
use crate::errors::to_py_err;
use crate::runtime::current_locals;

/// The last Python exception a callback raised during an engine call.
#[derive(Debug, Default)]
pub struct Raised(Mutex<Option<PyErr>>);

impl Raised {
    /// Keeps `err` and returns the core error that stands for it.
    pub fn record(&self, name: &str, err: PyErr) -> Error {
        let message = Python::attach(|py| describe(py, &err));
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(err);
        Error::Callback {
            name: name.to_string(),
            message,
        }
    }

    /// Forgets what an earlier call kept, at the start of a new engine call.
    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
    }

    /// Converts a core error for Python; a callback failure gets the kept exception as
    /// its `__cause__`. A `KeyboardInterrupt` or `SystemExit` raised in a callback is not
    /// wrapped: it propagates as itself.
    pub fn to_py_err(&self, err: Error) -> PyErr {
        let is_callback = matches!(err, Error::Callback { .. });
        let kept = self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
        let Some(cause) = kept.filter(|_| is_callback) else {
            return to_py_err(err);
        };
        Python::attach(|py| {
            if !cause.is_instance_of::<PyException>(py) {
                return cause;
            }
            let converted = to_py_err(err);
            converted.set_cause(py, Some(cause));
            converted
        })
    }
}

/// A Python callable receiving each progress event as a dict. It must not raise; if it
/// does, the exception is reported through `sys.unraisablehook` and the sync goes on.
#[derive(Debug)]
pub struct PyProgress(pub Py<PyAny>);

impl ProgressSink for PyProgress {
    fn event(&self, event: &ProgressEvent) {
        Python::attach(|py| {
            let callback = self.0.bind(py);
            let sent = to_py(py, event).and_then(|arg| call_soon(py, callback, arg));
            match sent {
                Ok(()) => {}
                // Ctrl-C landed while the callback ran: hand it back to the main thread,
                // whose blocking call checks for signals and raises it there.
                Err(err) if err.is_instance_of::<PyKeyboardInterrupt>(py) => {
                    if let Err(err) = py
                        .import("_thread")
                        .and_then(|t| t.call_method0("interrupt_main"))
                    {
                        err.write_unraisable(py, Some(callback));
                    }
                }
                Err(err) => err.write_unraisable(py, Some(callback)),
            }
        });
    }
}

/// Resolves `provider:` secret references with a mapping (`{"name": "value"}`) or a
/// callable (`name -> str | None`).
pub struct PySecrets(pub Py<PyAny>);

impl std::fmt::Debug for PySecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PySecrets(..)")
    }
}

impl SecretProvider for PySecrets {
    fn secret(&self, name: &str) -> Option<SecretString> {
        Python::attach(|py| {
            let source = self.0.bind(py);
            let found = if source.is_callable() {
                source.call1((name,))
            } else {
                source.call_method1("get", (name,))
            };
            match found.and_then(|v| v.extract::<Option<String>>()) {
                Ok(value) => value.map(SecretString::from),
                Err(err) => {
                    // The message never holds the value: it failed before one existed.
                    err.write_unraisable(py, Some(source));
                    None
                }
            }
        })
    }
}

/// `TypeName: message`, as a traceback's last line shows it.
fn describe(py: Python<'_>, err: &PyErr) -> String {
    let type_name = err
        .get_type(py)
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "Exception".to_string());
    format!("{type_name}: {}", err.value(py))
}

/// Calls `object.<method>(*args)` and, when the result is awaitable, awaits it.
pub async fn call_method<A>(object: &Py<PyAny>, method: &str, args: A) -> PyResult<Py<PyAny>>
where
    A: for<'py> FnOnce(Python<'py>) -> PyResult<Bound<'py, PyTuple>>,
{
    let pending = Python::attach(|py| -> PyResult<_> {
        let result = object.bind(py).call_method1(method, args(py)?)?;
        if !is_awaitable(&result) {
            return Ok(Err(result.unbind()));
        }
        match current_locals() {
            Some(locals) => Ok(Ok(pyo3_async_runtimes::into_future_with_locals(
                &locals, result,
            )?)),
            None => Ok(Err(bridge(py)?
                .call_method1("run_awaitable", (result,))?
                .unbind())),
        }
    })?;
    match pending {
        Ok(future) => future.await,
        Err(ready) => Ok(ready),
    }
}

/// Calls a progress-style callback without waiting for it: an awaitable result is
/// scheduled on the caller's loop (or run on a private one during blocking calls).
pub fn call_soon(
    py: Python<'_>,
    callback: &Bound<'_, PyAny>,
    arg: Bound<'_, PyAny>,
) -> PyResult<()> {
    let result = callback.call1((arg,))?;
    if is_awaitable(&result) {
        match current_locals() {
            Some(locals) => {
                bridge(py)?.call_method1("schedule", (result, locals.event_loop(py)))?;
            }
            None => {
                bridge(py)?.call_method1("run_awaitable", (result,))?;
            }
        }
    }
    Ok(())
}

fn is_awaitable(value: &Bound<'_, PyAny>) -> bool {
    value.hasattr("__await__").unwrap_or(false)
}

fn bridge(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    py.import("okta_sync._bridge")
}
