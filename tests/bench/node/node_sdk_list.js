// List every user of the local Okta server with Okta's official Node SDK
// (@okta/okta-sdk-nodejs), using its documented pagination: the collection returned by
// `userApi.listUsers` is iterated with `for await`, which follows the Link `next` pages.
//
// Usage: node node_sdk_list.js URL TOKEN. Prints one JSON line.

const okta = require('@okta/okta-sdk-nodejs')

async function main (url, token) {
  const started = process.hrtime.bigint()
  const client = new okta.Client({
    orgUrl: url,
    token,
    // The SDK refuses http:// unless told this is a test setup.
    testing: { disableHttpsCheck: true }
  })
  let count = 0
  const users = await client.userApi.listUsers({ limit: 200 })
  for await (const user of users) {
    if (user) count++
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  console.log(JSON.stringify({ bench: 'node_sdk', users: count, seconds }))
}

main(process.argv[2], process.argv[3]).catch((e) => {
  console.error(e)
  process.exit(1)
})
