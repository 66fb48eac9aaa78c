//! Calling JavaScript from the core's worker threads.
//!
//! Every JavaScript callback is wrapped by `lib.js` so that it takes and returns JSON text
//! and returns a Promise that always *resolves*: to the JSON of the result, or to
//! [`FAILED`] followed by the error's text. Large payloads (holdings, write batches) then
//! cross the boundary as one string instead of thousands of property reads, a throwing
//! callback becomes a failed call instead of an uncaught exception, and no JavaScript error
//! object is ever held (and released) on a worker thread, which Node-API does not allow.
//! The functions are *weak*: an idle engine does not keep Node's event loop alive.

use napi::Status;
use napi::bindgen_prelude::Promise;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use okta_sync_core::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// First character of a callback answer that reports a failure; JSON text never starts with it.
pub const FAILED: char = '!';

/// A JavaScript `(json: string) => Promise<string>`, callable from any thread.
pub type JsAsyncFn = ThreadsafeFunction<String, Promise<String>, String, Status, false, true>;

/// Calls `f` with `arg` as JSON and decodes what its promise resolves to.
pub async fn call_json<A: Serialize + ?Sized, R: DeserializeOwned>(
    name: &str,
    f: &JsAsyncFn,
    arg: &A,
) -> Result<R> {
    let arg = serde_json::to_string(arg).map_err(|e| failed(name, e))?;
    let text = call(name, f, arg).await?;
    let de = &mut serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(de)
        .map_err(|e| Error::decode(format!("the value returned by {name}"), e))
}

/// Calls `f` and awaits its promise, mapping every failure to [`Error::Callback`].
pub async fn call(name: &str, f: &JsAsyncFn, arg: String) -> Result<String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let status = f.call_with_return_value(
        arg,
        ThreadsafeFunctionCallMode::NonBlocking,
        move |returned, _env| {
            // Runs on the JavaScript thread: keep only the text of an error here.
            // The receiver may be gone if the caller was dropped; nothing to report then.
            let _ = tx.send(returned.map_err(|e| e.reason.clone()));
            Ok(())
        },
    );
    if status != Status::Ok {
        return Err(failed(
            name,
            format!("cannot call into JavaScript ({status})"),
        ));
    }
    let promise = rx
        .await
        .map_err(|_| failed(name, "JavaScript did not answer the call"))?
        .map_err(|reason| failed(name, reason))?;
    let text = promise.await.map_err(|e| failed(name, e.reason.clone()))?;
    match text.strip_prefix(FAILED) {
        Some(message) => Err(failed(name, message)),
        None => Ok(text),
    }
}

/// The error for a callback that failed or answered nonsense.
pub fn failed(name: &str, message: impl ToString) -> Error {
    Error::Callback {
        name: name.to_string(),
        message: message.to_string(),
    }
}
