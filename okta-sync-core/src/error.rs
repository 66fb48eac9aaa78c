//! The crate's one error type.
//!
//! Every variant carries enough context for an admin to act: what failed, where, and (for
//! Okta) the `errorCode`, HTTP status and request id. `Display` stays short; detail lives in
//! the fields so that the bindings can expose it as attributes. No variant ever holds a
//! secret: tokens are kept in [`secrecy::SecretString`] and never formatted.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error body returned by Okta, plus the transport context that came with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct OktaApiError {
    /// HTTP status of the response.
    pub status: u16,
    /// Okta's `errorCode` (for example `E0000047`); the only field to branch on.
    pub error_code: Option<String>,
    /// Okta's `errorSummary`, human text that may change between releases.
    pub error_summary: Option<String>,
    /// Okta's `errorId`, quoted to Okta support.
    pub error_id: Option<String>,
    /// The `errorCauses[].errorSummary` entries, in order.
    pub error_causes: Vec<String>,
    /// The `X-Okta-Request-Id` response header.
    pub request_id: Option<String>,
    /// Method and path (no query string, which may hold filters with personal data).
    pub endpoint: String,
}

impl fmt::Display for OktaApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {} from {}", self.status, self.endpoint)?;
        if let Some(code) = &self.error_code {
            write!(f, " ({code}")?;
            if let Some(summary) = &self.error_summary {
                write!(f, ": {summary}")?;
            }
            write!(f, ")")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

/// One problem found while validating a configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, PartialOrd, Ord)]
pub struct ConfigProblem {
    /// Where in the configuration, for example `mappings[1].filters.department`.
    pub path: String,
    /// What is wrong and, where possible, how to fix it.
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Counts attached to a tripped safety brake, so the caller can show what was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct BrakeCounts {
    /// Deactivations and downgrades the plan would perform.
    pub destructive: u64,
    /// The managed population the share is measured against.
    pub managed: u64,
    /// In-scope users now.
    pub in_scope: u64,
    /// In-scope users at the last successful run (the baseline).
    pub baseline: u64,
}

/// Every way okta-sync can fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is invalid; every problem found is listed, each with its path.
    #[error("invalid configuration ({} problem{}): {}", problems.len(), if problems.len() == 1 { "" } else { "s" }, join_problems(problems))]
    Config {
        /// All problems, sorted by path.
        problems: Vec<ConfigProblem>,
    },

    /// A configuration file could not be read or parsed.
    #[error("cannot read configuration {source_name}: {message}")]
    ConfigSyntax {
        /// File path or `<inline>`.
        source_name: String,
        /// Parser message, with line and column where the parser gives them.
        message: String,
    },

    /// A JSON document from Okta (or given by a caller) did not decode.
    #[error("cannot decode {what} at {path}: {message}")]
    Decode {
        /// What was being decoded, for example `Okta user` or `users page 3`.
        what: String,
        /// JSON path of the problem, for example `[4].status`.
        path: String,
        /// What was wrong there.
        message: String,
    },

    /// Okta answered with an error that is not about credentials or rate limits.
    #[error("Okta API error: {0}")]
    Okta(OktaApiError),

    /// Okta refused the credentials (401/403). Not retried.
    #[error("Okta refused the request's credentials or permissions: {api}. {hint}")]
    Credential {
        /// The error as Okta returned it.
        api: OktaApiError,
        /// What the admin can do, for example create a new token or grant a scope.
        hint: String,
    },

    /// Okta kept answering 429 after the allowed waits.
    #[error("Okta rate limit still exhausted after {attempts} attempts: {api}")]
    RateLimited {
        /// The last 429 received.
        api: OktaApiError,
        /// How many attempts were made.
        attempts: u32,
    },

    /// A network or transport failure that survived the retries.
    #[error("HTTP request to {endpoint} failed after {attempts} attempt(s): {message}")]
    Transport {
        /// Method and path.
        endpoint: String,
        /// How many attempts were made.
        attempts: u32,
        /// The last failure.
        message: String,
    },

    /// A listing stopped before its end, so it cannot support destructive actions.
    #[error("listing of {listing} is incomplete: {reason}")]
    IncompleteListing {
        /// Which listing, for example `users` or `members of group Admins`.
        listing: String,
        /// Why it stopped.
        reason: String,
    },

    /// The System Log cursor can no longer be used (older than retention, or rejected).
    #[error("System Log cursor unusable: {reason}; deletions in Okta may have been missed")]
    LogCursorExpired {
        /// Why the cursor cannot be used.
        reason: String,
    },

    /// The asset target failed.
    #[error("target {target} failed during {operation}: {message}")]
    Target {
        /// Which target, for example `assetpanda` or `local`.
        target: String,
        /// What was being done.
        operation: String,
        /// HTTP status, when the target is remote.
        status: Option<u16>,
        /// What went wrong, including what exists when a name was not found.
        message: String,
    },

    /// The plan would deactivate or downgrade more than the safety policy allows.
    #[error(
        "safety brake tripped for plan {plan_hash}: {reason}; re-run apply with an approval for this exact plan hash to proceed"
    )]
    BrakeTripped {
        /// The content hash of the refused plan; an approval must name it.
        plan_hash: String,
        /// Which limit was exceeded.
        reason: String,
        /// The figures behind the decision.
        counts: BrakeCounts,
    },

    /// An approval was given for a different plan than the one being applied.
    #[error("approval is for plan {approved}, but the plan being applied is {actual}")]
    ApprovalMismatch {
        /// Hash named by the approval.
        approved: String,
        /// Hash of the plan being applied.
        actual: String,
    },

    /// The sync state store failed.
    #[error("sync state store failed during {operation}: {message}")]
    State {
        /// What was being done.
        operation: String,
        /// What went wrong.
        message: String,
    },

    /// A secret could not be resolved (for example an unset environment variable).
    #[error("secret {name} is not available: {reason}")]
    Secret {
        /// The reference, for example `env:OKTA_API_TOKEN` (never the value).
        name: String,
        /// Why it could not be resolved.
        reason: String,
    },

    /// A caller-provided callback or target (Python, Node) failed.
    #[error("callback {name} failed: {message}")]
    Callback {
        /// Which callback.
        name: String,
        /// Its error, as text.
        message: String,
    },
}

fn join_problems(problems: &[ConfigProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    /// A stable, language-neutral code for this error, used by the bindings.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Config { .. } => "CONFIG_INVALID",
            Error::ConfigSyntax { .. } => "CONFIG_SYNTAX",
            Error::Decode { .. } => "DECODE",
            Error::Okta(_) => "OKTA_API",
            Error::Credential { .. } => "OKTA_CREDENTIAL",
            Error::RateLimited { .. } => "RATE_LIMITED",
            Error::Transport { .. } => "TRANSPORT",
            Error::IncompleteListing { .. } => "INCOMPLETE_LISTING",
            Error::LogCursorExpired { .. } => "LOG_CURSOR_EXPIRED",
            Error::Target { .. } => "TARGET",
            Error::BrakeTripped { .. } => "SAFETY_BRAKE_TRIPPED",
            Error::ApprovalMismatch { .. } => "APPROVAL_MISMATCH",
            Error::State { .. } => "STATE",
            Error::Secret { .. } => "SECRET",
            Error::Callback { .. } => "CALLBACK",
        }
    }

    /// The Okta API error inside this error, if any.
    pub fn okta_api(&self) -> Option<&OktaApiError> {
        match self {
            Error::Okta(api) | Error::Credential { api, .. } | Error::RateLimited { api, .. } => {
                Some(api)
            }
            _ => None,
        }
    }

    /// Builds a decode error from a `serde_path_to_error` failure.
    pub fn decode(
        what: impl Into<String>,
        err: serde_path_to_error::Error<serde_json::Error>,
    ) -> Self {
        let path = err.path().to_string();
        Error::Decode {
            what: what.into(),
            path: if path.is_empty() { ".".into() } else { path },
            message: err.into_inner().to_string(),
        }
    }

    /// Shorthand for a state store failure.
    pub fn state(operation: impl Into<String>, err: impl fmt::Display) -> Self {
        Error::State {
            operation: operation.into(),
            message: err.to_string(),
        }
    }
}
