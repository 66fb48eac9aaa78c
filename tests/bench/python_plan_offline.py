"""Time `okta_sync.plan_offline` (the Python package) on the JSON the Rust bench wrote.

Usage: python_plan_offline.py INPUT.json [RUNS]. Prints one JSON line per way in:

- `python_plan_offline_json`: `plan_offline_json(text)`, the same JSON text the Rust
  figure starts from (decoding and planning in Rust, the GIL released);
- `python_plan_offline`: `json.loads(text)` then `plan_offline(**dicts)`, for callers
  that hold Python dicts (Python's own JSON parsing included).

The file is read before the clock starts, as in the Rust bench. If the package is not
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


def median(times):
    times = sorted(times)
    return times[len(times) // 2]


def timed(runs, plan):
    times, hashes, actions = [], set(), None
    for _ in range(runs):
        started = time.perf_counter()
        result = plan()
        times.append(time.perf_counter() - started)
        hashes.add(result.hash)
        actions = result.counts
    return times, hashes, actions


def from_text(text):
    return okta_sync.plan_offline_json(text)


def from_dicts(text):
    data = json.loads(text)
    return okta_sync.plan_offline(
        config=data["config"], directory=data["directory"], holdings=data.get("holdings")
    )


text = open(sys.argv[1], encoding="utf-8").read()
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
ways = [("python_plan_offline", from_dicts)]
if hasattr(okta_sync, "plan_offline_json"):
    ways.insert(0, ("python_plan_offline_json", from_text))
for name, way in ways:
    times, hashes, counts = timed(runs, lambda: way(text))
    print(json.dumps({"bench": name, "seconds": median(times), "runs": times,
                      "hash": sorted(hashes)[0] if len(hashes) == 1 else sorted(hashes),
                      "counts": counts}), flush=True)
