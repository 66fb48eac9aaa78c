"""A target written in Python, sync and async, and progress callbacks."""

from __future__ import annotations

import asyncio
import itertools
import sys
from typing import Any

import pytest

import okta_sync
from conftest import FakeOkta

CAPABILITIES: dict[str, Any] = {
    "list_records": True,
    "list_logins": True,
    "create_login": True,
    "change_role": True,
    "update_login": True,
    "deactivate_login": True,
    "reactivate_login": True,
    "ungrantable_roles": [],
    "batch_limit": 10,
}


class MemoryTarget:
    """Records in a dict, keyed by id; what a service's own store would do."""

    name = "memory"

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.batches: list[list[dict[str, Any]]] = []
        self.ids = itertools.count(1)

    def capabilities(self) -> dict[str, Any]:
        return CAPABILITIES

    def holdings(self, mapping: dict[str, Any]) -> dict[str, Any]:
        assert mapping["name"] == "employees"
        records = [{"id": rid, "fields": fields} for rid, fields in sorted(self.records.items())]
        return {"records": records, "logins": [], "listed": True}

    def lookup(self, mapping: dict[str, Any], field: str, values: list[str]) -> dict[str, Any]:
        wanted = {v.strip().lower() for v in values}
        records = [
            {"id": rid, "fields": fields}
            for rid, fields in sorted(self.records.items())
            if str(fields.get(field, "")).strip().lower() in wanted
        ]
        return {"records": records, "logins": [], "listed": True}

    def write(self, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        self.batches.append(batch)
        outcomes: list[dict[str, Any]] = []
        for write in batch:
            if write["op"] == "create_record":
                rid = f"r{next(self.ids)}"
                self.records[rid] = dict(write["fields"])
                outcomes.append({"result": "done", "id": rid})
            elif write["op"] == "update_record":
                self.records[write["record_id"]].update(write["fields"])
                outcomes.append({"result": "done", "id": write["record_id"]})
            else:
                outcomes.append({"result": "failed", "reason": f"unsupported {write['op']}", "retryable": False})
        return outcomes


class AsyncMemoryTarget(MemoryTarget):
    """The same store behind `async def` methods."""

    async def capabilities(self) -> dict[str, Any]:  # type: ignore[override]
        await asyncio.sleep(0)
        return CAPABILITIES

    async def holdings(self, mapping: dict[str, Any]) -> dict[str, Any]:  # type: ignore[override]
        await asyncio.sleep(0)
        return MemoryTarget.holdings(self, mapping)

    async def lookup(self, mapping: dict[str, Any], field: str, values: list[str]) -> dict[str, Any]:  # type: ignore[override]
        await asyncio.sleep(0)
        return MemoryTarget.lookup(self, mapping, field, values)

    async def write(self, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:  # type: ignore[override]
        await asyncio.sleep(0)
        return MemoryTarget.write(self, batch)


def test_python_target_receives_the_writes(okta_fake: FakeOkta, engine_config: dict[str, Any]) -> None:
    target = MemoryTarget()
    events: list[dict[str, Any]] = []
    engine = okta_sync.SyncEngine(engine_config, target=target, progress=events.append)
    outcome = engine.run(mode="full")
    created = outcome.plan.counts["create_record"]
    assert len(target.records) == created
    assert all(len(batch) <= CAPABILITIES["batch_limit"] for batch in target.batches)
    emails = sorted(r["Email"] for r in target.records.values())
    assert emails == sorted(a.details["fields"]["Email"] for a in outcome.plan.actions)
    # Every record is stamped with its Okta id (the default stamp field).
    assert {r["Okta ID"] for r in target.records.values()} == {a.okta_id for a in outcome.plan.actions}

    phases = [(e["event"], e.get("phase")) for e in events if "phase" in e]
    for phase in ("read_directory", "read_target", "plan", "apply"):
        assert ("phase_started", phase) in phases
        assert ("phase_finished", phase) in phases
    applied = [e for e in events if e["event"] == "actions_applied"]
    assert applied and applied[-1]["finished"] == applied[-1]["total"] == created

    # Delta: the target is asked only for the people who changed.
    assert engine.run().plan.is_empty()


def test_async_target_in_blocking_calls(okta_fake: FakeOkta, engine_config: dict[str, Any]) -> None:
    target = AsyncMemoryTarget()
    engine = okta_sync.SyncEngine(engine_config, target=target)
    outcome = engine.run(mode="full")
    assert len(target.records) == outcome.plan.counts["create_record"] > 0


@pytest.mark.asyncio
async def test_async_target_and_progress_on_the_callers_loop(okta_fake: FakeOkta,
                                                             engine_config: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    target = AsyncMemoryTarget()
    seen_loops: set[int] = set()
    original_write = target.write

    async def write(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        seen_loops.add(id(asyncio.get_running_loop()))
        return await original_write(batch)

    target.write = write  # type: ignore[method-assign]
    events: list[dict[str, Any]] = []

    async def progress(event: dict[str, Any]) -> None:
        events.append(event)

    engine = okta_sync.SyncEngine(engine_config, target=target, progress=progress)
    outcome = await engine.run_async(mode="full")
    assert len(target.records) == outcome.plan.counts["create_record"]
    assert seen_loops == {id(loop)}
    await asyncio.sleep(0.05)  # let scheduled progress coroutines run
    assert any(e["event"] == "phase_finished" for e in events)


class FailingTarget(MemoryTarget):
    def holdings(self, mapping: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("the store is offline today")


def test_a_target_exception_becomes_the_cause(okta_fake: FakeOkta, engine_config: dict[str, Any]) -> None:
    engine = okta_sync.SyncEngine(engine_config, target=FailingTarget())
    with pytest.raises(okta_sync.CallbackError) as caught:
        engine.plan(mode="full")
    err = caught.value
    assert err.code == "CALLBACK"
    assert err.name == "target.holdings"
    assert "offline today" in err.detail
    assert isinstance(err.__cause__, RuntimeError)
    assert str(err.__cause__) == "the store is offline today"


def test_a_failing_write_is_reported_per_action(okta_fake: FakeOkta, engine_config: dict[str, Any]) -> None:
    """One failure never stops the others: a raising write() becomes failures in the report."""

    class ReadOnly(MemoryTarget):
        def write(self, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
            raise PermissionError("the store is read-only today")

    engine = okta_sync.SyncEngine(engine_config, target=ReadOnly())
    plan = engine.plan(mode="full")
    report = engine.apply(plan)
    planned = plan.counts["create_record"]
    assert report.counts["create_record"] == {"planned": planned, "done": 0, "failed": planned}
    assert len(report.failures) == planned
    assert all("read-only today" in f["reason"] for f in report.failures)
    # Nothing was written, so nothing is remembered: the next plan still creates everyone.
    assert engine.plan().counts == plan.counts


def test_a_bad_return_value_is_named(okta_fake: FakeOkta, engine_config: dict[str, Any]) -> None:
    class Sloppy(MemoryTarget):
        def holdings(self, mapping: dict[str, Any]) -> dict[str, Any]:
            return {"records": [{"fields": {}}], "logins": [], "listed": True}  # no id

    engine = okta_sync.SyncEngine(engine_config, target=Sloppy())
    with pytest.raises(okta_sync.DecodeError) as caught:
        engine.plan(mode="full")
    assert "target.holdings" in caught.value.what
    assert "records[0]" in caught.value.path


def test_an_object_without_the_methods_is_refused(engine_config: dict[str, Any]) -> None:
    with pytest.raises(TypeError, match="write"):
        okta_sync.SyncEngine(engine_config, target=object())


def test_a_failing_progress_callback_does_not_stop_the_sync(okta_fake: FakeOkta, engine_config: dict[str, Any],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def progress(event: dict[str, Any]) -> None:
        raise ValueError("display broke")

    reported: list[BaseException | None] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda info: reported.append(info.exc_value))
    engine = okta_sync.SyncEngine(engine_config, progress=progress)
    plan = engine.plan(mode="full")
    assert plan.counts["create_record"] > 0
    assert reported and all(isinstance(e, ValueError) for e in reported)


@pytest.mark.asyncio
async def test_blocking_calls_with_an_async_target_inside_a_coroutine(okta_fake: FakeOkta,
                                                                      engine_config: dict[str, Any]) -> None:
    """A service may build the engine and call blocking methods from async code."""
    target = AsyncMemoryTarget()
    engine = okta_sync.SyncEngine(engine_config, target=target)
    outcome = engine.run(mode="full")
    assert len(target.records) == outcome.plan.counts["create_record"] > 0
