#!/usr/bin/env bash
# One phase of `make test`, timed:
#   scripts/phase.sh NAME COMMAND [ARGUMENT...]   runs COMMAND, then prints "phase NAME: 12.3 s"
#                                                 (or "failed (status S) after …") and records it
#   scripts/phase.sh --reset                      starts a new record
#   scripts/phase.sh --summary                    prints every recorded phase and the total
# A failed phase also prints the summary so far, so the log of a failed run says where the time
# went. The record is PHASE_LOG (default .build/test-phases.log).
set -uo pipefail
log=${PHASE_LOG:-.build/test-phases.log}
mkdir -p "$(dirname "$log")"

summary() {
  [ -s "$log" ] || return 0
  awk -F'\t' '{ printf "  %-14s %8.1f s  %s\n", $1, $2, $3; total += $2 } END { printf "  %-14s %8.1f s\n", "total", total }' "$log"
}

case "${1:-}" in
  --reset) : > "$log"; exit 0 ;;
  --summary) echo "make test phases:"; summary; exit 0 ;;
  "" | -*) echo "usage: $0 NAME COMMAND [ARGUMENT...] | --reset | --summary" >&2; exit 2 ;;
esac

name=$1; shift
start=$(date +%s.%N)
"$@"
status=$?
seconds=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
if [ "$status" -eq 0 ]; then
  printf '%s\t%s\tok\n' "$name" "$seconds" >> "$log"
  echo "phase $name: $seconds s"
else
  printf '%s\t%s\tfailed (status %s)\n' "$name" "$seconds" "$status" >> "$log"
  echo "phase $name: failed (status $status) after $seconds s"
  echo "make test phases so far:"; summary
fi
exit "$status"
