"""The runtime across fork(), and the engine handle's own fork check."""

from __future__ import annotations

import json
import multiprocessing
import signal
import subprocess
import sys
import warnings
from typing import Any

import pytest

import okta_sync
from conftest import FakeOkta


def child_builds_its_own(config: dict[str, Any], results: Any) -> None:
    engine = okta_sync.SyncEngine(config)
    results.put(engine.check_connections()["ok"])


def child_reuses_the_parents(engine: okta_sync.SyncEngine, results: Any) -> None:
    try:
        engine.check_connections()
        results.put("no error")
    except okta_sync.OktaSyncError as err:
        results.put((err.code, str(err)))


def run_forked(target: Any, *args: Any) -> Any:
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    with warnings.catch_warnings():
        # Python 3.12+ warns about fork() in a process with threads (the runtime's).
        warnings.simplefilter("ignore", DeprecationWarning)
        process = context.Process(target=target, args=(*args, results))
        process.start()
    value = results.get(timeout=60)
    process.join(timeout=60)
    assert process.exitcode == 0
    return value


def test_a_forked_child_gets_a_working_runtime(okta_fake: FakeOkta, engine_config: dict[str, Any]) -> None:
    parent = okta_sync.SyncEngine(engine_config)
    assert parent.check_connections()["ok"]  # the parent's runtime is running
    assert run_forked(child_builds_its_own, engine_config) is True
    assert parent.check_connections()["ok"]  # and the parent's still works


def test_a_parents_engine_in_a_child_fails_with_instructions(okta_fake: FakeOkta,
                                                             engine_config: dict[str, Any]) -> None:
    parent = okta_sync.SyncEngine(engine_config)
    parent.check_connections()
    code, message = run_forked(child_reuses_the_parents, parent)
    assert code == "FORKED"
    assert "build a new SyncEngine in the child" in message


def test_a_blocking_call_from_inside_a_callback_is_refused(okta_fake: FakeOkta,
                                                           engine_config: dict[str, Any]) -> None:
    engine = okta_sync.SyncEngine(engine_config)
    seen: list[str] = []

    def progress(event: dict[str, Any]) -> None:
        if not seen:
            try:
                engine.check_connections()
            except okta_sync.OktaSyncError as err:
                seen.append(err.code)

    nested = okta_sync.SyncEngine(engine_config, progress=progress)
    nested.plan(mode="full")
    assert seen == ["REENTRANT_CALL"]


CTRL_C_CHILD = """
import json, sys
import okta_sync

def progress(event):
    if event.get("event") == "phase_started" and event.get("phase") == "read_directory":
        print("reading", flush=True)

engine = okta_sync.SyncEngine(json.loads(sys.argv[1]), progress=progress)
try:
    engine.plan(mode="full")
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


def test_ctrl_c_interrupts_a_blocking_call(okta_fake: FakeOkta, engine_config: dict[str, Any]) -> None:
    # Okta takes a minute to answer the listing; Ctrl-C must not have to wait for it.
    okta_fake.admin("POST", "faults", {"path": "/api/v1/users", "kind": "delay", "millis": 60_000, "times": 0})
    config = dict(engine_config, okta=dict(engine_config["okta"], timeout_seconds=120))
    child = subprocess.Popen(
        [sys.executable, "-c", CTRL_C_CHILD, json.dumps(config)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    try:
        assert child.stdout.readline().strip() == "reading"
        child.send_signal(signal.SIGINT)
        out, _ = child.communicate(timeout=30)  # a hang guard, far below the minute
    finally:
        child.kill()
        child.stdout.close()
    assert out.strip() == "interrupted"
