//! `SyncEngine`: the core engine behind a handle, each operation as a blocking call (GIL
//! released) and as an `*_async` awaitable twin.

use std::sync::Arc;

use okta_sync_core::engine::{EngineOptions, RunOptions, RunOutcome, SyncEngine, SyncMode};
use okta_sync_core::plan::{Approval, Plan, Report};
use pyo3::prelude::*;

use crate::callbacks::{PyProgress, PySecrets, Raised};
use crate::convert::{config_from_py, from_json, from_py, to_py};
use crate::errors::{guard, plain_error};
use crate::plan::PyPlan;
use crate::report::PyReport;
use crate::runtime::{awaitable, block_on};
use crate::target::PyTarget;

/// Runs syncs for one configuration: Okta on one side, the configured target (or yours) on
/// the other, and the sync state in between.
///
/// Args:
///     config: a dict, or a path (str or os.PathLike) to a YAML, TOML or JSON file.
///     secrets: resolves `{provider: name}` secret references: a mapping of name to value,
///         or a callable taking a name and returning the value or None.
///     target: an object to use as the asset target instead of the configured one (see
///         the `okta_sync` package docs for the methods it needs).
///     progress: a callable (or `async def`) receiving each progress event as a dict with
///         an `event` key (`phase_started`, `page_fetched`, `actions_applied`, ...).
///
/// Every operation has a blocking form (`plan()`, which releases the GIL and honours
/// Ctrl-C) and an asyncio form (`await plan_async()`); one engine serves both. Building an
/// engine may contact the target (Asset Panda resolves account and module names).
#[pyclass(module = "okta_sync", name = "SyncEngine", frozen)]
#[derive(Debug)]
pub struct PySyncEngine {
    inner: Arc<SyncEngine>,
    raised: Arc<Raised>,
    /// The process that built the engine: its HTTP connections belong to that process.
    pid: u32,
}

#[pymethods]
impl PySyncEngine {
    #[new]
    #[pyo3(signature = (config, *, secrets = None, target = None, progress = None))]
    fn new(
        py: Python<'_>,
        config: &Bound<'_, PyAny>,
        secrets: Option<Bound<'_, PyAny>>,
        target: Option<Bound<'_, PyAny>>,
        progress: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let config = guard(|| config_from_py(config))?;
        let raised = Arc::new(Raised::default());
        let mut options = EngineOptions {
            secrets: secrets.map(|s| Arc::new(PySecrets(s.unbind())) as _),
            progress: progress.map(|p| Arc::new(PyProgress(p.unbind())) as _),
            ..EngineOptions::default()
        };
        if let Some(target) = target {
            options.target = Some(Arc::new(PyTarget::new(py, target, raised.clone())?));
        }
        crate::logging::refresh();
        let on_error = raised.clone();
        let built = block_on(py, async move {
            SyncEngine::from_config(config, options)
                .await
                .map_err(|e| on_error.to_py_err(e))
        })?;
        Ok(Self {
            inner: Arc::new(built),
            raised,
            pid: std::process::id(),
        })
    }

    /// The configuration, with defaults filled in, as a dict.
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, self.inner.config())
    }

    /// Checks both connections, as Asset Panda's "Test and save connection" does.
    fn check_connections<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let (engine, raised) = self.handle()?;
        let report = block_on(py, async move {
            engine
                .check_connections()
                .await
                .map_err(|e| raised.to_py_err(e))
        })?;
        to_py(py, &report)
    }

    /// Awaitable twin of `check_connections()`.
    fn check_connections_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let (engine, raised) = self.handle()?;
        awaitable(py, async move {
            let report = engine
                .check_connections()
                .await
                .map_err(|e| raised.to_py_err(e))?;
            Python::attach(|py| to_py(py, &report).map(Bound::unbind))
        })
    }

    /// Reads Okta and the target and builds a plan; writes nothing.
    #[pyo3(signature = (mode = "auto"))]
    fn plan(&self, py: Python<'_>, mode: &str) -> PyResult<PyPlan> {
        let (engine, raised) = self.handle()?;
        let mode = parse_mode(mode)?;
        let plan = block_on(py, async move {
            engine.plan(mode).await.map_err(|e| raised.to_py_err(e))
        })?;
        Ok(PyPlan {
            inner: Arc::new(plan),
        })
    }

    /// Awaitable twin of `plan()`.
    #[pyo3(signature = (mode = "auto"))]
    fn plan_async<'py>(&self, py: Python<'py>, mode: &str) -> PyResult<Bound<'py, PyAny>> {
        let (engine, raised) = self.handle()?;
        let mode = parse_mode(mode)?;
        awaitable(py, async move {
            let plan = engine.plan(mode).await.map_err(|e| raised.to_py_err(e))?;
            Ok(PyPlan {
                inner: Arc::new(plan),
            })
        })
    }

    /// Applies a plan; refused with `SafetyBrakeTripped` when its brake tripped and
    /// `approval` does not name its hash. The sync state moves only after the writes.
    #[pyo3(signature = (plan, approval = None))]
    fn apply(
        &self,
        py: Python<'_>,
        plan: &PyPlan,
        approval: Option<Bound<'_, PyAny>>,
    ) -> PyResult<PyReport> {
        let (engine, raised) = self.handle()?;
        let approval = parse_approval(approval.as_ref())?;
        let plan = plan.inner.clone();
        let report = block_on(py, async move {
            engine
                .apply(&plan, approval)
                .await
                .map_err(|e| raised.to_py_err(e))
        })?;
        Ok(PyReport::from(report))
    }

    /// Awaitable twin of `apply()`.
    #[pyo3(signature = (plan, approval = None))]
    fn apply_async<'py>(
        &self,
        py: Python<'py>,
        plan: &PyPlan,
        approval: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (engine, raised) = self.handle()?;
        let approval = parse_approval(approval.as_ref())?;
        let plan = plan.inner.clone();
        awaitable(py, async move {
            let report = engine
                .apply(&plan, approval)
                .await
                .map_err(|e| raised.to_py_err(e))?;
            Ok(PyReport::from(report))
        })
    }

    /// Plans and applies in one call. With `dry_run=True` nothing is written and the
    /// state does not move, but plan and report are what a real run would produce.
    #[pyo3(signature = (*, dry_run = false, mode = "auto", approval = None))]
    fn run(
        &self,
        py: Python<'_>,
        dry_run: bool,
        mode: &str,
        approval: Option<Bound<'_, PyAny>>,
    ) -> PyResult<PyRunOutcome> {
        let (engine, raised) = self.handle()?;
        let options = run_options(dry_run, mode, approval.as_ref())?;
        let outcome = block_on(py, async move {
            engine.run(options).await.map_err(|e| raised.to_py_err(e))
        })?;
        Ok(PyRunOutcome::from(outcome))
    }

    /// Awaitable twin of `run()`.
    #[pyo3(signature = (*, dry_run = false, mode = "auto", approval = None))]
    fn run_async<'py>(
        &self,
        py: Python<'py>,
        dry_run: bool,
        mode: &str,
        approval: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (engine, raised) = self.handle()?;
        let options = run_options(dry_run, mode, approval.as_ref())?;
        awaitable(py, async move {
            let outcome = engine.run(options).await.map_err(|e| raised.to_py_err(e))?;
            Ok(PyRunOutcome::from(outcome))
        })
    }

    fn __repr__(&self) -> String {
        format!("<SyncEngine {:?}>", self.inner)
    }
}

impl PySyncEngine {
    /// The engine and its callback record, after checking this is the process that built
    /// it (a forked child shares the parent's sockets and must build its own engine).
    fn handle(&self) -> PyResult<(Arc<SyncEngine>, Arc<Raised>)> {
        if std::process::id() != self.pid {
            return Err(plain_error(
                "FORKED",
                "this SyncEngine was built in the parent process before fork(); build a new \
                 SyncEngine in the child process (or use the 'spawn' multiprocessing start method)"
                    .to_string(),
            ));
        }
        crate::logging::refresh();
        self.raised.clear();
        Ok((self.inner.clone(), self.raised.clone()))
    }
}

fn parse_mode(mode: &str) -> PyResult<SyncMode> {
    guard(|| from_json(serde_json::Value::String(mode.to_string()), "mode"))
}

/// An approval as a plan hash string, or as a dict in the core's approval shape.
fn parse_approval(approval: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Approval>> {
    let Some(approval) = approval else {
        return Ok(None);
    };
    guard(|| match approval.extract::<String>() {
        Ok(plan_hash) => Ok(Some(Approval { plan_hash })),
        Err(_) => from_py(approval, "approval").map(Some),
    })
}

fn run_options(
    dry_run: bool,
    mode: &str,
    approval: Option<&Bound<'_, PyAny>>,
) -> PyResult<RunOptions> {
    Ok(RunOptions {
        mode: parse_mode(mode)?,
        dry_run,
        approval: parse_approval(approval)?,
    })
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
        Self {
            plan: Arc::new(outcome.plan),
            report: Arc::new(outcome.report),
        }
    }
}

#[pymethods]
impl PyRunOutcome {
    /// The plan that was applied (or would have been, in a dry run).
    #[getter]
    fn plan(&self) -> PyPlan {
        PyPlan {
            inner: self.plan.clone(),
        }
    }

    /// What happened.
    #[getter]
    fn report(&self) -> PyReport {
        PyReport {
            inner: self.report.clone(),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "<RunOutcome plan={} actions={}>",
            self.plan.hash,
            self.plan.actions.len()
        )
    }
}
