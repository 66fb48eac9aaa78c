"""List every user of the local Okta server with Okta's official Python SDK (`okta`),
using its documented pagination (`list_users`, then `resp.has_next()` / `resp.next()`).

Usage: python_sdk_list.py URL TOKEN. Prints one JSON line.
"""

import asyncio
import json
import os
import sys
import time

from okta.client import Client as OktaClient


async def main(url: str, token: str) -> None:
    # The SDK refuses http:// unless its `testing.testingDisableHttpsCheck` setting is on;
    # that setting is read from the top level of its configuration, which `Client(dict)`
    # cannot reach (the dict goes under `client`), so it is given the SDK's documented way
    # for such settings, an OKTA_* environment variable.
    os.environ["OKTA_TESTING_TESTINGDISABLEHTTPSCHECK"] = "true"
    config = {
        "orgUrl": url,
        "token": token,
        "rateLimit": {"maxRetries": 0},
    }
    started = time.perf_counter()
    pages = 0
    async with OktaClient(config) as client:
        users, resp, err = await client.list_users(limit=200)
        if err:
            raise SystemExit(f"list_users failed: {err}")
        count = len(users)
        pages += 1
        while resp.has_next():
            users, err = await resp.next()
            if err:
                raise SystemExit(f"next page failed: {err}")
            count += len(users)
            pages += 1
    seconds = time.perf_counter() - started
    print(json.dumps({"bench": "python_sdk", "users": count, "pages": pages, "seconds": seconds}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
