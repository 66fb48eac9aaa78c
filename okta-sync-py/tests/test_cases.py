"""The cross-language planning cases in `tests/cases/*.json` (also run by Rust and Node).

Each case's `input` is exactly the core's offline planning input, so it is passed to
`plan_offline` as keyword arguments (and, as JSON text, to `plan_offline_json`); its
`expect` block was worked out by hand.
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


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case_from_json_text_is_the_same_plan(path: Path) -> None:
    case: dict[str, Any] = json.loads(path.read_text())
    plan = okta_sync.plan_offline(**case["input"])
    text = json.dumps(case["input"])
    assert okta_sync.plan_offline_json(text).hash == plan.hash
    assert okta_sync.plan_offline_json(text.encode()).hash == plan.hash


def test_plan_offline_json_names_the_bad_path() -> None:
    case: dict[str, Any] = json.loads(CASES[0].read_text())
    case["input"]["directory"]["users"] = 42
    with pytest.raises(okta_sync.DecodeError) as caught:
        okta_sync.plan_offline_json(json.dumps(case["input"]))
    assert caught.value.path == "directory.users"


def test_plan_offline_names_the_bad_path_in_a_large_argument() -> None:
    case: dict[str, Any] = json.loads(CASES[0].read_text())
    case["input"]["directory"]["users"] = 42
    with pytest.raises(okta_sync.DecodeError) as caught:
        okta_sync.plan_offline(**case["input"])
    assert (caught.value.what, caught.value.path) == ("directory", "users")


def test_plan_offline_json_wants_text() -> None:
    with pytest.raises(TypeError):
        okta_sync.plan_offline_json(42)  # type: ignore[arg-type]
