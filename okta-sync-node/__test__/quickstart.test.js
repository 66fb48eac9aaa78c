'use strict'
// The Node version of the README's example (examples/node/quickstart.mjs) runs as written,
// and its report counts exactly the people examples/quickstart.yaml puts in scope.

const test = require('node:test')
const assert = require('node:assert/strict')
const { execFile } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { promisify } = require('node:util')

const { startOktaFake, listAllUsers, groupMemberIds, repo } = require('./helpers/okta-fake.js')

// examples/quickstart.yaml: logins for these groups (default status policy), and records for
// Engineering and Sales people in these statuses.
const LOGIN_SYNC = new Set(['ACTIVE', 'PROVISIONED', 'RECOVERY', 'PASSWORD_EXPIRED', 'LOCKED_OUT'])
const RECORD_STATUSES = new Set(['ACTIVE', 'PROVISIONED', 'RECOVERY', 'PASSWORD_EXPIRED', 'LOCKED_OUT', 'SUSPENDED'])
const RECORD_DEPARTMENTS = new Set(['engineering', 'sales'])

test('examples/node/quickstart.mjs runs against the local Okta server', async (t) => {
  const fake = await startOktaFake(['--users', '300'])
  t.after(() => fake.stop())
  const users = await listAllUsers(fake)
  const admins = new Set([
    ...(await groupMemberIds(fake, 'Okta Administrators')).members,
    ...(await groupMemberIds(fake, 'Asset Managers')).members,
  ])
  const logins = users.filter((u) => admins.has(u.id) && LOGIN_SYNC.has(u.status)).length
  const records = users.filter((u) => RECORD_DEPARTMENTS.has(String(u.profile.department ?? '').trim().toLowerCase()) && RECORD_STATUSES.has(u.status)).length

  // The example reads examples/quickstart.yaml relative to the working directory, and the
  // configuration's target and state files land there too: run it in a scratch copy.
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'okta-sync-quickstart-'))
  fs.mkdirSync(path.join(cwd, 'examples'))
  fs.copyFileSync(path.join(repo, 'examples', 'quickstart.yaml'), path.join(cwd, 'examples', 'quickstart.yaml'))
  const env = { ...process.env, OKTA_ORG_URL: fake.url, OKTA_API_TOKEN: fake.token }
  const script = path.join(repo, 'examples', 'node', 'quickstart.mjs')
  const { stdout } = await promisify(execFile)(process.execPath, [script], { cwd, env, timeout: 300_000 })

  const lines = stdout.trimEnd().split('\n')
  assert.match(lines[0], /^full sync, plan sha256:[0-9a-f]+ \(dry run: nothing written\)$/, stdout)
  assert.match(stdout, new RegExp(`create_login ${logins}\\b`), stdout)
  assert.match(stdout, new RegExp(`create_record ${records}\\b`), stdout)
})

test('the README shows exactly the code of examples/node/quickstart.mjs', () => {
  const readme = fs.readFileSync(path.join(repo, 'README.md'), 'utf8')
  const block = readme.match(/\nNode \(`node examples\/node\/quickstart\.mjs`[^\n]*\n\n```js\n([\s\S]*?)```/)
  assert.ok(block, 'README.md has a Node example block')
  const example = fs.readFileSync(path.join(repo, 'examples', 'node', 'quickstart.mjs'), 'utf8')
  const code = example.split('\n').filter((line) => !line.startsWith('//')).join('\n').trim()
  assert.equal(block[1].trim(), code)
})
