#!/usr/bin/env bash
# Runs the soak (examples/soak/, issue 20 item 10): the whole runtime under
# a mixed load of spawns, timers, an echo server on 127.0.0.1 with clients,
# TaskGroups, channels and cancellations, with random faults (panicking
# tasks, tasks cancelled mid-I/O, connections dropped by the server,
# expiring timeouts), then checks for leaks and lost items: live tasks back
# to 0, open fds back to the baseline, RSS within a bound after warm-up,
# every spawned future dropped exactly once, every item sent received.
# It prints a progress line about once a second, then its summary; a failed
# check exits 1, a hang (no job finished for 30 s) exits 2.
# See "The soak" in docs/testing.md.
#
# Usage: ci/soak.sh
#   SOAK_MINUTES=10 ci/soak.sh    a longer run (default 1 minute)
#   SOAK_SEED=42 ci/soak.sh       replay a job mix (the seed is printed)
set -euo pipefail
cd "$(dirname "$0")/.."

minutes="${SOAK_MINUTES:-1}"
args=(--minutes "$minutes")
if [ -n "${SOAK_SEED:-}" ]; then
    args+=(--seed "$SOAK_SEED")
fi
cargo build --release --example soak
# The progress lines go to the log; the summary and checks are printed
# whether the run passes or fails.
log=$(mktemp /tmp/runtime-soak.XXXXXX)
trap 'rm -f "$log"' EXIT
status=0
target/release/examples/soak "${args[@]}" >"$log" 2>&1 || status=$?
# Every 10th progress line, then everything from the summary on.
awk '/^\[/ { if (n++ % 10 == 0) print; next } { print }' "$log"
exit "$status"
