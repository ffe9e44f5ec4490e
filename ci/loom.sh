#!/usr/bin/env bash
# Runs the loom models of runtime-core's protocols (loom-tests/tests/*.rs),
# one family (test file) at a time, and prints how long each took.
#
#   ci/loom.sh                 # every family
#   ci/loom.sh task_state      # one family (several names: several families)
#
# The command it runs per family is the documented one (docs/testing.md):
#   RUSTFLAGS="--cfg runtime_loom -C debug-assertions" LOOM_MAX_PREEMPTIONS=2 \
#       cargo test -p loom-tests --release --test <family>
# Exits non-zero if any family fails (a failing model usually aborts its test
# binary after printing loom's panic: rerun that model alone with
# `-- --exact <name>` and see docs/testing.md for how to get its trace).
set -euo pipefail
cd "$(dirname "$0")/.."

export RUSTFLAGS="--cfg runtime_loom -C debug-assertions"
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-2}"
export RUST_BACKTRACE="${RUST_BACKTRACE:-0}"
# Different RUSTFLAGS would invalidate the normal build's cache: keep the
# loom build in its own target directory.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/loom}"

if [ "$#" -gt 0 ]; then
  families=("$@")
else
  families=()
  for file in loom-tests/tests/*.rs; do
    families+=("$(basename "$file" .rs)")
  done
fi
for family in "${families[@]}"; do
  if [ ! -f "loom-tests/tests/$family.rs" ]; then
    echo "ci/loom.sh: no loom family '$family' (no loom-tests/tests/$family.rs)" >&2
    exit 2
  fi
done

echo "loom: LOOM_MAX_PREEMPTIONS=$LOOM_MAX_PREEMPTIONS, families: ${families[*]}"
build_start=$(date +%s)
test_args=()
for family in "${families[@]}"; do
  test_args+=(--test "$family")
done
cargo test -p loom-tests --release --no-run "${test_args[@]}"
echo "loom: build took $(($(date +%s) - build_start))s"

failed=()
summary=()
times_file=$(mktemp)
trap 'rm -f "$times_file"' EXIT
# Wall time depends on what else runs on the machine; CPU time (user + sys)
# is what the models cost.
TIMEFORMAT="%R %U %S"
total_start=$(date +%s)
for family in "${families[@]}"; do
  echo
  echo "=== loom family: $family"
  if { time cargo test -p loom-tests --release --test "$family" -- --nocapture 2>&3; } 3>&2 2>"$times_file"; then
    status=ok
  else
    status=FAILED
    failed+=("$family")
  fi
  read -r wall user sys <"$times_file" || true
  summary+=("$(printf '%-14s %-7s wall %7ss   cpu %7.1fs' "$family" "$status" "${wall:-?}" "$(awk -v u="${user:-0}" -v s="${sys:-0}" 'BEGIN { print u + s }')")")
done

echo
echo "=== loom summary (LOOM_MAX_PREEMPTIONS=$LOOM_MAX_PREEMPTIONS)"
printf '%s\n' "${summary[@]}"
echo "total: $(($(date +%s) - total_start))s"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "loom: FAILED families: ${failed[*]}" >&2
  exit 1
fi
