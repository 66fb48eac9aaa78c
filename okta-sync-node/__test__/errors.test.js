'use strict'
// Errors: Error subclasses with a stable `code` and the context of the Rust error.

const test = require('node:test')
const assert = require('node:assert/strict')

const okta = require('../lib.js')
const { fromNative } = require('../errors.js')
const { startOktaFake } = require('./helpers/okta-fake.js')
const { engineConfig } = require('./helpers/org.js')

// What the native addon throws for a core error (see src/error.rs).
const nativeError = (code, message, details) => new Error(`okta-sync-error:${JSON.stringify({ code, message, details })}`)

test('each code becomes its class, with its context as properties', () => {
  const cases = [
    ['CONFIG_INVALID', okta.ConfigError],
    ['CONFIG_SYNTAX', okta.ConfigError],
    ['DECODE', okta.DecodeError],
    ['OKTA_API', okta.OktaApiError],
    ['OKTA_CREDENTIAL', okta.CredentialError],
    ['RATE_LIMITED', okta.RateLimitError],
    ['TRANSPORT', okta.TransportError],
    ['INCOMPLETE_LISTING', okta.IncompleteListingError],
    ['LOG_CURSOR_EXPIRED', okta.LogCursorExpiredError],
    ['TARGET', okta.TargetError],
    ['SAFETY_BRAKE_TRIPPED', okta.SafetyBrakeTrippedError],
    ['APPROVAL_MISMATCH', okta.ApprovalMismatchError],
    ['STATE', okta.StateError],
    ['SECRET', okta.SecretError],
    ['CALLBACK', okta.CallbackError],
    ['INTERNAL', okta.InternalError],
  ]
  for (const [code, Class] of cases) {
    const err = fromNative(nativeError(code, `a ${code} error`, { reason: 'why' }))
    assert.ok(err instanceof Class, code)
    assert.ok(err instanceof okta.OktaSyncError)
    assert.equal(err.code, code)
    assert.equal(err.name, Class.name)
    assert.equal(err.message, `a ${code} error`)
    assert.equal(err.reason, 'why')
  }
  assert.ok(fromNative(nativeError('RATE_LIMITED', 'x', {})) instanceof okta.OktaApiError)
  assert.ok(fromNative(nativeError('OKTA_CREDENTIAL', 'x', {})) instanceof okta.OktaApiError)
  // A code the core adds later still gives an OktaSyncError with that code.
  const future = fromNative(nativeError('SOMETHING_NEW', 'new', { extra: 1 }))
  assert.equal(future.constructor, okta.OktaSyncError)
  assert.equal(future.code, 'SOMETHING_NEW')
  assert.equal(future.extra, 1)
  // Anything else passes through untouched.
  const plain = new RangeError('plain')
  assert.equal(fromNative(plain), plain)
})

test('a refused token is a CredentialError with Okta\'s context and no secret', async (t) => {
  const fake = await startOktaFake(['--users', '10'])
  t.after(() => fake.stop())
  const wrong = 'not-the-token-0123456789'
  const engine = await okta.SyncEngine.create(engineConfig(fake), { secrets: { okta: wrong } })
  await assert.rejects(engine.plan({ mode: 'full' }), (err) => {
    assert.ok(err instanceof okta.CredentialError, `${err.name}: ${err.message}`)
    assert.ok(err instanceof okta.OktaApiError)
    assert.equal(err.code, 'OKTA_CREDENTIAL')
    assert.equal(err.status, 401)
    assert.equal(err.errorCode, 'E0000011')
    assert.equal(typeof err.errorSummary, 'string')
    assert.equal(typeof err.requestId, 'string')
    assert.ok(err.requestId.length > 0)
    assert.match(err.endpoint, /\/api\/v1\//)
    assert.equal(typeof err.hint, 'string')
    assert.ok(!JSON.stringify({ ...err, message: err.message, stack: err.stack }).includes(wrong))
    return true
  })
})

test('an unresolvable secret is a SecretError naming the reference, not a value', async (t) => {
  const fake = await startOktaFake(['--users', '10'])
  t.after(() => fake.stop())
  const attempt = async () => {
    const engine = await okta.SyncEngine.create(engineConfig(fake))
    await engine.plan({ mode: 'full' })
  }
  await assert.rejects(attempt(), (err) => {
    assert.ok(err instanceof okta.SecretError, `${err.name}: ${err.message}`)
    assert.equal(err.code, 'SECRET')
    assert.equal(err.secret, 'provider:okta')
    assert.equal(typeof err.reason, 'string')
    return true
  })
})

test('an invalid configuration fails SyncEngine.create with a ConfigError', async () => {
  const config = engineConfig({ url: 'http://example.com', token: 'x' })
  config.mappings[1].name = config.mappings[0].name
  await assert.rejects(okta.SyncEngine.create(config), (err) => {
    assert.ok(err instanceof okta.ConfigError)
    assert.equal(err.code, 'CONFIG_INVALID')
    const paths = err.problems.map((p) => p.path)
    assert.ok(paths.includes('mappings[1].name'), paths.join(', '))
    assert.ok(paths.includes('okta.org_url'), paths.join(', '))
    return true
  })
})

test('a plan that is not a plan is a DecodeError naming the path', async (t) => {
  const fake = await startOktaFake(['--users', '10'])
  t.after(() => fake.stop())
  const engine = await okta.SyncEngine.create(engineConfig(fake), { secrets: { okta: fake.token } })
  await assert.rejects(engine.apply({ format: 'okta-sync.plan.v1', actions: 'none' }), (err) => {
    assert.ok(err instanceof okta.DecodeError, `${err.name}: ${err.message}`)
    assert.equal(err.what, 'plan')
    return true
  })
  await assert.rejects(engine.plan({ mode: 'sideways' }), (err) => {
    assert.ok(err instanceof okta.DecodeError)
    assert.match(err.message, /sideways/)
    return true
  })
})
