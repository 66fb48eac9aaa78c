"""The shipped stub matches the compiled module (mypy's stubtest)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import okta_sync

ALLOWLIST = Path(__file__).resolve().parent / "stubtest-allowlist.txt"


def test_stub_matches_the_module() -> None:
    pytest.importorskip("mypy.stubtest")
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "okta_sync._native", "--allowlist", str(ALLOWLIST)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_stub_and_marker_ship_with_the_package() -> None:
    package = Path(okta_sync.__file__).parent
    assert (package / "_native.pyi").is_file()
    assert (package / "py.typed").is_file()
