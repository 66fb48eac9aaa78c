'use strict'
// okta-sync for Node.js: the public API over the native addon (index.js).
//
// This layer only adapts: configurations and large values cross into Rust as JSON text,
// errors come back as okta-sync Error subclasses (errors.js), and JavaScript targets and
// callbacks are wrapped so that they always answer (see src/callback.rs). Every decision
// is made by the Rust core.

const { fileURLToPath } = require('node:url')

const native = require('./index.js')
const errors = require('./errors.js')

const { fromNative } = errors

// A callback answer starting with this reports a failure (kept in step with FAILED in
// src/callback.rs; JSON text never starts with it).
const FAILED = '!'

function callSync(fn) {
  try {
    return fn()
  } catch (err) {
    throw fromNative(err)
  }
}

async function callAsync(fn) {
  try {
    return await fn()
  } catch (err) {
    throw fromNative(err)
  }
}

function configSource(config) {
  if (typeof config === 'string') return { path: config }
  if (config instanceof URL) return { path: fileURLToPath(config) }
  if (config !== null && typeof config === 'object') return { json: JSON.stringify(config) }
  throw new TypeError('config must be a configuration object or the path of a YAML, TOML or JSON file')
}

function userJson(user) {
  if (user === null || typeof user !== 'object') throw new TypeError('user must be an object in Okta\'s JSON shape')
  return JSON.stringify(user)
}

function planText(plan) {
  if (plan === null || typeof plan !== 'object') throw new TypeError('plan must be a plan object')
  return JSON.stringify(plan)
}

function approvalHash(approval) {
  if (approval === undefined || approval === null) return undefined
  if (typeof approval === 'string') return approval
  if (typeof approval === 'object' && typeof approval.planHash === 'string') return approval.planHash
  throw new TypeError('approval must be the approved plan\'s hash, or { planHash }')
}

/** Checks a configuration; throws a ConfigError listing every problem with its path. */
function validateConfig(config) {
  callSync(() => native.validateConfig(configSource(config)))
}

/** Loads and validates a configuration; returns it with every default filled in. */
function loadConfig(config) {
  return callSync(() => native.loadConfig(configSource(config)))
}

/** The JSON Schema of the configuration. */
function configSchema() {
  return callSync(() => native.configSchema())
}

/** Maps one Okta user with the named mapping's field map: `{ fields, problems }`. */
function mapUser(config, mapping, user) {
  return callSync(() => native.mapUser(configSource(config), mapping, userJson(user)))
}

/** Says whether the named mapping admits a user, and why: `{ admitted, checks }`. */
function explain(config, mapping, user, groups = []) {
  return callSync(() => native.explain(configSource(config), mapping, userJson(user), groups))
}

/** Builds a plan from plain data (config, directory, holdings, capabilities, state, not_found, now). */
async function planOffline(input) {
  if (typeof input !== 'string' && (input === null || typeof input !== 'object')) {
    throw new TypeError('planOffline takes the offline input as an object or its JSON text')
  }
  const text = typeof input === 'string' ? input : JSON.stringify(input)
  return JSON.parse(await callAsync(() => native.planOffline(text)))
}

/** The core's human-readable summary of a plan (counts, then one line per action). */
function planSummary(plan) {
  return callSync(() => native.planSummary(planText(plan)))
}

/** The core's human-readable summary of a report (done, failed, what needs a person). */
function reportSummary(report) {
  if (report === null || typeof report !== 'object') throw new TypeError('report must be a report object')
  return callSync(() => native.reportSummary(JSON.stringify(report)))
}

// Wraps `fn` as `(json) => Promise<string>` that always resolves (see src/callback.rs).
function jsonCallback(fn, spread) {
  return async (json) => {
    try {
      const arg = JSON.parse(json)
      const result = await (spread ? fn(...arg) : fn(arg))
      return JSON.stringify(result === undefined ? null : result)
    } catch (err) {
      return FAILED + (err instanceof Error ? `${err.name}: ${err.message}` : String(err))
    }
  }
}

async function adaptTarget(target) {
  if (target === null || typeof target !== 'object') throw new TypeError('target must be an object')
  for (const method of ['capabilities', 'holdings', 'lookup', 'write']) {
    if (typeof target[method] !== 'function') throw new TypeError(`target.${method} must be a function`)
  }
  const check = typeof target.checkConnection === 'function'
    ? target.checkConnection.bind(target)
    : () => ({ ok: true, messages: [] })
  return {
    name: typeof target.name === 'string' ? target.name : 'javascript',
    capabilities: JSON.stringify(await target.capabilities()),
    holdings: jsonCallback(target.holdings.bind(target)),
    lookup: jsonCallback((req) => target.lookup(req.mapping, req.field, req.values)),
    write: jsonCallback(target.write.bind(target)),
    checkConnection: jsonCallback(check),
  }
}

function adaptProgress(progress) {
  if (typeof progress !== 'function') throw new TypeError('progress must be a function')
  let warned = false
  return (json) => {
    // An empty string is the binding's flush marker: nothing to deliver.
    if (json === '') return
    try {
      progress(JSON.parse(json))
    } catch (err) {
      // A failing progress callback must not stop a sync; say so once, not per event.
      if (!warned) process.emitWarning(`okta-sync progress callback threw (further throws are ignored): ${err && err.message}`)
      warned = true
    }
  }
}

function adaptSecrets(secrets) {
  if (secrets === null || typeof secrets !== 'object') throw new TypeError('secrets must be an object of name → value')
  const out = {}
  for (const [name, value] of Object.entries(secrets)) {
    if (typeof value !== 'string') throw new TypeError(`secrets.${name} must be a string`)
    out[name] = value
  }
  return out
}

const CREATE = Symbol('okta-sync engine')

/**
 * A configured sync: directory (Okta), target and state store. Create one with
 * `await SyncEngine.create(config, options)`; every method returns a Promise and does its
 * work off the event loop.
 */
class SyncEngine {
  #native

  constructor(token, handle) {
    if (token !== CREATE) throw new TypeError('use `await SyncEngine.create(config, options)`')
    this.#native = handle
  }

  /** Opens an engine for `config` (an object or a file path). */
  static async create(config, options = {}) {
    const { target, progress, secrets } = options
    const nativeOptions = {}
    if (target !== undefined) nativeOptions.target = await adaptTarget(target)
    if (progress !== undefined) nativeOptions.progress = adaptProgress(progress)
    if (secrets !== undefined) nativeOptions.secrets = adaptSecrets(secrets)
    const source = configSource(config)
    const handle = await callAsync(() => native.SyncEngine.create(source, nativeOptions))
    return new SyncEngine(CREATE, handle)
  }

  /** "Test and save connection": can Okta and the target be reached and read? */
  async checkConnections() {
    return JSON.parse(await callAsync(() => this.#native.checkConnections()))
  }

  /** Reads Okta and the target and returns the plan; changes nothing. */
  async plan({ mode = 'auto' } = {}) {
    return JSON.parse(await callAsync(() => this.#native.plan(mode)))
  }

  /** Applies a plan; a plan whose brake tripped needs `{ approval: plan.hash }`. */
  async apply(plan, { approval } = {}) {
    const text = planText(plan)
    const hash = approvalHash(approval)
    return JSON.parse(await callAsync(() => this.#native.apply(text, hash)))
  }

  /** Plans and applies in one go (`dryRun` writes nothing and keeps the state). */
  async run({ dryRun = false, mode = 'auto', approval } = {}) {
    const hash = approvalHash(approval)
    const outcome = await callAsync(() => this.#native.run(mode, dryRun, hash))
    return { plan: JSON.parse(outcome.plan), report: JSON.parse(outcome.report) }
  }
}

const {
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
} = errors
const { version } = native

// Shorthand names only, so that ESM `import { SyncEngine } from 'okta-sync'` sees each one.
module.exports = {
  SyncEngine,
  validateConfig,
  loadConfig,
  configSchema,
  mapUser,
  explain,
  planOffline,
  planSummary,
  reportSummary,
  version,
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
}
