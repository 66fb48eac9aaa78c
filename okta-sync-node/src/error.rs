//! Core errors → JavaScript errors.
//!
//! A napi error carries only a status and a message, so the structured context of a core
//! error (status, `errorCode`, request id, brake counts, config problems...) travels as JSON
//! in the message, behind [`MARKER`]. The hand-written `errors.js` parses it and throws the
//! matching `Error` subclass with those fields as properties. This file is the one place
//! that knows the core's variants.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};

use futures::FutureExt;
use napi::Status;
use okta_sync_core::Error;
use okta_sync_core::error::OktaApiError;
use serde_json::{Map, Value, json};

/// Prefix of a message that holds a structured okta-sync error (kept in step with `errors.js`).
pub const MARKER: &str = "okta-sync-error:";

/// An error of the binding itself (a value that would not serialize): a bug, like a panic.
pub fn internal(message: impl std::fmt::Display) -> napi::Error {
    napi_error(internal_message(message))
}

/// Runs `f`, turning a core error or a panic into a structured JavaScript error.
pub fn guard<T>(f: impl FnOnce() -> okta_sync_core::Result<T>) -> napi::Result<T> {
    catch(f).map_err(napi_error)
}

/// [`guard`] for futures: a panic while polling rejects the promise instead of aborting.
pub async fn guard_async<T>(
    fut: impl Future<Output = okta_sync_core::Result<T>>,
) -> napi::Result<T> {
    catch_async(fut).await.map_err(napi_error)
}

fn napi_error(message: String) -> napi::Error {
    napi::Error::new(Status::GenericFailure, message)
}

// The functions below build the messages without touching napi, so that they can be unit
// tested (a test binary cannot link Node-API symbols).

/// Runs `f`; an error or a panic becomes the message of the JavaScript error to throw.
fn catch<T>(f: impl FnOnce() -> okta_sync_core::Result<T>) -> Result<T, String> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result.map_err(|e| message_of(&e)),
        Err(payload) => Err(panic_message(payload)),
    }
}

async fn catch_async<T>(fut: impl Future<Output = okta_sync_core::Result<T>>) -> Result<T, String> {
    match AssertUnwindSafe(fut).catch_unwind().await {
        Ok(result) => result.map_err(|e| message_of(&e)),
        Err(payload) => Err(panic_message(payload)),
    }
}

/// The message for a Rust panic: the process lives on and the caller gets an `InternalError`.
fn panic_message(payload: Box<dyn Any + Send>) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    internal_message(format!("panic: {text}"))
}

fn internal_message(message: impl std::fmt::Display) -> String {
    encode(
        "INTERNAL",
        &format!("internal error in okta-sync (a bug; please report it): {message}"),
        Map::new(),
    )
}

fn message_of(err: &Error) -> String {
    encode(err.code(), &err.to_string(), details(err))
}

fn encode(code: &str, message: &str, details: Map<String, Value>) -> String {
    let payload = json!({ "code": code, "message": message, "details": details });
    format!("{MARKER}{payload}")
}

/// The variant's fields, camelCased, for the JavaScript error's properties.
fn details(err: &Error) -> Map<String, Value> {
    let value = match err {
        Error::Config { problems } => json!({ "problems": problems }),
        Error::ConfigSyntax {
            source_name,
            message,
        } => json!({ "sourceName": source_name, "detail": message }),
        Error::Decode {
            what,
            path,
            message,
        } => json!({ "what": what, "path": path, "detail": message }),
        Error::Okta(api) => okta_api(api),
        Error::Credential { api, hint } => with(okta_api(api), "hint", json!(hint)),
        Error::RateLimited { api, attempts } => with(okta_api(api), "attempts", json!(attempts)),
        Error::Transport {
            endpoint,
            attempts,
            message,
        } => json!({ "endpoint": endpoint, "attempts": attempts, "detail": message }),
        Error::IncompleteListing { listing, reason } => {
            json!({ "listing": listing, "reason": reason })
        }
        Error::LogCursorExpired { reason } => json!({ "reason": reason }),
        Error::Target {
            target,
            operation,
            status,
            message,
        } => {
            json!({ "target": target, "operation": operation, "status": status, "detail": message })
        }
        Error::BrakeTripped {
            plan_hash,
            reason,
            counts,
        } => json!({
            "planHash": plan_hash,
            "reason": reason,
            "counts": {
                "destructive": counts.destructive,
                "managed": counts.managed,
                "inScope": counts.in_scope,
                "baseline": counts.baseline,
            },
        }),
        Error::ApprovalMismatch { approved, actual } => {
            json!({ "approved": approved, "actual": actual })
        }
        Error::State { operation, message } => json!({ "operation": operation, "detail": message }),
        Error::Secret { name, reason } => json!({ "secret": name, "reason": reason }),
        Error::Callback { name, message } => json!({ "callback": name, "detail": message }),
        // A variant added to the core later still gets its code and message.
        _ => json!({}),
    };
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn okta_api(api: &OktaApiError) -> Value {
    json!({
        "status": api.status,
        "errorCode": api.error_code,
        "errorSummary": api.error_summary,
        "errorId": api.error_id,
        "errorCauses": api.error_causes,
        "requestId": api.request_id,
        "endpoint": api.endpoint,
    })
}

fn with(mut value: Value, key: &str, extra: Value) -> Value {
    if let Value::Object(map) = &mut value {
        map.insert(key.to_string(), extra);
    }
    value
}

#[cfg(test)]
mod tests {
    use okta_sync_core::error::{BrakeCounts, ConfigProblem};

    use super::*;

    fn payload(message: String) -> Value {
        let json = message.strip_prefix(MARKER).expect("marker");
        serde_json::from_str(json).expect("json")
    }

    #[test]
    fn okta_errors_keep_their_context() {
        let api = OktaApiError {
            status: 429,
            error_code: Some("E0000047".into()),
            error_summary: Some("API call exceeded rate limit due to too many requests.".into()),
            error_id: Some("oaeXYZ".into()),
            error_causes: vec![],
            request_id: Some("req-1".into()),
            endpoint: "GET /api/v1/users".into(),
        };
        let p = payload(message_of(&Error::RateLimited { api, attempts: 5 }));
        assert_eq!(p["code"], "RATE_LIMITED");
        assert_eq!(p["details"]["status"], 429);
        assert_eq!(p["details"]["errorCode"], "E0000047");
        assert_eq!(p["details"]["requestId"], "req-1");
        assert_eq!(p["details"]["attempts"], 5);
        assert!(p["message"].as_str().unwrap().contains("after 5 attempts"));
    }

    #[test]
    fn brake_and_config_errors_carry_counts_and_problems() {
        let brake = Error::BrakeTripped {
            plan_hash: "abc".into(),
            reason: "too many".into(),
            counts: BrakeCounts {
                destructive: 30,
                managed: 100,
                in_scope: 70,
                baseline: 100,
            },
        };
        let p = payload(message_of(&brake));
        assert_eq!(p["code"], "SAFETY_BRAKE_TRIPPED");
        assert_eq!(p["details"]["planHash"], "abc");
        assert_eq!(p["details"]["counts"]["inScope"], 70);

        let config = Error::Config {
            problems: vec![ConfigProblem {
                path: "mappings[1].filters.department".into(),
                message: "not allowed on a login mapping".into(),
            }],
        };
        let p = payload(message_of(&config));
        assert_eq!(p["code"], "CONFIG_INVALID");
        assert_eq!(
            p["details"]["problems"][0]["path"],
            "mappings[1].filters.department"
        );
    }

    #[test]
    fn panics_become_internal_errors() {
        let p = payload(catch::<()>(|| panic!("boom")).unwrap_err());
        assert_eq!(p["code"], "INTERNAL");
        assert!(p["message"].as_str().unwrap().contains("boom"));
    }

    #[test]
    fn panics_in_futures_become_internal_errors() {
        let fut = catch_async::<()>(async { panic!("async boom") });
        let p = payload(futures::executor::block_on(fut).unwrap_err());
        assert_eq!(p["code"], "INTERNAL");
        assert!(p["message"].as_str().unwrap().contains("async boom"));
    }

    #[test]
    fn core_errors_keep_their_code_and_message() {
        let err = Error::Secret {
            name: "env:OKTA_API_TOKEN".into(),
            reason: "the environment variable is not set".into(),
        };
        let p = payload(catch::<()>(|| Err(err)).unwrap_err());
        assert_eq!(p["code"], "SECRET");
        assert_eq!(p["details"]["secret"], "env:OKTA_API_TOKEN");
        assert!(p["message"].as_str().unwrap().contains("not set"));
    }
}
