// The README's Node example: load examples/quickstart.yaml, point it at the Okta org in
// OKTA_ORG_URL (the token comes from OKTA_API_TOKEN), plan and run a sync as a dry run, and
// print the report. Run it from the repository root, after building the package:
//
//     (cd okta-sync-node && npm ci && npm run build) && npm install ./okta-sync-node
//     node examples/node/quickstart.mjs

import { SyncEngine, loadConfig, reportSummary } from 'okta-sync'

const config = loadConfig('examples/quickstart.yaml')
config.okta.org_url = process.env.OKTA_ORG_URL ?? config.okta.org_url
const engine = await SyncEngine.create(config)
const { report } = await engine.run({ dryRun: true })
console.log(reportSummary(report))
