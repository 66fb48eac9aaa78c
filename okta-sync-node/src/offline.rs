//! `planOffline`, the planner fed with plain data, and the summaries of plans and reports:
//! no network, no state.

use napi_derive::napi;
use okta_sync_core::engine::{OfflineInput, plan_offline as core_plan_offline};
use okta_sync_core::plan::{Plan, Report};

use crate::error::{guard, guard_async};
use crate::pure::{decode, to_json};

/// Builds a plan from the JSON text of an offline input; resolves to the plan's JSON text.
/// Decoding and planning run on a worker thread, never on the event loop.
#[napi]
pub async fn plan_offline(input: String) -> napi::Result<String> {
    let plan =
        guard_async(async move { core_plan_offline(OfflineInput::from_json(&input)?) }).await?;
    to_json(&plan)
}

/// The core's human-readable summary of a plan given as JSON text.
#[napi]
pub fn plan_summary(plan: String) -> napi::Result<String> {
    guard(|| Ok(decode::<Plan>(&plan, "plan")?.summary()))
}

/// The core's human-readable summary of a report given as JSON text.
#[napi]
pub fn report_summary(report: String) -> napi::Result<String> {
    guard(|| Ok(decode::<Report>(&report, "report")?.summary()))
}
