#!/usr/bin/env bash
# The demo (make demo): the monitor on a live interface, or on simulation without
# privileges, printing one line per window while traffic runs.
#
# As root: a test namespace and veth (198.18.X.0/24) are created, the monitor attaches
# XDP to the host end, and the namespace sends benign traffic (pings, UDP, a few TCP
# connection attempts), then an nmap SYN scan of ports 1-1000, then benign traffic
# again; each phase is bounded in time and rate. Without root the same monitor runs
# on the simulation source. The API is at http://127.0.0.1:8800 (/stats, /metrics,
# /ready, /health) while the demo runs. Everything created is removed on exit and on
# Ctrl-C. DEMO_SECONDS (default 45) bounds the run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/test-host.sh

MONITOR=${MONITOR:-.build/release/monitor}
HTTP_ADDR=${HTTP_ADDR:-127.0.0.1:8800}
DEMO_SECONDS=${DEMO_SECONDS:-45}
[ -x "$MONITOR" ] || { echo "missing $MONITOR (make build)" >&2; exit 1; }

monitor_pid=""
traffic_pid=""
ns=""
host=""
cleanup() {
  # A second Ctrl-C (or a signal to the whole process group) must not cut this short.
  trap '' INT TERM
  if [ -n "$traffic_pid" ]; then kill "$traffic_pid" 2>/dev/null || true; fi
  if [ -n "$monitor_pid" ]; then kill "$monitor_pid" 2>/dev/null || true; wait "$monitor_pid" 2>/dev/null || true; fi
  test_host_remove   # also stops this demo's traffic still running in the namespace
  if [ -n "$traffic_pid" ]; then wait "$traffic_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'echo; echo "stopping (Ctrl-C)"; exit 130' INT TERM

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: not root, so XDP cannot be attached; running the same monitor on the simulation source"
  echo "demo: API at http://$HTTP_ADDR (/stats /metrics /ready /health) for ${DEMO_SECONDS}s"
  "$MONITOR" --simulate --print-windows --ml-detector-url none --http-addr "$HTTP_ADDR" &
  monitor_pid=$!
  sleep "$DEMO_SECONDS"
  exit 0
fi

test_host_create nmd

echo "demo: test host $peer_ip (namespace $ns) -> XDP on $host ($host_ip)"
echo "demo: API at http://$HTTP_ADDR (/stats /metrics /ready /health) for ${DEMO_SECONDS}s; Ctrl-C stops"
"$MONITOR" --interface "$host" --xdp-mode auto --print-windows --ml-detector-url none --http-addr "$HTTP_ADDR" &
monitor_pid=$!
for _ in $(seq 100); do curl -sf "http://$HTTP_ADDR/ready" >/dev/null && break; sleep 0.1; done
echo "demo: $(curl -s "http://$HTTP_ADDR/ready")"

in_ns() { ip netns exec "$ns" "$@"; }
benign() {
  local until=$((SECONDS + $1))
  while [ $SECONDS -lt $until ]; do
    in_ns ping -q -c 5 -i 0.2 "$host_ip" >/dev/null 2>&1 || true
    in_ns hping3 -q -n --udp -p 53 -c 20 -i u20000 "$host_ip" >/dev/null 2>&1 || true
    in_ns hping3 -q -n -S -p 443 -c 3 -i u100000 "$host_ip" >/dev/null 2>&1 || true
  done
}
(
  benign 10
  echo "demo: nmap SYN scan of ports 1-1000 from $peer_ip"
  in_ns nmap -sS -Pn -n -T4 --max-retries 0 -p 1-1000 "$host_ip" >/dev/null 2>&1 || true
  benign $((DEMO_SECONDS - 15))
) &
traffic_pid=$!
sleep "$DEMO_SECONDS"
