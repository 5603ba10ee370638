#!/usr/bin/env bash
# Builds the web client and the server, then runs baocao on its embedded
# default: SQLite under ./data, the demo district loaded on first start.
# It prints the URL and the demo users. Extra arguments go to `baocao serve`
# (e.g. `scripts/run.sh --port 3000`).
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target add wasm32-unknown-unknown >/dev/null
echo "==> building the web client (first build takes a few minutes)"
scripts/build-client.sh
echo "==> building the server"
cargo build --release -p baocao-server
echo "==> starting"
# With accounts: log in with one of the demo users the server prints.
exec "${CARGO_TARGET_DIR:-target}/release/baocao" serve --data-dir data --static-dir client/dist --templates templates "$@"
