"""The okta-sync exception hierarchy (declared in Rust, re-exported here).

Every exception has a ``code`` attribute: a stable, language-neutral string such as
``"CONFIG_INVALID"`` or ``"OKTA_CREDENTIAL"`` (the same codes the Node package uses).
The fields of each error are attributes too, so code branches on data, not on messages::

    OktaSyncError                 code
    ├── ConfigError               problems: list[tuple[str, str]]  (path, message)
    ├── DecodeError               what, path, detail
    ├── OktaApiError              status, error_code, error_summary, error_id,
    │   │                         error_causes, request_id, endpoint
    │   ├── CredentialError       + hint
    │   └── RateLimitError        + attempts
    ├── TransportError            endpoint, attempts, detail
    ├── TargetError               target, operation, status, detail
    ├── SafetyBrakeTripped        plan_hash, reason, counts: dict[str, int]
    ├── ApprovalMismatchError     approved, actual
    ├── IncompleteListingError    listing, reason
    ├── StateError                operation, detail
    ├── SecretError               name, reason
    └── CallbackError             name, detail  (__cause__: what your target raised)

All of them pickle with their attributes.
"""

from okta_sync._native import (
    ApprovalMismatchError,
    CallbackError,
    ConfigError,
    CredentialError,
    DecodeError,
    IncompleteListingError,
    OktaApiError,
    OktaSyncError,
    RateLimitError,
    SafetyBrakeTripped,
    SecretError,
    StateError,
    TargetError,
    TransportError,
)

__all__ = [
    "ApprovalMismatchError",
    "CallbackError",
    "ConfigError",
    "CredentialError",
    "DecodeError",
    "IncompleteListingError",
    "OktaApiError",
    "OktaSyncError",
    "RateLimitError",
    "SafetyBrakeTripped",
    "SecretError",
    "StateError",
    "TargetError",
    "TransportError",
]
