//! The Python exception hierarchy, declared once, and the one conversion from core errors.
//!
//! Every exception carries the core's stable `code` plus the fields of its variant as
//! attributes, so callers branch on data (`err.error_code == "E0000047"`) rather than on
//! message text. Attributes live in the instance `__dict__`, which `BaseException.__reduce__`
//! includes, so the exceptions pickle with their attributes (multiprocessing, Celery).

use std::any::Any;

use okta_sync_core::Error;
use okta_sync_core::error::OktaApiError as CoreApiError;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyDict;

pyo3::create_exception!(
    okta_sync,
    OktaSyncError,
    PyException,
    "Base class of every okta-sync error; `code` is a stable, language-neutral string."
);
pyo3::create_exception!(
    okta_sync,
    ConfigError,
    OktaSyncError,
    "The configuration is invalid or unreadable; `problems` lists (path, message) pairs."
);
pyo3::create_exception!(
    okta_sync,
    DecodeError,
    OktaSyncError,
    "A JSON document (from Okta or from the caller) did not decode; `path` says where."
);
pyo3::create_exception!(
    okta_sync,
    OktaApiError,
    OktaSyncError,
    "Okta answered with an error; `status`, `error_code` and `request_id` say which."
);
pyo3::create_exception!(
    okta_sync,
    CredentialError,
    OktaApiError,
    "Okta refused the API token (401/403); `hint` says what an admin can do."
);
pyo3::create_exception!(
    okta_sync,
    RateLimitError,
    OktaApiError,
    "Okta kept answering 429 after the allowed waits; `attempts` says how many were made."
);
pyo3::create_exception!(
    okta_sync,
    TransportError,
    OktaSyncError,
    "A network failure survived the retries; `endpoint` and `attempts` say where and how often."
);
pyo3::create_exception!(
    okta_sync,
    TargetError,
    OktaSyncError,
    "The asset target failed; `target`, `operation` and `status` say which, during what."
);
pyo3::create_exception!(
    okta_sync,
    SafetyBrakeTripped,
    OktaSyncError,
    "A plan would deactivate or downgrade more than the safety policy allows; approve `plan_hash` to proceed."
);
pyo3::create_exception!(
    okta_sync,
    ApprovalMismatchError,
    OktaSyncError,
    "An approval names a different plan hash than the plan being applied."
);
pyo3::create_exception!(
    okta_sync,
    IncompleteListingError,
    OktaSyncError,
    "A listing (or the System Log cursor) is incomplete, so destructive actions cannot rely on it."
);
pyo3::create_exception!(
    okta_sync,
    StateError,
    OktaSyncError,
    "The sync state store failed; `operation` says during what."
);
pyo3::create_exception!(
    okta_sync,
    SecretError,
    OktaSyncError,
    "A secret reference could not be resolved; `name` is the reference, never the value."
);
pyo3::create_exception!(
    okta_sync,
    CallbackError,
    OktaSyncError,
    "A Python target or progress callback raised; the original exception is the `__cause__`."
);

/// Code of errors that are bugs in okta-sync (a caught Rust panic), not in the caller's input.
pub const INTERNAL_CODE: &str = "INTERNAL";

/// Converts a core error into the matching Python exception, attributes included.
///
/// This is the only place core errors cross into Python; keep it one `match`.
pub fn to_py_err(err: Error) -> PyErr {
    Python::attach(|py| build(py, err).unwrap_or_else(|e| e))
}

fn build(py: Python<'_>, err: Error) -> PyResult<PyErr> {
    let message = err.to_string();
    let code = err.code();
    match err {
        Error::Config { problems } => {
            let problems: Vec<(String, String)> =
                problems.into_iter().map(|p| (p.path, p.message)).collect();
            raise::<ConfigError>(
                py,
                message,
                code,
                &[("problems", problems.into_pyobject(py)?.into_any())],
            )
        }
        Error::ConfigSyntax {
            source_name,
            message: detail,
        } => raise::<ConfigError>(
            py,
            message,
            code,
            &[(
                "problems",
                vec![(source_name, detail)].into_pyobject(py)?.into_any(),
            )],
        ),
        Error::Decode {
            what,
            path,
            message: detail,
        } => raise::<DecodeError>(
            py,
            message,
            code,
            &attrs(py, [("what", what), ("path", path), ("detail", detail)])?,
        ),
        Error::Okta(api) => raise::<OktaApiError>(py, message, code, &api_attrs(py, api)?),
        Error::Credential { api, hint } => {
            let mut fields = api_attrs(py, api)?;
            fields.push(("hint", hint.into_pyobject(py)?.into_any()));
            raise::<CredentialError>(py, message, code, &fields)
        }
        Error::RateLimited { api, attempts } => {
            let mut fields = api_attrs(py, api)?;
            fields.push(("attempts", attempts.into_pyobject(py)?.into_any()));
            raise::<RateLimitError>(py, message, code, &fields)
        }
        Error::Transport {
            endpoint,
            attempts,
            message: detail,
        } => raise::<TransportError>(
            py,
            message,
            code,
            &[
                ("endpoint", endpoint.into_pyobject(py)?.into_any()),
                ("attempts", attempts.into_pyobject(py)?.into_any()),
                ("detail", detail.into_pyobject(py)?.into_any()),
            ],
        ),
        Error::IncompleteListing { listing, reason } => raise::<IncompleteListingError>(
            py,
            message,
            code,
            &attrs(py, [("listing", listing), ("reason", reason)])?,
        ),
        Error::LogCursorExpired { reason } => raise::<IncompleteListingError>(
            py,
            message,
            code,
            &attrs(py, [("listing", "log".to_string()), ("reason", reason)])?,
        ),
        Error::Target {
            target,
            operation,
            status,
            message: detail,
        } => raise::<TargetError>(
            py,
            message,
            code,
            &[
                ("target", target.into_pyobject(py)?.into_any()),
                ("operation", operation.into_pyobject(py)?.into_any()),
                ("status", status.into_pyobject(py)?.into_any()),
                ("detail", detail.into_pyobject(py)?.into_any()),
            ],
        ),
        Error::BrakeTripped {
            plan_hash,
            reason,
            counts,
        } => {
            let counts_dict = PyDict::new(py);
            counts_dict.set_item("destructive", counts.destructive)?;
            counts_dict.set_item("managed", counts.managed)?;
            counts_dict.set_item("in_scope", counts.in_scope)?;
            counts_dict.set_item("baseline", counts.baseline)?;
            raise::<SafetyBrakeTripped>(
                py,
                message,
                code,
                &[
                    ("plan_hash", plan_hash.into_pyobject(py)?.into_any()),
                    ("reason", reason.into_pyobject(py)?.into_any()),
                    ("counts", counts_dict.into_any()),
                ],
            )
        }
        Error::ApprovalMismatch { approved, actual } => raise::<ApprovalMismatchError>(
            py,
            message,
            code,
            &attrs(py, [("approved", approved), ("actual", actual)])?,
        ),
        Error::State {
            operation,
            message: detail,
        } => raise::<StateError>(
            py,
            message,
            code,
            &attrs(py, [("operation", operation), ("detail", detail)])?,
        ),
        Error::Secret { name, reason } => raise::<SecretError>(
            py,
            message,
            code,
            &attrs(py, [("name", name), ("reason", reason)])?,
        ),
        Error::Callback {
            name,
            message: detail,
        } => raise::<CallbackError>(
            py,
            message,
            code,
            &attrs(py, [("name", name), ("detail", detail)])?,
        ),
        // The core enum is non-exhaustive: a variant added later still arrives with its
        // code and message, just without its own class yet.
        _ => raise::<OktaSyncError>(py, message, code, &[]),
    }
}

/// Converts a caught panic payload into an `OktaSyncError` with code `INTERNAL`, so that a
/// bug in okta-sync surfaces as an exception instead of taking the interpreter down.
pub fn panic_to_py_err(payload: Box<dyn Any + Send>) -> PyErr {
    let detail = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    plain_error(
        INTERNAL_CODE,
        format!("internal error in okta-sync (please report it): {detail}"),
    )
}

/// An `OktaSyncError` raised by the binding itself (misuse that the core never sees).
pub fn plain_error(code: &str, message: String) -> PyErr {
    Python::attach(|py| raise::<OktaSyncError>(py, message, code, &[]).unwrap_or_else(|e| e))
}

/// Runs a synchronous core call, turning both its error and a panic into Python exceptions.
pub fn guard<T>(f: impl FnOnce() -> okta_sync_core::Result<T>) -> PyResult<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(result) => result.map_err(to_py_err),
        Err(payload) => Err(panic_to_py_err(payload)),
    }
}

type Attr<'py> = (&'static str, Bound<'py, PyAny>);

fn attrs<'py, const N: usize>(
    py: Python<'py>,
    pairs: [(&'static str, String); N],
) -> PyResult<Vec<Attr<'py>>> {
    pairs
        .into_iter()
        .map(|(name, value)| Ok((name, value.into_pyobject(py)?.into_any())))
        .collect()
}

fn api_attrs(py: Python<'_>, api: CoreApiError) -> PyResult<Vec<Attr<'_>>> {
    Ok(vec![
        ("status", api.status.into_pyobject(py)?.into_any()),
        ("error_code", api.error_code.into_pyobject(py)?.into_any()),
        (
            "error_summary",
            api.error_summary.into_pyobject(py)?.into_any(),
        ),
        ("error_id", api.error_id.into_pyobject(py)?.into_any()),
        (
            "error_causes",
            api.error_causes.into_pyobject(py)?.into_any(),
        ),
        ("request_id", api.request_id.into_pyobject(py)?.into_any()),
        ("endpoint", api.endpoint.into_pyobject(py)?.into_any()),
    ])
}

/// Builds an exception of class `E` with `message` as its only argument and the attributes
/// set on the instance. Returns `Ok(err)`; an `Err` only if setting an attribute failed.
fn raise<E: pyo3::PyTypeInfo>(
    py: Python<'_>,
    message: String,
    code: &str,
    fields: &[Attr<'_>],
) -> PyResult<PyErr> {
    let err = PyErr::from_type(E::type_object(py), (message,));
    let value = err.value(py);
    value.setattr("code", code)?;
    for (name, field) in fields {
        value.setattr(*name, field)?;
    }
    Ok(err)
}

/// Registers the exception classes on the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("OktaSyncError", py.get_type::<OktaSyncError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("DecodeError", py.get_type::<DecodeError>())?;
    m.add("OktaApiError", py.get_type::<OktaApiError>())?;
    m.add("CredentialError", py.get_type::<CredentialError>())?;
    m.add("RateLimitError", py.get_type::<RateLimitError>())?;
    m.add("TransportError", py.get_type::<TransportError>())?;
    m.add("TargetError", py.get_type::<TargetError>())?;
    m.add("SafetyBrakeTripped", py.get_type::<SafetyBrakeTripped>())?;
    m.add(
        "ApprovalMismatchError",
        py.get_type::<ApprovalMismatchError>(),
    )?;
    m.add(
        "IncompleteListingError",
        py.get_type::<IncompleteListingError>(),
    )?;
    m.add("StateError", py.get_type::<StateError>())?;
    m.add("SecretError", py.get_type::<SecretError>())?;
    m.add("CallbackError", py.get_type::<CallbackError>())?;
    Ok(())
}

#[cfg(test)]
mod tests;
