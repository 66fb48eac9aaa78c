#!/usr/bin/env bash
# Builds and tests the Node package the way a new user installs it: npm ci (the locked
# @napi-rs/cli), the addon built with `napi build`, a check that the committed index.js and
# index.d.ts match the Rust side, the okta-fake server built with cargo, the example's link
# to this package, then `node --test`. Extra arguments go to `node --test`.
#
# The addon is built with the debug profile (`npm run build:debug`), which compiles in a
# fraction of the release build's time; OKTA_SYNC_NODE_BUILD=build runs the release build.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"

cd "$here"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent "${OKTA_SYNC_NODE_BUILD:-build:debug}"
npm run --silent check:generated

cargo build --quiet --manifest-path "$repo/Cargo.toml" -p okta-fake
export OKTA_FAKE_BIN="${CARGO_TARGET_DIR:-$repo/target}/debug/okta-fake"

npm ci --prefix "$repo/examples/node" --no-audit --no-fund --loglevel=error

exec node --test "$@" __test__/
