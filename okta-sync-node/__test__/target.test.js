'use strict'
// An asset target written in JavaScript receives the sync's writes.

const test = require('node:test')
const assert = require('node:assert/strict')

const okta = require('../lib.js')
const { MemoryTarget } = require('./helpers/memory-target.js')
const { startOktaFake } = require('./helpers/okta-fake.js')
const { engineConfig, expectedScope } = require('./helpers/org.js')

test('a JavaScript target receives the full import, then nothing on a quiet delta', async (t) => {
  const fake = await startOktaFake(['--users', '120', '--seed', '21'])
  t.after(() => fake.stop())
  const target = new MemoryTarget({ batchLimit: 5 })
  const engine = await okta.SyncEngine.create(engineConfig(fake), { target, secrets: { okta: fake.token } })
  const scope = await expectedScope(fake)

  const checked = await engine.checkConnections()
  assert.equal(checked.ok, true, JSON.stringify(checked))

  const { plan, report } = await engine.run({ mode: 'full' })
  assert.deepEqual(report.failures, [])
  assert.equal(target.records.size, scope.engineering.length)
  assert.equal(target.logins.size, scope.admins.length)
  assert.ok(target.batches.every((b) => b.length <= 5 && new Set(b.map((w) => w.op)).size === 1))

  // Each record carries its person's values and the Okta id stamp.
  const byEmail = new Map(scope.engineering.map((u) => [u.profile.email.trim().toLowerCase(), u]))
  for (const { collection, fields } of target.records.values()) {
    assert.equal(collection, 'Employees')
    const user = byEmail.get(fields.Email)
    assert.ok(user, `unexpected record ${fields.Email}`)
    assert.equal(fields['Okta ID'], user.id)
    assert.equal(fields.Name, `${user.profile.firstName} ${user.profile.lastName}`)
  }
  const roles = new Set([...target.logins.values()].map((l) => l.role))
  assert.ok([...roles].every((r) => r === 'Administrator' || r === 'Asset Manager'), [...roles].join())
  assert.equal(report.counts.create_record.done, plan.counts.create_record)

  const writes = target.batches.length
  const quiet = await engine.run()
  assert.equal(quiet.plan.mode, 'delta')
  assert.deepEqual(quiet.plan.counts, {})
  assert.equal(target.batches.length, writes, 'a quiet delta writes nothing')
})

test('a write the JavaScript target refuses fails that action only', async (t) => {
  const fake = await startOktaFake(['--users', '60', '--seed', '21'])
  t.after(() => fake.stop())
  const scope = await expectedScope(fake)
  const refused = scope.engineering[0].profile.email.trim().toLowerCase()
  const target = new MemoryTarget({ failFor: refused })
  const engine = await okta.SyncEngine.create(engineConfig(fake), { target, secrets: { okta: fake.token } })
  const { report } = await engine.run({ mode: 'full' })
  assert.equal(report.failures.length, 1, JSON.stringify(report.failures))
  assert.equal(report.failures[0].okta_id, scope.engineering[0].id)
  assert.match(report.failures[0].reason, /refused/)
  assert.equal(target.records.size, scope.engineering.length - 1)
})

test('a throwing or malformed JavaScript target gives errors, never a crash', async (t) => {
  const fake = await startOktaFake(['--users', '30', '--seed', '2'])
  t.after(() => fake.stop())
  const secrets = { okta: fake.token }

  // write() throws: the batch fails with the thrown message as its reason.
  const throwing = new MemoryTarget()
  throwing.write = () => { throw new Error('store is read-only') }
  const engine = await okta.SyncEngine.create(engineConfig(fake), { target: throwing, secrets })
  const { report } = await engine.run({ mode: 'full' })
  assert.ok(report.failures.length > 0)
  assert.ok(report.failures.every((f) => /store is read-only/.test(f.reason)), JSON.stringify(report.failures[0]))

  // write() answers one outcome for a batch of several: refused, nothing misattributed.
  const short = new MemoryTarget()
  short.write = async (batch) => [{ result: 'done', id: 'x' }].slice(0, batch.length - 1)
  const engine2 = await okta.SyncEngine.create(engineConfig(fake), { target: short, secrets })
  const second = await engine2.run({ mode: 'full' })
  assert.ok(second.report.failures.length > 0)
  assert.ok(second.report.failures.some((f) => /outcomes/.test(f.reason)), JSON.stringify(second.report.failures[0]))

  // holdings() throws: the sync cannot plan and says which callback failed.
  const blind = new MemoryTarget()
  blind.holdings = async () => { throw new TypeError('no database') }
  const engine3 = await okta.SyncEngine.create(engineConfig(fake), { target: blind, secrets })
  await assert.rejects(engine3.plan({ mode: 'full' }), (err) => {
    assert.ok(err instanceof okta.OktaSyncError, `${err.name}: ${err.message}`)
    assert.match(err.message, /no database/)
    return true
  })

  // capabilities() returns nonsense: creation fails with a DecodeError.
  const odd = new MemoryTarget()
  odd.capabilities = () => ({ batch_limit: 'many' })
  await assert.rejects(okta.SyncEngine.create(engineConfig(fake), { target: odd, secrets }), okta.DecodeError)

  // A target missing a method is a TypeError before anything starts.
  await assert.rejects(okta.SyncEngine.create(engineConfig(fake), { target: { capabilities() {} }, secrets }), TypeError)
})

test('a progress callback that throws only warns', async (t) => {
  const fake = await startOktaFake(['--users', '20', '--seed', '4'])
  t.after(() => fake.stop())
  const warnings = []
  const onWarning = (w) => warnings.push(w)
  process.on('warning', onWarning)
  t.after(() => process.off('warning', onWarning))
  const progress = () => { throw new Error('bad listener') }
  const engine = await okta.SyncEngine.create(engineConfig(fake), { progress, secrets: { okta: fake.token } })
  const { report } = await engine.run({ mode: 'full', dryRun: true })
  assert.equal(report.dry_run, true)
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(warnings.filter((w) => /bad listener/.test(w.message)).length, 1)
})
