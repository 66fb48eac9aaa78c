"""The cross-language planning cases in `tests/cases/*.json` (also run by Rust and Node).

Each case's `input` is exactly the core's offline planning input, so it is passed to
`plan_offline` as keyword arguments; its `expect` block was worked out by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import okta_sync
from conftest import REPO

CASES = sorted((REPO / "tests" / "cases").glob("*.json"))


def test_there_are_cases() -> None:
    assert CASES, "no tests/cases/*.json found"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path: Path) -> None:
    case: dict[str, Any] = json.loads(path.read_text())
    expect = case["expect"]
    plan = okta_sync.plan_offline(**case["input"])

    kinds = set(expect["actions"]) | set(plan.counts)
    got = {kind: plan.counts.get(kind, 0) for kind in kinds}
    want = {kind: expect["actions"].get(kind, 0) for kind in kinds}
    assert got == want, f"{case['name']}: {case['description']}"
    # The counts agree with the listed actions.
    listed: dict[str, int] = {}
    for action in plan.actions:
        listed[action.kind] = listed.get(action.kind, 0) + 1
    assert {k: v for k, v in plan.counts.items() if v} == listed

    for mapping, unchanged in expect.get("unchanged", {}).items():
        assert plan.unchanged.get(mapping, 0) == unchanged, mapping
    assert plan.brake_tripped is expect["brake_tripped"]
    assert len(plan.held_back) == expect["held_back"]
