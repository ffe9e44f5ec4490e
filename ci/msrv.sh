#!/usr/bin/env bash
# Builds the published crates (the `runtime` facade, runtime-core,
# runtime-io, runtime-macros) with the oldest compiler the workspace
# declares in `rust-version`, so that promise is checked rather than hoped.
# Only `cargo check` of the libraries: the dev-dependencies (criterion,
# tokio, smol) follow their own MSRV, which is not ours to promise.
#
# Usage: ci/msrv.sh
#
# The toolchain is installed through rustup (minimal profile, ~20 s). When
# rustup cannot reach its download server this prints why and exits 0; a
# build failure on the declared version exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."

msrv=$(sed -n 's/^rust-version *= *"\([0-9.]*\)".*/\1/p' Cargo.toml | head -n1)
if [ -z "$msrv" ]; then
    echo "msrv: no rust-version in the workspace Cargo.toml" >&2
    exit 1
fi

if ! rustup run "$msrv" rustc --version >/dev/null 2>&1; then
    echo "msrv: installing Rust $msrv (minimal profile)"
    if ! rustup toolchain install "$msrv" --profile minimal >/tmp/runtime-msrv-install.log 2>&1; then
        echo "msrv: could not install Rust $msrv through rustup; skipping (log: /tmp/runtime-msrv-install.log)"
        exit 0
    fi
fi

echo "msrv: $(rustup run "$msrv" rustc --version)"
# Own target dir: an old compiler cannot reuse the stable build's artifacts.
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/msrv}" \
  cargo "+$msrv" check --locked -p runtime -p runtime-core -p runtime-io -p runtime-macros --lib
echo "msrv: the published crates build on Rust $msrv"
