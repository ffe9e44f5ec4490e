#!/usr/bin/env bash
# Builds the API docs of every workspace crate with rustdoc warnings denied:
# a broken intra-doc link, an unclosed HTML tag in prose or a bad code-block
# attribute fails CI instead of shipping. (The doc examples themselves run as
# doctests in the README's test command.)
#
# Usage: ci/docs.sh            then open target/doc/runtime/index.html
set -euo pipefail
cd "$(dirname "$0")/.."

RUSTDOCFLAGS="-D warnings ${RUSTDOCFLAGS:-}" cargo doc --workspace --no-deps --locked
echo "docs: rustdoc clean for every workspace crate"
