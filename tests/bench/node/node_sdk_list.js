// List the users of the local Okta server with Okta's official Node SDK
// (@okta/okta-sdk-nodejs), using its documented pagination: the collection returned by
// `userApi.listUsers` is iterated with `for await`, which follows the Link `next` pages.
//
// Usage: node node_sdk_list.js URL TOKEN [all|plain]. Prints one JSON line.
//
// `all` (the default) asks for `search=status pr`, the same users OktaSource lists (every
// status); `plain` is a bare listUsers, which leaves out DEPROVISIONED users, as Okta does.

const okta = require('@okta/okta-sdk-nodejs')

async function main (url, token, mode) {
  const started = process.hrtime.bigint()
  const client = new okta.Client({
    orgUrl: url,
    token,
    // The SDK refuses http:// unless told this is a test setup.
    testing: { disableHttpsCheck: true }
  })
  const query = mode === 'all' ? { limit: 200, search: 'status pr' } : { limit: 200 }
  let count = 0
  const users = await client.userApi.listUsers(query)
  for await (const user of users) {
    if (user) count++
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  console.log(JSON.stringify({
    bench: 'node_sdk',
    sdk: '@okta/okta-sdk-nodejs@8.1.0',
    lists: mode === 'all' ? 'every status (search=status pr)' : 'plain GET /api/v1/users (no DEPROVISIONED)',
    users: count,
    seconds
  }))
}

const mode = process.argv[4] || 'all'
if (mode !== 'all' && mode !== 'plain') {
  console.error('mode must be all or plain')
  process.exit(2)
}
main(process.argv[2], process.argv[3], mode).catch((e) => {
  console.error(e)
  process.exit(1)
})
