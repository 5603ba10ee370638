#!/usr/bin/env bash
# Builds the web app into client/dist/ (served by `baocao serve --static-dir client/dist`):
#   cargo (wasm32, size profile) → wasm-bindgen → wasm-opt -Oz → static files →
#   service-worker cache version stamped with a hash of the built files.
# Works offline except for the package registries (crates.io, npm); see
# shared/TOOLCHAIN.md for why each tool is pinned the way it is.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TARGET=wasm32-unknown-unknown
PROFILE=wasm-release
CRATE=baocao_client
DIST="$ROOT/client/dist"
PKG="$DIST/pkg"
TOOLS="$ROOT/.tools"
BINARYEN_VERSION=132

step() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }

step "rust target $TARGET"
# RUSTUP_AUTO_INSTALL=0 leaves rust-toolchain.toml's targets uninstalled: add it here.
rustup target add "$TARGET" >/dev/null

step "cargo build ($PROFILE)"
# Strip local paths from panic messages embedded in the .wasm.
RUSTFLAGS="${RUSTFLAGS:-} --remap-path-prefix=$ROOT=/baocao --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=/cargo" \
  cargo build -p baocao-client --lib --target "$TARGET" --profile "$PROFILE"
WASM_IN="$ROOT/target/$TARGET/$PROFILE/$CRATE.wasm"

# The CLI must be exactly the wasm-bindgen version the crate was built with.
WANT_BINDGEN="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)"
HAVE_BINDGEN="$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)"
if [[ "$HAVE_BINDGEN" != "$WANT_BINDGEN" ]]; then
  step "installing wasm-bindgen-cli $WANT_BINDGEN (found: ${HAVE_BINDGEN:-none})"
  # Not --locked: its lock file names a crate version the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$WANT_BINDGEN"
fi

step "wasm-bindgen $WANT_BINDGEN"
rm -rf "$DIST"
mkdir -p "$PKG"
wasm-bindgen --target web --no-typescript --out-dir "$PKG" "$WASM_IN"
WASM_OUT="$PKG/${CRATE}_bg.wasm"
RAW_BYTES=$(stat -c %s "$WASM_OUT")

# wasm-opt from npm's binaryen, never Debian's (version 108 breaks the bundle).
WASM_OPT="$TOOLS/node_modules/.bin/wasm-opt"
if [[ ! -x "$WASM_OPT" ]]; then
  if command -v npm >/dev/null 2>&1; then
    step "installing binaryen@$BINARYEN_VERSION (npm) into .tools/"
    npm install --prefix "$TOOLS" --no-audit --no-fund "binaryen@$BINARYEN_VERSION" >/dev/null
  fi
fi
if [[ -x "$WASM_OPT" ]]; then
  step "wasm-opt -Oz ($("$WASM_OPT" --version))"
  # Rust's wasm32 target emits these features; wasm-opt must accept them.
  "$WASM_OPT" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$WASM_OUT" -o "$WASM_OUT.opt"
  mv "$WASM_OUT.opt" "$WASM_OUT"
else
  warn "npm binaryen unavailable: skipping wasm-opt (the app works, the .wasm is larger)"
fi

step "static files"
cp -R "$ROOT/client/static/." "$DIST/"

step "stamping the service worker cache version"
BUILD_HASH="$(cd "$DIST" && find . -type f ! -name sw.js -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
sed -i "s/__BUILD_HASH__/$BUILD_HASH/" "$DIST/sw.js"
grep -q "$BUILD_HASH" "$DIST/sw.js"

GZIP_BYTES=$(gzip -9 -c "$WASM_OUT" | wc -c)
JS_BYTES=$(stat -c %s "$PKG/$CRATE.js")
step "done: $DIST (build $BUILD_HASH)"
printf '    %-28s %10s bytes\n' "wasm after wasm-bindgen" "$RAW_BYTES"
printf '    %-28s %10s bytes\n' "wasm shipped" "$(stat -c %s "$WASM_OUT")"
printf '    %-28s %10s bytes\n' "wasm shipped, gzip -9" "$GZIP_BYTES"
printf '    %-28s %10s bytes\n' "js glue" "$JS_BYTES"
