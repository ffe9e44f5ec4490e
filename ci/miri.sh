#!/usr/bin/env bash
# Runs runtime-core's unit tests under miri, the interpreter that detects
# undefined behaviour: the task system's pointer casts and reference-count
# frees (src/task/), the UnsafeCell locks (src/sync/), and the scheduler paths
# that hand tasks between threads (src/scheduler/), with miri's data-race
# detector and its aliasing model checking every access. The whole suite runs
# under Stacked Borrows (this nightly's default model), then the task tests
# again under Tree Borrows, once per scheduling seed 0..MIRI_SEEDS (default 4;
# each seed interleaves the threads differently). See the "Miri" section of docs/testing.md for
# what is covered, what is skipped and why, and the run time.
#
# Usage: ci/miri.sh [extra libtest arguments, e.g. a test-name filter]
#   MIRI_TREE_BORROWS=0 ci/miri.sh   skip the Tree Borrows pass
#   MIRI_SEEDS=16 ci/miri.sh         more seeds for it (about 10 s each)
#
# Without the nightly miri component this prints why and exits 0: it never
# installs or downloads anything.
set -euo pipefail
cd "$(dirname "$0")/.."

# No implicit toolchain installs by rustup while probing.
export RUSTUP_AUTO_INSTALL=0
if ! cargo +nightly miri --version >/dev/null 2>&1; then
    echo "miri: the nightly miri component is not installed on this machine; skipping (install with: rustup component add miri --toolchain nightly)"
    exit 0
fi

# Own target dir, so miri's instrumented build does not evict the normal one.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/miri}"
export CARGO_TERM_COLOR=never
# -Zmiri-permissive-provenance: parking_lot_core's word lock keeps a thread
# pointer in an integer (an int-to-pointer cast); miri supports it but warns on
# every test that parks. runtime-core's own code makes no such cast.
# Isolation stays on: every test runs on miri's virtual clock (sleeps and
# timeouts included) and touches no file, socket or environment variable.
export MIRIFLAGS="-Zmiri-permissive-provenance ${MIRIFLAGS:-}"

# Every unit test of runtime-core runs, except those marked
# `#[cfg_attr(miri, ignore = "...")]` in the code and these, which live in
# files edited elsewhere (src/time/wheel_tests.rs, src/time/time_driver_tests.rs)
# and are skipped here until they carry the same attribute. None touches
# unsafe code. See the "Miri" section of docs/testing.md for each reason.
skips=(
    # 300,000 / 1,000,000 / 400 x 50 timer-wheel operations: hours under miri.
    time::wheel::tests::fires_in_deadline_order_exactly_at_the_deadline
    time::wheel::tests::a_million_entries_inserted_and_removed
    time::wheel::tests::random_deadlines_never_fire_early_or_late
    # Needs real time: a 2 ms deadline has passed before the sleep is polled.
    time::time_driver::tests::wakers_are_woken_outside_the_lock
)
skip_args=()
for s in "${skips[@]}"; do skip_args+=(--skip "$s"); done

log=$(mktemp "${TMPDIR:-/tmp}/runtime-miri.XXXXXX")
trap 'rm -f "$log"' EXIT
start=$(date +%s)
status=0

echo "miri: $(cargo +nightly miri --version)"
echo "miri: MIRIFLAGS=${MIRIFLAGS}"
cargo +nightly miri test -p runtime-core --lib -- "${skip_args[@]}" "$@" 2>&1 \
    | tee "$log" || status=$?

if [[ "${MIRI_TREE_BORROWS:-1}" != 0 && $status == 0 ]]; then
    seeds=${MIRI_SEEDS:-4}
    echo "miri: the task tests again under Tree Borrows, seeds 0..$seeds"
    MIRIFLAGS="$MIRIFLAGS -Zmiri-tree-borrows -Zmiri-many-seeds=0..$seeds" \
        cargo +nightly miri test -p runtime-core --lib -- task:: "$@" 2>&1 \
        | tee -a "$log" || status=$?
fi

elapsed=$(($(date +%s) - start))
echo
echo "=== miri summary"
grep -E '^test result:|^test .*(FAILED|ignored)|Undefined Behavior|^error|FAILING SEED' "$log" || true
printf 'miri: finished in %dm%02ds (exit status %d)\n' $((elapsed / 60)) $((elapsed % 60)) "$status"
exit "$status"
