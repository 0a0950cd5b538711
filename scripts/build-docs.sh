#!/usr/bin/env bash
# Builds the DocC catalog of every library (Sources/<Target>/<Target>.docc) with swift-docc-plugin
# and fails when DocC warns (a broken symbol link, an undocumented parameter, …) or when a public
# declaration has no doc comment (scripts/doc-coverage.py).
# Archives: .build/plugins/Swift-DocC/outputs/<Target>.doccarchive
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/doc-coverage.py
targets=(TrafficFeatures WindowFormat AuthEvents EBPFCapture AnomalyModels ThreatRules PromExposition WindowTransport ServiceSupport DetectorService MonitorService)
args=()
for t in "${targets[@]}"; do args+=(--target "$t"); done
log=$(mktemp)
trap 'rm -f "$log" "$log.doc"' EXIT
if ! swift package generate-documentation "${args[@]}" > "$log" 2>&1; then
  cat "$log" >&2
  echo "build-docs: generate-documentation failed" >&2
  exit 1
fi
# DocC's own diagnostics (SwiftPM's notes about dependencies' files are not about our docs).
grep -E "^(warning|error):|: (warning|error):" "$log" | grep -v "found [0-9]* file(s) which are unhandled" > "$log.doc" || true
cat "$log.doc"
if [ -s "$log.doc" ]; then
  echo "build-docs: DocC reported the warnings above" >&2
  exit 1
fi
echo "build-docs: ${#targets[@]} catalogs built without warnings"
