#!/usr/bin/env bash
# The demo (make demo): the monitor and the detector on a live interface, real attacks from a test
# namespace, and a live view of every window with its verdict.
#
# As root: a test namespace and veth (198.18.X.0/24) are created, the detector starts on
# 127.0.0.1:5000 and the monitor attaches XDP to the host end (API on 127.0.0.1:8800) and posts
# every window to the detector. scripts/attack-scenario.sh then drives, from the namespace, benign
# traffic (web requests to a local server, DNS lookups, pings) and, between benign phases, an nmap
# SYN scan, an hping3 SYN flood, an hping3 UDP flood, an nmap ping sweep and DNS-tunnel-like
# queries, each bounded in packets and time (about 60 s in all). Each window is shown as it is
# judged: its traffic figures, `ok` or the threats with confidence, attacker and explanation.
# Everything created is removed on exit and on Ctrl-C (namespace, veth, XDP program, route,
# processes).
#
# Without root the same view runs on the simulation source with the same kinds of attacks
# injected (monitor --simulate --simulate-attacks) for DEMO_SECONDS (default 70).
#
#   MONITOR, DETECTOR   the binaries (default .build/release/...; `make demo` builds them)
#   MONITOR_ADDR        the monitor's API (default 127.0.0.1:8800)
#   DETECTOR_ADDR       the detector's API (default 127.0.0.1:5000)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/test-host.sh

MONITOR=${MONITOR:-.build/release/monitor}
DETECTOR=${DETECTOR:-.build/release/detector}
MONITOR_ADDR=${MONITOR_ADDR:-127.0.0.1:8800}
DETECTOR_ADDR=${DETECTOR_ADDR:-127.0.0.1:5000}
DEMO_SECONDS=${DEMO_SECONDS:-70}
for binary in "$MONITOR" "$DETECTOR"; do
  [ -x "$binary" ] || { echo "demo: missing $binary (run make build)" >&2; exit 1; }
done
for address in "$MONITOR_ADDR" "$DETECTOR_ADDR"; do
  if curl -s -o /dev/null --max-time 1 "http://$address/health"; then
    echo "demo: something already answers on $address; stop it or set MONITOR_ADDR / DETECTOR_ADDR" >&2
    exit 1
  fi
done

bold=$'\e[1m' red=$'\e[31m' green=$'\e[32m' reset=$'\e[0m'
if [ ! -t 1 ]; then bold="" red="" green="" reset=""; fi
highlight() { sed -u -e "s/  ok$/  ${green}ok${reset}/" -e "s/  THREAT /  ${red}${bold}THREAT${reset} /"; }

work=$(mktemp -d)
monitor_pid=""
detector_pid=""
scenario_pid=""
ns=""
host=""
cleanup() {
  # A second Ctrl-C (or a signal to the whole process group) must not cut this short.
  trap '' INT TERM
  if [ -n "$scenario_pid" ]; then
    # The scenario's own exit trap stops its web server and removes the sweep's routes; killing
    # the tool it waits for in the namespace lets it run at once.
    kill "$scenario_pid" 2>/dev/null || true
    test_host_stop_processes
    wait "$scenario_pid" 2>/dev/null || true
  fi
  # The monitor detaches its XDP program when it stops.
  if [ -n "$monitor_pid" ]; then kill "$monitor_pid" 2>/dev/null || true; wait "$monitor_pid" 2>/dev/null || true; fi
  if [ -n "$detector_pid" ]; then kill "$detector_pid" 2>/dev/null || true; wait "$detector_pid" 2>/dev/null || true; fi
  test_host_remove
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo; echo "demo: stopping (Ctrl-C)"; exit 130' INT TERM

wait_for() {
  for _ in $(seq 300); do
    curl -sf -o /dev/null "$1" && return 0
    sleep 0.1
  done
  echo "demo: $1 did not answer; logs in $work" >&2
  cat "$work"/*.log >&2 || true
  exit 1
}

# The detector runs in its own session so that Ctrl-C (SIGINT to the terminal's process group,
# which the monitor also gets) cannot stop it before the monitor has posted its last window.
HTTP_ADDR=$DETECTOR_ADDR MODEL_DIR="$work/models" setsid "$DETECTOR" >"$work/detector.log" 2>&1 &
detector_pid=$!
wait_for "http://$DETECTOR_ADDR/health"

# Stops the monitor (its last window still goes to the detector), then prints the detector's counts.
summary() {
  sleep 2
  kill "$monitor_pid" 2>/dev/null || true
  wait "$monitor_pid" 2>/dev/null || true
  monitor_pid=""
  echo
  echo "${bold}windows judged and detections (detector /metrics):${reset}"
  curl -s "http://$DETECTOR_ADDR/metrics" | grep -E '^ml_detector_(verdicts|threats)_total' | sed 's/^/  /' || echo "  none"
}

if [ "$(id -u)" -ne 0 ]; then
  echo "${bold}demo: not root, so XDP cannot be attached: the same view on the simulation source, with injected attacks, for ${DEMO_SECONDS}s${reset}"
  echo "demo: monitor http://$MONITOR_ADDR/metrics /stats   detector http://$DETECTOR_ADDR/metrics /stats   Ctrl-C stops"
  "$MONITOR" --simulate --simulate-attacks --ml-detector-url "http://$DETECTOR_ADDR" --http-addr "$MONITOR_ADDR" \
    --print-verdicts text 2>"$work/monitor.log" > >(highlight) &
  monitor_pid=$!
  sleep "$DEMO_SECONDS"
  summary
  exit 0
fi

test_host_create nmd
echo "${bold}demo: test host $peer_ip (namespace $ns) -> XDP on $host ($host_ip)${reset}"
echo "demo: monitor http://$MONITOR_ADDR/metrics /stats /ready   detector http://$DETECTOR_ADDR/metrics /stats   Ctrl-C stops"
"$MONITOR" --interface "$host" --xdp-mode auto --ml-detector-url "http://$DETECTOR_ADDR" --http-addr "$MONITOR_ADDR" \
  --print-verdicts text 2>"$work/monitor.log" > >(highlight) &
monitor_pid=$!
wait_for "http://$MONITOR_ADDR/ready"
echo "demo: $(curl -s "http://$MONITOR_ADDR/ready")"

show_phases() {
  while read -r _ name edge _ rest; do
    case "$name $edge" in
      "benign start") echo "${bold}== benign traffic: web requests, DNS lookups, pings from $peer_ip${reset}" ;;
      *" start") echo "${bold}== attack: $name from $peer_ip (${rest##*tool })${reset}" ;;
    esac
  done
}
scripts/attack-scenario.sh "$ns" "$host_ip" "$peer_ip" > >(show_phases) &
scenario_pid=$!
wait "$scenario_pid" || true
scenario_pid=""
summary
