#!/usr/bin/env bash
# Checks runtime-core's floors: a module never imports one from a higher
# floor, outside its tests. The order (docs/architecture.md, "Floors"):
#
#   loom, diagnostics  <  coop  <  task  <  time  <  scheduler  <  sync, group
#
# (runtime-io sits above runtime-core and the facade above both; Cargo
# already forbids the reverse, since a crate cannot depend on its
# dependents.) A `crate::<module>` path in a file of a lower floor is an
# upward import. Test code is skipped: files named `*tests.rs` or under a
# `tests/` folder, the item right after a `#[cfg(test)]` / `#[cfg(all(test`
# attribute, and, when that item is an inline `mod ... {`, the rest of the
# file (inline test modules sit at the end).
#
# Known upward imports waiting for their move (issue 19, item 2) are listed
# in ci/layers.allow as `<file> <target floor>`. The check fails on any
# upward import not listed there, and on any listed one that is gone (so the
# list only ever shrinks and stays true).
#
# Usage: ci/layers.sh
set -euo pipefail
cd "$(dirname "$0")/.."

src=runtime-core/src
allow=ci/layers.allow

rank() {
  case "$1" in
    loom | diagnostics) echo 0 ;;
    coop) echo 1 ;;
    task) echo 2 ;;
    time) echo 3 ;;
    scheduler) echo 4 ;;
    sync | group) echo 5 ;;
    *) echo "" ;;
  esac
}

found=$(mktemp)
trap 'rm -f "$found"' EXIT
while IFS= read -r file; do
  rel=${file#"$src"/}
  top=${rel%%/*}
  top=${top%.rs}
  from=$(rank "$top")
  [ -n "$from" ] || continue
  case "$rel" in
    */tests/* | *tests.rs) continue ;;
  esac
  # Every `crate::<name>` outside comments, up to the first test attribute.
  awk '
    /^[[:space:]]*#\[cfg\((all\()?test/ { in_test = 1; next }
    in_test && /^[[:space:]]*#\[/ { next }
    in_test && /^[[:space:]]*(pub(\([a-z]+\))? )?mod [A-Za-z_]+ *\{/ { exit }
    in_test { in_test = 0; next }
    {
      line = $0
      sub(/\/\/.*/, "", line)
      while (match(line, /crate::[A-Za-z_]+/)) {
        print substr(line, RSTART + 7, RLENGTH - 7)
        line = substr(line, RSTART + RLENGTH)
      }
    }
  ' "$file" | sort -u | while IFS= read -r target; do
    to=$(rank "$target")
    if [ -n "$to" ] && [ "$to" -gt "$from" ]; then
      echo "$rel $target"
    fi
  done
done < <(find "$src" -name '*.rs' | sort) | sort -u >"$found"

status=0
while IFS= read -r entry; do
  if ! grep -qxF "$entry" <(grep -v '^#' "$allow" | sed '/^$/d'); then
    echo "layers: ${entry% *} imports crate::${entry##* } from a higher floor" >&2
    status=1
  fi
done <"$found"
while IFS= read -r entry; do
  if ! grep -qxF "$entry" "$found"; then
    echo "layers: ci/layers.allow lists '$entry', which no longer imports upward: remove the line" >&2
    status=1
  fi
done < <(grep -v '^#' "$allow" | sed '/^$/d')

if [ "$status" -eq 0 ]; then
  echo "layers: no upward import in runtime-core beyond the $(grep -vc '^#\|^$' "$allow") listed in $allow"
fi
exit "$status"
