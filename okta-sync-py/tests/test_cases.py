"""The cross-language planning cases in `tests/cases/*.json` (also run by Rust and Node).

Each case's `input` is exactly the core's offline planning input, so it is passed to
`plan_offline` as keyword arguments (and, as JSON text, to `plan_offline_json`); its
`expect` block was worked out by hand.
"""

from __future__ import annotations

import json
import re
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
    # The same error as the JSON text of the same input gets (the test above).
    case: dict[str, Any] = json.loads(CASES[0].read_text())
    case["input"]["directory"]["users"] = 42
    with pytest.raises(okta_sync.DecodeError) as caught:
        okta_sync.plan_offline(**case["input"])
    assert (caught.value.what, caught.value.path) == ("offline planning input", "directory.users")


def test_plan_offline_json_wants_text() -> None:
    with pytest.raises(TypeError):
        okta_sync.plan_offline_json(42)  # type: ignore[arg-type]


# Strictness of the dict route. `plan_offline` must refuse exactly what `plan_offline_json`
# refuses: a value of the wrong JSON type is a `DecodeError` naming its path, never
# coerced. The base case has an incomplete users listing, so a `"false"` taken for `True`
# would turn two held-back deactivations into real ones.

INCOMPLETE = REPO / "tests" / "cases" / "incomplete-listing-holds-back-deactivations.json"
BO = "00uadm00000000000002"


def _without_position(detail: str) -> str:
    """A decode error's detail without the text position only JSON text has."""
    return re.sub(r" at line \d+ column \d+$", "", detail)


def _input(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = json.loads(path.read_text())
    return case["input"]


def _set_users_complete(data: dict[str, Any], value: Any) -> None:
    data["directory"]["users_complete"] = value


def _set_group_complete(data: dict[str, Any], value: Any) -> None:
    data["directory"]["groups"]["Okta Administrators"]["complete"] = value


def _set_login_active(data: dict[str, Any], value: Any) -> None:
    data["holdings"]["admins"]["logins"][1]["active"] = value


BOOLEANS = {
    "users_complete": (_set_users_complete, "directory.users_complete"),
    "group_complete": (_set_group_complete, "directory.groups.Okta Administrators.complete"),
    "login_active": (_set_login_active, "holdings.admins.logins[1].active"),
}


@pytest.mark.parametrize("value", ["false", "no", "true", 1, 0], ids=repr)
@pytest.mark.parametrize("where", sorted(BOOLEANS))
def test_plan_offline_refuses_a_non_bool_where_a_bool_belongs(where: str, value: Any) -> None:
    put, path = BOOLEANS[where]
    data = _input(INCOMPLETE)
    put(data, value)
    with pytest.raises(okta_sync.DecodeError) as caught:
        okta_sync.plan_offline(**data)
    assert (caught.value.what, caught.value.path) == ("offline planning input", path)
    assert "expected a boolean" in caught.value.detail
    # The JSON text of the same input is refused in the same words.
    with pytest.raises(okta_sync.DecodeError) as from_text:
        okta_sync.plan_offline_json(json.dumps(data))
    assert (
        from_text.value.what,
        from_text.value.path,
        _without_position(from_text.value.detail),
    ) == (caught.value.what, caught.value.path, caught.value.detail)


def test_plan_offline_takes_real_bools_in_the_same_places() -> None:
    # The control for the test above: False stays False, so the incomplete listing still
    # holds back both deactivations (the case's own expectation, worked out by hand).
    data = _input(INCOMPLETE)
    _set_users_complete(data, False)
    _set_group_complete(data, True)
    _set_login_active(data, True)
    plan = okta_sync.plan_offline(**data)
    assert plan.counts.get("deactivate_login", 0) == 0
    assert len(plan.held_back) == 2


@pytest.mark.parametrize(
    ("where", "value", "path"),
    [
        # A bool is not an integer in JSON, though Python's bool is an int.
        ("batch_limit", True, "capabilities.batch_limit"),
        # Numbers are not strings, strings are not numbers.
        ("batch_limit", "5", "capabilities.batch_limit"),
        ("user_id", 42, "directory.users[0].id"),
        # A str is not a list of ids.
        ("not_found", BO, "not_found"),
        ("not_found", [42], "not_found[0]"),
        ("now", 1780272000, "now"),
    ],
)
def test_plan_offline_refuses_what_the_json_route_refuses(where: str, value: Any, path: str) -> None:
    data = _input(INCOMPLETE)
    if where == "batch_limit":
        data["capabilities"]["batch_limit"] = value
    elif where == "user_id":
        data["directory"]["users"][0]["id"] = value
    else:
        data[where] = value
    with pytest.raises(okta_sync.DecodeError) as from_text:
        okta_sync.plan_offline_json(json.dumps(data))
    assert from_text.value.path == path
    with pytest.raises(okta_sync.DecodeError) as caught:
        okta_sync.plan_offline(**data)
    assert (caught.value.what, caught.value.path, caught.value.detail) == (
        from_text.value.what,
        from_text.value.path,
        _without_position(from_text.value.detail),
    )


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ({BO}, "not_found"),
        ([b"00uadm00000000000002"], "not_found[0]"),
        ([float("nan")], "not_found[0]"),
        ([float("inf")], "not_found[0]"),
        ([2**64], "not_found[0]"),
        ([object()], "not_found[0]"),
    ],
    ids=["set", "bytes", "nan", "inf", "huge-int", "object"],
)
def test_plan_offline_refuses_python_values_json_cannot_hold(value: Any, path: str) -> None:
    with pytest.raises(okta_sync.DecodeError) as caught:
        okta_sync.plan_offline(**_input(INCOMPLETE), not_found=value)
    assert (caught.value.what, caught.value.path) == ("offline planning input", path)


def test_plan_offline_refuses_keys_that_are_not_str() -> None:
    data = _input(INCOMPLETE)
    data["holdings"]["admins"]["logins"][0]["fields"] = {1: "ada.lovelace@example.com"}
    with pytest.raises(okta_sync.DecodeError) as caught:
        okta_sync.plan_offline(**data)
    assert caught.value.path == "holdings.admins.logins[0].fields"


def test_plan_offline_refuses_a_value_that_contains_itself() -> None:
    data = _input(INCOMPLETE)
    loop: list[Any] = []
    loop.append(loop)
    data["directory"]["gaps"] = loop
    with pytest.raises(okta_sync.DecodeError) as caught:
        okta_sync.plan_offline(**data)
    assert caught.value.path.startswith("directory.gaps[0][0]")


def _bo_deleted_in_okta() -> dict[str, Any]:
    """The full-reconcile case's org with Bo gone from Okta: absent from the (complete)
    users listing and from the group, and Cy back in the group so that only Bo is
    affected. Bo's login L-2 is still linked in the state."""
    data = _input(REPO / "tests" / "cases" / "full-reconcile-deactivates-logins.json")
    directory = data["directory"]
    directory["users"] = [u for u in directory["users"] if u["id"] != BO]
    directory["groups"]["Okta Administrators"]["member_ids"] = [
        "00uadm00000000000001",
        "00uadm00000000000003",
    ]
    return data


def test_plan_offline_not_found_is_evidence_of_deletion() -> None:
    data = _bo_deleted_in_okta()
    # Missing from a complete listing without an event: by default
    # (deprovisioning.missing_without_event = report) nothing is deactivated.
    without = okta_sync.plan_offline(**data)
    assert without.counts.get("deactivate_login", 0) == 0

    # Okta answered 404 for Bo's id: that is evidence of deletion, so Bo's login is
    # deactivated; Ada and Cy are unchanged; 1 of 3 is not over the brake's count of 25.
    plan = okta_sync.plan_offline(**data, not_found=[BO])
    deactivations = [a for a in plan.actions if a.kind == "deactivate_login"]
    assert [(a.mapping, a.okta_id) for a in deactivations] == [("admins", BO)]
    assert {k: v for k, v in plan.counts.items() if v} == {"deactivate_login": 1}
    assert plan.unchanged.get("admins", 0) == 2
    assert plan.brake_tripped is False

    # The same input as JSON text (the core's `not_found` field) gives the same plan.
    text = json.dumps({**data, "not_found": [BO]})
    assert okta_sync.plan_offline_json(text).hash == plan.hash
    # Any sequence of str will do, as the stub says.
    assert okta_sync.plan_offline(**data, not_found=(BO,)).hash == plan.hash


def test_plan_offline_has_no_deleted_argument() -> None:
    # The offline input's field is `not_found` (as in plan_offline_json and Node's
    # planOffline); the old, never-working `deleted` is not accepted.
    with pytest.raises(TypeError):
        okta_sync.plan_offline(**_bo_deleted_in_okta(), deleted={BO: "404"})  # type: ignore[call-arg]
