#!/usr/bin/env bash
# Every capture of ../shared/data/pcap/labels.csv through `monitor --pcap FILE --offline`, which
# runs the rules and the models in-process (bootstrap models that learn as the capture plays),
# and a table of what the verdicts report per capture: the threats in any window, the sources
# named, windows with a rule finding, and windows flagged by the models alone.
#
# Usage: scripts/captures-verdicts.sh        (builds the debug monitor first)
#   MONITOR   a monitor binary to use instead
set -euo pipefail
cd "$(dirname "$0")/.."
data=../shared/data/pcap
if [ ! -f "$data/labels.csv" ]; then
  echo "captures-verdicts: $data/labels.csv is absent; nothing to do"
  exit 0
fi
monitor=${MONITOR:-}
if [ -z "$monitor" ]; then
  swift build --product monitor >&2
  monitor=.build/debug/monitor
fi
python3 - "$monitor" "$data" <<'PY'
import csv, json, subprocess, sys
monitor, data = sys.argv[1], sys.argv[2]
print("| capture | class | expected | rule threats (any window) | sources named | windows with rule findings | windows flagged by the models alone |")
print("|---|---|---|---|---|---|---|")
for row in csv.DictReader(open(f"{data}/labels.csv")):
    out = subprocess.run([monitor, "--pcap", f"{data}/{row['file']}", "--offline"], capture_output=True, text=True, check=True).stdout
    windows = [json.loads(line) for line in out.splitlines() if line.strip()]
    rules, sources, rule_windows, ml_only = set(), [], 0, 0
    for w in windows:
        v = w["verdict"]
        found = {f["threat"] for f in v["findings"]}
        if found:
            rule_windows += 1
            rules |= found
        elif v["threat_detected"]:
            ml_only += 1
        for ip in v["attacking_ips"]:
            if ip not in sources: sources.append(ip)
    print(f"| {row['file']} | {row['class']} | {row['expected_threat']} | {', '.join(sorted(rules)) or 'nothing'} | "
          f"{', '.join(sources[:3]) or '-'} | {rule_windows}/{len(windows)} | {ml_only} |")
PY
