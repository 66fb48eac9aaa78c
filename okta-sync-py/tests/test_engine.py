"""SyncEngine against the local Okta-compatible server, into the embedded local target."""

from __future__ import annotations

import asyncio
import copy
import json
import pickle
import threading
import urllib.request
from typing import Any

import pytest

import okta_sync
from conftest import FakeOkta


def active_users(fake: FakeOkta) -> list[dict[str, Any]]:
    """ACTIVE users as Okta itself lists them, read without okta_sync."""
    request = urllib.request.Request(
        f"{fake.url}/api/v1/users?limit=200",
        headers={"Authorization": f"SSWS {fake.token}", "Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        users = json.loads(response.read())
        assert 'rel="next"' not in response.headers.get("Link", ""), "more than one page"
    return [u for u in users if u["status"] == "ACTIVE"]


def test_full_import_then_delta(okta_fake: FakeOkta, engine_config: dict[str, Any]) -> None:
    active = active_users(okta_fake)
    assert active, "the generated org has ACTIVE users"
    engine = okta_sync.SyncEngine(engine_config)

    checked = engine.check_connections()
    assert checked["ok"] is True

    plan = engine.plan(mode="full")
    assert plan.mode == "full"
    assert plan.first_import is True
    assert plan.counts == {"create_record": len(active)}
    assert len(plan) == len(plan.actions) == len(active)
    assert {a.okta_id for a in plan.actions} == {u["id"] for u in active}
    first = plan.actions[0]
    assert isinstance(first, okta_sync.Action)
    assert first.kind == "create_record" and first.mapping == "employees"
    assert first.details["collection"] == "Employees"
    by_id = {u["id"]: u for u in active}
    assert first.details["fields"]["Email"] == by_id[first.okta_id]["profile"]["email"].strip().lower()
    assert not first.is_destructive
    assert plan.brake_tripped is False

    report = engine.apply(plan)
    assert isinstance(report, okta_sync.Report)
    assert report.to_dict()
    assert json.loads(report.to_json()) == report.to_dict()
    assert report.summary()

    # Nothing changed in Okta: the next run is a delta with nothing to do.
    quiet = engine.run()
    assert quiet.plan.mode == "delta"
    assert quiet.plan.is_empty(), quiet.plan.counts

    # An admin edits one profile and adds one person.
    edited = active[0]
    okta_fake.admin("POST", f"users/{edited['id']}/profile", {"lastName": "Renamed"})
    created = okta_fake.admin(
        "POST",
        "users",
        {"profile": {"firstName": "New", "lastName": "Hire", "email": "new.hire@example.com",
                     "login": "new.hire@example.com", "department": "Engineering"}},
    )
    okta_fake.admin("POST", "clock/advance?seconds=120")
    delta = engine.run(mode="delta")
    assert delta.plan.mode == "delta"
    assert delta.plan.counts == {"create_record": 1, "update_record": 1}
    kinds = {a.okta_id: a.kind for a in delta.plan.actions}
    assert kinds == {created["id"]: "create_record", edited["id"]: "update_record"}
    update = next(a for a in delta.plan.actions if a.kind == "update_record")
    assert [c["field"] for c in update.details["changes"]] == ["Name"]
    assert update.details["changes"][0]["after"].endswith(" Renamed")


def test_dry_run_changes_nothing(okta_fake: FakeOkta, engine_config: dict[str, Any]) -> None:
    engine = okta_sync.SyncEngine(engine_config)
    dry = engine.run(dry_run=True, mode="full")
    assert dry.plan.counts["create_record"] > 0
    assert dry.report.dry_run is True
    assert dry.report.counts["create_record"] == {"planned": dry.plan.counts["create_record"], "done": 0, "failed": 0}
    # The state did not move: the next plan is still the first import, with the same work.
    again = engine.plan()
    assert again.first_import is True
    assert again.mode == "full"
    assert again.counts == dry.plan.counts


def test_plan_round_trips_through_json(okta_fake: FakeOkta, engine_config: dict[str, Any]) -> None:
    engine = okta_sync.SyncEngine(engine_config)
    plan = engine.plan(mode="full")
    text = plan.to_json(indent=2)
    loaded = okta_sync.Plan.from_json(text)
    assert loaded.hash == plan.hash
    assert loaded.to_dict() == plan.to_dict() == json.loads(text)
    engine.apply(loaded)
    assert engine.plan().is_empty()


def test_unknown_mode_is_rejected(engine_config: dict[str, Any]) -> None:
    engine = okta_sync.SyncEngine(engine_config)
    with pytest.raises(okta_sync.DecodeError, match="sideways"):
        engine.plan(mode="sideways")  # type: ignore[arg-type]


def test_blocking_calls_release_the_gil(okta_fake: FakeOkta, engine_config: dict[str, Any]) -> None:
    """While one thread is inside plan(), another thread keeps running Python code."""
    marks: dict[str, int] = {}
    counter = 0

    def progress(event: dict[str, Any]) -> None:
        if event.get("phase") == "read_directory":
            marks[event["event"]] = counter

    engine = okta_sync.SyncEngine(engine_config, progress=progress)
    worker = threading.Thread(target=lambda: engine.plan(mode="full"))
    worker.start()
    while worker.is_alive():
        counter += 1
    worker.join()
    assert marks["phase_finished"] > marks["phase_started"]


def test_bad_token_raises_credential_error(okta_fake: FakeOkta, engine_config: dict[str, Any],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKTA_SYNC_TEST_TOKEN", "not-the-token")
    engine = okta_sync.SyncEngine(engine_config)
    with pytest.raises(okta_sync.CredentialError) as caught:
        engine.plan()
    err = caught.value
    assert isinstance(err, okta_sync.OktaApiError)
    assert err.code == "OKTA_CREDENTIAL"
    assert err.status == 401
    assert err.error_code == "E0000011"
    assert err.request_id
    assert "not-the-token" not in str(err)
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is okta_sync.CredentialError
    assert (clone.status, clone.error_code, clone.request_id, clone.hint) == (
        err.status, err.error_code, err.request_id, err.hint)


def test_missing_secret_is_a_secret_error(engine_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OKTA_SYNC_TEST_TOKEN")
    with pytest.raises(okta_sync.SecretError) as caught:
        okta_sync.SyncEngine(engine_config)
    assert caught.value.name == "env:OKTA_SYNC_TEST_TOKEN"


def test_secrets_from_a_mapping_or_a_callable(okta_fake: FakeOkta, engine_config: dict[str, Any]) -> None:
    config = copy.deepcopy(engine_config)
    config["okta"]["token"] = {"provider": "okta-token"}
    from_mapping = okta_sync.SyncEngine(config, secrets={"okta-token": okta_fake.token})
    assert from_mapping.check_connections()["ok"] is True
    asked: list[str] = []

    def lookup(name: str) -> str | None:
        asked.append(name)
        return okta_fake.token if name == "okta-token" else None

    from_callable = okta_sync.SyncEngine(config, secrets=lookup)
    assert from_callable.check_connections()["ok"] is True
    assert "okta-token" in asked


def test_brake_refuses_then_accepts_the_approved_hash(okta_fake: FakeOkta, engine_config: dict[str, Any]) -> None:
    config = copy.deepcopy(engine_config)
    config["mappings"][0]["inactive"] = {"field": "Status", "inactive_value": "Inactive", "active_value": "Active"}
    config["safety"] = {"max_deactivate_share": 0.01, "max_deactivate_count": 1}
    engine = okta_sync.SyncEngine(config)
    engine.run(mode="full")  # the first import is exempt from the brake

    leaving = active_users(okta_fake)[:3]
    for user in leaving:
        okta_fake.admin("POST", f"users/{user['id']}/suspend")
    okta_fake.admin("POST", "clock/advance?seconds=120")
    plan = engine.plan(mode="full")
    assert plan.counts.get("mark_record_inactive") == 3
    assert plan.brake_tripped
    assert plan.brake["counts"]["destructive"] == 3

    with pytest.raises(okta_sync.SafetyBrakeTripped) as caught:
        engine.apply(plan)
    err = caught.value
    assert err.code == "SAFETY_BRAKE_TRIPPED"
    assert err.plan_hash == plan.hash
    assert err.counts["destructive"] == 3
    assert err.reason
    clone = pickle.loads(pickle.dumps(err))
    assert (type(clone), clone.plan_hash, clone.counts) == (okta_sync.SafetyBrakeTripped, err.plan_hash, err.counts)

    with pytest.raises(okta_sync.ApprovalMismatchError):
        engine.apply(plan, approval="sha256:" + "0" * 64)
    report = engine.apply(plan, approval=plan.hash)
    assert report.to_dict()


@pytest.mark.asyncio
async def test_asyncio_full_import_then_delta(okta_fake: FakeOkta, engine_config: dict[str, Any]) -> None:
    engine = okta_sync.SyncEngine(engine_config)
    checks = await asyncio.gather(*(engine.check_connections_async() for _ in range(3)))
    assert all(c["ok"] for c in checks)
    plan = await engine.plan_async(mode="full")
    assert plan.counts == {"create_record": len(active_users(okta_fake))}
    report = await engine.apply_async(plan)
    assert report.summary()
    outcome = await engine.run_async()
    assert outcome.plan.mode == "delta"
    assert outcome.plan.is_empty()


@pytest.mark.asyncio
async def test_asyncio_errors_raise_normally(okta_fake: FakeOkta, engine_config: dict[str, Any],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKTA_SYNC_TEST_TOKEN", "not-the-token")
    engine = okta_sync.SyncEngine(engine_config)
    with pytest.raises(okta_sync.CredentialError):
        await engine.plan_async()


def test_logging_goes_to_the_okta_sync_logger(okta_fake: FakeOkta, engine_config: dict[str, Any],
                                              caplog: pytest.LogCaptureFixture) -> None:
    engine = okta_sync.SyncEngine(engine_config)
    with caplog.at_level("DEBUG", logger="okta_sync"):
        engine.plan(mode="full")
    names = {r.name for r in caplog.records}
    assert names, "no log records at DEBUG"
    assert all(n.startswith("okta_sync.") for n in names), names
    assert okta_fake.token not in caplog.text


def test_quiet_by_default(okta_fake: FakeOkta, engine_config: dict[str, Any],
                          capfd: pytest.CaptureFixture[str]) -> None:
    engine = okta_sync.SyncEngine(engine_config)
    engine.run(mode="full")
    out, err = capfd.readouterr()
    assert out == "" and err == ""
