#!/usr/bin/env bash
# The threshold rules on the shared captures (../shared/data/pcap, labels.csv).
#
# For each capture: `monitor --pcap FILE --offline` prints its 1-s windows, ThreatRules'
# NetworkRuleTracker evaluates them, and a table shows the expected threat (labels.csv), the
# threats reported in any window, the sources they name, and how many windows had findings;
# then the first explanation of each threat. The same run checks the expectations (the
# NetworkRulesOnCaptures suite in Tests/ThreatRulesTests/NetworkRulesTests.swift): attacks must
# report their threat naming the attacker (or no single source for spoofed/reflected floods);
# benign captures and the nmap probe must report nothing. Exit status 0 when they hold.
#
# Usage: scripts/rules-on-captures.sh [--skip-build]
#   SCRATCH_PATH   SwiftPM scratch directory (default .build)
set -euo pipefail
cd "$(dirname "$0")/.."
scratch="${SCRATCH_PATH:-.build}"

if [[ ! -d ../shared/data/pcap ]]; then
    echo "no captures: ../shared/data/pcap is missing" >&2
    exit 2
fi
if [[ "${1:-}" != "--skip-build" ]]; then
    swift build --scratch-path "$scratch" --build-tests >&2
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
swift test --scratch-path "$scratch" --skip-build --filter NetworkRulesOnCaptures >"$log" 2>&1 || status=$?
# The table and the explanations the suite prints, then its failures, if any.
sed -n '/^capture | expected/,/^$/p; /^first explanation per threat:/,/^$/p' "$log"
if grep -q "skipped" "$log"; then
    grep "skipped" "$log" >&2
    exit 2
fi
if [[ $status -ne 0 ]]; then
    grep -E "✘|recorded an issue" "$log" >&2 || tail -20 "$log" >&2
fi
exit $status
