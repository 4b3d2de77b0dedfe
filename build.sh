#!/usr/bin/env bash
# Builds Sinew: five WASM builds of crates/wasm and the TypeScript package.
#
# Idempotent and incremental: installs only what is missing, and cargo,
# wasm-bindgen/wasm-opt and tsc each run only when their inputs changed.
#
#   bash build.sh              # toolchain + the package in dist/
#   bash build.sh --test-deps  # also what the tests need (Chromium, datasets)
#
# Environment: SINEW_BUILDS="threads simd baseline threads-relaxed simd-relaxed"
# limits which WASM builds run.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD

log() { printf '[build] %s\n' "$*" >&2; }

WITH_TEST_DEPS=0
for arg in "$@"; do
  case "$arg" in
    --test-deps) WITH_TEST_DEPS=1 ;;
    *) echo "build.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# --- Debian packages (see shared/TOOLCHAIN.md: rustup cannot fetch wasm32 targets here) ---
APT_PKGS=(rustc-web cargo-web rust-web-src lld-22 dataset-fashion-mnist)
if [ "$WITH_TEST_DEPS" = 1 ]; then APT_PKGS+=(chromium); fi
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

# --- wasm-bindgen CLI: must equal the wasm-bindgen crate version in Cargo.lock ---
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
export PATH="$HOME/.cargo/bin:$PATH"
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WB_VERSION" ]; then
  log "installing wasm-bindgen-cli $WB_VERSION (a few minutes, once)"
  # Not --locked: the CLI's own lock file pins a webpki-roots release the
  # registry here does not serve; the resolver picks a compatible one.
  cargo install wasm-bindgen-cli --version "$WB_VERSION" --quiet
fi

# --- npm dependencies (dev tools only: the package itself has none) ---
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
  log "npm install"
  npm install --no-audit --no-fund --loglevel=error
fi

# --- WASM builds ---
# One source, five builds. std is rebuilt (-Z build-std): no prebuilt wasm32
# std exists here, and the threads build needs std compiled with atomics.
# The *-relaxed builds add relaxed SIMD (fused multiply-add, 6×8 GEMM tiles:
# +12-20 % on GEMM in V8); hosts without it (Node 20 without
# --experimental-wasm-relaxed-simd) get the plain ones.
SYSROOT=$(/usr/bin/rustc --print sysroot)
export RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
THREADS_FLAGS="-C target-feature=+atomics,+bulk-memory,+mutable-globals,+simd128 \
-C link-arg=--shared-memory -C link-arg=--import-memory -C link-arg=--max-memory=2147483648 \
-C link-arg=--export=__wasm_init_tls -C link-arg=--export=__tls_size \
-C link-arg=--export=__tls_align -C link-arg=--export=__tls_base"
SIMD_FLAGS="-C target-feature=+simd128"
THREADS_RELAXED_FLAGS="${THREADS_FLAGS/+simd128/+simd128,+relaxed-simd}"
SIMD_RELAXED_FLAGS="-C target-feature=+simd128,+relaxed-simd"
BASELINE_FLAGS=""

build_wasm() { # name rustflags cargo-features wasm-opt-features
  local name=$1 flags=$2 features=$3 optfeat=$4
  local target_dir="$ROOT/target/wasm-$name"
  local raw="$target_dir/wasm32-unknown-unknown/release/sinew_wasm.wasm"
  local out="$ROOT/ts/wasm/$name"
  log "cargo build ($name)"
  RUSTFLAGS="$flags" CARGO_TARGET_DIR="$target_dir" \
    /usr/bin/cargo build --quiet --release --target wasm32-unknown-unknown \
    -Z build-std=std,panic_abort -p sinew-wasm $features
  # wasm-opt's own flags are recorded beside its output, so changing them re-runs it.
  local opt="-O3 $WASM_OPT_INLINE $optfeat"
  if [ -f "$out/sinew_wasm_bg.wasm" ] && [ "$out/sinew_wasm_bg.wasm" -nt "$raw" ] && [ "$(cat "$out/.wasm-opt" 2>/dev/null)" = "$opt" ]; then
    return
  fi
  log "wasm-bindgen + wasm-opt ($name)"
  rm -rf "$out"
  wasm-bindgen --target web --out-dir "$out" "$raw"
  # binaryen from npm: Debian's wasm-opt 108 corrupts wasm-bindgen's externref table.
  node_modules/.bin/wasm-opt $opt "$out/sinew_wasm_bg.wasm" -o "$out/sinew_wasm_bg.wasm"
  echo "$opt" > "$out/.wasm-opt"
}

[ -d "$SYSROOT/lib/rustlib/src/rust/library" ] || { echo "rust-web-src missing" >&2; exit 1; }
ALL_BUILDS="threads simd baseline threads-relaxed simd-relaxed"
BUILDS=${SINEW_BUILDS:-$ALL_BUILDS}
# wasm-opt -O3 inlines every function that has one caller, whatever its size
# (binaryen's default): the entry points tape_backward, optimizer_step and
# op_unary and the engine's elementwise::binary became 23-60 KB functions
# (every gradient rule, every optimizer's update loop in one body). V8 tiers a
# hot function up whole, and Chromium 156's TurboFan is slow on such bodies:
# in the first second of training the text Conv1D or GRU it spent 455-525 ms
# of CPU (trace events wasm.TopTierCompilation, thread time) on background
# threads that a 2-thread pool shares 2 cores with, most of it on those four
# (Node 20's V8: 7 ms in all). Single-caller functions above 500 binaryen nodes
# stay calls (one call per op or per step; 1-thread CPU time per training step
# unchanged within noise): 205-255 ms of TurboFan CPU, largest function a 30 KB
# kernel.
WASM_OPT_INLINE="--one-caller-inline-max-function-size 500"
COMMON_OPT="--enable-bulk-memory --enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue"
for b in $BUILDS; do
  case "$b" in
    threads)  build_wasm threads "$THREADS_FLAGS" "--features threads" "$COMMON_OPT --enable-simd --enable-threads" ;;
    simd)     build_wasm simd "$SIMD_FLAGS" "" "$COMMON_OPT --enable-simd" ;;
    baseline) build_wasm baseline "$BASELINE_FLAGS" "" "$COMMON_OPT" ;;
    threads-relaxed) build_wasm threads-relaxed "$THREADS_RELAXED_FLAGS" "--features threads" "$COMMON_OPT --enable-simd --enable-relaxed-simd --enable-threads" ;;
    simd-relaxed)    build_wasm simd-relaxed "$SIMD_RELAXED_FLAGS" "" "$COMMON_OPT --enable-simd --enable-relaxed-simd" ;;
    *) echo "unknown build '$b'" >&2; exit 2 ;;
  esac
done

# --- TypeScript package: dist/ is what `npm pack` publishes ---
if [ ! -f dist/.stamp ] || [ -n "$(find ts tsconfig.json -type f -newer dist/.stamp 2>/dev/null | head -1)" ]; then
  log "tsc"
  rm -rf dist
  node_modules/.bin/tsc -p tsconfig.json
  touch dist/.stamp
fi
# Every build ts/wasm holds, not only this run's: a partial build
# (SINEW_BUILDS=threads) that re-ran tsc would otherwise leave dist/ without
# the others.
for b in $ALL_BUILDS; do
  [ -f "ts/wasm/$b/sinew_wasm_bg.wasm" ] || continue
  mkdir -p "dist/wasm/$b"
  for f in sinew_wasm.js sinew_wasm.d.ts sinew_wasm_bg.wasm; do
    cmp -s "ts/wasm/$b/$f" "dist/wasm/$b/$f" || cp "ts/wasm/$b/$f" "dist/wasm/$b/$f"
  done
done

# --- test-only data ---
if [ "$WITH_TEST_DEPS" = 1 ]; then :; fi
log "done"
