'use strict'
// The test configuration and an independent oracle of who is in scope, computed from the
// fake org's own API with the rules of docs/configuration.md (not with okta-sync).

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const { listAllUsers } = require('./okta-fake.js')

// Default login status policy: these statuses get (and keep) a login.
const LOGIN_SYNC = new Set(['ACTIVE', 'PROVISIONED', 'RECOVERY', 'PASSWORD_EXPIRED', 'LOCKED_OUT'])
const ADMIN_GROUPS = ['Okta Administrators', 'Asset Managers']

function engineConfig(fake, { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'okta-sync-node-')), safety } = {}) {
  const config = {
    okta: { org_url: fake.url, token: { provider: 'okta' } },
    target: { kind: 'local', path: path.join(dir, 'target.sqlite') },
    state: { path: path.join(dir, 'state.sqlite') },
    unique_identifier: 'email',
    mappings: [
      {
        kind: 'record',
        name: 'engineering',
        collection: 'Employees',
        filters: { department: ['Engineering'], status: ['ACTIVE'] },
        fields: [
          { target: 'Email', source: 'profile.email', transforms: ['trim', 'lower'], required: true },
          { target: 'Name', source: '{profile.firstName} {profile.lastName}' },
          { target: 'Department', source: 'profile.department' },
        ],
        inactive: { field: 'Status', inactive_value: 'Inactive', active_value: 'Active' },
      },
      {
        kind: 'login',
        name: 'admins',
        groups: [
          { group: 'Okta Administrators', role: 'Administrator' },
          { group: 'Asset Managers', role: 'Asset Manager' },
        ],
        fields: [{ target: 'Email', source: 'profile.email', transforms: ['trim', 'lower'], required: true }],
      },
    ],
  }
  if (safety) config.safety = safety
  return config
}

const isEngineering = (u) => String(u.profile.department ?? '').trim().toLowerCase() === 'engineering'

/** Who each mapping should hold after a full import of the org as it is now. */
async function expectedScope(fake) {
  const users = await listAllUsers(fake)
  const groups = await fake.admin('GET', 'groups')
  const membersOf = {}
  for (const name of ADMIN_GROUPS) {
    const g = groups.find((x) => x.name === name)
    const { body } = await fake.okta('GET', `/api/v1/groups/${g.id}/users?limit=200`)
    membersOf[name] = new Set(body.map((u) => u.id))
  }
  const emails = users.map((u) => String(u.profile.email).trim().toLowerCase())
  if (new Set(emails).size !== emails.length) throw new Error('the generated org has duplicate emails; pick another seed')
  const engineering = users.filter((u) => isEngineering(u) && u.status === 'ACTIVE')
  const admins = users.filter((u) => LOGIN_SYNC.has(u.status) && ADMIN_GROUPS.some((g) => membersOf[g].has(u.id)))
  return { users, membersOf, engineering, admins }
}

module.exports = { engineConfig, expectedScope, isEngineering, ADMIN_GROUPS }
