"""Python quickstart: a full import from Okta into the embedded local target, then a delta.

Loads `examples/quickstart.yaml`, points it at the Okta org in OKTA_ORG_URL (for example the
local fake: `cargo run -p okta-fake` prints the URL and token to export), plans, applies,
and runs again. The second run is a delta sync that finds nothing to do.

    export OKTA_ORG_URL=... OKTA_API_TOKEN=...
    python examples/python/quickstart.py
"""

import os
from pathlib import Path

import okta_sync

config = okta_sync.load_config(Path(__file__).resolve().parent.parent / "quickstart.yaml")
config["okta"]["org_url"] = os.environ.get("OKTA_ORG_URL", config["okta"]["org_url"])
for path in (config["target"]["path"], config["state"]["path"]):
    Path(path).parent.mkdir(parents=True, exist_ok=True)

engine = okta_sync.SyncEngine(config)
print("connections ok:", engine.check_connections()["ok"])

plan = engine.plan(mode="full")
print(f"plan {plan.hash}: {plan.counts}")
for action in plan.actions[:3]:
    print(f"  {action.kind} {action.mapping} {action.okta_id}: {action.reason}")

report = engine.apply(plan)
print(report.summary())

again = engine.run()
print(f"second run ({again.plan.mode}): {again.plan.counts or 'nothing to do'}")
