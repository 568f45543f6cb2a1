#!/usr/bin/env bash
# Builds the playground's WebAssembly module (crates/scratchnet-wasm) and copies it into the
# static site, docs/playground/scratchnet.wasm, which is committed: `scratchnet playground`
# embeds it, and the folder works as it is on any static host.
#
#   playground/build.sh           build and copy
#   playground/build.sh --check   build and fail unless the committed file is byte-identical
#
# Needs only `rustup target add wasm32-unknown-unknown` (no wasm-bindgen, no node). The bytes
# are reproducible with the same Rust toolchain: no debug info, symbols stripped, and the
# checkout's and cargo's paths (which panic messages name) remapped, so any checkout in any
# directory builds the same file.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
registry="${CARGO_HOME:-$HOME/.cargo}"
export CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=true
export RUSTFLAGS="-C target-feature=+simd128 --remap-path-prefix=$root=/scratchnet --remap-path-prefix=$registry=/cargo"
cargo build --release --locked -p scratchnet-wasm --target wasm32-unknown-unknown
built="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/scratchnet_wasm.wasm"
site=docs/playground/scratchnet.wasm
if [ "${1:-}" = "--check" ]; then
    if ! cmp -s "$built" "$site"; then
        echo "error: $site is not what the source builds ($(sha256sum < "$built" | cut -c1-16)… vs $(sha256sum < "$site" | cut -c1-16)…): run playground/build.sh and commit it" >&2
        exit 1
    fi
    echo "$site is what the source builds ($(wc -c < "$site") bytes)"
else
    cp "$built" "$site"
    ls -l "$site"
fi
