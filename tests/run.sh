#!/usr/bin/env bash
# Runs every test: native Rust tests, then the Node/browser/package tests (ava).
# Expects `bash build.sh --test-deps` to have run (npm test does both).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

echo "== cargo test (native kernels and engine)"
cargo test --workspace --quiet 2>&1 | grep -v '^warning\|^ *= note' || exit 1

echo "== ava (Node: all five WASM builds; Chromium; npm package)"
node_modules/.bin/ava "$@"
