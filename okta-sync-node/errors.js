'use strict'
// The okta-sync error classes, rebuilt from the structured errors the native addon throws.
//
// Every class has a stable `code` (the core's `Error::code()`), and the context of the Rust
// error as properties (`status`, `errorCode`, `requestId`, `planHash`, `counts`, `problems`...),
// so code branches on data, not on messages:
//
//   OktaSyncError                 code
//   ├── ConfigError               problems: [{ path, message }] (CONFIG_INVALID); sourceName, detail (CONFIG_SYNTAX)
//   ├── DecodeError               what, path, detail
//   ├── OktaApiError              status, errorCode, errorSummary, errorId, errorCauses, requestId, endpoint
//   │   ├── CredentialError       + hint
//   │   └── RateLimitError        + attempts
//   ├── TransportError            endpoint, attempts, detail
//   ├── IncompleteListingError    listing, reason
//   ├── LogCursorExpiredError     reason
//   ├── TargetError               target, operation, status, detail
//   ├── SafetyBrakeTrippedError   planHash, reason, counts: { destructive, managed, inScope, baseline }
//   ├── ApprovalMismatchError     approved, actual
//   ├── StateError                operation, detail
//   ├── SecretError               secret, reason
//   ├── CallbackError             callback, detail
//   └── InternalError             (a Rust panic, caught: the process keeps running)

// Kept in step with MARKER in src/error.rs.
const MARKER = 'okta-sync-error:'

class OktaSyncError extends Error {
  constructor(message, code, details = {}) {
    super(message)
    this.name = new.target.name
    this.code = code
    Object.assign(this, details)
  }
}

class ConfigError extends OktaSyncError {}
class DecodeError extends OktaSyncError {}
class OktaApiError extends OktaSyncError {}
class CredentialError extends OktaApiError {}
class RateLimitError extends OktaApiError {}
class TransportError extends OktaSyncError {}
class IncompleteListingError extends OktaSyncError {}
class LogCursorExpiredError extends OktaSyncError {}
class TargetError extends OktaSyncError {}
class SafetyBrakeTrippedError extends OktaSyncError {}
class ApprovalMismatchError extends OktaSyncError {}
class StateError extends OktaSyncError {}
class SecretError extends OktaSyncError {}
class CallbackError extends OktaSyncError {}
class InternalError extends OktaSyncError {}

const CLASS_BY_CODE = {
  CONFIG_INVALID: ConfigError,
  CONFIG_SYNTAX: ConfigError,
  DECODE: DecodeError,
  OKTA_API: OktaApiError,
  OKTA_CREDENTIAL: CredentialError,
  RATE_LIMITED: RateLimitError,
  TRANSPORT: TransportError,
  INCOMPLETE_LISTING: IncompleteListingError,
  LOG_CURSOR_EXPIRED: LogCursorExpiredError,
  TARGET: TargetError,
  SAFETY_BRAKE_TRIPPED: SafetyBrakeTrippedError,
  APPROVAL_MISMATCH: ApprovalMismatchError,
  STATE: StateError,
  SECRET: SecretError,
  CALLBACK: CallbackError,
  INTERNAL: InternalError,
}

// napi's own argument checks (a number where a string was expected...) are type errors.
const NAPI_TYPE_STATUSES = new Set([
  'InvalidArg', 'ObjectExpected', 'StringExpected', 'NameExpected', 'FunctionExpected',
  'NumberExpected', 'BooleanExpected', 'ArrayExpected', 'BigintExpected',
])

/** Turns an error thrown by the native addon into the matching okta-sync error. */
function fromNative(err) {
  if (!(err instanceof Error) || err instanceof OktaSyncError) return err
  if (typeof err.message === 'string' && err.message.startsWith(MARKER)) {
    let payload
    try {
      payload = JSON.parse(err.message.slice(MARKER.length))
    } catch {
      return err
    }
    // A code added to the core later still gets the base class and its properties.
    const Class = CLASS_BY_CODE[payload.code] || OktaSyncError
    return new Class(payload.message, payload.code, payload.details)
  }
  if (NAPI_TYPE_STATUSES.has(err.code)) return new TypeError(err.message)
  return err
}

module.exports = {
  OktaSyncError,
  ConfigError,
  DecodeError,
  OktaApiError,
  CredentialError,
  RateLimitError,
  TransportError,
  IncompleteListingError,
  LogCursorExpiredError,
  TargetError,
  SafetyBrakeTrippedError,
  ApprovalMismatchError,
  StateError,
  SecretError,
  CallbackError,
  InternalError,
  fromNative,
}
