//! The conversion of every core error variant, checked inside an embedded interpreter.

use okta_sync_core::error::{BrakeCounts, ConfigProblem};

use super::*;

fn api() -> CoreApiError {
    CoreApiError {
        status: 429,
        error_code: Some("E0000047".into()),
        error_summary: Some("API call exceeded rate limit due to too many requests.".into()),
        error_id: Some("oaeXyz".into()),
        error_causes: vec![],
        request_id: Some("req-1".into()),
        endpoint: "GET /api/v1/users".into(),
    }
}

/// Converts `err` and returns the exception instance, after checking its class and code.
fn convert<'py, E: pyo3::PyTypeInfo>(py: Python<'py>, err: Error, code: &str) -> Bound<'py, PyAny> {
    let value = to_py_err(err).into_value(py).into_bound(py).into_any();
    assert!(value.is_instance_of::<E>(), "wrong class: {value:?}");
    assert!(value.is_instance_of::<OktaSyncError>());
    assert_eq!(
        value.getattr("code").unwrap().extract::<String>().unwrap(),
        code
    );
    value
}

fn attr<'py, T: FromPyObjectOwned<'py>>(value: &Bound<'py, PyAny>, name: &str) -> T {
    value.getattr(name).unwrap().extract::<T>().ok().unwrap()
}

#[test]
fn every_core_error_becomes_its_class_with_attributes() {
    Python::initialize();
    Python::attach(|py| {
        let e = convert::<ConfigError>(
            py,
            Error::Config {
                problems: vec![ConfigProblem {
                    path: "okta.org_url".into(),
                    message: "must be https".into(),
                }],
            },
            "CONFIG_INVALID",
        );
        let problems: Vec<(String, String)> = attr(&e, "problems");
        assert_eq!(
            problems,
            [("okta.org_url".to_string(), "must be https".to_string())]
        );

        let e = convert::<ConfigError>(
            py,
            Error::ConfigSyntax {
                source_name: "c.yaml".into(),
                message: "line 3".into(),
            },
            "CONFIG_SYNTAX",
        );
        assert_eq!(
            attr::<Vec<(String, String)>>(&e, "problems"),
            [("c.yaml".into(), "line 3".into())]
        );

        let e = convert::<DecodeError>(
            py,
            Error::Decode {
                what: "user".into(),
                path: "status".into(),
                message: "missing".into(),
            },
            "DECODE",
        );
        assert_eq!(attr::<String>(&e, "path"), "status");

        let e = convert::<OktaApiError>(
            py,
            Error::Okta(CoreApiError {
                status: 404,
                ..api()
            }),
            "OKTA_API",
        );
        assert_eq!(attr::<u16>(&e, "status"), 404);
        assert_eq!(
            attr::<Option<String>>(&e, "error_code").as_deref(),
            Some("E0000047")
        );
        assert_eq!(
            attr::<Option<String>>(&e, "request_id").as_deref(),
            Some("req-1")
        );
        assert_eq!(
            attr::<Option<String>>(&e, "error_id").as_deref(),
            Some("oaeXyz")
        );

        let e = convert::<CredentialError>(
            py,
            Error::Credential {
                api: CoreApiError {
                    status: 401,
                    ..api()
                },
                hint: "new token".into(),
            },
            "OKTA_CREDENTIAL",
        );
        assert!(e.is_instance_of::<OktaApiError>());
        assert_eq!(attr::<String>(&e, "hint"), "new token");

        let e = convert::<RateLimitError>(
            py,
            Error::RateLimited {
                api: api(),
                attempts: 5,
            },
            "RATE_LIMITED",
        );
        assert!(e.is_instance_of::<OktaApiError>());
        assert_eq!(attr::<u32>(&e, "attempts"), 5);

        let e = convert::<TransportError>(
            py,
            Error::Transport {
                endpoint: "GET /api/v1/users".into(),
                attempts: 3,
                message: "reset".into(),
            },
            "TRANSPORT",
        );
        assert_eq!(attr::<u32>(&e, "attempts"), 3);

        let e = convert::<IncompleteListingError>(
            py,
            Error::IncompleteListing {
                listing: "users".into(),
                reason: "page 3 failed".into(),
            },
            "INCOMPLETE_LISTING",
        );
        assert_eq!(attr::<String>(&e, "listing"), "users");
        let e = convert::<IncompleteListingError>(
            py,
            Error::LogCursorExpired {
                reason: "older than 90 days".into(),
            },
            "LOG_CURSOR_EXPIRED",
        );
        assert_eq!(attr::<String>(&e, "listing"), "log");

        let e = convert::<TargetError>(
            py,
            Error::Target {
                target: "local".into(),
                operation: "write".into(),
                status: None,
                message: "x".into(),
            },
            "TARGET",
        );
        assert_eq!(attr::<Option<u16>>(&e, "status"), None);
        assert_eq!(attr::<String>(&e, "operation"), "write");

        let counts = BrakeCounts {
            destructive: 30,
            managed: 100,
            in_scope: 70,
            baseline: 100,
        };
        let e = convert::<SafetyBrakeTripped>(
            py,
            Error::BrakeTripped {
                plan_hash: "abc".into(),
                reason: "30 > 25".into(),
                counts,
            },
            "SAFETY_BRAKE_TRIPPED",
        );
        assert_eq!(attr::<String>(&e, "plan_hash"), "abc");
        let counts: std::collections::BTreeMap<String, u64> = attr(&e, "counts");
        assert_eq!(counts["destructive"], 30);
        assert_eq!(counts["baseline"], 100);

        let e = convert::<ApprovalMismatchError>(
            py,
            Error::ApprovalMismatch {
                approved: "a".into(),
                actual: "b".into(),
            },
            "APPROVAL_MISMATCH",
        );
        assert_eq!(attr::<String>(&e, "actual"), "b");

        let e = convert::<StateError>(py, Error::state("commit", "disk full"), "STATE");
        assert_eq!(attr::<String>(&e, "operation"), "commit");

        let e = convert::<SecretError>(
            py,
            Error::Secret {
                name: "env:OKTA_API_TOKEN".into(),
                reason: "not set".into(),
            },
            "SECRET",
        );
        assert_eq!(attr::<String>(&e, "name"), "env:OKTA_API_TOKEN");

        let e = convert::<CallbackError>(
            py,
            Error::Callback {
                name: "target.write".into(),
                message: "boom".into(),
            },
            "CALLBACK",
        );
        assert_eq!(attr::<String>(&e, "name"), "target.write");
    });
}

#[test]
fn a_panic_becomes_an_internal_error() {
    Python::initialize();
    let err = guard::<()>(|| panic!("kaboom")).unwrap_err();
    Python::attach(|py| {
        let value = err.into_value(py).into_bound(py).into_any();
        assert!(value.is_instance_of::<OktaSyncError>());
        assert_eq!(attr::<String>(&value, "code"), INTERNAL_CODE);
        assert!(value.str().unwrap().to_string().contains("kaboom"));
    });
}
