#!/usr/bin/env bash
# Records what the two executables answer for fixed inputs, so that two builds can be compared
# byte for byte (scripts/compare-json.sh): the lines of `monitor --pcap FILE --offline` (with and
# without the rules and models), the detector's answers to POST /detect (windows one by one and
# in a batch, authentication events, bad bodies), /classify_username, /train, /stats and /health,
# and the monitor's /stats and /stats/history after replaying a capture. Values that measure
# time (uptime_seconds, last_training_seconds, verdict_received_at) are replaced by "MASKED";
# everything else is kept exactly as sent.
#
# Usage: scripts/json-snapshot.sh MONITOR DETECTOR OUT_DIR
# Inputs: a capture this script writes (scripts/make-sample-pcap.py) and, when present, every
# capture of ../shared/data/pcap (read in place).
set -euo pipefail
monitor=$(realpath "$1"); detector=$(realpath "$2"); out=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

mask() { sed -E 's/"(uptime_seconds|last_training_seconds|verdict_received_at)":("[^"]*"|[-0-9.eE+]+|null)/"\1":"MASKED"/g'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { # URL: poll until it answers at all (up to 120 s)
  for _ in $(seq 1 1200); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "json-snapshot: $1 never answered" >&2; return 1
}

python3 "$here/make-sample-pcap.py" "$work/sample.pcap"
captures=("$work/sample.pcap")
if [ -d "$here/../../shared/data/pcap" ]; then
  for f in "$here"/../../shared/data/pcap/*.pcap*; do captures+=("$(realpath "$f")"); done
else
  echo "json-snapshot: ../shared/data/pcap is absent; using the generated capture only" >&2
fi

# 1. Offline lines.
for f in "${captures[@]}"; do
  name=$(basename "$f")
  "$monitor" --pcap "$f" --offline > "$out/offline-$name.jsonl"
  "$monitor" --pcap "$f" --offline --windows-only > "$out/windows-$name.jsonl"
done

# 2. The detector.
port=$(free_port)
"$detector" --http-addr "127.0.0.1:$port" --training-interval 1000000s --log-level error &
pids+=($!)
base="http://127.0.0.1:$port"
wait_for "$base/health"
post() { # PATH BODY [CONTENT-TYPE]: one line "STATUS BODY"
  local status
  status=$(curl -s -o "$work/body" -w '%{http_code}' -X POST -H "Content-Type: ${3:-application/json}" --data-binary "$2" "$base$1")
  printf '%s %s\n' "$status" "$(mask < "$work/body")"
}
get() { local status; status=$(curl -s -o "$work/body" -w '%{http_code}' "$base$1"); printf '%s %s\n' "$status" "$(mask < "$work/body")"; }
{
  for f in "${captures[@]}"; do
    while IFS= read -r line; do post /detect "$line"; done < "$out/windows-$(basename "$f").jsonl"
  done
  post /detect "[$(head -3 "$out/windows-sample.pcap.jsonl" | paste -sd,)]"
  post /detect '{"total_attempts":40,"failed_attempts":38,"successful_attempts":2,"unique_ips":1,"username_text":"admin","source_ip":"198.18.0.9"}'
  post /detect '{"total_attempts":3,"failed_attempts":0,"successful_attempts":3,"unique_ips":1,"username_type":"first_name"}'
  post /detect '[{"total_attempts":5,"failed_attempts":1,"successful_attempts":4,"unique_ips":2},{"total_attempts":9,"failed_attempts":9,"successful_attempts":0,"unique_ips":9,"username_text":"root"}]'
  post /detect '{"packets_per_second":'
  post /detect '{"packets_per_second":"many"}'
  post /detect '{"packets_per_second":1.5e308,"bytes_per_second":1,"window_seconds":1}'
  post /detect '[]'
  post /detect ''
  post /detect '{"x":1}' text/plain
  post /detect/prom '{}'
  post /nowhere '{}'
  for name in alice root admin123 'ls -la /etc' 'x7Kq9!pZ' ''; do post /classify_username "{\"username_text\":\"$name\"}"; done
  post /classify_username '{"username":1}'
  get /stats
  post /train "{\"windows\":[$(head -2 "$out/windows-sample.pcap.jsonl" | paste -sd,)]}"
  post /train '{"windows":[{"packets_per_second":-1}]}'
  get /stats
  get /health
} > "$out/detector.txt"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

# 3. The monitor's own view after replaying the generated capture.
port=$(free_port)
"$monitor" --pcap "$work/sample.pcap" --ml-detector-url none --http-addr "127.0.0.1:$port" --log-level error &
pids+=($!)
base="http://127.0.0.1:$port"
wait_for "$base/health"
for _ in $(seq 1 1200); do
  curl -s "$base/health" | grep -q '"phase":"finished"' && break
  sleep 0.1
done
{ get /stats; get /stats/history; get /stats/history?limit=2; get /stats/history?limit=x; } > "$out/monitor.txt"
echo "json-snapshot: $(ls "$out" | wc -l) files in $out"
