'use strict'
// lib.d.ts is valid TypeScript and describes the API as it is used (types-check.ts).

const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const path = require('node:path')

test('lib.d.ts type-checks a typical use of the API', () => {
  const tsc = require.resolve('typescript/bin/tsc')
  const root = path.join(__dirname, '..')
  const args = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'node16', '--moduleResolution', 'node16', '--skipLibCheck', 'false', path.join(__dirname, 'types-check.ts')]
  try {
    execFileSync(process.execPath, [tsc, ...args], { cwd: root, encoding: 'utf8' })
  } catch (err) {
    assert.fail(`tsc failed:\n${err.stdout}${err.stderr}`)
  }
})
