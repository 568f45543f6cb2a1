#!/usr/bin/env bash
# Builds the playground's WebAssembly module and copies it into the static site
# (docs/playground/scratchnet.wasm, committed). Needs only `rustup target add wasm32-unknown-unknown`.
# The bytes are reproducible: paths are remapped, so any checkout builds the same file
# (.ci/run rebuilds it and compares).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
registry="${CARGO_HOME:-$HOME/.cargo}"
# no debug lines, symbols stripped: a small file, and no paths in it
export CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=true
export RUSTFLAGS="-C target-feature=+simd128 --remap-path-prefix=$root=/scratchnet --remap-path-prefix=$registry=/cargo"
cargo build --release --locked -p scratchnet-wasm --target wasm32-unknown-unknown
cp "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/scratchnet_wasm.wasm" docs/playground/scratchnet.wasm
ls -l docs/playground/scratchnet.wasm
