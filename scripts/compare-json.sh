#!/usr/bin/env bash
# Shows that a change leaves the JSON the executables produce byte-identical: builds `monitor` and
# `detector` (debug) at BASE (a git revision) and in the working tree, records both with
# scripts/json-snapshot.sh on the same inputs, and compares every file.
#
# Usage: scripts/compare-json.sh BASE
#   BASE_BUILD  a directory holding a monitor and a detector already built at BASE (skips that build)
# Exits 0 when every file is identical, 1 with the differences otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:?usage: scripts/compare-json.sh BASE-REVISION}
work=$(mktemp -d)
cleanup() { git worktree remove --force "$work/base" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

base_bin=${BASE_BUILD:-}
if [ -z "$base_bin" ]; then
  git worktree add --detach "$work/base" "$base" >/dev/null
  (cd "$work/base" && swift build --product monitor >&2 && swift build --product detector >&2)
  base_bin=$work/base/.build/debug
fi
swift build --product monitor >&2
swift build --product detector >&2

scripts/json-snapshot.sh "$base_bin/monitor" "$base_bin/detector" "$work/before" >&2
scripts/json-snapshot.sh .build/debug/monitor .build/debug/detector "$work/after" >&2
if diff -r "$work/before" "$work/after"; then
  echo "compare-json: $(ls "$work/after" | wc -l) files, $(cat "$work/after"/* | wc -l) lines byte-identical between $base and the working tree"
else
  echo "compare-json: the JSON differs between $base and the working tree (above)" >&2
  exit 1
fi
