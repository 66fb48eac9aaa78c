//! Progress events forwarded to a JavaScript callback.

use napi::Status;
use napi::bindgen_prelude::Unknown;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use okta_sync_core::engine::{ProgressEvent, ProgressSink};

/// A JavaScript `(json: string) => void`, wrapped by `lib.js` so that it never throws.
pub type JsProgressFn = ThreadsafeFunction<String, Unknown<'static>, String, Status, false, true>;

/// Sends each event as JSON text, without waiting: progress must never slow a sync down.
pub struct JsProgress {
    callback: JsProgressFn,
}

impl std::fmt::Debug for JsProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JsProgress")
    }
}

impl JsProgress {
    /// Wraps the adapted callback.
    pub fn new(callback: JsProgressFn) -> Self {
        JsProgress { callback }
    }

    /// Resolves once every event sent so far has been delivered (calls are delivered in
    /// order), so that an operation's promise never settles before its last event.
    pub async fn flush(&self) {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let status = self.callback.call_with_return_value(
            String::new(),
            ThreadsafeFunctionCallMode::NonBlocking,
            move |_, _| {
                let _ = tx.send(());
                Ok(())
            },
        );
        if status == Status::Ok {
            let _ = rx.await;
        }
    }
}

impl ProgressSink for JsProgress {
    fn event(&self, event: &ProgressEvent) {
        if let Ok(json) = serde_json::to_string(event) {
            // A full queue or a closing environment drops the event; progress is advisory.
            let _ = self
                .callback
                .call(json, ThreadsafeFunctionCallMode::NonBlocking);
        }
    }
}
