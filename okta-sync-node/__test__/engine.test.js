'use strict'
// SyncEngine against the local Okta-compatible server, into the embedded local target:
// a full import, then a delta that sees exactly the changes an admin made.

const test = require('node:test')
const assert = require('node:assert/strict')

const okta = require('../lib.js')
const { startOktaFake } = require('./helpers/okta-fake.js')
const { engineConfig, expectedScope, isEngineering, ADMIN_GROUPS } = require('./helpers/org.js')

const ids = (list) => list.map((u) => u.id).sort()
const actionIds = (plan, kind) => plan.actions.filter((a) => a.kind === kind).map((a) => a.okta_id).sort()

test('full import then delta into the embedded local target', async (t) => {
  const fake = await startOktaFake(['--users', '200', '--seed', '7'])
  t.after(() => fake.stop())
  const secrets = { okta: fake.token }
  const events = []
  const engine = await okta.SyncEngine.create(engineConfig(fake), { secrets, progress: (e) => events.push(e) })

  const checked = await engine.checkConnections()
  assert.equal(checked.ok, true, JSON.stringify(checked))

  // The first run: everyone in scope is created, nothing else happens.
  const scope = await expectedScope(fake)
  assert.ok(scope.engineering.length > 0 && scope.admins.length > 0)
  const plan = await engine.plan({ mode: 'full' })
  assert.equal(plan.mode, 'full')
  assert.equal(plan.first_import, true)
  assert.match(plan.hash, /^sha256:[0-9a-f]{64}$/)
  assert.deepEqual(plan.counts, { create_login: scope.admins.length, create_record: scope.engineering.length })
  assert.deepEqual(actionIds(plan, 'create_record'), ids(scope.engineering))
  assert.deepEqual(actionIds(plan, 'create_login'), ids(scope.admins))
  assert.equal(plan.brake.tripped, false)

  const report = await engine.apply(plan)
  assert.equal(report.plan_hash, plan.hash)
  assert.equal(report.dry_run, false)
  assert.deepEqual(report.failures, [])
  assert.equal(report.counts.create_record.done, scope.engineering.length)
  assert.equal(report.counts.create_login.done, scope.admins.length)
  assert.ok(events.length > 0, 'progress events arrive before the promise settles')
  assert.ok(events.every((e) => typeof e.event === 'string'), JSON.stringify(events.slice(0, 3)))
  assert.ok(events.some((e) => e.event === 'phase_finished' && e.phase === 'apply'), 'the apply phase is reported')
  assert.ok(events.some((e) => e.event === 'page_fetched'), 'pages are reported')

  // Nothing changed in Okta: a delta with nothing to do.
  const quiet = await engine.run()
  assert.equal(quiet.plan.mode, 'delta')
  assert.deepEqual(quiet.plan.counts, {})

  // An admin edits a profile, deactivates someone, removes an admin from a group and adds
  // a new asset manager.
  const adminIds = new Set(ids(scope.admins))
  const [edited, deactivated] = scope.engineering.filter((u) => !adminIds.has(u.id))
  const soleGroup = (u) => ADMIN_GROUPS.filter((g) => scope.membersOf[g].has(u.id))
  const leaver = scope.admins.find((u) => soleGroup(u).length === 1 && !isEngineering(u))
  assert.ok(edited && deactivated && leaver, 'the seed gives suitable users')
  const groups = await fake.admin('GET', 'groups')
  const groupId = (name) => groups.find((g) => g.name === name).id

  await fake.admin('POST', 'clock/advance?seconds=3600')
  await fake.admin('POST', `users/${edited.id}/profile`, { lastName: 'Renamed' })
  await fake.admin('POST', `users/${deactivated.id}/deactivate`)
  await fake.admin('DELETE', `groups/${groupId(soleGroup(leaver)[0])}/members/${leaver.id}`)
  const hire = await fake.admin('POST', 'users', {
    profile: { firstName: 'New', lastName: 'Manager', email: 'new.manager@example.com', login: 'new.manager@example.com', department: 'Legal' },
    activate: true,
  })
  await fake.admin('POST', `groups/${groupId('Asset Managers')}/members/${hire.id}`)
  await fake.admin('POST', 'clock/advance?seconds=120')

  const delta = await engine.run({ mode: 'delta' })
  assert.equal(delta.plan.mode, 'delta')
  assert.deepEqual(delta.plan.counts, { create_login: 1, deactivate_login: 1, mark_record_inactive: 1, update_record: 1 })
  const byKind = Object.fromEntries(delta.plan.actions.map((a) => [a.kind, a]))
  assert.equal(byKind.update_record.okta_id, edited.id)
  assert.deepEqual(byKind.update_record.changes.map((c) => c.field), ['Name'])
  assert.equal(byKind.mark_record_inactive.okta_id, deactivated.id)
  assert.equal(byKind.deactivate_login.okta_id, leaver.id)
  assert.equal(byKind.deactivate_login.cause, 'left_mapped_groups')
  assert.equal(byKind.create_login.okta_id, hire.id)
  assert.equal(byKind.create_login.role, 'Asset Manager')
  assert.deepEqual(delta.report.failures, [])
})

test('a tripped brake refuses the plan until its exact hash is approved', async (t) => {
  const fake = await startOktaFake(['--users', '300', '--seed', '3'])
  t.after(() => fake.stop())
  const config = engineConfig(fake)
  // Everyone ACTIVE, whatever the department, so that deactivations count.
  config.mappings[0].filters = { status: ['ACTIVE'] }
  const engine = await okta.SyncEngine.create(config, { secrets: { okta: fake.token } })
  const first = await engine.run({ mode: 'full' })
  const managed = first.report.counts.create_record.done
  assert.ok(managed >= 100, `${managed} records`)

  // 30 deactivations: more than 25 and more than 10 % of the managed records.
  const scope = await expectedScope(fake)
  const adminIds = new Set(ids(scope.admins))
  const leaving = scope.users.filter((u) => u.status === 'ACTIVE' && !adminIds.has(u.id)).slice(0, 30)
  await fake.admin('POST', 'clock/advance?seconds=3600')
  for (const u of leaving) await fake.admin('POST', `users/${u.id}/deactivate`)
  await fake.admin('POST', 'clock/advance?seconds=120')

  const plan = await engine.plan({ mode: 'delta' })
  assert.equal(plan.counts.mark_record_inactive, 30)
  assert.equal(plan.brake.tripped, true)

  await assert.rejects(engine.apply(plan), (err) => {
    assert.ok(err instanceof okta.SafetyBrakeTrippedError, `${err.name}: ${err.message}`)
    assert.equal(err.code, 'SAFETY_BRAKE_TRIPPED')
    assert.equal(err.planHash, plan.hash)
    assert.equal(err.counts.destructive, 30)
    assert.equal(typeof err.reason, 'string')
    return true
  })
  const other = 'sha256:' + '0'.repeat(64)
  await assert.rejects(engine.apply(plan, { approval: other }), (err) => {
    assert.ok(err instanceof okta.ApprovalMismatchError, `${err.name}: ${err.message}`)
    assert.equal(err.code, 'APPROVAL_MISMATCH')
    assert.equal(err.approved, other)
    assert.equal(err.actual, plan.hash)
    return true
  })
  // A plan saved as JSON (for review) and read back is the same plan.
  const reviewed = JSON.parse(JSON.stringify(plan))
  const report = await engine.apply(reviewed, { approval: { planHash: plan.hash } })
  assert.equal(report.approved, true)
  assert.equal(report.counts.mark_record_inactive.done, 30)
})

test('dry run writes nothing and keeps the state', async (t) => {
  const fake = await startOktaFake(['--users', '40', '--seed', '11'])
  t.after(() => fake.stop())
  const engine = await okta.SyncEngine.create(engineConfig(fake), { secrets: { okta: fake.token } })
  const dry = await engine.run({ dryRun: true, mode: 'full' })
  assert.equal(dry.report.dry_run, true)
  assert.ok(dry.plan.actions.length > 0)
  assert.ok(Object.values(dry.report.counts).every((c) => c.done === 0))
  // Still the first import: the dry run changed nothing.
  const again = await engine.plan()
  assert.equal(again.mode, 'full')
  assert.equal(again.first_import, true)
  assert.deepEqual(again.counts, dry.plan.counts)
})

test('engine work runs off the event loop', async (t) => {
  const fake = await startOktaFake(['--users', '400', '--seed', '5'])
  t.after(() => fake.stop())
  const engine = await okta.SyncEngine.create(engineConfig(fake), { secrets: { okta: fake.token } })
  let ticks = 0
  let settled = false
  const running = engine.plan({ mode: 'full' }).finally(() => { settled = true })
  while (!settled) {
    await new Promise((resolve) => setImmediate(resolve))
    ticks += 1
  }
  await running
  assert.ok(ticks > 1, `the event loop turned ${ticks} times while planning`)
})

test('SyncEngine cannot be constructed directly', () => {
  assert.throws(() => new okta.SyncEngine(), TypeError)
})
