'use strict'
// The cross-language planning cases (tests/cases/*.json, format in tests/cases/README.md),
// run through planOffline and checked against the same hand-worked expectations as the
// Rust and Python suites.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const okta = require('../lib.js')
const { repo } = require('./helpers/okta-fake.js')

const dir = path.join(repo, 'tests', 'cases')
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()

test('there are cases to run', () => {
  assert.ok(files.length > 0, `no *.json in ${dir}`)
})

for (const file of files) {
  const testCase = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'))
  test(`case ${testCase.name}`, async () => {
    const plan = await okta.planOffline(testCase.input)
    const { expect } = testCase
    const kinds = new Set([...Object.keys(plan.counts), ...Object.keys(expect.actions)])
    for (const kind of kinds) {
      assert.equal(plan.counts[kind] ?? 0, expect.actions[kind] ?? 0, `${kind} in ${file}: ${testCase.description}`)
    }
    if (expect.unchanged !== undefined) assert.deepEqual(plan.unchanged, expect.unchanged)
    if (expect.brake_tripped !== undefined) assert.equal(plan.brake.tripped, expect.brake_tripped)
    if (expect.held_back !== undefined) assert.equal(plan.held_back.length, expect.held_back)
    // The same input is planned to the same bytes.
    const again = await okta.planOffline(JSON.stringify(testCase.input))
    assert.equal(again.hash, plan.hash)
  })
}
