//! The package's one Tokio runtime, and the two ways Python waits on it.
//!
//! * [`block_on`] serves the blocking API: the core works on the runtime's threads while
//!   the caller waits with the GIL released, waking every few hundred milliseconds to let
//!   Python deliver Ctrl-C.
//! * [`awaitable`] serves the asyncio API: it hands the future to
//!   `pyo3_async_runtimes` over a runtime we own, instead of that crate's global one.
//!
//! Why own it: a child created by `fork()` (multiprocessing's default start method on
//! Linux) inherits the runtime *object* but none of its worker threads, so anything spawned
//! on it would wait forever. Every access compares the process id with the one that built
//! the runtime and builds a new one in a child. The parent's copy is leaked on purpose:
//! dropping it would wait for threads that do not exist in the child.
//!
//! Both paths catch panics, so a bug in okta-sync raises `OktaSyncError` (code `INTERNAL`)
//! instead of killing the interpreter.

use std::cell::OnceCell;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use futures::FutureExt;
use pyo3::prelude::*;
use pyo3_async_runtimes::TaskLocals;
use pyo3_async_runtimes::generic::{ContextExt, Runtime as GenericRuntime};
use tokio::runtime::Runtime;

use crate::errors::{INTERNAL_CODE, panic_to_py_err, plain_error};

/// How often a blocking call wakes up to check for Ctrl-C.
const SIGNAL_POLL: Duration = Duration::from_millis(200);

/// The runtime and the process that built it.
struct Owned {
    pid: u32,
    runtime: &'static Runtime,
}

static RUNTIME: Mutex<Option<Owned>> = Mutex::new(None);

/// The runtime of this process, built on first use and rebuilt after a fork.
pub fn runtime() -> PyResult<&'static Runtime> {
    let pid = std::process::id();
    let mut slot = RUNTIME.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(owned) = slot.as_ref().filter(|o| o.pid == pid) {
        return Ok(owned.runtime);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("okta-sync")
        .build()
        .map_err(|e| {
            plain_error(
                "RUNTIME",
                format!("cannot start okta-sync's async runtime: {e}"),
            )
        })?;
    let runtime: &'static Runtime = Box::leak(Box::new(runtime));
    *slot = Some(Owned { pid, runtime });
    Ok(runtime)
}

/// Runs `fut` to completion with the GIL released, for the blocking API.
///
/// The work runs on the runtime's worker threads while the calling thread only waits and
/// checks for signals. Python runs signal handlers on the main thread alone, so callbacks
/// and log records (which run on the workers) can never swallow a Ctrl-C meant for the
/// call; on Ctrl-C the work is cancelled and `KeyboardInterrupt` raised.
///
/// Fails with an actionable message when called from one of the runtime's own threads (a
/// blocking call made from inside a Python target or progress callback), which would
/// otherwise deadlock.
pub fn block_on<F, T>(py: Python<'_>, fut: F) -> PyResult<T>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: Send + 'static,
{
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(plain_error(
            "REENTRANT_CALL",
            "a blocking okta-sync call was made from inside okta-sync (a target or progress \
             callback); use the async API (`await engine.plan_async()`) there instead"
                .to_string(),
        ));
    }
    let runtime = runtime()?;
    let mut task = AbortOnDrop(runtime.spawn(fut));
    py.detach(|| {
        loop {
            let waited =
                runtime.block_on(async { tokio::time::timeout(SIGNAL_POLL, &mut task.0).await });
            match waited {
                Ok(Ok(result)) => return result,
                Ok(Err(join)) if join.is_panic() => return Err(panic_to_py_err(join.into_panic())),
                Ok(Err(join)) => {
                    return Err(plain_error(
                        INTERNAL_CODE,
                        format!("okta-sync task ended early: {join}"),
                    ));
                }
                Err(_elapsed) => Python::attach(|py| py.check_signals())?,
            }
        }
    })
}

/// Cancels a spawned task when the caller stops waiting for it (Ctrl-C, an error).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Wraps `fut` as an asyncio awaitable, for the async API. Must be called with a running
/// event loop (from a coroutine), as asyncio itself requires.
pub fn awaitable<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    runtime()?;
    pyo3_async_runtimes::generic::future_into_py::<OwnedRuntime, _, T>(py, async move {
        match AssertUnwindSafe(fut).catch_unwind().await {
            Ok(result) => result,
            Err(payload) => Err(panic_to_py_err(payload)),
        }
    })
}

/// The event loop of the asyncio call currently being served, if any. A Python target uses
/// it to await coroutines on the caller's loop.
pub fn current_locals() -> Option<TaskLocals> {
    OwnedRuntime::get_task_locals()
}

tokio::task_local! {
    static TASK_LOCALS: OnceCell<TaskLocals>;
}

/// `pyo3_async_runtimes`' view of [`runtime`].
struct OwnedRuntime;

impl GenericRuntime for OwnedRuntime {
    type JoinError = tokio::task::JoinError;
    type JoinHandle = tokio::task::JoinHandle<()>;

    fn spawn<F>(fut: F) -> Self::JoinHandle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        spawn_runtime().spawn(fut)
    }

    fn spawn_blocking<F>(f: F) -> Self::JoinHandle
    where
        F: FnOnce() + Send + 'static,
    {
        spawn_runtime().spawn_blocking(f)
    }
}

impl ContextExt for OwnedRuntime {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        let cell = OnceCell::from(locals);
        Box::pin(TASK_LOCALS.scope(cell, fut))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        TASK_LOCALS
            .try_with(|cell| cell.get().cloned())
            .unwrap_or_default()
    }
}

/// The runtime for `pyo3_async_runtimes`' spawn hooks, which cannot return an error.
/// [`awaitable`] builds the runtime first, so this only fails if the OS refuses threads.
fn spawn_runtime() -> &'static Runtime {
    match runtime() {
        Ok(runtime) => runtime,
        Err(err) => panic!("okta-sync runtime unavailable: {err}"),
    }
}
