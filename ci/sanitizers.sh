#!/usr/bin/env bash
# Runs the test suites under AddressSanitizer (out-of-bounds and
# use-after-free accesses, double frees, and, with LeakSanitizer, memory
# still allocated at exit) and ThreadSanitizer (data races between threads,
# including races on memory freed by another thread). Both need a nightly
# toolchain with the rust-src component: the standard library is rebuilt
# with the same sanitizer (-Zbuild-std), as the sanitizers require every
# crate of the program to be instrumented alike.
#
# Usage: ci/sanitizers.sh [asan] [tsan]      (default: both)
#   SANITIZERS_FULL=1 ci/sanitizers.sh       also the facade's integration
#                                            tests and runtime-io's (ASan: a
#                                            release build, ~10 min here;
#                                            TSan: debug, longer)
#
# By default (and in CI) each sanitizer runs runtime-core's unit tests: the
# task cells and their reference counts, the scheduler's hand-offs between
# threads, the timer wheel, every sync primitive. docs/testing.md
# ("Sanitizers") lists what each run found.
#
# Without the nightly toolchain or its rust-src component this prints why and
# exits 0: it never installs or downloads anything.
set -euo pipefail
cd "$(dirname "$0")/.."

export RUSTUP_AUTO_INSTALL=0
if ! rustc +nightly --version >/dev/null 2>&1; then
    echo "sanitizers: no nightly toolchain on this machine; skipping"
    exit 0
fi
sysroot=$(rustc +nightly --print sysroot)
if [ ! -d "$sysroot/lib/rustlib/src/rust/library" ]; then
    echo "sanitizers: the nightly rust-src component is not installed (needed for -Zbuild-std); skipping (install with: rustup component add rust-src --toolchain nightly)"
    exit 0
fi
target=$(rustc +nightly -vV | sed -n 's/^host: //p')

if [ "$#" -gt 0 ]; then kinds=("$@"); else kinds=(asan tsan); fi

export CARGO_TERM_COLOR=never
log=$(mktemp "${TMPDIR:-/tmp}/runtime-sanitizers.XXXXXX")
trap 'rm -f "$log"' EXIT
status=0
start=$(date +%s)

run() { # kind, extra cargo args...
    local kind=$1
    shift
    local flag
    case $kind in
        asan) flag=address ;;
        tsan) flag=thread ;;
        *)
            echo "sanitizers: unknown kind '$kind' (asan, tsan)" >&2
            exit 2
            ;;
    esac
    echo "sanitizers: $kind: cargo test $*"
    # Own target directory per sanitizer: instrumented builds must not mix
    # with each other or with the normal build.
    RUSTFLAGS="-Zsanitizer=$flag" CARGO_TARGET_DIR="target/$kind" \
        nice cargo +nightly test -Zbuild-std --target "$target" "$@" 2>&1 \
        | tee -a "$log" || status=$?
}

# detect_leaks: LeakSanitizer reports memory still reachable from nowhere at
# exit. halt_on_error=0 (TSan): report every race, not just the first.
export ASAN_OPTIONS="detect_leaks=1 ${ASAN_OPTIONS:-}"
export TSAN_OPTIONS="halt_on_error=0 ${TSAN_OPTIONS:-}"

for kind in "${kinds[@]}"; do
    run "$kind" -p runtime-core --lib
    if [[ "${SANITIZERS_FULL:-0}" == 1 ]]; then
        # The facade's integration tests (real sockets, the fault families,
        # hyper), runtime-io's own; the trybuild UI test is skipped (it runs
        # cargo itself, without these flags).
        profile=()
        [[ $kind == asan ]] && profile=(--release)
        run "$kind" "${profile[@]}" -p runtime -p runtime-io --tests \
            --features hyper,tokio-io -- --exact --skip ui
    fi
done

elapsed=$(($(date +%s) - start))
echo
echo "=== sanitizers summary"
grep -E '^test result:|^test .*FAILED|^(==[0-9]+==)?(ERROR|WARNING): (Address|Thread|Leak)Sanitizer|^SUMMARY: ' "$log" \
    | sort | uniq -c || true
printf 'sanitizers: finished in %dm%02ds (exit status %d)\n' $((elapsed / 60)) $((elapsed % 60)) "$status"
exit "$status"
