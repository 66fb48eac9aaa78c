// Time `planOffline` of the Node package (okta-sync) on the JSON the Rust bench wrote.
//
// Usage: node node_plan_offline.js INPUT.json [PACKAGE_DIR]. Prints one JSON line; if the
// package cannot be loaded, says so and exits 0 (reported as not measured).

const fs = require('fs')

let okta
try {
  okta = require(process.argv[3] || 'okta-sync')
} catch (e) {
  console.log(JSON.stringify({ bench: 'node_plan_offline', skipped: 'okta-sync is not installed' }))
  process.exit(0)
}

async function main () {
  const text = fs.readFileSync(process.argv[2], 'utf8')
  const times = []
  let actions = null
  for (let i = 0; i < 3; i++) {
    const started = process.hrtime.bigint()
    const plan = JSON.parse(await okta.planOffline(text))
    times.push(Number(process.hrtime.bigint() - started) / 1e9)
    actions = plan.actions.length
  }
  times.sort((a, b) => a - b)
  console.log(JSON.stringify({ bench: 'node_plan_offline', seconds: times[1], runs: times, actions }))
}

main().catch((e) => { console.error(e); process.exit(1) })
