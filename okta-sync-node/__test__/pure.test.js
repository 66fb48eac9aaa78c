'use strict'
// The pure functions: configuration checks, mapping one user, explaining filters.
// Expected values are worked out by hand from the fixture and the configuration.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { pathToFileURL } = require('node:url')

const okta = require('../lib.js')

const fixtures = path.join(__dirname, 'fixtures')
const configPath = path.join(fixtures, 'record-employees.yaml')
const isaac = JSON.parse(fs.readFileSync(path.join(fixtures, 'user-single.json'), 'utf8'))

function withProfile(user, changes, extra = {}) {
  return { ...user, ...extra, profile: { ...user.profile, ...changes } }
}

test('loadConfig fills in defaults, from a path, a file URL or an object', () => {
  const loaded = okta.loadConfig(configPath)
  assert.equal(loaded.okta.page_size, 200)
  assert.equal(loaded.okta.rate_limit_share, 0.5)
  assert.equal(loaded.safety.max_deactivate_count, 25)
  assert.equal(loaded.mappings[0].okta_id_field, 'Okta ID')
  assert.deepEqual(okta.loadConfig(pathToFileURL(configPath)), loaded)
  assert.deepEqual(okta.loadConfig(loaded), loaded)
  assert.equal(okta.validateConfig(loaded), undefined)
})

test('configSchema is the committed JSON Schema of the configuration', () => {
  const committed = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'config.schema.json'), 'utf8'))
  assert.deepEqual(okta.configSchema(), committed)
})

test('validateConfig reports every problem with its path', () => {
  const config = okta.loadConfig(configPath)
  config.mappings[1].filters = { department: ['Engineering'] }
  config.mappings.push({ ...config.mappings[0] })
  assert.throws(() => okta.validateConfig(config), (err) => {
    assert.ok(err instanceof okta.ConfigError)
    assert.ok(err instanceof okta.OktaSyncError)
    assert.ok(err instanceof Error)
    assert.equal(err.name, 'ConfigError')
    assert.equal(err.code, 'CONFIG_INVALID')
    const paths = err.problems.map((p) => p.path)
    assert.ok(paths.includes('mappings[1].filters.department'), paths.join(', '))
    // The duplicate of mapping 0 is mapping 2.
    assert.ok(err.problems.some((p) => p.path.startsWith('mappings[2]') && /employees/.test(p.message)), JSON.stringify(err.problems))
    assert.ok(err.problems.length >= 2)
    assert.match(err.message, /mappings\[1\]\.filters\.department/)
    return true
  })
})

test('a file that cannot be read or parsed is a CONFIG_SYNTAX ConfigError naming it', () => {
  const missing = path.join(os.tmpdir(), 'okta-sync-node-no-such-config.yaml')
  assert.throws(() => okta.validateConfig(missing), (err) => {
    assert.ok(err instanceof okta.ConfigError)
    assert.equal(err.code, 'CONFIG_SYNTAX')
    assert.equal(err.sourceName, missing)
    return true
  })
  const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'okta-sync-node-')), 'broken.yaml')
  fs.writeFileSync(broken, 'okta: [unclosed\n')
  assert.throws(() => okta.loadConfig(broken), { name: 'ConfigError', code: 'CONFIG_SYNTAX' })
})

test('mapUser maps the fixture user with lookups and a template', () => {
  const mapped = okta.mapUser(configPath, 'employees', isaac)
  assert.deepEqual(mapped, {
    fields: {
      'Cost Center': '10',
      Department: 'R&D',
      Email: 'isaac.brock@example.com',
      Name: 'Isaac Brock',
      'Okta Status': 'Active',
    },
    problems: [],
  })
})

test('mapUser reports a missing required value instead of writing it', () => {
  const user = withProfile(isaac, { costCenter: null }, { status: 'SUSPENDED' })
  const mapped = okta.mapUser(configPath, 'employees', user)
  assert.equal(mapped.fields['Okta Status'], 'Inactive')
  assert.equal(mapped.fields['Cost Center'], undefined)
  assert.deepEqual(mapped.problems.map((p) => p.field), ['Cost Center'])
})

test('explain says which filter admitted or excluded a user', () => {
  const admitted = okta.explain(configPath, 'employees', isaac)
  assert.equal(admitted.admitted, true)
  assert.deepEqual(admitted.checks.map((c) => [c.filter, c.passed]), [['department', true], ['status', true]])

  const marketing = okta.explain(configPath, 'employees', withProfile(isaac, { department: 'Marketing' }))
  assert.equal(marketing.admitted, false)
  assert.deepEqual(marketing.checks.map((c) => [c.filter, c.passed]), [['department', false], ['status', true]])
  assert.match(marketing.checks[0].reason, /Marketing/)
})

test('explain on a login mapping uses group membership', () => {
  assert.equal(okta.explain(configPath, 'admins', isaac, ['Asset Managers']).admitted, true)
  const outsider = okta.explain(configPath, 'admins', isaac, ['Everyone'])
  assert.equal(outsider.admitted, false)
  assert.equal(outsider.checks.length, 1)
  assert.equal(outsider.checks[0].passed, false)
})

test('an unknown mapping is a ConfigError that lists the mappings', () => {
  assert.throws(() => okta.mapUser(configPath, 'contractors', isaac), (err) => {
    assert.ok(err instanceof okta.ConfigError)
    assert.equal(err.problems[0].path, 'mappings')
    assert.match(err.problems[0].message, /employees, admins/)
    return true
  })
})

test('a user Okta could not have sent is a DecodeError naming the path', () => {
  const { status, ...withoutStatus } = isaac
  assert.ok(status)
  assert.throws(() => okta.mapUser(configPath, 'employees', withoutStatus), (err) => {
    assert.ok(err instanceof okta.DecodeError)
    assert.equal(err.code, 'DECODE')
    assert.equal(err.what, 'user')
    assert.equal(typeof err.path, 'string')
    return true
  })
})

test('arguments of the wrong type are TypeErrors', () => {
  assert.throws(() => okta.mapUser(configPath, 'employees', 'isaac'), TypeError)
  assert.throws(() => okta.loadConfig(42), TypeError)
  assert.throws(() => okta.explain(configPath, 42, isaac), TypeError)
})

test('planOffline without an input is a TypeError, not an error without a code', async () => {
  for (const bad of [undefined, null, 42, true]) {
    await assert.rejects(okta.planOffline(bad), TypeError)
  }
})

test('planSummary and reportSummary are the core\'s human-readable text', async () => {
  const file = path.join(__dirname, '..', '..', 'tests', 'cases', 'full-reconcile-deactivates-logins.json')
  const plan = await okta.planOffline(JSON.parse(fs.readFileSync(file, 'utf8')).input)
  const text = okta.planSummary(plan)
  assert.match(text, /full reconcile/)
  assert.match(text, /deactivate_login 2/)
  assert.match(text, /cy\.okafor@example\.com: left every group/)
  assert.throws(() => okta.reportSummary({ plan_hash: 'x' }), okta.DecodeError)
})
