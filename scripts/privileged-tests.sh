#!/usr/bin/env bash
# The PrivilegedTests suites (root: XDP, namespaces, real traffic), as make test runs them: one
# at a time, because floods are judged by their rate and other suites' load would slow them —
# except the 10-minute benign run, which sends a few thousand packets and only needs its
# monitor and detector to stay quiet, so it runs alongside the others instead of after them.
#
# SwiftPM locks .build for the whole of a `swift test`, so the benign run uses the test binary
# itself (already built by make test's build phase). Its output is printed when it ends; the
# script fails when either run fails.
set -uo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}

bin="$($SWIFT build --show-bin-path)/xdp-threat-detectionPackageTests.xctest"
[ -x "$bin" ] || { echo "privileged-tests: $bin is missing (run swift build --build-tests first)" >&2; exit 1; }
benign_log=$(mktemp "${TMPDIR:-/tmp}/benign-run.XXXXXX")
trap 'rm -f "$benign_log"' EXIT

NO_COLOR=1 "$bin" --testing-library swift-testing --filter BenignRunTests > "$benign_log" 2>&1 &
benign_pid=$!

$SWIFT test --skip-build --no-parallel --filter PrivilegedTests --skip BenignRunTests
serial=$?

wait "$benign_pid"
benign=$?
echo "--- PrivilegedTests.BenignRunTests (ran alongside the suites above): exit $benign ---"
cat "$benign_log"
# A renamed suite would match nothing and pass silently: it must have been reported.
if ! grep -q 'Suite "A benign run raises no alert"' "$benign_log"; then
  echo "privileged-tests: the benign run's suite was not run (renamed?)" >&2
  benign=1
fi
[ "$serial" -eq 0 ] && [ "$benign" -eq 0 ]
