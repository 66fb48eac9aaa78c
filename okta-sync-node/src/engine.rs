//! `SyncEngine`: a handle on the core engine whose methods return Promises.

use std::collections::HashMap;
use std::sync::Arc;

use napi_derive::napi;
use okta_sync_core::config::SecretProvider;
use okta_sync_core::engine::{EngineOptions, RunOptions, SyncEngine as CoreEngine, SyncMode};
use okta_sync_core::plan::{Approval, Plan};
use okta_sync_core::target::AssetTarget;
use okta_sync_core::{Error, Result};

use crate::error::guard_async;
use crate::js_target::{JsTarget, JsTargetSpec};
use crate::progress::{JsProgress, JsProgressFn};
use crate::pure::{ConfigSource, decode, to_json};
use crate::secrets::MapSecrets;

/// Engine options after `lib.js` has adapted them.
#[napi(object, object_to_js = false)]
#[allow(missing_debug_implementations)] // holds JavaScript functions; nothing to show
pub struct NativeEngineOptions {
    /// A JavaScript asset target, replacing the configured one.
    pub target: Option<JsTargetSpec>,
    /// Receives each progress event as JSON text.
    #[napi(ts_type = "(json: string) => void")]
    pub progress: Option<JsProgressFn>,
    /// Values of `provider:` secret references, by name.
    pub secrets: Option<HashMap<String, String>>,
}

/// A plan and the report of applying it, each as JSON text.
#[napi(object)]
#[derive(Debug)]
pub struct NativeRunOutcome {
    /// The plan's JSON.
    pub plan: String,
    /// The report's JSON.
    pub report: String,
}

/// The core engine behind a JavaScript object. Cloning the `Arc` lets several operations
/// run at once, as the core allows.
#[napi]
#[derive(Debug)]
pub struct SyncEngine {
    inner: Arc<CoreEngine>,
    progress: Option<Arc<JsProgress>>,
}

#[napi]
impl SyncEngine {
    /// Opens an engine: loads and validates the configuration, resolves secrets, connects
    /// the directory, the target and the state store.
    #[napi]
    pub async fn create(
        config: ConfigSource,
        options: Option<NativeEngineOptions>,
    ) -> napi::Result<SyncEngine> {
        let NativeEngineOptions {
            target,
            progress,
            secrets,
        } = options.unwrap_or(NativeEngineOptions {
            target: None,
            progress: None,
            secrets: None,
        });
        let progress = progress.map(|p| Arc::new(JsProgress::new(p)));
        let sink = progress.clone();
        let inner = guard_async(async move {
            let config = config.load()?;
            let target: Option<Arc<dyn AssetTarget>> = match target {
                Some(spec) => Some(Arc::new(JsTarget::new(spec)?)),
                None => None,
            };
            let options = EngineOptions {
                secrets: secrets.map(|s| Arc::new(MapSecrets::new(s)) as Arc<dyn SecretProvider>),
                target,
                state: None,
                progress: sink.map(|p| p as _),
            };
            CoreEngine::from_config(config, options).await
        })
        .await?;
        Ok(SyncEngine {
            inner: Arc::new(inner),
            progress,
        })
    }

    /// Checks Okta and the target; resolves to the report as JSON text.
    #[napi]
    pub async fn check_connections(&self) -> napi::Result<String> {
        let engine = self.inner.clone();
        let report = self
            .settle(async move { engine.check_connections().await })
            .await?;
        to_json(&report)
    }

    /// Builds a plan (`mode`: `auto`, `full` or `delta`); resolves to its JSON text.
    #[napi]
    pub async fn plan(&self, mode: String) -> napi::Result<String> {
        let engine = self.inner.clone();
        let plan = self
            .settle(async move { engine.plan(parse_mode(&mode)?).await })
            .await?;
        to_json(&plan)
    }

    /// Applies a plan given as JSON text, with the approved plan hash if any.
    #[napi]
    pub async fn apply(&self, plan: String, approval: Option<String>) -> napi::Result<String> {
        let engine = self.inner.clone();
        let report = self
            .settle(async move {
                let plan: Plan = decode(&plan, "plan")?;
                engine.apply(&plan, approval.map(approval_of)).await
            })
            .await?;
        to_json(&report)
    }

    /// Plans and applies in one go.
    #[napi]
    pub async fn run(
        &self,
        mode: String,
        dry_run: bool,
        approval: Option<String>,
    ) -> napi::Result<NativeRunOutcome> {
        let engine = self.inner.clone();
        let outcome = self
            .settle(async move {
                let options = RunOptions {
                    mode: parse_mode(&mode)?,
                    dry_run,
                    approval: approval.map(approval_of),
                };
                engine.run(options).await
            })
            .await?;
        Ok(NativeRunOutcome {
            plan: to_json(&outcome.plan)?,
            report: to_json(&outcome.report)?,
        })
    }
}

impl SyncEngine {
    /// Runs a core operation, then lets every progress event reach JavaScript before the
    /// promise settles.
    async fn settle<T>(
        &self,
        fut: impl std::future::Future<Output = Result<T>>,
    ) -> napi::Result<T> {
        let result = guard_async(fut).await;
        if let Some(progress) = &self.progress {
            progress.flush().await;
        }
        result
    }
}

fn parse_mode(mode: &str) -> Result<SyncMode> {
    serde_json::from_value(serde_json::Value::String(mode.to_string())).map_err(|_| Error::Decode {
        what: "mode".to_string(),
        path: ".".to_string(),
        message: format!("unknown mode {mode:?}; expected \"auto\", \"full\" or \"delta\""),
    })
}

fn approval_of(plan_hash: String) -> Approval {
    Approval { plan_hash }
}
