"""List the users of the local Okta server with Okta's official Python SDK (`okta` 3.x),
using the pagination the SDK ships: `okta.pagination.paginate_all` over
`client.list_users`, which follows the `after` cursor of each page's `Link: rel="next"`.

Usage: python_sdk_list.py URL TOKEN [all|plain]. Prints one JSON line.

`all` (the default) asks for `search=status pr`, the same users `OktaSource` lists (every
status); `plain` is a bare `list_users`, which leaves out DEPROVISIONED users, as Okta does.

Notes on okta 3.4.6:
- The README's `resp.has_next()` / `resp.next()` loop does not work with 3.x: `list_users`
  returns an `ApiResponse`, which has neither (AttributeError). `paginate_all` is the
  SDK's own helper for 3.x.
- `paginate_all` stops silently on an error (`if error or not data: break`), so the
  listing method is wrapped to fail loudly instead of reporting a short count.
- The SDK refuses http:// unless `testing.testingDisableHttpsCheck` is on; `Client(dict)`
  cannot reach that setting (the dict goes under `client`), so it is set through the
  SDK's documented OKTA_TESTING_TESTINGDISABLEHTTPSCHECK variable.
- It sends `Authorization: SSWS<token>` (no space); okta-fake accepts that as Okta does.
"""

import asyncio
import json
import os
import sys
import time

from okta.client import Client as OktaClient
from okta.pagination import paginate_all


async def main(url: str, token: str, mode: str) -> None:
    os.environ["OKTA_TESTING_TESTINGDISABLEHTTPSCHECK"] = "true"
    config = {
        "orgUrl": url,
        "token": token,
        "rateLimit": {"maxRetries": 0},
    }
    query = {"search": "status pr"} if mode == "all" else {}
    pages = 0
    started = time.perf_counter()
    async with OktaClient(config) as client:

        async def list_users(**kwargs):
            nonlocal pages
            users, resp, err = await client.list_users(**kwargs)
            if err:
                raise SystemExit(f"list_users failed on page {pages + 1}: {err}")
            pages += 1
            return users, resp, err

        count = 0
        async for _user in paginate_all(list_users, limit=200, **query):
            count += 1
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "bench": "python_sdk",
                "sdk": "okta==3.4.6",
                "lists": "every status (search=status pr)" if mode == "all" else "plain GET /api/v1/users (no DEPROVISIONED)",
                "users": count,
                "pages": pages,
                "seconds": seconds,
            }
        )
    )


if __name__ == "__main__":
    mode = sys.argv[3] if len(sys.argv) > 3 else "all"
    if mode not in ("all", "plain"):
        raise SystemExit("mode must be all or plain")
    asyncio.run(main(sys.argv[1], sys.argv[2], mode))
