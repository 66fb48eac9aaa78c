"""Shared fixtures: the fake Okta org (a local process), configurations, fixture files."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
FIXTURES = HERE / "fixtures"


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class FakeOkta:
    """A running `okta-fake` process and its `/__fake/` control API."""

    def __init__(self, process: subprocess.Popen[str], url: str, token: str) -> None:
        self.process = process
        self.url = url
        self.token = token

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}/__fake/{path.lstrip('/')}",
            data=data,
            method=method,
            headers={"Authorization": f"SSWS {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")

    def groups(self) -> list[dict[str, Any]]:
        return list(self.admin("GET", "groups"))


def okta_fake_binary() -> Path:
    configured = os.environ.get("OKTA_FAKE_BIN")
    candidates = [Path(configured)] if configured else []
    candidates += [REPO / "target" / "debug" / "okta-fake", REPO / "target" / "release" / "okta-fake"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    pytest.fail(
        "the okta-fake binary was not found; build it with `cargo build -p okta-fake` "
        "or run okta-sync-py/run-tests.sh (looked at: "
        + ", ".join(str(c) for c in candidates)
        + ")"
    )


def start_okta_fake(*args: str) -> FakeOkta:
    """Starts okta-fake on a free port and reads the two lines it prints."""
    process = subprocess.Popen(
        [str(okta_fake_binary()), "--port", "0", "--no-rate-limits", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    values: dict[str, str] = {}
    while len(values) < 2:
        line = process.stdout.readline()
        if not line:
            process.kill()
            pytest.fail(f"okta-fake exited early with code {process.wait()}")
        key, _, value = line.strip().partition("=")
        values[key] = value
    return FakeOkta(process, values["OKTA_FAKE_URL"], values["OKTA_FAKE_TOKEN"])


@pytest.fixture
def okta_fake() -> Iterator[FakeOkta]:
    """A fresh fake org of 40 users per test, so tests can mutate it freely."""
    fake = start_okta_fake("--users", "40", "--seed", "7")
    try:
        yield fake
    finally:
        fake.process.terminate()
        fake.process.wait(timeout=10)
        if fake.process.stdout is not None:
            fake.process.stdout.close()


RECORD_FIELDS = [
    {"target": "Email", "source": "profile.email", "transforms": ["trim", "lower"], "required": True},
    {"target": "Name", "source": "{profile.firstName} {profile.lastName}"},
    {"target": "Department", "source": "profile.department"},
]


def record_config(org_url: str, workdir: Path, **overrides: Any) -> dict[str, Any]:
    """A configuration with one record mapping into the embedded local target."""
    config: dict[str, Any] = {
        "okta": {"org_url": org_url, "token": {"env": "OKTA_SYNC_TEST_TOKEN"}},
        "target": {"kind": "local", "path": str(workdir / "assets.db")},
        "state": {"path": str(workdir / "state.db")},
        "unique_identifier": "email",
        "mappings": [
            {
                "kind": "record",
                "name": "employees",
                "collection": "Employees",
                "fields": RECORD_FIELDS,
                "filters": {"status": ["ACTIVE"]},
            }
        ],
    }
    config.update(overrides)
    return config


@pytest.fixture
def offline_config(tmp_path: Path) -> dict[str, Any]:
    """A valid configuration that needs no network until an engine is built."""
    return record_config("https://example.okta.com", tmp_path)


@pytest.fixture
def engine_config(okta_fake: FakeOkta, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("OKTA_SYNC_TEST_TOKEN", okta_fake.token)
    return record_config(okta_fake.url, tmp_path)
