//! Building an engine from a configuration: the Okta source, the configured target and the
//! configured state store, each replaceable by the embedding application.

use std::sync::Arc;

use super::{ProgressSink, SyncEngine};
use crate::Result;
use crate::config::{SecretProvider, SyncConfig, TargetConfig};
use crate::okta::OktaSource;
use crate::state::{MemoryStateStore, SqliteStateStore, StateStore};
use crate::target::AssetTarget;
use crate::target::assetpanda::AssetPandaTarget;
use crate::target::local::LocalTarget;

/// Parts an embedding application may supply instead of the configured ones.
#[derive(Default, Clone)]
pub struct EngineOptions {
    /// Resolves `provider:` secret references.
    pub secrets: Option<Arc<dyn SecretProvider>>,
    /// A target to use instead of the configured one (a Python or Node target).
    pub target: Option<Arc<dyn AssetTarget>>,
    /// A state store to use instead of the configured one.
    pub state: Option<Arc<dyn StateStore>>,
    /// Progress callback.
    pub progress: Option<Arc<dyn ProgressSink>>,
}

impl std::fmt::Debug for EngineOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineOptions")
            .field("secrets", &self.secrets.is_some())
            .field(
                "target",
                &self.target.as_ref().map(|t| t.name().to_string()),
            )
            .field("state", &self.state.is_some())
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl SyncEngine {
    /// Builds the engine the configuration describes: `OktaSource` over HTTP, the
    /// configured target (local SQLite or Asset Panda Pro) and state store.
    pub async fn from_config(config: SyncConfig, options: EngineOptions) -> Result<Self> {
        config.validate()?;
        let secrets = options.secrets.as_deref();
        let source = Arc::new(OktaSource::new(&config.okta, secrets)?);
        let target: Arc<dyn AssetTarget> = match options.target {
            Some(target) => target,
            None => match &config.target {
                TargetConfig::Local { path } => Arc::new(LocalTarget::open(path)?),
                TargetConfig::Assetpanda(ap) => Arc::new(AssetPandaTarget::connect(ap, secrets)?),
            },
        };
        let state: Arc<dyn StateStore> = match options.state {
            Some(state) => state,
            None => match &config.state.path {
                Some(path) => Arc::new(SqliteStateStore::open(path)?),
                None => Arc::new(MemoryStateStore::default()),
            },
        };
        SyncEngine::new(config, source, target, state, options.progress)
    }
}
