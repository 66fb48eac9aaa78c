#!/usr/bin/env bash
# Builds and tests the Python package: a venv under okta-sync-py/.venv, the package installed
# the way users install it (pip install ./okta-sync-py), the okta-fake server built with cargo,
# then pytest. Extra arguments go to pytest.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
venv="$here/.venv"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
# The same PEP 517 build users get, but with cargo's dev profile: it shares the debug build
# of the workspace with `cargo test` instead of compiling everything again in release.
MATURIN_PEP517_ARGS="${MATURIN_PEP517_ARGS:---profile dev}" \
    "$venv/bin/python" -m pip install --quiet "$repo/okta-sync-py" pytest pytest-asyncio mypy

cargo build --quiet --manifest-path "$repo/Cargo.toml" -p okta-fake
export OKTA_FAKE_BIN="${CARGO_TARGET_DIR:-$repo/target}/debug/okta-fake"

cd "$here"
exec "$venv/bin/python" -m pytest "$@"
