"""Time `okta_sync.plan_offline` (the Python package) on the JSON the Rust bench wrote.

Usage: python_plan_offline.py INPUT.json. Prints one JSON line; if the package is not
installed, says so and exits 0 (the comparison is then reported as not measured).
"""

import json
import sys
import time

try:
    import okta_sync
except ImportError:
    print(json.dumps({"bench": "python_plan_offline", "skipped": "okta_sync is not installed"}))
    sys.exit(0)

text = open(sys.argv[1], encoding="utf-8").read()
times = []
actions = None
for _ in range(3):
    started = time.perf_counter()
    data = json.loads(text)
    plan = okta_sync.plan_offline(
        config=data["config"], directory=data["directory"], holdings=data.get("holdings")
    )
    times.append(time.perf_counter() - started)
    actions = len(plan.actions) if hasattr(plan, "actions") else None
times.sort()
print(json.dumps({"bench": "python_plan_offline", "seconds": times[len(times) // 2],
                  "runs": times, "actions": actions}))
