// Node quickstart: a full import from Okta into the embedded local target, then a delta.
//
// Loads examples/quickstart.yaml, points it at the Okta org in OKTA_ORG_URL (for example the
// local fake: `cargo run -p okta-fake` prints the URL and token to export), plans, applies,
// and runs again. The second run is a delta sync that finds nothing to do.
//
//     export OKTA_ORG_URL=... OKTA_API_TOKEN=...
//     node examples/node/quickstart.mjs

import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'

import { SyncEngine, loadConfig, reportSummary } from 'okta-sync'

const config = loadConfig(new URL('../quickstart.yaml', import.meta.url))
config.okta.org_url = process.env.OKTA_ORG_URL ?? config.okta.org_url
for (const path of [config.target.path, config.state.path]) mkdirSync(dirname(path), { recursive: true })

const engine = await SyncEngine.create(config)
console.log('connections ok:', (await engine.checkConnections()).ok)

const plan = await engine.plan({ mode: 'full' })
console.log(`plan ${plan.hash}: ${JSON.stringify(plan.counts)}`)
for (const action of plan.actions.slice(0, 3)) {
  console.log(`  ${action.kind} ${action.mapping} ${action.okta_id}: ${action.reason}`)
}

const report = await engine.apply(plan)
console.log(reportSummary(report).trimEnd())

const again = await engine.run()
const changes = Object.keys(again.plan.counts).length ? JSON.stringify(again.plan.counts) : 'nothing to do'
console.log(`second run (${again.plan.mode}): ${changes}`)
