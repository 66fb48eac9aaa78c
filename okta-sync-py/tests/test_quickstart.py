"""The Python example the README points to runs as written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO, FakeOkta


def test_quickstart_runs(okta_fake: FakeOkta, tmp_path: Path) -> None:
    env = dict(os.environ, OKTA_ORG_URL=okta_fake.url, OKTA_API_TOKEN=okta_fake.token)
    result = subprocess.run(
        [sys.executable, str(REPO / "examples" / "python" / "quickstart.py")],
        cwd=tmp_path,  # the configuration's relative paths land here
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "connections ok: True"
    assert lines[1].startswith("plan sha256:")
    assert "create_login" in lines[1] and "create_record" in lines[1]
    assert lines[-1] == "second run (delta): nothing to do"
