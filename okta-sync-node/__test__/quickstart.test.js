'use strict'
// The Node version of the README's example (examples/node/quickstart.mjs) runs as written.

const test = require('node:test')
const assert = require('node:assert/strict')
const { execFile } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { promisify } = require('node:util')

const { startOktaFake, repo } = require('./helpers/okta-fake.js')

test('examples/node/quickstart.mjs runs against the local Okta server', async (t) => {
  const fake = await startOktaFake(['--users', '150'])
  t.after(() => fake.stop())
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'okta-sync-quickstart-'))
  const env = { ...process.env, OKTA_ORG_URL: fake.url, OKTA_API_TOKEN: fake.token }
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(repo, 'examples', 'node', 'quickstart.mjs')], { cwd, env, timeout: 300_000 })
  const lines = stdout.trimEnd().split('\n')
  assert.equal(lines[0], 'connections ok: true')
  assert.match(lines[1], /^plan sha256:[0-9a-f]{64}: /)
  assert.match(lines[1], /create_record/)
  assert.equal(lines.at(-1), 'second run (delta): nothing to do')
})
