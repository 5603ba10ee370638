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
# BAOCAO_DIST: build into another folder (e.g. an older build for a side-by-side bench).
DIST="${BAOCAO_DIST:-$ROOT/client/dist}"
PKG="$DIST/pkg"
TOOLS="$ROOT/.tools"
BINARYEN_VERSION=132
# Zopfli writes ordinary gzip that is ≈ 5 % smaller than gzip -9 (built to WebAssembly: no native build).
ZOPFLI_VERSION=1.0.15

step() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }

step "rust target $TARGET"
# RUSTUP_AUTO_INSTALL=0 leaves rust-toolchain.toml's targets uninstalled: add it here.
rustup target add "$TARGET" >/dev/null

step "cargo build ($PROFILE)"
# The remaps strip local paths from panic messages embedded in the .wasm.
# `--cfg erase_components` is Leptos's size option: each component's view is
# type-erased (one copy of the rendering code instead of one per view type):
# 30 KB less gzip for ≈ 10 % more time to start (README "Size and start-up").
RUSTFLAGS="${RUSTFLAGS:-} --cfg erase_components --remap-path-prefix=$ROOT=/baocao --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=/cargo" \
  cargo build -p baocao-client --lib --target "$TARGET" --profile "$PROFILE"
WASM_IN="${CARGO_TARGET_DIR:-$ROOT/target}/$TARGET/$PROFILE/$CRATE.wasm"

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

step "static files, content-hashed names"
cp -R "$ROOT/client/static/." "$DIST/"
# Code and style get their content hash in their name, so the server can let
# browsers keep them for a year (immutable) and a new build is new URLs.
hash16() { sha256sum "$1" | cut -c1-16; }
APP_JS="pkg/${CRATE}-$(hash16 "$PKG/$CRATE.js").js"
APP_WASM="pkg/${CRATE}_bg-$(hash16 "$WASM_OUT").wasm"
STYLE_CSS="style-$(hash16 "$DIST/style.css").css"
mv "$PKG/$CRATE.js" "$DIST/$APP_JS"
mv "$WASM_OUT" "$DIST/$APP_WASM"
mv "$DIST/style.css" "$DIST/$STYLE_CSS"
# The loader (boot.js) names the code, so it is stamped first, then hashed.
sed -i -e "s#__APP_JS__#$APP_JS#g" -e "s#__APP_WASM__#$APP_WASM#g" "$DIST/boot.js"
BOOT_JS="boot-$(hash16 "$DIST/boot.js").js"
mv "$DIST/boot.js" "$DIST/$BOOT_JS"
sed -i -e "s#__APP_JS__#$APP_JS#g" -e "s#__APP_WASM__#$APP_WASM#g" \
  -e "s#__STYLE_CSS__#$STYLE_CSS#g" -e "s#__BOOT_JS__#$BOOT_JS#g" "$DIST/index.html"
if grep -q "__APP_\|__STYLE_\|__BOOT_" "$DIST/index.html" "$DIST/$BOOT_JS"; then
  echo "index.html or $BOOT_JS still has placeholders" >&2
  exit 1
fi

step "stamping the service worker: cache version and app shell"
BUILD_HASH="$(cd "$DIST" && find . -type f ! -name sw.js -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
SHELL_FILES="$(cd "$DIST" && find . -type f ! -name sw.js | sed 's#^\.##' | sort \
  | awk 'BEGIN { printf "[" } { printf "%s\"%s\"", (NR > 1 ? ", " : ""), $0 } END { printf "]" }')"
sed -i -e "s/__BUILD_HASH__/$BUILD_HASH/" -e "s#__SHELL_FILES__#$SHELL_FILES#" "$DIST/sw.js"
grep -q "$BUILD_HASH" "$DIST/sw.js"
grep -q '"/index.html"' "$DIST/sw.js"

step "precompressing (served by tower-http's ServeDir as .br / .gz)"
# gzip -n: no name or time in the header, so a rebuild gives the same bytes.
find "$DIST" -type f \( -name '*.js' -o -name '*.wasm' -o -name '*.css' -o -name '*.html' \
  -o -name '*.svg' -o -name '*.webmanifest' \) -print0 | xargs -0 -n1 gzip -9 -k -n -f
if command -v node >/dev/null 2>&1; then
  if [[ ! -d "$TOOLS/node_modules/@gfx/zopfli" ]]; then
    step "installing @gfx/zopfli@$ZOPFLI_VERSION (npm) into .tools/"
    npm install --prefix "$TOOLS" --no-audit --no-fund "@gfx/zopfli@$ZOPFLI_VERSION" >/dev/null \
      || warn "npm @gfx/zopfli unavailable: .gz files stay gzip -9"
  fi
  # Node's zlib has brotli; zopfli (when installed) redoes the .gz files smaller.
  find "$DIST" -type f \( -name '*.js' -o -name '*.wasm' -o -name '*.css' -o -name '*.html' \
    -o -name '*.svg' -o -name '*.webmanifest' \) -print0 | ZOPFLI="$TOOLS/node_modules/@gfx/zopfli" node -e '
      const fs = require("fs"), zlib = require("zlib");
      let zopfli = null;
      try { zopfli = require(process.env.ZOPFLI); } catch (_) {}
      const files = fs.readFileSync(0, "utf8").split("\0").filter(Boolean);
      (async () => {
        for (const f of files) {
          const data = fs.readFileSync(f);
          fs.writeFileSync(f + ".br", zlib.brotliCompressSync(data, {
            params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
                      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length } }));
          if (zopfli) {
            const gz = await zopfli.gzipAsync(data, { numiterations: 15 });
            if (gz.length < fs.statSync(f + ".gz").size) fs.writeFileSync(f + ".gz", gz);
          }
        }
      })().catch((e) => { console.error(e); process.exit(1); });'
else
  warn "node unavailable: no brotli files (gzip only)"
fi

size() { stat -c %s "$1" 2>/dev/null || echo -; }
step "done: $DIST (build $BUILD_HASH)"
printf '    %-40s %10s %10s %10s  (bytes: raw / gzip / brotli)\n' "" raw gzip brotli
for f in "$APP_WASM" "$APP_JS" "$STYLE_CSS" index.html; do
  printf '    %-40s %10s %10s %10s\n' "${f##*/}" "$(size "$DIST/$f")" "$(size "$DIST/$f.gz")" "$(size "$DIST/$f.br")"
done
printf '    %-40s %10s\n' "wasm before wasm-opt" "$RAW_BYTES"
