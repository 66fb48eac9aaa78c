//! `planOffline`: the planner fed with plain data, no network.

use napi_derive::napi;
use okta_sync_core::engine::{OfflineInput, plan_offline as core_plan_offline};

use crate::error::guard_async;
use crate::pure::to_json;

/// Builds a plan from the JSON text of an offline input; resolves to the plan's JSON text.
/// Decoding and planning run on a worker thread, never on the event loop.
#[napi]
pub async fn plan_offline(input: String) -> napi::Result<String> {
    let plan = guard_async(async move { core_plan_offline(OfflineInput::from_json(&input)?) }).await?;
    to_json(&plan)
}
