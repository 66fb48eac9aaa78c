//! Okta error bodies and what they mean for the caller.
//!
//! Okta answers errors with `{errorCode, errorSummary, errorLink, errorId, errorCauses}`;
//! some System Log errors leave out `errorLink` and `errorCauses`, and a proxy in front of
//! the org may send something that is not JSON at all. Only `errorCode` drives decisions;
//! the summary is kept for people.

use serde::Deserialize;

use crate::Error;
use crate::error::OktaApiError;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct WireError {
    #[serde(default)]
    error_code: Option<String>,
    #[serde(default)]
    error_summary: Option<String>,
    #[serde(default)]
    error_id: Option<String>,
    #[serde(default)]
    error_causes: Option<Vec<WireCause>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireCause {
    #[serde(default)]
    error_summary: Option<String>,
}

/// Builds an [`OktaApiError`] from a response. A body that is not an Okta error object
/// leaves the Okta fields empty rather than failing: the status and request id still say
/// what happened.
pub(crate) fn api_error(
    status: u16,
    body: &[u8],
    request_id: Option<String>,
    endpoint: String,
) -> OktaApiError {
    let wire: WireError = serde_json::from_slice(body).unwrap_or_default();
    OktaApiError {
        status,
        error_code: wire.error_code,
        error_summary: wire.error_summary,
        error_id: wire.error_id,
        error_causes: wire
            .error_causes
            .unwrap_or_default()
            .into_iter()
            .filter_map(|c| c.error_summary)
            .collect(),
        request_id,
        endpoint,
    }
}

/// Turns a non-success answer into the crate error a caller can act on: credential
/// problems (401, 403) become [`Error::Credential`] with a hint, the rest [`Error::Okta`].
/// Rate limits are handled before this point.
pub(crate) fn classify(api: OktaApiError) -> Error {
    match api.status {
        401 | 403 => {
            let hint = credential_hint(&api).to_string();
            Error::Credential { api, hint }
        }
        _ => Error::Okta(api),
    }
}

/// What an admin can do about a refused request, by Okta error code.
pub(crate) fn credential_hint(api: &OktaApiError) -> &'static str {
    match (api.status, api.error_code.as_deref()) {
        (_, Some("E0000011")) => {
            "The API token is invalid, expired or revoked (Okta revokes tokens unused for 30 days \
             and those of deactivated admins). Create a new token under Security > API > Tokens \
             and update the configured secret."
        }
        (_, Some("E0000004")) => {
            "Okta did not accept the credentials. Check that the token was created in this org \
             (the org URL and the token must belong together)."
        }
        (_, Some("E0000005")) => {
            "Okta considers the session invalid. Use an API token (SSWS), not a browser session."
        }
        (_, Some("E0000006")) => {
            "The admin who created the token lacks permission for this read. Create the token as \
             an admin with at least the Read-Only Administrator role, which covers users, groups \
             and the System Log."
        }
        (_, Some("E0000015")) => {
            "The feature behind this endpoint is not enabled for the org or for the token's admin."
        }
        (401, _) => "Okta refused the credentials. Create a new API token and update the secret.",
        _ => {
            "The token's admin is not allowed to read this. Use a token created by a Read-Only \
             Administrator (or a broader role)."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/fixtures/okta/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn decode(status: u16, name: &str) -> OktaApiError {
        api_error(
            status,
            &fixture(name),
            Some("req-1".into()),
            "GET /api/v1/x".into(),
        )
    }

    #[test]
    fn every_error_fixture_decodes_with_code_summary_and_id() {
        // (file, status, code, errorId, number of causes) read off the fixture files.
        let cases = [
            (
                "error-400-logs-bad-date.json",
                400,
                "E0000001",
                "dd4998a1-2267-499b-9e4d-ec821fcc5ca9",
                2,
            ),
            (
                "error-400-logs-invalid-filter.json",
                400,
                "E0000053",
                "eb83dfe1-6d76-458c-8c0c-f8df8fb7a24b",
                0,
            ),
            (
                "error-400-logs-since-too-old.json",
                400,
                "E0000053",
                "55166534-b7d8-45a5-a4f6-3b38a5507046",
                0,
            ),
            (
                "error-401-feature-not-enabled.json",
                401,
                "E0000015",
                "oaeOJPG9_q7SO-dKjf8Y0w31g",
                0,
            ),
            (
                "error-401-invalid-token.json",
                401,
                "E0000011",
                "sampleQPivGUj_ND5v78vbYWW",
                0,
            ),
            (
                "error-403-access-denied.json",
                403,
                "E0000006",
                "sampleNUSD_8fdkFd8fs8SDBK",
                0,
            ),
            (
                "error-403-user-status.json",
                403,
                "E0000038",
                "oae-CxK3pOUQEGBRFKUbjie0Q",
                0,
            ),
            (
                "error-404-user-not-found.json",
                404,
                "E0000007",
                "oaelr1lt59PSM-TvHYQ_LDr5g",
                0,
            ),
            (
                "error-429-rate-limit.json",
                429,
                "E0000047",
                "oae_A2-4_P9RtWIEh-N4O0qfg",
                0,
            ),
        ];
        for (file, status, code, id, causes) in cases {
            let api = decode(status, file);
            assert_eq!(api.status, status, "{file}");
            assert_eq!(api.error_code.as_deref(), Some(code), "{file}");
            assert_eq!(api.error_id.as_deref(), Some(id), "{file}");
            assert_eq!(api.error_causes.len(), causes, "{file}");
            assert!(
                api.error_summary.as_deref().is_some_and(|s| !s.is_empty()),
                "{file}"
            );
            assert_eq!(api.request_id.as_deref(), Some("req-1"));
        }
        let bad_date = decode(400, "error-400-logs-bad-date.json");
        assert_eq!(
            bad_date.error_causes[1],
            "until: must be a valid date-time or empty."
        );
    }

    #[test]
    fn credentials_are_told_apart_from_other_errors() {
        let token = classify(decode(401, "error-401-invalid-token.json"));
        match &token {
            Error::Credential { api, hint } => {
                assert_eq!(api.error_code.as_deref(), Some("E0000011"));
                assert!(hint.contains("new token"), "{hint}");
            }
            other => panic!("expected a credential error, got {other:?}"),
        }
        let denied = classify(decode(403, "error-403-access-denied.json"));
        assert!(
            matches!(&denied, Error::Credential { hint, .. } if hint.contains("Read-Only Administrator"))
        );
        let feature = classify(decode(401, "error-401-feature-not-enabled.json"));
        assert!(matches!(&feature, Error::Credential { hint, .. } if hint.contains("not enabled")));
        let not_found = classify(decode(404, "error-404-user-not-found.json"));
        assert!(matches!(
            not_found,
            Error::Okta(OktaApiError { status: 404, .. })
        ));
        let invalid_filter = classify(decode(400, "error-400-logs-invalid-filter.json"));
        assert_eq!(invalid_filter.code(), "OKTA_API");
    }

    #[test]
    fn a_body_that_is_not_okta_json_keeps_status_and_request_id() {
        let api = api_error(
            502,
            b"<html>Bad gateway</html>",
            Some("r".into()),
            "GET /api/v1/users".into(),
        );
        assert_eq!(api.status, 502);
        assert_eq!(api.error_code, None);
        assert_eq!(api.request_id.as_deref(), Some("r"));
        assert_eq!(
            api.to_string(),
            "HTTP 502 from GET /api/v1/users [request id r]"
        );
    }
}
