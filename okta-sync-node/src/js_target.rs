//! An asset target written in JavaScript, seen by the core as any other [`AssetTarget`].

use async_trait::async_trait;
use napi_derive::napi;
use okta_sync_core::Result;
use okta_sync_core::config::{Mapping, SyncConfig};
use okta_sync_core::target::{
    AssetTarget, Capabilities, TargetCheck, TargetHoldings, TargetWrite, WriteOutcome,
};
use serde::Serialize;

use crate::callback::{JsAsyncFn, call_json, failed};

/// The target object after `lib.js` has adapted it: methods bound, taking and returning
/// JSON text, and `capabilities()` already awaited (the core asks for them synchronously).
#[napi(object, object_to_js = false)]
#[allow(missing_debug_implementations)] // holds JavaScript functions; see `JsTarget`'s Debug
pub struct JsTargetSpec {
    /// Name used in errors and reports.
    pub name: String,
    /// The awaited `capabilities()`, as JSON.
    pub capabilities: String,
    /// `(mapping) => holdings`.
    #[napi(ts_type = "(json: string) => Promise<string>")]
    pub holdings: JsAsyncFn,
    /// `({ mapping, field, values }) => holdings`.
    #[napi(ts_type = "(json: string) => Promise<string>")]
    pub lookup: JsAsyncFn,
    /// `(batch) => outcomes`.
    #[napi(ts_type = "(json: string) => Promise<string>")]
    pub write: JsAsyncFn,
    /// `(config) => { ok, messages }`.
    #[napi(ts_type = "(json: string) => Promise<string>")]
    pub check_connection: JsAsyncFn,
}

/// The core-facing side of a [`JsTargetSpec`].
pub struct JsTarget {
    name: String,
    capabilities: Capabilities,
    spec: JsTargetSpec,
}

impl std::fmt::Debug for JsTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsTarget")
            .field("name", &self.name)
            .finish()
    }
}

impl JsTarget {
    /// Decodes the capabilities once; a malformed answer fails engine creation.
    pub fn new(spec: JsTargetSpec) -> Result<Self> {
        let de = &mut serde_json::Deserializer::from_str(&spec.capabilities);
        let capabilities = serde_path_to_error::deserialize(de)
            .map_err(|e| okta_sync_core::Error::decode("target.capabilities()", e))?;
        Ok(JsTarget {
            name: spec.name.clone(),
            capabilities,
            spec,
        })
    }
}

#[derive(Serialize)]
struct LookupRequest<'a> {
    mapping: &'a Mapping,
    field: &'a str,
    values: &'a [String],
}

#[async_trait]
impl AssetTarget for JsTarget {
    fn name(&self) -> &str {
        &self.name
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities.clone()
    }

    async fn check_connection(&self, config: &SyncConfig) -> Result<TargetCheck> {
        call_json(
            "target.checkConnection",
            &self.spec.check_connection,
            config,
        )
        .await
    }

    async fn holdings(&self, mapping: &Mapping) -> Result<TargetHoldings> {
        call_json("target.holdings", &self.spec.holdings, mapping).await
    }

    async fn lookup(
        &self,
        mapping: &Mapping,
        field: &str,
        values: &[String],
    ) -> Result<TargetHoldings> {
        let request = LookupRequest {
            mapping,
            field,
            values,
        };
        call_json("target.lookup", &self.spec.lookup, &request).await
    }

    async fn write(&self, batch: &[TargetWrite]) -> Result<Vec<WriteOutcome>> {
        let outcomes: Vec<WriteOutcome> =
            call_json("target.write", &self.spec.write, batch).await?;
        // Outcomes are matched to writes by position, so a short or long answer would
        // attribute results to the wrong people.
        if outcomes.len() != batch.len() {
            return Err(failed(
                "target.write",
                format!(
                    "returned {} outcomes for a batch of {} writes (one per write, in order)",
                    outcomes.len(),
                    batch.len()
                ),
            ));
        }
        Ok(outcomes)
    }
}
