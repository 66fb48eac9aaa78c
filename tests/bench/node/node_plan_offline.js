// Time `planOffline` of the Node package (okta-sync) on the JSON the Rust bench wrote.
//
// Usage: node node_plan_offline.js INPUT.json [PACKAGE_DIR] [RUNS]. Prints one JSON line;
// if the package cannot be loaded, says so and exits 0 (reported as not measured). The
// file is read before the clock starts, as in the Rust bench.

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
  let hash = null
  const runs = Number(process.argv[4] || 3)
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint()
    // The package's `planOffline` resolves to the plan as an object (its JSON parsed);
    // the bare addon resolves to JSON text. Either way the clock covers the plan in hand.
    const result = await okta.planOffline(text)
    const plan = typeof result === 'string' ? JSON.parse(result) : result
    times.push(Number(process.hrtime.bigint() - started) / 1e9)
    actions = plan.actions.length
    hash = plan.hash
  }
  times.sort((a, b) => a - b)
  console.log(JSON.stringify({
    bench: 'node_plan_offline', seconds: times[Math.floor(times.length / 2)], runs: times, actions, hash
  }))
}

main().catch((e) => { console.error(e); process.exit(1) })
