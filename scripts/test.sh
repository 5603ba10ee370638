#!/usr/bin/env bash
# Runs the whole test suite: formatting, lints, the shared core's tests (also
# compiled for wasm32), the server, and the end-to-end tests that start the
# real server process, native sync clients and headless Chromium — then the
# integration suite a second time with the server storing on PostgreSQL (a
# throwaway cluster per test process; needs Debian's `postgresql` package).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { echo; echo "==> $*"; }

step "toolchain"
rustup target add wasm32-unknown-unknown >/dev/null

step "formatting"
cargo fmt --all -- --check

step "JavaScript test peers (the unmodified npm automerge-repo client)"
if [ ! -d tests/js/node_modules/@automerge/automerge-repo ] \
    || [ tests/js/package-lock.json -nt tests/js/node_modules/.package-lock.json ]; then
    # `npm install` installs the versions pinned in package-lock.json; `npm ci`
    # refuses this lock file (npm 11 wants the optional platform builds of
    # cbor-extract listed, which npm does not write for other platforms).
    (cd tests/js && npm install --no-audit --no-fund)
fi

step "building the web client"
scripts/build-client.sh

step "building the server"
cargo build -p baocao-server

step "lints (host crates, then the client for wasm32)"
cargo clippy -p baocao-shared -p baocao-server -p baocao-tests -p baocao-client --all-targets -- -D warnings
cargo clippy -p baocao-client --target wasm32-unknown-unknown -- -D warnings
# The shared core and its tests built natively against the phone's automerge.
cargo clippy -p baocao-shared --all-targets --no-default-features --features phone-automerge -- -D warnings

step "the shared core compiles for wasm32 and imports nothing from the host"
cargo test -p baocao-shared --target wasm32-unknown-unknown --no-run

step "client tests (native, then in headless Chromium with wasm-bindgen-test)"
cargo test -p baocao-client --lib --test strings
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test -p baocao-client --target wasm32-unknown-unknown --test web

step "tests: shared core, server, end to end (real server process, native clients, headless Chromium)"
cargo test -p baocao-shared -p baocao-server -p baocao-tests -- --test-threads 2

step "the shared core's tests natively against the phone's automerge 0.5.12"
# The phone links automerge 0.5.12, everything else 0.12 (shared/src/crdt.rs).
# The whole shared suite again with 0.5.12 in place of 0.12 (only 0.5.12 is
# linked: --no-default-features drops host-automerge). Both runs include
# tests/cross_release.rs, which syncs and loads random reports between the
# two releases: the product code on 0.12 against a raw 0.5.12 above, on
# 0.5.12 against a raw 0.12 here.
cargo test -p baocao-shared --no-default-features --features phone-automerge -- --test-threads 2

step "the integration suite again, storing on PostgreSQL"
# Every end-to-end test file except those that exercise a client rather than
# storage (browser_*, template_versions, js_interop, screenshots, benches,
# precompressed) and
# those that pick their databases themselves (replicas, migrate, pg_backup,
# store_conformance).
pg_tests=()
for f in tests/tests/*.rs; do
    name=$(basename "$f" .rs)
    case "$name" in
        browser_* | bench_* | js_interop | screenshots | template_versions | precompressed) continue ;;
        replicas | migrate | store_conformance | pg_backup) continue ;;
        # SQLite files: its backup (PostgreSQL's is pg_dump), the old-release fixtures.
        backup_restore | fixture_db) continue ;;
    esac
    pg_tests+=(--test "$name")
done
start=$(date +%s)
BAOCAO_TEST_DB=postgres cargo test -p baocao-tests "${pg_tests[@]}" -- --test-threads 2
echo "PostgreSQL pass (${#pg_tests[@]} / 2 test files): $(( $(date +%s) - start )) s"
