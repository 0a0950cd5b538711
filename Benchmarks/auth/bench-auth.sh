#!/usr/bin/env bash
# bench-auth: how soon password guessing is reported from the host's sshd log.
#
# BENCH_AUTH_RUNS (default 5) times: a real sshd in a test namespace's reach (Debian's, unpacked by
# make setup), the monitor following its log (--auth-log, 1 s windows) and posting to a real
# detector, and hydra guessing 200 passwords at its default 4 tasks from the namespace. Per run,
# the time from the first `Failed password` line appearing in sshd's log to the monitor receiving
# the detector's brute_force verdict (its verdict_received_at). Printed as one key=value line with
# the window length measured against (the monitor closes a window every second: the verdict can
# come no sooner than the window that holds the 11th failure closes).
#
# Root (namespaces, sshd in a mount namespace). Uses the debug test build (make check builds it).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "bench-auth needs root (namespaces, sshd)" >&2; exit 1; }
runs=${BENCH_AUTH_RUNS:-5}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! BENCH_AUTH_RUNS="$runs" swift test --skip-build --filter AuthLatencyBenchmark >"$log" 2>&1; then
  tail -40 "$log" >&2
  echo "bench-auth: the measurement failed" >&2
  exit 1
fi
grep '^kind=' "$log"
