#!/usr/bin/env bash
# Load test of the detector's POST /detect with wrk (Debian), on loopback, bounded in time.
#
# Two rounds against a release `detector` started by this script on a free 127.0.0.1 port:
#   mode=full   rules + the trained ensemble (bootstrap models, then /train on windows it was
#               sent), every request scored and fed to the training windows
#   mode=rules  the same binary with --rules-only
# Each prints one line: mode=… req_s=… p50_ms=… p99_ms=… rss_mb=… (RSS of the detector after
# the round, from /proc). The body is a monitor window with top sources (the wire format the
# monitor posts). Targets: full ≥ 10,000 req/s, p99 < 5 ms, RSS < 100 MB.
#
# Environment: BENCH_SECONDS (10), BENCH_CONNECTIONS (16), BENCH_THREADS (2), SWIFT (swift).
set -euo pipefail
cd "$(dirname "$0")/../.."
SWIFT=${SWIFT:-swift}
seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-16}
threads=${BENCH_THREADS:-2}

command -v wrk >/dev/null || { echo "bench-detector: wrk is missing (make setup installs it)" >&2; exit 1; }
echo "bench-detector: building detector (release)" >&2
"$SWIFT" build -c release --product detector >&2
binary=.build/release/detector

work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

cat > "$work/window.json" <<'JSON'
{"packets_per_second": 1247, "bytes_per_second": 987432, "unique_ips": 23, "unique_ports": 15,
 "tcp_packets": 1200, "udp_packets": 47, "syn_packets": 89, "icmp_packets": 0, "window_seconds": 1.0,
 "window_start": "2026-11-24T10:00:00Z", "interface": "eth0", "source": "xdp",
 "top_sources": [{"ip": "198.18.0.2", "packets": 300, "bytes": 200000, "syn_packets": 20,
                  "unique_ports": 2, "unique_hosts": 1}]}
JSON
body=$(tr -d '\n' < "$work/window.json" | sed 's/"/\\"/g')
cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = "$body"
done = function(summary, latency, requests)
  io.write(string.format("RESULT req_s=%.0f p50_ms=%.3f p99_ms=%.3f errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
LUA

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

round() {
  local mode=$1; shift
  local port; port=$(free_port)
  "$binary" --http-addr "127.0.0.1:$port" --training-interval 3600s --log-level warning "$@" >"$work/$mode.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/$mode.log" >&2; exit 1; }
    sleep 0.1
  done
  if [ "$mode" = full ]; then
    # Trained from data, not only the bootstrap: a few hundred windows, then /train.
    for _ in $(seq 1 60); do
      curl -sf -XPOST -H 'Content-Type: application/json' --data-binary @"$work/window.json" "http://127.0.0.1:$port/detect" >/dev/null
    done
    curl -sf -XPOST "http://127.0.0.1:$port/train" >/dev/null
  fi
  local result
  result=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" -s "$work/post.lua" "http://127.0.0.1:$port/detect" | grep '^RESULT')
  local rss_kb; rss_kb=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
  echo "mode=$mode ${result#RESULT } rss_mb=$(awk -v k="$rss_kb" 'BEGIN {printf "%.1f", k/1024}')"
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}

round full
round rules --rules-only
