'use strict'
// Starts the local Okta-compatible server (tests/okta-fake) as a child process and drives
// its control API (`/__fake/...`). The binary comes from OKTA_FAKE_BIN, or the workspace's
// debug build (run-tests.sh builds it).

const { spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const readline = require('node:readline')

const repo = path.resolve(__dirname, '..', '..', '..')

function fakeBinary() {
  const bin = process.env.OKTA_FAKE_BIN || path.join(process.env.CARGO_TARGET_DIR || path.join(repo, 'target'), 'debug', 'okta-fake')
  if (!fs.existsSync(bin)) {
    throw new Error(`okta-fake binary not found at ${bin}; build it with \`cargo build -p okta-fake\` or set OKTA_FAKE_BIN`)
  }
  return bin
}

/**
 * Starts a fake org; resolves to `{ url, token, admin, okta, stop }`. Its clock starts at
 * the real time, as a real org's does.
 */
async function startOktaFake(args = []) {
  const child = spawn(fakeBinary(), ['--port', '0', '--start-time', 'now', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk) => { stderr += chunk })
  const lines = readline.createInterface({ input: child.stdout })
  const found = {}
  await new Promise((resolve, reject) => {
    const fail = (why) => reject(new Error(`okta-fake did not start (${why}): ${stderr}`))
    child.once('exit', (code) => fail(`exit ${code}`))
    child.once('error', reject)
    lines.on('line', (line) => {
      const eq = line.indexOf('=')
      if (eq > 0) found[line.slice(0, eq)] = line.slice(eq + 1)
      if (found.OKTA_FAKE_URL && found.OKTA_FAKE_TOKEN) resolve()
    })
  })
  child.removeAllListeners('exit')
  const url = found.OKTA_FAKE_URL.replace(/\/$/, '')
  const token = found.OKTA_FAKE_TOKEN

  async function request(method, pathAndQuery, body) {
    const res = await fetch(url + pathAndQuery, {
      method,
      headers: { Authorization: `SSWS ${token}`, Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`${method} ${pathAndQuery}: HTTP ${res.status} ${text}`)
    return { body: text ? JSON.parse(text) : null, headers: res.headers }
  }

  return {
    url,
    token,
    /** Calls the control API, e.g. `admin('POST', 'users/00u.../deactivate')`. */
    admin: async (method, route, body) => (await request(method, `/__fake/${route}`, body)).body,
    /** Calls the Okta API itself (read-only use: an independent view of the org). */
    okta: request,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once('exit', resolve)
      child.kill('SIGTERM')
    }),
  }
}

/** Every user of the org, every status, read page by page without okta-sync. */
async function listAllUsers(fake) {
  const users = []
  let next = '/api/v1/users?limit=200&search=' + encodeURIComponent('status pr')
  while (next) {
    const { body, headers } = await fake.okta('GET', next)
    users.push(...body)
    const link = (headers.get('link') || '').split(',').find((l) => /rel="next"/.test(l))
    next = link ? new URL(link.match(/<([^>]+)>/)[1]).pathname + new URL(link.match(/<([^>]+)>/)[1]).search : null
  }
  return users
}

/** Member ids of the group named `name`. */
async function groupMemberIds(fake, name) {
  const groups = await fake.admin('GET', 'groups')
  const group = groups.find((g) => g.name === name)
  if (!group) throw new Error(`no group ${name}`)
  const { body } = await fake.okta('GET', `/api/v1/groups/${group.id}/users?limit=200`)
  return { id: group.id, members: body.map((u) => u.id) }
}

module.exports = { startOktaFake, listAllUsers, groupMemberIds, repo }
